import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

let home: string;
// a pager that marks every line it shows, so the test sees what went through it
const MARKING_PAGER = `sed 's/^/paged: /'`;

beforeAll(() => {
  home = makeHome('deskctl-pager-');
  expect(runCli(['demo'], { home }).code).toBe(0);
});
afterAll(() => cleanupHome(home));

interface TermRun {
  code: number;
  out: string;
}

/** Runs deskctl in a pseudo-terminal of `rows` lines; `answer(out)` may return keys to type. */
async function inTerminal(args: string[], env: Record<string, string | undefined>, rows = 10, answer?: (out: string) => string | undefined): Promise<TermRun> {
  const pty = await import('node-pty');
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['CI', 'DESKCTL_PROFILE', 'PAGER', 'DESKCTL_PAGER', 'LESS'].includes(k)) full[k] = v;
  Object.assign(full, { DESKCTL_HOME: home, NO_COLOR: '1', TERM: 'xterm' });
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  const p = pty.spawn(process.execPath, [BIN, ...args], { cols: 160, rows, cwd: home, env: full });
  let out = '';
  let answered = false;
  return new Promise((resolve) => {
    p.onData((d) => {
      out += d;
      const keys = !answered && answer?.(out);
      if (keys) {
        answered = true;
        p.write(keys);
      }
    });
    p.onExit(({ exitCode }) => resolve({ code: exitCode, out: out.replace(/\r/g, '') }));
  });
}

describe('pager for long output on a terminal', () => {
  it('a list taller than the terminal goes through DESKCTL_PAGER', async () => {
    const r = await inTerminal(['tickets', 'list', '--limit', '20'], { DESKCTL_PAGER: MARKING_PAGER, PAGER: 'false' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^paged: +ID +STATUS/m);
    expect(r.out.match(/^paged: #\d+/gm)?.length).toBe(20);
  });

  it('tickets show and help are paged too', async () => {
    const { ticket } = runJson<{ ticket: { subject: string } }>(['tickets', 'show', '689'], { home });
    const show = await inTerminal(['tickets', 'show', '689'], { DESKCTL_PAGER: MARKING_PAGER });
    expect(show.code, show.out).toBe(0);
    expect(show.out).toContain(`paged: ${ticket.subject} #689`);
    const help = await inTerminal(['help', 'tickets', 'list'], { DESKCTL_PAGER: MARKING_PAGER });
    expect(help.out).toMatch(/^paged: Usage: deskctl tickets list/m);
  });

  it('not with --no-pager, not for output that fits, not when DESKCTL_PAGER is cat', async () => {
    const noPager = await inTerminal(['--no-pager', 'tickets', 'list', '--limit', '20'], { DESKCTL_PAGER: MARKING_PAGER });
    expect(noPager.code).toBe(0);
    expect(noPager.out).toMatch(/^ +ID +STATUS/m);
    expect(noPager.out).not.toContain('paged:');
    const short = await inTerminal(['tickets', 'list', '--limit', '3'], { DESKCTL_PAGER: MARKING_PAGER });
    expect(short.out).toMatch(/^#\d+/m);
    expect(short.out).not.toContain('paged:');
    const cat = await inTerminal(['tickets', 'list', '--limit', '20'], { DESKCTL_PAGER: 'cat', PAGER: MARKING_PAGER });
    expect(cat.out).not.toContain('paged:');
  });

  it('PAGER when DESKCTL_PAGER is not set, and the pager setting between the two', async () => {
    const pager = await inTerminal(['tickets', 'list', '--limit', '20'], { PAGER: MARKING_PAGER });
    expect(pager.out).toMatch(/^paged: #\d+/m);
    expect(runCli(['config', 'set', 'pager', `sed 's/^/setting: /'`], { home }).code).toBe(0);
    try {
      const setting = await inTerminal(['tickets', 'list', '--limit', '20'], { PAGER: MARKING_PAGER });
      expect(setting.out).toMatch(/^setting: #\d+/m);
      const env = await inTerminal(['tickets', 'list', '--limit', '20'], { PAGER: 'false', DESKCTL_PAGER: MARKING_PAGER });
      expect(env.out).toMatch(/^paged: #\d+/m);
    } finally {
      expect(runCli(['config', 'unset', 'pager'], { home }).code).toBe(0);
    }
  });

  it('never when stdout is not a terminal', () => {
    const r = runCli(['tickets', 'list', '--limit', '40', '--format', 'table'], { home, env: { DESKCTL_PAGER: MARKING_PAGER, PAGER: MARKING_PAGER } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('paged:');
    expect(r.stdout.split('\n').length).toBeGreaterThan(40);
  });

  it('a preview followed by a question is shown at once, not paged', async () => {
    const r = await inTerminal(['bulk', 'reply', '-t', 'acknowledgement', '--ids', '1,2,3,4,5,6,7,8,9,10,11,12'], { DESKCTL_PAGER: MARKING_PAGER }, 10, (out) => (/\(y\/N\)/.test(out) ? 'n\r' : undefined));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Nothing was sent/);
    expect(r.out).not.toContain('paged:');
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v less']).status !== 0)('defaults to less -FRX, which waits for q on long output', async () => {
    const r = await inTerminal(['tickets', 'list', '--limit', '20'], {}, 10, (out) => (/#\d+[\s\S]*#\d+/.test(out) ? 'q' : undefined));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/ID +STATUS/);
    // less showed one screen (9 lines of 10) and quit on q: the last rows were never printed
    const shown = r.out.match(/^#\d+ /gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(3);
    expect(shown).toBeLessThan(20);
  });
});
