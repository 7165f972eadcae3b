import { join } from 'node:path';
import { profileDataDir, type Paths } from '../config/paths.js';
import type { SentLedger } from './ledger.js';
import { migrate, openDatabase, type Database } from './sqlite.js';

/**
 * deskctl's own state for one profile (bulk journals, follow-ups, triage log): state.db in the
 * profile's data folder. Capabilities call `ensureSchema` with their own namespace and migrations.
 */
export class StateStore {
  private constructor(
    readonly db: Database,
    readonly file: string,
  ) {}

  static async open(paths: Paths, profile: string): Promise<StateStore> {
    const file = join(profileDataDir(paths, profile), 'state.db');
    return new StateStore(await openDatabase(file), file);
  }

  ensureSchema(namespace: string, migrations: readonly string[]): void {
    migrate(this.db, namespace, migrations);
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
