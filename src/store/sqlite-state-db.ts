import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from './sqlite.js';
import type { RunResult, SchemaNamespace, SqlParams, StateDb } from './state-db.js';
import { ownerMayBeAlive } from './owner.js';
import { migrate } from './sqlite.js';

/**
 * StateDb over one better-sqlite3 connection. Statements run synchronously underneath, but a
 * transaction's work is async (it may await other statements), so one in-process queue keeps a
 * statement of another task from landing inside someone else's open transaction.
 */
export class SqliteStateDb implements StateDb {
  readonly dialect = 'sqlite' as const;
  readonly skipLocked = '';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tx: SqliteTransaction;

  constructor(readonly raw: Database) {
    this.tx = new SqliteTransaction(raw);
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.serial(() => this.tx.all<T>(sql, params));
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.serial(() => this.tx.get<T>(sql, params));
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.serial(() => this.tx.run(sql, params));
  }

  transaction<T>(work: (tx: StateDb) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.tx);
        this.raw.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async lock(): Promise<void> {}

  async registerOwner(): Promise<void> {}

  async ownerAlive(owner: string): Promise<boolean> {
    return ownerMayBeAlive(owner);
  }

  async migrate(ns: SchemaNamespace): Promise<void> {
    await this.serial(() => migrate(this.raw, ns.name, ns.sqlite));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.raw.open) this.raw.close();
  }

  private serial<T>(work: () => T | Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

type Statement = BetterSqlite3.Statement;

/** The handle a transaction's work receives: the same connection, without the queue (it holds it). */
class SqliteTransaction implements StateDb {
  readonly dialect = 'sqlite' as const;
  readonly skipLocked = '';
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly raw: Database) {}

  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.statement(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.statement(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return { changes: this.statement(sql).run(...params).changes };
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.raw.prepare(sql)));
    return s;
  }

  transaction<T>(work: (tx: StateDb) => Promise<T>): Promise<T> {
    return work(this);
  }

  async lock(): Promise<void> {}

  async registerOwner(): Promise<void> {}

  async ownerAlive(owner: string): Promise<boolean> {
    return ownerMayBeAlive(owner);
  }

  async close(): Promise<void> {}
}
