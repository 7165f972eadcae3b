/**
 * A throwaway PostgreSQL for team-mode tests, started with the project's scripts/start-postgres.sh
 * (Debian's postgresql on 127.0.0.1, initdb in a fresh temporary directory; the script installs the
 * package through apt when no server binaries are found). One server per test file; each suite takes
 * a fresh database of it with `freshDatabase()`.
 *
 * DESKCTL_TEST_PG_URL=postgres://SUPERUSER:PASSWORD@HOST:PORT/postgres uses a server you run instead.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ROOT } from './cli.js';
import { IN_CI, mustSkip, pgPrereq } from './prereqs.js';
import { alive, freePort, runStartScript } from './rt-server.js';

export const START_POSTGRES = join(ROOT, 'scripts', 'start-postgres.sh');

/** The newest installed server's bin directory (Debian layout), if any. */
export function installedPgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

export interface PgServer {
  /** Superuser URL of the server's `postgres` database. */
  url: string;
  port: number;
  /** A new, empty database; its URL (same superuser). */
  freshDatabase(prefix?: string): Promise<string>;
  /** Runs one statement as superuser on the `postgres` database. */
  admin(sql: string): Promise<void>;
  stop(): Promise<void>;
}

export type PgStart = { ok: true; server: PgServer } | { ok: false; reason: string };

function serverPid(stateDir: string): number | undefined {
  const file = join(stateDir, 'postgres.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Starts PostgreSQL on a free port (or uses DESKCTL_TEST_PG_URL); stop() shuts it down and removes its files. */
export async function startPg(): Promise<PgStart> {
  const external = process.env.DESKCTL_TEST_PG_URL;
  if (external) return { ok: true, server: makeServer(external, Number(new URL(external).port || 5432), async () => undefined) };
  if (!existsSync(START_POSTGRES)) return { ok: false, reason: `${START_POSTGRES} is missing` };
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const stateDir = mkdtempSync(join(tmpdir(), 'deskctl-pg-'));
    const port = await freePort();
    const r = await runStartScript(START_POSTGRES, port, stateDir);
    const stopServer = async () => {
      const pid = serverPid(stateDir);
      if (pid) {
        try {
          process.kill(pid, 'SIGINT'); // fast shutdown: disconnects clients, no checkpoint wait for them
        } catch {
          /* already gone */
        }
        for (let i = 0; i < 100 && alive(pid); i++) await new Promise((res) => setTimeout(res, 50));
      }
      rmSync(stateDir, { recursive: true, force: true });
    };
    if (r.code === 0) {
      const url = r.stdout.trim().split('\n').pop()!.trim();
      // an interrupted test run must not leave PostgreSQL behind
      const onExit = () => {
        const pid = serverPid(stateDir);
        if (pid) {
          try {
            process.kill(pid, 'SIGINT');
          } catch {
            /* gone */
          }
        }
      };
      process.once('exit', onExit);
      return {
        ok: true,
        server: makeServer(url, port, async () => {
          process.off('exit', onExit);
          await stopServer();
        }),
      };
    }
    last = r.stderr.trim() || r.stdout.trim();
    await stopServer();
    if (/installing postgresql failed|no initdb/.test(last)) break;
  }
  return { ok: false, reason: last };
}

function makeServer(url: string, port: number, stop: () => Promise<void>): PgServer {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    port,
    admin,
    async freshDatabase(prefix = 't') {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
      await admin(`CREATE DATABASE ${name}`);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop,
  };
}

/**
 * The server a test file runs against, or undefined when it must skip (said in one line). Under
 * CI=true a server that cannot be started fails the file instead.
 */
export async function pgForSuite(suite: string): Promise<PgServer | undefined> {
  if (mustSkip(suite, pgPrereq(installedPgBin()))) return undefined;
  const started = await startPg();
  if (started.ok) return started.server;
  if (IN_CI) throw new Error(`${suite}: PostgreSQL could not be started: ${started.reason}`);
  process.stderr.write(`[skipped] ${suite}: PostgreSQL could not be started here: ${started.reason}\n`);
  return undefined;
}
