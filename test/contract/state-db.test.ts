/**
 * The StateDb contract (src/store/state-db.ts), run against both implementations: SQLite (a file per
 * profile) and PostgreSQL (team mode, a real server from scripts/start-postgres.sh, a fresh database
 * for this file). Whatever a capability may rely on is here: placeholders, integers as numbers,
 * transactions and rollback, migrations applied once (also by two processes at once), advisory
 * locks, SKIP LOCKED, and an owner whose process died being known as gone.
 *
 * The PostgreSQL half runs under CI, with DESKCTL_TEST_PG=1, or where PostgreSQL is installed;
 * otherwise it skips with one line. Under CI=true a server that cannot be started fails the run.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOwnerId } from '../../src/store/owner.js';
import { PgStateDb } from '../../src/store/pg-state-db.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { SqliteStateDb } from '../../src/store/sqlite-state-db.js';
import type { SchemaNamespace, StateDb } from '../../src/store/state-db.js';
import { StateStore } from '../../src/store/state-store.js';
import type { Paths } from '../../src/config/paths.js';
import { ROOT } from '../support/cli.js';
import { pgForSuite, type PgServer } from '../support/pg-server.js';
import { freePort } from '../support/rt-server.js';
import { notDefined } from '../support/prereqs.js';

type MigratingDb = StateDb & { migrate(ns: SchemaNamespace): Promise<void> };

interface Store {
  /** A new connection to the same state (another process, in effect). */
  connect(): Promise<MigratingDb>;
  /** The connection a second concurrent writer uses: SQLite serialises writers of one file, so the same one. */
  peer(db: MigratingDb): Promise<MigratingDb>;
  /** Node code (ESM, run from dist/) that opens this store as `db` in a child process. */
  childOpen: string;
}

const pgServer: PgServer | undefined = await pgForSuite('StateDb contract tests on PostgreSQL');
const sqliteDir = mkdtempSync(join(tmpdir(), 'deskctl-statedb-'));
const opened: MigratingDb[] = [];
afterAll(async () => {
  for (const db of opened) await db.close().catch(() => undefined);
  await pgServer?.stop();
  rmSync(sqliteDir, { recursive: true, force: true });
});

const dist = (file: string) => JSON.stringify(join(ROOT, 'dist', 'src', 'store', file));

async function sqliteStore(): Promise<Store> {
  const file = join(sqliteDir, `state-${Math.random().toString(36).slice(2)}.db`);
  const connect = async () => {
    const db = new SqliteStateDb(await openDatabase(file));
    opened.push(db);
    return db;
  };
  return {
    connect,
    peer: async (db) => db,
    childOpen: `const { openDatabase } = await import(${dist('sqlite.js')});
      const { SqliteStateDb } = await import(${dist('sqlite-state-db.js')});
      const db = new SqliteStateDb(await openDatabase(${JSON.stringify(file)}));`,
  };
}

async function pgStore(): Promise<Store> {
  const url = await pgServer!.freshDatabase('statedb');
  const target = { url, shown: url.replace(/:[^:@/]*@/, '@'), schema: 'deskctl_contract_1' };
  const connect = async () => {
    const db = await PgStateDb.open(target);
    opened.push(db);
    return db;
  };
  return {
    connect,
    peer: () => connect(),
    childOpen: `const { PgStateDb } = await import(${dist('pg-state-db.js')});
      const db = await PgStateDb.open(${JSON.stringify(target)});`,
  };
}

const NS: SchemaNamespace = {
  name: 'contract',
  sqlite: [
    `CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0)`,
    `CREATE TABLE applied (what TEXT NOT NULL); INSERT INTO applied (what) VALUES ('v2')`,
  ],
  postgres: [
    `CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, n BIGINT NOT NULL DEFAULT 0)`,
    `CREATE TABLE applied (what TEXT NOT NULL); INSERT INTO applied (what) VALUES ('v2')`,
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const implementations: Array<[string, (() => Promise<Store>) | undefined]> = [
  ['SQLite', sqliteStore],
  ['PostgreSQL', pgServer ? pgStore : undefined],
];

describe.each(implementations)('StateDb on %s', (name, makeStore) => {
  let store: Store;
  let db: MigratingDb;

  beforeAll(async () => {
    if (!makeStore) return;
    store = await makeStore();
    db = await store.connect();
    await db.migrate(NS);
  });

  const test = makeStore ? it : it.skip;
  // PostgreSQL-only cases are not defined at all for SQLite (a skip would read as a missing prerequisite)
  const pgOnly = name === 'PostgreSQL' ? test : notDefined;

  test('numbers ? placeholders, leaves a ? inside a string alone, and returns integers as numbers', async () => {
    await db.run(`INSERT INTO items (name, n) VALUES (?, ?), (?, ?)`, ['what?', 5_000_000_000, 'b', 2]);
    const rows = await db.all<{ name: string; n: number; marker: string }>(`SELECT name, n, 'is it?' AS marker FROM items ORDER BY n`);
    expect(rows).toEqual([
      { name: 'b', n: 2, marker: 'is it?' },
      { name: 'what?', n: 5_000_000_000, marker: 'is it?' },
    ]);
    const agg = await db.get<{ c: number; s: number; id: number }>(`SELECT count(*) AS c, sum(n) AS s, max(id) AS id FROM items`);
    expect(agg).toEqual({ c: 2, s: 5_000_000_002, id: expect.any(Number) });
    expect(await db.get(`SELECT name FROM items WHERE name = ?`, ['none'])).toBeUndefined();
    expect((await db.run(`UPDATE items SET n = n + 1 WHERE name IN (?, ?)`, ['b', 'what?'])).changes).toBe(2);
    await db.run(`DELETE FROM items`);
  });

  test('commits a transaction, and rolls it all back when its work throws', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.run(`INSERT INTO items (name) VALUES (?)`, ['kept']);
      return (await tx.get<{ c: number }>(`SELECT count(*) AS c FROM items`))!.c;
    });
    expect(result).toBe(1);
    await expect(
      db.transaction(async (tx) => {
        await tx.run(`INSERT INTO items (name) VALUES (?)`, ['lost']);
        await tx.run(`UPDATE items SET n = 99`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.all(`SELECT name, n FROM items`)).toEqual([{ name: 'kept', n: 0 }]);
    // a failing statement rolls back too, and the connection stays usable
    await expect(db.transaction(async (tx) => tx.run(`INSERT INTO nowhere VALUES (1)`))).rejects.toThrow();
    expect(await db.get<{ c: number }>(`SELECT count(*) AS c FROM items`)).toEqual({ c: 1 });
    await db.run(`DELETE FROM items`);
  });

  test('applies a namespace once, also when two connections migrate at the same moment', async () => {
    await db.migrate(NS);
    const other = await store.connect();
    const fresh: SchemaNamespace = {
      name: 'contract-concurrent',
      sqlite: [`CREATE TABLE once (x INTEGER); INSERT INTO once VALUES (1)`],
      postgres: [`CREATE TABLE once (x INTEGER); SELECT pg_sleep(0.2); INSERT INTO once VALUES (1)`],
    };
    await Promise.all([db.migrate(fresh), other.migrate(fresh), db.migrate(fresh)]);
    expect(await db.get(`SELECT count(*) AS c FROM once`)).toEqual({ c: 1 });
    expect(await db.get(`SELECT count(*) AS c FROM applied`)).toEqual({ c: 1 });
    expect(await db.all(`SELECT namespace, version FROM schema_versions WHERE namespace LIKE ? ORDER BY namespace`, ['contract%'])).toEqual([
      { namespace: 'contract', version: 2 },
      { namespace: 'contract-concurrent', version: 1 },
    ]);
  });

  test('lock() serialises two check-then-write transactions (no lost update)', async () => {
    await db.run(`INSERT INTO items (name, n) VALUES (?, ?)`, ['counter', 0]);
    const other = await store.peer(db);
    const bump = (conn: StateDb) =>
      conn.transaction(async (tx) => {
        await tx.lock('contract:counter');
        const { n } = (await tx.get<{ n: number }>(`SELECT n FROM items WHERE name = ?`, ['counter']))!;
        await sleep(150);
        await tx.run(`UPDATE items SET n = ? WHERE name = ?`, [n + 1, 'counter']);
      });
    await Promise.all([bump(db), bump(other), bump(db)]);
    expect(await db.get(`SELECT n FROM items WHERE name = ?`, ['counter'])).toEqual({ n: 3 });
    await db.run(`DELETE FROM items`);
  });

  test('an owner whose process was killed (SIGKILL) is known to be gone', async () => {
    const code = `${store.childOpen}
      const { newOwnerId } = await import(${dist('owner.js')});
      const owner = newOwnerId();
      await db.registerOwner(owner);
      process.stdout.write(owner + '\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const owner = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (c) => reject(new Error(`child exited ${c}: ${err}`)));
    });
    expect(await db.ownerAlive(owner)).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = await db.ownerAlive(owner);
      if (alive) await sleep(100);
    }
    expect(alive).toBe(false);
    // this process, and an owner on another host never registered, are not known to be gone
    const me = newOwnerId();
    await db.registerOwner(me);
    expect(await db.ownerAlive(me)).toBe(true);
    expect(await db.ownerAlive('some-other-host/12345/abcd')).toBe(true);
  });

  pgOnly('skipLocked lets two transactions take disjoint rows', async () => {
    expect(db.skipLocked).toBe('FOR UPDATE SKIP LOCKED');
    await db.run(`INSERT INTO items (name) VALUES ('a'), ('b'), ('c'), ('d')`);
    const other = await store.peer(db);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let firstTook: string[] = [];
    const first = db.transaction(async (tx) => {
      firstTook = (await tx.all<{ name: string }>(`SELECT name FROM items ORDER BY id LIMIT 2 ${tx.skipLocked}`)).map((r) => r.name);
      await held;
    });
    while (firstTook.length === 0) await sleep(10);
    const secondTook = await other.transaction(async (tx) =>
      (await tx.all<{ name: string }>(`SELECT name FROM items ORDER BY id LIMIT 2 ${tx.skipLocked}`)).map((r) => r.name),
    );
    release();
    await first;
    expect(firstTook).toEqual(['a', 'b']);
    expect(secondTook).toEqual(['c', 'd']);
    await db.run(`DELETE FROM items`);
  });

  pgOnly('a process whose registered session ends stops writing (others now own its claims)', async () => {
    const victim = await store.connect();
    const owner = newOwnerId();
    await victim.registerOwner(owner);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inFlight = victim.transaction(async (tx) => {
      await tx.run(`INSERT INTO items (name) VALUES (?)`, ['claimed-by-victim']);
      await held;
    });
    await db.run(`SELECT pg_terminate_backend(backend_pid) FROM owner_sessions WHERE owner = ?`, [owner]);
    for (let i = 0; i < 50 && (await db.ownerAlive(owner)); i++) await sleep(50);
    expect(await db.ownerAlive(owner)).toBe(false);
    await sleep(100); // the victim's client sees its socket close
    release();
    await expect(inFlight).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining('lost this process') });
    await expect(victim.run(`INSERT INTO items (name) VALUES (?)`, ['after'])).rejects.toMatchObject({ exitCode: 1 });
    expect(await db.get(`SELECT count(*) AS c FROM items`)).toEqual({ c: 0 });
  });

  pgOnly('tx.ownerAlive works while every pooled connection is in a transaction', async () => {
    const fresh = await store.connect();
    let started = 0;
    const all = (async () => {
      while (started < 4) await sleep(5);
    })();
    const results = await Promise.race([
      Promise.all(
        Array.from({ length: 4 }, () =>
          fresh.transaction(async (tx) => {
            started++;
            await all; // all four connections of the pool are now held
            return tx.ownerAlive('some-other-host/1/ab');
          }),
        ),
      ),
      sleep(5_000).then(() => 'stuck'),
    ]);
    expect(results).toEqual([true, true, true, true]);
  });

  pgOnly('lock() outside a transaction is refused rather than silently released', async () => {
    await expect(db.lock('x')).rejects.toThrow(/outside a transaction/);
  });
});

describe.skipIf(!pgServer)('StateStore in team mode (PostgreSQL)', () => {
  const paths = (): Paths => ({ configDir: sqliteDir, dataDir: sqliteDir, templatesDir: sqliteDir });
  const target = async (mutate: (u: URL) => void = () => undefined) => {
    const u = new URL(await pgServer!.freshDatabase('store'));
    mutate(u);
    const shown = new URL(u);
    shown.password = '';
    return { url: u.toString(), shown: shown.toString(), schema: 'deskctl_local_profile_default_0123456789', account: 'local:profile:default', source: 'DESKCTL_STATE_URL' };
  };

  it('says where the state lives, without the password, and migrates into its own schema', async () => {
    const t = await target();
    const store = await StateStore.open(paths(), 'default', t);
    try {
      expect(store.location).toEqual({ kind: 'postgres', url: t.shown, schema: t.schema, account: t.account, source: t.source });
      expect(store.describe()).not.toContain('deskctl@');
      const db = await store.ensure(NS);
      expect(await db.get(`SELECT current_schema() AS s`)).toEqual({ s: t.schema });
    } finally {
      await store.close();
    }
  });

  it('a wrong password is exit 4, a refused port exit 1 within the connect timeout; the password is never in the message', async () => {
    const wrong = await target((u) => (u.password = 'not-the-password'));
    const err4 = await StateStore.open(paths(), 'default', wrong).catch((e: unknown) => e);
    expect(err4).toMatchObject({ exitCode: 4, message: expect.stringContaining('password was refused') });
    expect(String((err4 as Error).message)).not.toContain('not-the-password');
    const port = await freePort();
    const refused = await target((u) => (u.port = String(port)));
    const started = Date.now();
    const err1 = await StateStore.open(paths(), 'default', refused).catch((e: unknown) => e);
    expect(err1).toMatchObject({ exitCode: 1, message: expect.stringContaining('unavailable: connection refused') });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('a state database that never answers', () => {
  it('is exit 1 after the connect timeout (about 5 s), not a hang', async () => {
    // accepts the TCP connection, then says nothing (a firewall or a wedged server)
    const sockets: Socket[] = [];
    const silent = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    try {
      const err = await PgStateDb.open({ url: `postgres://u:p@127.0.0.1:${port}/db`, shown: `postgres://u@127.0.0.1:${port}/db`, schema: 's' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 1, message: expect.stringContaining('is unavailable: no answer within the connect timeout') });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
