/**
 * A real Request Tracker 5 for integration tests, started with the project's scripts/start-rt.sh
 * (Debian's request-tracker5 on 127.0.0.1 with a fresh SQLite database; the script installs the
 * packages through apt on first use, running `apt-get update` when the first attempt fails).
 *
 * Helpers talk to RT directly (REST2 with a web session, and RT's own Perl API for what REST2
 * cannot do: rights, custom fields applied to queues, auth tokens, messages written as a customer),
 * so tests can seed data and check results without going through deskctl.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const START_RT = join(ROOT, 'scripts', 'start-rt.sh');
/** Present once Debian's request-tracker5 is installed. */
export const RT_SERVER_BIN = '/usr/share/request-tracker5/libexec/rt-server';
const RT_LIB = '/usr/share/request-tracker5/lib';

export interface RtServer {
  /** Web root, e.g. http://127.0.0.1:40123 */
  url: string;
  rest: string;
  port: number;
  stateDir: string;
  /** REST2 call as root (JSON in and out); throws on a non-2xx answer. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** REST2 call as root returning status and body without throwing. */
  raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Runs Perl with RT loaded (RT::Init done, $root = RT->SystemUser); returns stdout. */
  perl(code: string): string;
  stop(): Promise<void>;
}

export type RtStart = { ok: true; server: RtServer } | { ok: false; reason: string; installFailed: boolean };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs one of the project's start scripts (scripts/start-*.sh PORT STATE_DIR) to its end. */
export function runStartScript(script: string, port: number, stateDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script, String(port), stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: String(err) }));
  });
}

/**
 * Starts RT on a free port in a fresh state directory. Resolves { ok: false, installFailed: true } only
 * when RT could not be installed on this machine; any other failure is { ok: false, installFailed: false }.
 */
export async function startRt(): Promise<RtStart> {
  if (!existsSync(START_RT)) return { ok: false, reason: `${START_RT} is missing`, installFailed: true };
  const stateDir = mkdtempSync(join(tmpdir(), 'deskctl-rt-'));
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const r = await runStartScript(START_RT, port, stateDir);
    if (r.code === 0) {
      const url = r.stdout.trim().split('\n').pop()!.trim();
      const server = makeServer(url, port, stateDir);
      // an interrupted test run must not leave RT behind
      const onExit = () => killPidFile(stateDir);
      process.once('exit', onExit);
      const stop = server.stop;
      server.stop = async () => {
        process.off('exit', onExit);
        await stop();
      };
      return { ok: true, server };
    }
    last = r.stderr.trim() || r.stdout.trim();
    if (/installing request-tracker5 failed/.test(last)) {
      const log = join(stateDir, 'install.log');
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      return { ok: false, reason: `${last}${tail ? ` (${tail})` : ''}`, installFailed: true };
    }
    // a port taken between the probe and the start: stop what may be running and try another
    killPidFile(stateDir);
  }
  return { ok: false, reason: last, installFailed: false };
}

function killPidFile(stateDir: string): number | undefined {
  const file = join(stateDir, 'rt.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return undefined;
  }
  return pid;
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function makeServer(url: string, port: number, stateDir: string): RtServer {
  const rest = `${url}/REST/2.0`;
  let cookieP: Promise<string> | undefined;
  const basic = `Basic ${Buffer.from('root:password').toString('base64')}`;
  const login = async (): Promise<string> => {
    const res = await fetch(`${url}/NoAuth/Login.html`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=root&pass=password',
      redirect: 'manual',
    });
    await res.text();
    const c = res.headers.getSetCookie().map((h) => h.split(';')[0]!).find((p) => p.startsWith('RT_SID_'));
    return c ?? '';
  };
  const raw = async (method: string, path: string, body?: unknown) => {
    const cookie = await (cookieP ??= login());
    const res = await fetch(path.startsWith('http') ? path : `${rest}${path}`, {
      method,
      headers: { authorization: basic, ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed };
  };
  return {
    url,
    rest,
    port,
    stateDir,
    raw,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await raw(method, path, body);
      if (r.status < 200 || r.status >= 300) throw new Error(`RT ${method} ${path} -> ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body as T;
    },
    perl(code: string): string {
      const script = `use strict; use warnings; use lib '${RT_LIB}'; use RT; RT::LoadConfig(); RT::Init(); my $root = RT->SystemUser;\n${code}\n`;
      const r = spawnSync('perl', ['-e', script], {
        env: { ...process.env, RT_SITE_CONFIG: join(stateDir, 'RT_SiteConfig.pm'), RT_SITE_CONFIG_DIR: join(stateDir, 'RT_SiteConfig.d') },
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status !== 0) throw new Error(`RT perl failed (${r.status}): ${r.stderr}`);
      return r.stdout;
    },
    async stop(): Promise<void> {
      const pid = killPidFile(stateDir);
      if (pid) for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Quotes a string for a Perl single-quoted literal. */
export const perlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
