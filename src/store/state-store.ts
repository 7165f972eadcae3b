import { join } from 'node:path';
import { profileDataDir, type Paths } from '../config/paths.js';
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

  close(): void {
    if (this.db.open) this.db.close();
  }
}
