#!/usr/bin/env node
// Follow-ups sent per second by 1, 2 and 4 `deskctl followup run` processes at once, with the state in
// SQLite (one profile's state.db) and in PostgreSQL (team mode, DESKCTL_STATE_URL), against one fake
// Zendesk on 127.0.0.1 with no rate limit (test/support/fake-zendesk.ts, bundled with esbuild).
//
// Each row: a fresh helpdesk and state, N follow-ups due, then R real processes of bin/deskctl.js started
// together; the time is the wall clock from their start to the last exit (process start-up included, as
// cron runs them), and every follow-up is checked to have been sent exactly once on the helpdesk.
// SQLite: the R processes share one DESKCTL_HOME (one state file); its run lock lets one work while the
// others find it held and exit, so more processes cannot go faster there. PostgreSQL: R DESKCTL_HOMEs
// (R hosts) and one database; due follow-ups are claimed in small batches with SKIP LOCKED, so they share.
//
// Then, to tell the claims and the sent ledger apart from process start-up and HTTP: the same runs in one
// process (runDue R times at once over the real store, with the real sent ledger: PostgreSQL with a
// connection pool each, SQLite sharing one connection), against an in-memory helpdesk that answers at once.
//
// PostgreSQL: DESKCTL_TEST_PG_URL=postgres://SUPERUSER:PASSWORD@HOST:PORT/postgres, else a throwaway
// server from scripts/start-postgres.sh when PostgreSQL is installed; otherwise its rows are skipped.
//
// Usage: node bench/team.js [--followups 1000] [--runners 1,2,4]   (build first)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(arg('--followups', 1000));
const RUNNERS = String(arg('--runners', '1,2,4')).split(',').map(Number);
const T0 = '2026-11-25T10:00:00.000Z';
const RUN_AT = '2026-11-25T12:00:00.000Z';
const bin = join(root, 'bin', 'deskctl.js');

const { build } = await import('esbuild');
const fakeFile = join(root, 'node_modules', '.cache', 'deskctl-bench', 'fake-zendesk.mjs');
await build({ entryPoints: [join(root, 'test', 'support', 'fake-zendesk.ts')], bundle: true, platform: 'node', format: 'esm', outfile: fakeFile, packages: 'external', logLevel: 'warning' });
const { FakeZendesk, zendeskProfileAddArgs } = await import(fakeFile);
const { createContext } = await import('../dist/src/context.js');
const { runDue, scheduleFollowups } = await import('../dist/src/followups/index.js');
const { StateStore } = await import('../dist/src/store/state-store.js');
const { resolveStateTarget } = await import('../dist/src/store/state-url.js');
const { followupLedgerGuard } = await import('../dist/src/store/repeats.js');

function run(argv, env, input = '') {
  return new Promise((res) => {
    const c = spawn(process.execPath, [bin, ...argv], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.stdin.end(input);
    c.on('close', (code) => res({ code, out, err }));
  });
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A PostgreSQL to use: { url, stop } or { skip: reason }. */
async function postgres() {
  if (process.env.DESKCTL_TEST_PG_URL) return { url: process.env.DESKCTL_TEST_PG_URL, stop: async () => undefined };
  const installed = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')));
  if (!installed) return { skip: 'PostgreSQL is not installed (apt-get install postgresql, or set DESKCTL_TEST_PG_URL)' };
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-bench-pg-'));
  const port = await freePort();
  const r = await new Promise((res) => {
    const c = spawn('bash', [join(root, 'scripts', 'start-postgres.sh'), String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => res({ code, out }));
  });
  const stop = async () => {
    const pidFile = join(dir, 'postgres.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((w) => setTimeout(w, 50));
        }
      } catch {
        /* stopped */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (r.code !== 0) {
    await stop();
    return { skip: `scripts/start-postgres.sh failed (see its output)` };
  }
  return { url: r.out.trim().split('\n').pop().trim(), stop };
}

async function freshDatabase(serverUrl) {
  const { default: pg } = await import('pg');
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One row: N due follow-ups, `runners` processes at once. */
async function row(store, runners, stateUrl) {
  const zd = await FakeZendesk.start({ tickets: N });
  for (const t of zd.tickets.values()) t.status = 'open';
  const before = new Map([...zd.comments].map(([id, list]) => [id, list.length]));
  const homes = Array.from({ length: store === 'sqlite' ? 1 : runners }, () => mkdtempSync(join(tmpdir(), 'deskctl-bench-team-')));
  const stateEnv = stateUrl ? { DESKCTL_STATE_URL: stateUrl } : {};
  try {
    for (const home of homes) {
      const add = await run([...zendeskProfileAddArgs(zd, 'zd'), '--use', '--rate-limit', '1000000'], { DESKCTL_HOME: home }, `${zd.apiToken}\n`);
      if (add.code !== 0) throw new Error(`profile add: ${add.err}`);
    }
    const ctx = createContext({}, { env: { ...process.env, DESKCTL_HOME: homes[0], DESKCTL_NOW: T0, ...stateEnv } });
    const now = new Date(T0);
    const dueAt = new Date(now.getTime() + 3_600_000);
    await scheduleFollowups(
      await ctx.store(),
      [...zd.tickets.keys()].map((id) => ({ ticketId: String(id), template: 'follow-up-check-in', dueAt, now, unlessReplied: false })),
    );
    await ctx.close();

    const t = performance.now();
    const results = await Promise.all(
      Array.from({ length: runners }, (_, i) => run(['followup', 'run', '--json'], { DESKCTL_HOME: homes[i % homes.length], DESKCTL_NOW: RUN_AT, ...stateEnv })),
    );
    const s = (performance.now() - t) / 1000;
    const perProcess = results.map((r) => {
      if (r.code !== 0) throw new Error(`followup run exited ${r.code}: ${r.err}`);
      const j = JSON.parse(r.out);
      return j.lockedBy ? 'lock held' : String(j.sent);
    });
    const sent = [...zd.comments].reduce((n, [id, list]) => n + list.length - before.get(id), 0);
    const once = [...zd.comments].every(([id, list]) => list.length - before.get(id) === 1);
    if (sent !== N || !once) throw new Error(`${sent} replies for ${N} follow-ups (exactly once: ${once})`);
    console.log(
      `${store.padEnd(10)} ${String(runners).padStart(2)} runner${runners === 1 ? ' ' : 's'}: ${N} sent in ${s.toFixed(2)} s = ${Math.round(N / s)
        .toString()
        .padStart(4)} follow-ups/s   (per process: ${perProcess.join(', ')})`,
    );
  } finally {
    await zd.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
}

/** Answers at once: tickets open, no comments; counts replies per ticket. */
function memoryHelpdesk(n) {
  const agent = { id: 'a1', name: 'Ada Agent', email: 'ada@example.com', role: 'agent' };
  const replies = new Map();
  const ticket = (id) => ({ id, subject: `Ticket ${id}`, status: 'open', priority: 'normal', channel: 'email', requester: { id: `c${id}`, name: `Customer ${id}`, email: `c${id}@example.org`, role: 'customer' }, assignee: agent, group: null, tags: [], createdAt: T0, updatedAt: T0, reopenCount: 0, customFields: {} });
  return {
    replies,
    kind: 'memory',
    displayName: 'Memory',
    capabilities: { priority: true, channels: true, groups: true, internalNotes: true, tags: true, ratings: [], serverFilters: [], defaultConcurrency: 4 },
    async getTicket(id) {
      return ticket(id);
    },
    async listComments() {
      return [];
    },
    async addComment(id, c) {
      replies.set(id, (replies.get(id) ?? 0) + 1);
      return { id: `k${id}-${replies.get(id)}`, ticketId: id, author: agent, authorRole: 'agent', public: c.public, body: c.body, createdAt: new Date().toISOString() };
    },
    async currentAgent() {
      return agent;
    },
    async close() {},
    count: n,
  };
}

/** One in-process row: `runners` runDue over their own connections to one store. */
async function inProcessRow(store, runners, stateUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-bench-team-mem-'));
  const paths = { configDir: dir, dataDir: join(dir, 'data'), templatesDir: join(dir, 'templates') };
  const target = stateUrl ? resolveStateTarget({ env: { DESKCTL_STATE_URL: stateUrl, DESKCTL_STATE_NAMESPACE: `bench-${randomBytes(4).toString('hex')}` }, profileName: 'bench', secret: () => undefined }) : undefined;
  const stores = [];
  try {
    // SQLite: one connection shared (two in one thread would wait on each other's write lock); the run lock still decides
    for (let i = 0; i < runners; i++) stores.push(store === 'sqlite' && i > 0 ? stores[0] : await StateStore.open(paths, 'bench', target));
    const hd = memoryHelpdesk(N);
    const now = new Date(T0);
    const dueAt = new Date(now.getTime() + 3_600_000);
    await scheduleFollowups(stores[0], Array.from({ length: N }, (_, i) => ({ ticketId: String(i + 1), template: 't', dueAt, now, unlessReplied: false })));
    const runAt = new Date(RUN_AT);
    const compose = async (f, t) => ({ body: `Hi ${t.requester.name}, checking in on "${t.subject}".`, public: true, patch: {} });
    const t = performance.now();
    const sums = await Promise.all(
      stores.map(async (st) => {
        const ledger = followupLedgerGuard(await st.ledger(() => runAt), new Date(0), () => runAt);
        try {
          return await runDue({ store: st, provider: hd, compose, ledger, now: runAt });
        } finally {
          await ledger.stop();
        }
      }),
    );
    const s = (performance.now() - t) / 1000;
    const once = hd.replies.size === N && [...hd.replies.values()].every((c) => c === 1);
    if (!once) throw new Error(`in-process: ${hd.replies.size} tickets replied for ${N} follow-ups, not each once`);
    console.log(
      `${store.padEnd(10)} ${String(runners).padStart(2)} runner${runners === 1 ? ' ' : 's'}: ${N} sent in ${s.toFixed(2)} s = ${Math.round(N / s)
        .toString()
        .padStart(4)} follow-ups/s   (per runner: ${sums.map((x) => (x.lockedBy ? 'lock held' : x.sent)).join(', ')})`,
    );
  } finally {
    for (const st of new Set(stores)) await st.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`followup run: ${N} due follow-ups, fake Zendesk without rate limit, wall clock from start to the last process's exit`);
for (const r of RUNNERS) await row('sqlite', r);
const pg = await postgres();
if (pg.skip) console.log(`postgres   rows skipped: ${pg.skip}`);
try {
  if (!pg.skip) for (const r of RUNNERS) await row('postgres', r, await freshDatabase(pg.url));
  console.log(`\nthe same in one process (runDue R times at once, sent ledger included), against an in-memory helpdesk answering at once:`);
  for (const r of RUNNERS) await inProcessRow('sqlite', r);
  if (pg.skip) console.log(`postgres   rows skipped: ${pg.skip}`);
  else {
    const url = await freshDatabase(pg.url);
    for (const r of RUNNERS) await inProcessRow('postgres', r, url);
  }
} finally {
  await pg.stop?.();
}
