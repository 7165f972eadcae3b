import type { SchemaNamespace, StateDb } from './state-db.js';

/**
 * The modules whose exports include the SchemaNamespace of a capability's state. `state migrate`
 * and `state status` load them (and only they do): every exported SchemaNamespace found is one
 * namespace, so a capability that converts to StateDb is picked up by exporting its namespace from
 * one of these modules; a new module is one line here.
 */
const NAMESPACE_MODULES: ReadonlyArray<() => Promise<Record<string, unknown>>> = [
  () => import('../followups/store.js'),
  () => import('../bulk/journal.js'),
  () => import('./db-ledger.js'),
  () => import('../triage/store.js'),
  () => import('../triage/sentiment-store.js'),
];

const isNamespace = (v: unknown): v is SchemaNamespace =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as SchemaNamespace).name === 'string' &&
  Array.isArray((v as SchemaNamespace).sqlite) &&
  Array.isArray((v as SchemaNamespace).postgres);

/** Every namespace with migrations for both stores, once each, by name. */
export async function stateNamespaces(): Promise<SchemaNamespace[]> {
  const found = new Map<string, SchemaNamespace>();
  for (const load of NAMESPACE_MODULES) {
    for (const value of Object.values(await load())) if (isNamespace(value) && !found.has(value.name)) found.set(value.name, value);
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** deskctl's bookkeeping tables: never copied or counted as a capability's state. */
export const BOOKKEEPING_TABLES = new Set(['schema_versions', 'owner_sessions']);

export interface TableInfo {
  name: string;
  columns: string[];
  /** Has a primary key or unique constraint (so ON CONFLICT DO NOTHING can tell a row is there). */
  unique: boolean;
}

/** The state's own tables (bookkeeping excluded), with their columns, on either store. */
export async function stateTables(db: StateDb): Promise<TableInfo[]> {
  if (db.dialect === 'sqlite') {
    const tables = await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`);
    const out: TableInfo[] = [];
    for (const { name } of tables) {
      if (BOOKKEEPING_TABLES.has(name)) continue;
      const cols = await db.all<{ name: string; pk: number }>(`SELECT name, pk FROM pragma_table_info(?)`, [name]);
      const indexes = await db.all<{ unique: number }>(`SELECT "unique" FROM pragma_index_list(?)`, [name]);
      out.push({ name, columns: cols.map((c) => c.name), unique: cols.some((c) => c.pk > 0) || indexes.some((i) => i.unique === 1) });
    }
    return out;
  }
  const cols = await db.all<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const uniques = new Set(
    (
      await db.all<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         WHERE c.relnamespace = current_schema()::regnamespace AND i.indisunique`,
      )
    ).map((r) => r.name),
  );
  const byTable = new Map<string, string[]>();
  for (const c of cols) if (!BOOKKEEPING_TABLES.has(c.table_name)) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
  return [...byTable].map(([name, columns]) => ({ name, columns, unique: uniques.has(name) }));
}
