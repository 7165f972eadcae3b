import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli } from '../support/cli.js';

/** metrics on a real (pseudo) terminal: a table with arrows and colour; plain JSON through a pipe. */
const NOW = '2026-11-25T09:00:00Z';
let home: string;

beforeAll(() => {
  home = makeHome('deskctl-metrics-tty-');
  expect(runCli(['demo'], { home, env: { DESKCTL_NOW: NOW } }).code).toBe(0);
});
afterAll(() => cleanupHome(home));

async function inTerminal(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const pty = await import('node-pty');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['CI', 'DESKCTL_PROFILE', 'NO_COLOR', 'FORCE_COLOR'].includes(k)) env[k] = v;
  Object.assign(env, { DESKCTL_HOME: home, DESKCTL_NOW: NOW, TERM: 'xterm-256color' }, extraEnv);
  const p = pty.spawn(process.execPath, [BIN, ...args], { cols: 140, rows: 60, cwd: home, env });
  let out = '';
  return new Promise((resolve) => {
    p.onData((d) => (out += d));
    p.onExit(({ exitCode }) => resolve({ code: exitCode, out }));
  });
}

describe('metrics summary on a terminal', () => {
  it('prints a table with values, sample sizes, arrows and coloured changes', async () => {
    const r = await inTerminal(['metrics', 'summary', '--since', '30d']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/METRIC/);
    expect(r.out).toMatch(/CSAT/);
    expect(r.out).toMatch(/[▲▼]/);
    // green for an improvement, red for a change for the worse (ANSI 32 / 31)
    expect(r.out).toMatch(/\u001b\[3[12]m[▲▼]/);
  });

  it('drops colour with NO_COLOR but keeps the arrows', async () => {
    const r = await inTerminal(['metrics', 'summary', '--since', '30d'], { NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/\u001b\[3[12]m/);
    expect(r.out).toMatch(/[▲▼]/);
  });

  it('is JSON without colour through a pipe', () => {
    const r = runCli(['metrics', 'summary', '--since', '30d'], { home, env: { DESKCTL_NOW: NOW, FORCE_COLOR: undefined } });
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });
});
