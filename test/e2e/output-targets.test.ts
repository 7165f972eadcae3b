import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli, startCli } from '../support/cli.js';

// §7 of issue 12: where results go. --out follows symlinks and never turns a FIFO or a device into a
// regular file; a failed write on stdout is one line and exit 1; a reader going away is a quiet 0.
const NOW = '2026-11-25T09:00:00Z';
let home: string;
const env = { DESKCTL_NOW: NOW };
const cli = (args: string[]) => runCli(args, { home, env });
const LIST = ['tickets', 'list', '--status', 'all', '--all', '--json']; // ~700 KB of JSON, far over a pipe or a 64 KiB write
const childEnv = () => ({ ...process.env, DESKCTL_HOME: home, DESKCTL_NOW: NOW, NO_COLOR: '1', CI: '1' });

/** Runs deskctl through sh so its stdout can be redirected (`> /dev/full`, `>&-`). */
function viaShell(redirect: string, args: string[]) {
  const r = spawnSync('sh', ['-c', `exec "$0" "$@" ${redirect}`, process.execPath, BIN, ...args], { env: childEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const oneErrorLine = (stderr: string) => {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
};

let expected: string;
beforeAll(() => {
  home = makeHome();
  expect(cli(['demo']).code).toBe(0);
  expected = cli(LIST).stdout;
  expect(expected.length).toBeGreaterThan(256 * 1024);
});
afterAll(() => cleanupHome(home));

describe('stdout write errors', () => {
  it('a full device (> /dev/full) is one error line and exit 1, no stack trace', () => {
    const r = viaShell('> /dev/full', LIST);
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toBe('error: cannot write the output to stdout: no space left on device (ENOSPC)');
  });

  it('a closed stdout (>&-) is one error line and exit 1, not a silent 0', () => {
    const r = viaShell('>&-', LIST);
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toMatch(/standard output is closed \(EBADF\)/);
  });

  it('> /dev/null and stdio ignore still succeed', () => {
    expect(viaShell('> /dev/null', LIST).code).toBe(0);
    const ignored = spawnSync(process.execPath, [BIN, ...LIST], { env: childEnv(), stdio: 'ignore' });
    expect(ignored.status).toBe(0);
  });

  it('a reader that goes away (| head) ends quietly with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, ...LIST], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a disk that fills up mid-write is an error, never exit 0 with the output cut at 64 KiB', (ctx) => {
    const dir = join(home, 'small-disk');
    mkdirSync(dir);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (mount.status !== 0) ctx.skip(`needs root to mount a 64 KiB tmpfs (${(mount.stderr || 'mount failed').trim()}); the write loop is covered by test/unit/stdout.test.ts`);
    try {
      const r = viaShell(`> ${join(dir, 'out.json')}`, LIST);
      expect(r.code).toBe(1);
      expect(oneErrorLine(r.stderr)).toMatch(/ENOSPC/);
    } finally {
      spawnSync('umount', [dir]);
    }
  });
});

describe('--out targets', () => {
  it('follows a symlink: the target is replaced, the link stays, the mode is kept', () => {
    const real = join(home, 'real.json');
    const link = join(home, 'link.json');
    writeFileSync(real, 'old');
    chmodSync(real, 0o600);
    symlinkSync('real.json', link);
    const r = cli([...LIST, '--out', link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.json');
    expect(readFileSync(real, 'utf8')).toBe(expected);
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });

  it('writes into a FIFO in place', async () => {
    const fifo = join(home, 'results.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const run = startCli([...LIST, '--out', fifo], { home, env });
    const reader = spawnSync('cat', [fifo], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(reader.stdout).toBe(expected);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes onto a character device in place (a link to /dev/null stays a link, /dev/null a device)', () => {
    const link = join(home, 'discard');
    symlinkSync('/dev/null', link);
    const r = cli([...LIST, '--out', link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('--out /dev/fd/1 writes to stdout', () => {
    const r = cli([...LIST, '--out', '/dev/fd/1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(expected);
  });

  it('refuses a directory with exit 2', () => {
    const r = cli([...LIST, '--out', home]);
    expect(r.code).toBe(2);
    // refused up front, before anything is read or sent (src/output/validate.ts)
    expect(r.stderr).toMatch(/^error: --out .* is a directory$/m);
    expect(r.stderr).toMatch(/^hint: give a file name/m);
  });
});
