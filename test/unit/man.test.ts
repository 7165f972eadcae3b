import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

type ManPage = { file: string; roff: string };
let pages: ManPage[];
const dist = (p: string) => import(pathToFileURL(join(ROOT, 'dist', 'src', p)).href);
const tmp = mkdtempSync(join(tmpdir(), 'deskctl-man-'));

beforeAll(async () => {
  const { loadCommandTree } = (await dist('cli.js')) as { loadCommandTree(): Promise<Command> };
  const { manPages } = (await dist('help/man.js')) as { manPages(p: Command, v: string): ManPage[] };
  pages = manPages(await loadCommandTree(), '0.0.0-test');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pageOf = (file: string) => pages.find((p) => p.file === file)!;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('man pages from the command tree', () => {
  it('one page per command, and package.json lists exactly those under "man"', () => {
    const files = pages.map((p) => p.file);
    expect(files).toContain('deskctl.1');
    expect(files).toContain('deskctl-tickets-list.1');
    expect(files).toContain('deskctl-bulk-reply.1');
    expect(files.some((f) => f.includes('help') || f.includes('__'))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string[]; files: string[] };
    expect([...pkg.man].sort(), 'npm run build rewrites the list: commit package.json').toEqual(files.map((f) => `./man/${f}`).sort());
    expect(pkg.files).toContain('man');
  });

  it('have the structure man(7) expects: .TH first, NAME with "name \\- summary", balanced .nf/.fi', () => {
    for (const p of pages) {
      const lines = p.roff.split('\n');
      expect(lines[0], p.file).toMatch(/^\.TH DESKCTL\S* 1 /);
      expect(lines[1], p.file).toBe('.SH NAME');
      expect(lines[2], p.file).toMatch(/^deskctl\S* \\- \S/);
      expect(lines.filter((l) => l === '.nf').length, p.file).toBe(lines.filter((l) => l === '.fi').length);
      expect(lines.filter((l) => /^[.'](?![A-Z]{1,2}\b|\\")/.test(l) && !/^\.(nf|fi|TP|PP|RS|RE|B|I)\b/.test(l)), p.file).toEqual([]);
    }
  });

  it('deskctl-tickets-list(1) lists its flags, output options and examples', () => {
    const roff = pageOf('deskctl-tickets-list.1').roff;
    expect(roff).toContain('.B \\-\\-status <list>');
    expect(roff).toContain('.SH OUTPUT OPTIONS');
    expect(roff).toContain('.SH EXAMPLES');
    expect(roff).toContain('\\fBdeskctl\\-tickets\\fR(1)');
  });

  it('deskctl(1) documents every environment variable and the exit codes', async () => {
    const { ENVIRONMENT } = (await dist('help/environment.js')) as { ENVIRONMENT: { name: string }[] };
    const roff = pageOf('deskctl.1').roff;
    for (const v of ENVIRONMENT) expect(roff).toContain(`.B ${v.name.replace(/-/g, '\\-')}\n`);
    expect(roff).toMatch(/\.SH EXIT STATUS[\s\S]*\.B 4\n/);
  });

  it.skipIf(!has('groff'))('renders with groff without a warning', () => {
    for (const file of ['deskctl.1', 'deskctl-tickets-list.1', 'deskctl-api.1']) {
      const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: pageOf(file).roff, encoding: 'utf8' });
      expect(r.status, file).toBe(0);
      expect(r.stderr, file).toBe('');
    }
  });

  it.skipIf(!has('man'))('renders with man -l', () => {
    const file = join(tmp, 'deskctl-tickets-list.1');
    writeFileSync(file, pageOf('deskctl-tickets-list.1').roff);
    const r = spawnSync('man', ['-l', file], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^DESKCTL-TICKETS-LIST\(1\)/);
    expect(r.stdout).toMatch(/NAME\n\s+deskctl-tickets-list - List and filter tickets/);
    expect(r.stdout).toMatch(/\n\s+--status <list>\n/);
  });
});
