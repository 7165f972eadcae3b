import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'deskctl.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** A fresh DESKCTL_HOME; remove it with cleanupHome. */
export function makeHome(prefix = 'deskctl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanupHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

function childEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DESKCTL_HOME: opts.home, NO_COLOR: '1', CI: '1' };
  delete env.DESKCTL_PROFILE;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs bin/deskctl.js synchronously (no TTY: stdin is a pipe). */
export function runCli(args: string[], opts: CliOptions): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: childEnv(opts),
    cwd: opts.cwd ?? opts.home,
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs bin/deskctl.js asynchronously (for concurrent runs and kill tests). */
export function startCli(args: string[], opts: CliOptions) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(opts),
    cwd: opts.cwd ?? opts.home,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(opts.input ?? '');
  const done = new Promise<CliResult>((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

export function runJson<T = unknown>(args: string[], opts: CliOptions): T {
  const r = runCli(args, opts);
  if (r.code !== 0) throw new Error(`deskctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
