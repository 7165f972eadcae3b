import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli } from '../support/cli.js';

let home: string;
let env: NodeJS.ProcessEnv;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

beforeAll(() => {
  home = makeHome('deskctl-completion-');
  expect(runCli(['demo'], { home }).code).toBe(0);
  expect(runCli(['profile', 'add', 'local', '--name', 'sandbox'], { home }).code).toBe(0);
  mkdirSync(join(home, 'templates'));
  writeFileSync(join(home, 'templates', 'my-own.liquid'), '---\ndescription: x\npublic: true\n---\nHi\n');
  // `deskctl` on the PATH, as after a global install
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'deskctl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'deskctl'), 0o755);
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DESKCTL_HOME: home, NO_COLOR: '1' };
  delete env.DESKCTL_PROFILE;
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = runCli(['completion', shell], { home });
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(home, `completion.${shell}`), r.stdout);
  }
});
afterAll(() => cleanupHome(home));

/** Completions bash offers for a command line (the last word is the one being completed). */
function bash(line: string): string[] {
  const words = line.endsWith(' ') ? [...line.trim().split(/\s+/), ''] : line.split(/\s+/);
  const script = `source ${join(home, 'completion.bash')}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_deskctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { env, cwd: home, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('deskctl completion bash', () => {
  it('completes commands, subcommands and flags from the command tree', () => {
    expect(bash('deskctl tic')).toEqual(['tickets']);
    expect(bash('deskctl tickets list --sta')).toEqual(['--status']);
    expect(bash('deskctl tickets l')).toEqual(['list']);
    expect(bash('deskctl t ls --li')).toEqual(['--limit']); // aliases resolve
    expect(bash('deskctl --profile sandbox metrics summary --group-')).toEqual(['--group-by']);
    expect(bash('deskctl tickets list --pro')).toEqual(['--profile']); // global flags everywhere
    expect(bash('deskctl tickets list --json --sta')).toEqual(['--status']); // after a flag whose value is optional
  });

  it('completes template names for bulk reply -t, from every template folder', () => {
    const names = bash('deskctl bulk reply -t ');
    expect(names).toContain('delay-apology');
    expect(names).toContain('my-own');
    expect(bash('deskctl bulk reply -t delay')).toEqual(['delay-apology']);
    expect(bash('deskctl templates preview -t ')).toEqual([]); // there -t is --ticket
  });

  it('completes statuses, profiles, agents and groups of the embedded helpdesk', () => {
    expect(bash('deskctl tickets list --status ')).toEqual(['new', 'open', 'pending', 'on_hold', 'solved', 'closed', 'unsolved']);
    expect(bash('deskctl profile use ')).toEqual(['local', 'sandbox']);
    expect(bash('deskctl --profile ')).toEqual(['local', 'sandbox']);
    const agents = bash('deskctl tickets update 1 --assignee ');
    expect(agents).toContain('priya.shah@northwind.example');
    expect(agents).toEqual(expect.arrayContaining(['me', 'none']));
    expect(bash('deskctl tickets list --group V')).toEqual(['VIP\\ Care']);
    expect(bash('deskctl metrics trend cs')).toEqual(['csat']);
    expect(bash('deskctl completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(bash('deskctl help tic')).toEqual(['tickets']);
  });

  it('offers no agents for a profile whose helpdesk would need the network', () => {
    expect(runCli(['profile', 'add', 'zendesk', '--name', 'zd', '--url', 'https://acme.zendesk.com', '--client-id', 'x', '--client-secret-env', 'NOPE'], { home }).code).toBe(0);
    expect(bash('deskctl --profile zd tickets list --assignee ')).toEqual(['me', 'none']);
  });
});

describe('deskctl __complete', () => {
  it('answers from files only, one value a line, and nothing for an unknown kind', () => {
    const r = runCli(['__complete', 'groups', '--profile', 'local'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Billing\nSupport\nTechnical\nVIP Care\n');
    expect(runCli(['__complete', 'nope'], { home }).code).toBe(2);
  });
});

describe.skipIf(!has('zsh'))('deskctl completion zsh', () => {
  it('completes in a real zsh (compinit, Tab in a terminal)', async () => {
    const pty = await import('node-pty');
    const p = pty.spawn('zsh', ['-f', '-i'], { cols: 200, rows: 30, cwd: home, env: { ...(env as Record<string, string>), TERM: 'xterm', PS1: '%% ' } });
    let out = '';
    p.onData((d) => (out += d));
    // the screen's text without colour and cursor sequences
    const plain = () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/.\x08/g, '');
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(plain()); i++) await new Promise((r) => setTimeout(r, 50));
      return re.test(plain()) || plain();
    };
    p.write(`autoload -U compinit && compinit -u && source ${join(home, 'completion.zsh')} && echo READY\r`);
    expect(await until(/\nREADY/)).toBe(true);
    out = '';
    p.write('deskctl tic\t');
    expect(await until(/deskctl tickets /)).toBe(true);
    p.write('\x15'); // ^U: clear the line
    out = '';
    p.write('deskctl tickets list --sta\t');
    expect(await until(/--status /)).toBe(true);
    p.write('\x15');
    out = '';
    p.write('deskctl bulk reply -t \t');
    expect(await until(/delay-apology[\s\S]*my-own|my-own[\s\S]*delay-apology/)).toBe(true);
    p.kill();
  });
});

describe.skipIf(!has('fish'))('deskctl completion fish', () => {
  it('completes with fish\'s own engine (complete -C)', () => {
    const ask = (line: string) => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${join(home, 'completion.fish')}; complete -C '${line}'`], { env, cwd: home, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    };
    expect(ask('deskctl tic')).toEqual(['tickets']);
    expect(ask('deskctl tickets list --sta')).toEqual(['--status']);
    expect(ask('deskctl bulk reply -t ')).toEqual(expect.arrayContaining(['delay-apology', 'my-own']));
    expect(ask('deskctl tickets list --group ')).toEqual(expect.arrayContaining(['VIP Care', 'none']));
  });
});
