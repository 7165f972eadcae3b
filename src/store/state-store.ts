import { join } from 'node:path';
import { profileDataDir, type Paths } from '../config/paths.js';
import type { SentLedger } from './ledger.js';
import { migrate as migrateSync, openDatabase, type Database } from './sqlite.js';
import type { SchemaNamespace, StateDb } from './state-db.js';
import { SqliteStateDb } from './sqlite-state-db.js';

/**
 * deskctl's own state for one profile (bulk journals, follow-ups, triage log, sent ledger): state.db
 * in the profile's data folder. Capabilities reach it through `state` (a StateDb, see state-db.ts)
 * after `ensure`-ing their own namespace of migrations.
 */
export class StateStore {
  private readonly ensured = new Set<string>();

  private constructor(
    /** The raw SQLite handle, for modules not yet moved to `state` (going away). */
    readonly db: Database,
    readonly state: SqliteStateDb,
    /** Where the state lives, for messages: the file. */
    readonly file: string,
  ) {}

  static async open(paths: Paths, profile: string): Promise<StateStore> {
    const file = join(profileDataDir(paths, profile), 'state.db');
    const db = await openDatabase(file);
    return new StateStore(db, new SqliteStateDb(db), file);
  }

  /** Migrates a capability's namespace once per process; returns the connection to use. */
  async ensure(ns: SchemaNamespace): Promise<StateDb> {
    if (!this.ensured.has(ns.name)) {
      await this.state.migrate(ns);
      this.ensured.add(ns.name);
    }
    return this.state;
  }

  /** @deprecated synchronous SQLite-only migration; use `ensure`. */
  ensureSchema(namespace: string, migrations: readonly string[]): void {
    migrateSync(this.db, namespace, migrations);
  }

  /** The sent ledger and ticket claims of this profile. `now` is the profile's clock (ledger times). */
  async ledger(now: () => Date = () => new Date()): Promise<SentLedger> {
    const { SqliteLedger, LEDGER_MIGRATIONS, LEDGER_NAMESPACE } = await import('./sqlite-ledger.js');
    this.ensureSchema(LEDGER_NAMESPACE, LEDGER_MIGRATIONS);
    return new SqliteLedger(this.db, now);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
