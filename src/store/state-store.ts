import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { profileDataDir, type Paths } from '../config/paths.js';
import type { SentLedger } from './ledger.js';
import type { PgStateDb } from './pg-state-db.js';
import { openDatabase, type Database } from './sqlite.js';
import { quoteIdent, type SchemaNamespace, type StateDb } from './state-db.js';
import type { PgStateTarget } from './state-url.js';
import { SqliteStateDb } from './sqlite-state-db.js';

/** Where a profile's state lives, for `state status` and messages (never a password). */
export type StateLocation =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; schema: string; account: string; source: string };

type MigratingStateDb = StateDb & { migrate(ns: SchemaNamespace): Promise<void> };

/**
 * deskctl's own state for one profile (bulk journals, follow-ups, triage log, sent ledger): state.db
 * in the profile's data folder, or a schema of a shared PostgreSQL database in team mode
 * (DESKCTL_STATE_URL or the profile's stateUrl, see state-url.ts). Capabilities reach it through
 * `state` (a StateDb, see state-db.ts) after `ensure`-ing their own namespace of migrations.
 */
export class StateStore {
  private readonly ensured = new Set<string>();

  private constructor(
    private readonly sqlite: Database | undefined,
    readonly state: MigratingStateDb,
    readonly location: StateLocation,
  ) {}

  /** The profile's SQLite file, or `pg` (see state-url.ts resolveStateTarget) for team mode. Never falls back. */
  static async open(paths: Paths, profile: string, pg?: PgStateTarget): Promise<StateStore> {
    if (pg) {
      const { PgStateDb } = await import('./pg-state-db.js');
      const db: PgStateDb = await PgStateDb.open(pg);
      return new StateStore(undefined, db, { kind: 'postgres', url: pg.shown, schema: pg.schema, account: pg.account, source: pg.source });
    }
    const file = join(profileDataDir(paths, profile), 'state.db');
    const db = await openDatabase(file);
    return new StateStore(db, new SqliteStateDb(db), { kind: 'sqlite', file });
  }

  describe(): string {
    return this.location.kind === 'sqlite' ? this.location.file : `${this.location.url} (schema ${this.location.schema})`;
  }

  /** Migrates a capability's namespace once per process; returns the connection to use. */
  async ensure(ns: SchemaNamespace): Promise<StateDb> {
    if (!this.ensured.has(ns.name)) {
      await this.state.migrate(ns);
      this.ensured.add(ns.name);
    }
    return this.state;
  }

  /** The sent ledger and ticket claims of this profile. `now` is the profile's clock (ledger times). */
  async ledger(now: () => Date = () => new Date()): Promise<SentLedger> {
    const { DbLedger, LEDGER_SCHEMA } = await import('./db-ledger.js');
    return new DbLedger(await this.ensure(LEDGER_SCHEMA), now);
  }

  /**
   * Deletes every piece of this profile's state (`demo --reset`) and closes the store: the SQLite file,
   * or the account's schema in PostgreSQL (recreated empty by the next command).
   */
  async discard(): Promise<void> {
    if (this.location.kind === 'postgres') {
      await this.state.run(`DROP SCHEMA IF EXISTS ${quoteIdent(this.location.schema)} CASCADE`);
      await this.close();
      return;
    }
    await this.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.location.file}${suffix}`, { force: true });
  }

  /** Closes the connection (SQLite: at once, synchronously; PostgreSQL: the pool and the owner session). */
  close(): Promise<void> {
    if (this.sqlite) {
      if (this.sqlite.open) this.sqlite.close();
      return Promise.resolve();
    }
    return this.state.close();
  }
}
