import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { anchorsOf, brokenLinks, commandLineError, deskctlCommands, markdownFiles, shellWords } from '../support/docs.js';

const README = join(ROOT, 'README.md');

describe('README and docs/', () => {
  it('README.md is at most 15 KB and starts with the two commands a newcomer runs', () => {
    expect(statSync(README).size).toBeLessThanOrEqual(15 * 1024);
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))![1]!;
    expect(firstBlock).toMatch(/^npm install && npm run demo\b/m);
    expect(firstBlock).toMatch(/^npm install && npm test\b/m);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm install && npm test$/m);
  });

  it.each(markdownFiles().map((f) => [relative(ROOT, f), f]))('every relative link in %s resolves', (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('every deskctl command in the README parses with the real command tree', async () => {
    const commands = deskctlCommands(readFileSync(README, 'utf8'));
    expect(commands.length).toBeGreaterThan(15);
    const errors: string[] = [];
    for (const args of commands) {
      const error = await commandLineError(args);
      if (error) errors.push(`deskctl ${args.join(' ')}: ${error}`);
    }
    expect(errors).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('reject an unknown subcommand, an unknown flag, a missing argument and a bad choice', async () => {
    expect(await commandLineError(['tickets', 'list', '--status', 'open'])).toBeUndefined();
    expect(await commandLineError(['tickets', 'lst'])).toMatch(/unknown command 'lst'/);
    expect(await commandLineError(['tickets', 'list', '--stat', 'open'])).toMatch(/unknown option '--stat'/);
    expect(await commandLineError(['tickets', 'show'])).toMatch(/missing required argument/);
    expect(await commandLineError(['tickets', 'list', '--format', 'xml'])).toMatch(/Allowed choices/);
    expect(await commandLineError(['--profile', 'work', 'metrics', 'summary', '--since', '30d'])).toBeUndefined();
  });

  it('find commands in pipes, after &&, behind npx, without comments or redirections', () => {
    const md = '```sh\n$ deskctl tickets list --json | jq .   # note\nnpx deskctl demo && deskctl profile add fd --with-token < key.txt\nDESKCTL_PROFILE=x deskctl bulk reply \\\n  -t a --yes\necho deskctl\n```\n';
    expect(deskctlCommands(md)).toEqual([
      ['tickets', 'list', '--json'],
      ['demo'],
      ['profile', 'add', 'fd', '--with-token'],
      ['bulk', 'reply', '-t', 'a', '--yes'],
    ]);
    expect(shellWords(`a "b c" 'd#e' f\\ g # h`)).toEqual(['a', 'b c', 'd#e', 'f g']);
  });

  it('compute anchors as GitHub does', () => {
    expect([...anchorsOf('# Output and exit codes\n## `deskctl api`\n## Request Tracker (RT 5)\n## A\n## A\n')]).toEqual([
      'output-and-exit-codes',
      'deskctl-api',
      'request-tracker-rt-5',
      'a',
      'a-1',
    ]);
  });
});
