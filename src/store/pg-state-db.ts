import { hostname } from 'node:os';
import type { Client, ClientConfig, Pool, PoolClient, QueryResultRow } from 'pg';
import { DeskctlError, ExitCode } from '../errors.js';
import { ownerMayBeAlive } from './owner.js';
import { stateDbError } from './pg-errors.js';
import { numberPlaceholders, quoteIdent, type RunResult, type SchemaNamespace, type SqlParams, type StateDb } from './state-db.js';

type PgModule = typeof import('pg');

/** int8 (counts, ids, sums) and numeric come back as numbers, as SQLite gives them. */
const NUMBER_TYPES = new Set([20, 1700]);
const CONNECT_TIMEOUT_MS = 5_000;

export interface PgTarget {
  /** The URL with its password: handed to the driver only. */
  url: string;
  /** The URL without its password, for messages. */
  shown: string;
  /** The PostgreSQL schema holding this account's state (search_path of every connection). */
  schema: string;
}

/** Runs statements on one client: the pool for single statements, a checked-out client inside a transaction. */
interface Queryable {
  query<R extends QueryResultRow>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Who this process's owners are to every host: the connection it keeps open (see registerOwner). */
const SESSIONS_TABLE = `CREATE TABLE IF NOT EXISTS owner_sessions (
  owner TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  backend_pid INTEGER NOT NULL,
  backend_start TIMESTAMPTZ NOT NULL,
  registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;
/**
 * True for a row `s` of owner_sessions whose connection is still open: the same server pid, started at
 * the same time (a NULL start, hidden from a role without the rights to see it, counts as the same).
 */
export const SESSION_IS_LIVE = `EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = s.backend_pid
  AND (a.backend_start = s.backend_start OR a.backend_start IS NULL))`;
const VERSIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_versions (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)`;

/**
 * StateDb over a pg.Pool: one schema per helpdesk account (search_path), `?` placeholders numbered,
 * transactions on one checked-out client, advisory locks shared by every host. A connection that
 * cannot be made or is lost becomes a one-line DeskctlError (exit 4 for settings, 1 for an absent server).
 */
export class PgStateDb implements StateDb {
  readonly dialect = 'postgres' as const;
  readonly skipLocked = 'FOR UPDATE SKIP LOCKED';
  private ownerClient?: Promise<Client>;
  /** Set when this process's registered session ended while it was running (see sessionLost). */
  private lost?: DeskctlError;
  private closing = false;
  /** Single statements, each on whichever pooled connection is free. */
  private readonly statements: PgStatements;

  private constructor(
    private readonly pg: PgModule,
    private readonly pool: Pool,
    private readonly config: ClientConfig,
    readonly target: PgTarget,
  ) {
    this.statements = new PgStatements(pool, target.shown);
  }

  /** Connects, creates the account's schema and deskctl's bookkeeping tables if missing; fails fast and clearly. */
  static async open(target: PgTarget): Promise<PgStateDb> {
    const imported = (await import('pg')) as PgModule & { default?: PgModule };
    const pg = imported.default ?? imported;
    const config = clientConfig(pg, target);
    const pool = new pg.Pool({ ...config, max: 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // an idle pooled client whose server went away: the next statement reports it
    pool.on('error', () => undefined);
    const db = new PgStateDb(pg, pool, config, target);
    try {
      await db.transactionOn(async (tx) => {
        // search_path names this schema before it exists: create it qualified, under a lock (two
        // processes creating it at once would otherwise collide on the catalog's unique index)
        await tx.lock(`deskctl:schema:${target.schema}`);
        await tx.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
        await tx.run(VERSIONS_TABLE);
        await tx.run(SESSIONS_TABLE);
      });
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return db;
  }

  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.checkSession();
    return this.statements.all<T>(sql, params);
  }

  async get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    this.checkSession();
    return this.statements.get<T>(sql, params);
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    this.checkSession();
    return this.statements.run(sql, params);
  }

  /**
   * Once this process's registered session is gone, other hosts see its owners as dead and take over
   * their claims: from then on it must not write (or commit) anything, so every statement fails.
   */
  checkSession(): void {
    if (this.lost) throw this.lost;
  }

  private sessionLost(): void {
    this.ownerClient = undefined;
    if (this.closing || this.lost) return;
    this.lost = new DeskctlError(
      `lost this process's session with the state database ${this.target.shown}; stopping, as other hosts now take over its claims`,
      { hint: 'run the command again: it resumes where this run stopped', exitCode: ExitCode.failure },
    );
  }

  transaction<T>(work: (tx: StateDb) => Promise<T>): Promise<T> {
    return this.transactionOn((tx) => work(tx));
  }

  private async transactionOn<T>(work: (tx: PgTransaction) => Promise<T>): Promise<T> {
    this.checkSession();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw stateDbError(err, this.target.shown) ?? err;
    }
    const tx = new PgTransaction(client, this);
    let broken: unknown;
    try {
      await tx.run('BEGIN');
      const result = await work(tx);
      this.checkSession(); // never commit claims other hosts may already have taken over
      await tx.run('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr; // the connection is gone: do not hand it back to the pool
      }
      throw err;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async lock(key: string): Promise<void> {
    throw new Error(`StateDb.lock('${key}') outside a transaction: an advisory transaction lock would be released at once`);
  }

  /** Applies `ns.postgres` once: in one transaction, under an advisory lock, so concurrent processes apply it once. */
  async migrate(ns: SchemaNamespace): Promise<void> {
    await this.transactionOn(async (tx) => {
      await tx.lock(`deskctl:migrate:${this.target.schema}`);
      const row = await tx.get<{ version: number }>(`SELECT version FROM schema_versions WHERE namespace = ?`, [ns.name]);
      const current = row?.version ?? 0;
      for (let i = current; i < ns.postgres.length; i++) await tx.exec(ns.postgres[i]!);
      if (ns.postgres.length > current) {
        await tx.run(
          `INSERT INTO schema_versions (namespace, version) VALUES (?, ?)
           ON CONFLICT (namespace) DO UPDATE SET version = excluded.version`,
          [ns.name, ns.postgres.length],
        );
      }
    });
  }

  /**
   * Records `owner` with this process's own connection (its server pid and start time), kept open until
   * close(): when the process dies or loses the network, the server ends that backend and every host sees it.
   */
  async registerOwner(owner: string): Promise<void> {
    this.checkSession();
    const client = await (this.ownerClient ??= this.connectOwnerClient());
    const socket = socketOf(client);
    socket?.ref?.(); // while we wait on it; unref'd again below
    try {
      await client.query(
        `INSERT INTO owner_sessions (owner, host, pid, backend_pid, backend_start)
         SELECT $1, $2, $3, pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
         ON CONFLICT (owner) DO UPDATE SET host = excluded.host, pid = excluded.pid,
           backend_pid = excluded.backend_pid, backend_start = excluded.backend_start, registered_at = now()`,
        [owner, hostname(), process.pid],
      );
      // long-dead sessions go (their claims expired long ago); recent ones stay, so their owners read as gone
      await client.query(
        `DELETE FROM owner_sessions s WHERE s.registered_at < now() - interval '7 days' AND NOT ${SESSION_IS_LIVE}`,
      );
    } catch (err) {
      throw stateDbError(err, this.target.shown) ?? err;
    } finally {
      socket?.unref?.();
    }
  }

  private async connectOwnerClient(): Promise<Client> {
    const client = new this.pg.Client(this.config);
    try {
      await client.connect();
    } catch (err) {
      this.ownerClient = undefined;
      throw stateDbError(err, this.target.shown) ?? err;
    }
    // the server ending this connection is what tells others we are gone
    client.on('error', () => this.sessionLost());
    client.on('end', () => this.sessionLost());
    return client;
  }

  async ownerAlive(owner: string): Promise<boolean> {
    this.checkSession();
    return ownerAliveOn(this.statements, owner);
  }

  async close(): Promise<void> {
    this.closing = true;
    const owner = this.ownerClient;
    this.ownerClient = undefined;
    const client = owner && (await owner.catch(() => undefined));
    if (client) {
      socketOf(client)?.ref?.(); // or the process may exit before the server has seen the session end
      await client.end().catch(() => undefined);
    }
    await this.pool.end().catch(() => undefined);
  }
}

/** Single statements: on the pool (each may take any connection) or on a transaction's client. */
class PgStatements {
  constructor(
    protected readonly on: Queryable,
    protected readonly shown: string,
  ) {}

  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  /** Several statements in one string (a migration), without parameters. */
  async exec(sql: string): Promise<void> {
    await this.query(sql, undefined);
  }

  protected async query(sql: string, params: SqlParams | undefined) {
    try {
      return params === undefined ? await this.on.query(sql) : await this.on.query(numberPlaceholders(sql), [...params]);
    } catch (err) {
      throw stateDbError(err, this.shown) ?? err;
    }
  }
}

/** The handle a transaction's work receives: its own client, so every statement is inside it. */
class PgTransaction extends PgStatements implements StateDb {
  readonly dialect = 'postgres' as const;
  readonly skipLocked = 'FOR UPDATE SKIP LOCKED';

  constructor(
    client: PoolClient,
    private readonly db: PgStateDb,
  ) {
    super(client, db.target.shown);
  }

  transaction<T>(work: (tx: StateDb) => Promise<T>): Promise<T> {
    return work(this);
  }

  async lock(key: string): Promise<void> {
    await this.run(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, [key]);
  }

  registerOwner(owner: string): Promise<void> {
    return this.db.registerOwner(owner);
  }

  /** On this transaction's own connection: asking the pool from inside a transaction could wait on itself. */
  ownerAlive(owner: string): Promise<boolean> {
    return ownerAliveOn(this, owner);
  }

  async close(): Promise<void> {}
}

/** False when the owner registered and its connection is gone (same backend pid and start no longer there). */
async function ownerAliveOn(on: PgStatements, owner: string): Promise<boolean> {
  const row = await on.get<{ alive: boolean }>(
    `SELECT ${SESSION_IS_LIVE} AS alive FROM owner_sessions s WHERE s.owner = ?`,
    [owner],
  );
  return row ? row.alive : ownerMayBeAlive(owner);
}

/** The owner session's socket: unref'd between uses, so an open session does not keep a finished command alive. */
function socketOf(client: Client): { ref?: () => void; unref?: () => void } | undefined {
  return (client as unknown as { connection?: { stream?: { ref?: () => void; unref?: () => void } } }).connection?.stream;
}

function clientConfig(pg: PgModule, target: PgTarget): ClientConfig {
  return {
    connectionString: target.url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'deskctl',
    // the same unqualified SQL on both stores: this account's schema first, nothing else
    options: `-c search_path=${quoteIdent(target.schema)}`,
    // per client, not pg.types' global table: another user of pg in the process keeps its parsers
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        NUMBER_TYPES.has(oid) ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
    },
  };
}
