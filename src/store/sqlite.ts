import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;

let addon: string | undefined;
/**
 * better-sqlite3's compiled addon, for its nativeBinding option. Left to itself, better-sqlite3 asks the
 * `bindings` package on every start, which reads a stack trace and tries a dozen paths; and that only
 * works from its own files, so the bundle (scripts/bundle.mjs), which compiles better-sqlite3's
 * JavaScript in, has to say where the addon is. An install puts it in build/Release; anywhere else,
 * `bindings` looks from better-sqlite3's own folder.
 */
export function sqliteAddon(): string {
  if (addon === undefined) {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('better-sqlite3/package.json'));
    const built = join(root, 'build', 'Release', 'better_sqlite3.node');
    const bindings = () => createRequire(join(root, 'package.json'))('bindings') as (o: object) => object;
    // the addon object works as well as its path (better-sqlite3 accepts both; its types say string)
    addon = existsSync(built) ? built : (bindings()({ bindings: 'better_sqlite3.node', module_root: root }) as unknown as string);
  }
  return addon;
}

/** Opens a SQLite file with the settings every deskctl database uses (WAL, busy timeout, FKs). */
export async function openDatabase(file: string): Promise<Database> {
  const { default: Sqlite } = await import('better-sqlite3');
  mkdirSync(dirname(file), { recursive: true });
  const db = new Sqlite(file, { timeout: 10_000, nativeBinding: sqliteAddon() });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Applies numbered migrations once per namespace. Each capability (bulk, followups, triage, local
 * helpdesk) owns its namespace and its list, so adding a table touches one module only.
 * A migration list is append-only: never edit an applied entry, add a new one.
 */
export function migrate(db: Database, namespace: string, migrations: readonly string[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_versions (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
  const apply = db.transaction(() => {
    const row = db.prepare(`SELECT version FROM schema_versions WHERE namespace = ?`).get(namespace) as
      | { version: number }
      | undefined;
    const current = row?.version ?? 0;
    for (let i = current; i < migrations.length; i++) db.exec(migrations[i]!);
    if (migrations.length > current) {
      db.prepare(
        `INSERT INTO schema_versions (namespace, version) VALUES (?, ?)
         ON CONFLICT(namespace) DO UPDATE SET version = excluded.version`,
      ).run(namespace, migrations.length);
    }
  });
  apply.immediate();
}
