import type { Database } from './sqlite.js';
import { stateTables, type TableInfo } from './namespaces.js';
import type { PgStateDb } from './pg-state-db.js';
import { quoteIdent as q, sqlMarks, type SchemaNamespace, type StateDb } from './state-db.js';
import type { SqliteStateDb } from './sqlite-state-db.js';

export interface TableCopy {
  table: string;
  /** Rows in the SQLite table. */
  rows: number;
  /** Rows inserted into PostgreSQL this run (the others were there already). */
  copied: number;
}

export interface MigrateReport {
  namespaces: Array<{ name: string; version: number }>;
  tables: TableCopy[];
  /**
   * Not copied: `no-postgres-table` (its module does not keep state in PostgreSQL yet), or `transient`
   * (claims and locks, `*_claims` / `*_locks`: what a running process holds right now, meaningless to
   * other hosts, and a stale one copied over would block them until it expires).
   */
  skipped: Array<{ table: string; rows: number; why: 'no-postgres-table' | 'transient' }>;
  /** Sequences moved past the copied ids (so new rows do not collide). */
  sequences: Array<{ sequence: string; to: number }>;
  /** Whether this run changed anything. */
  changed: boolean;
}

const TRANSIENT = /_(claims|locks)$/;

/** Parameters per INSERT, well under PostgreSQL's 65535. */
const MAX_PARAMS = 20_000;

/**
 * Copies a profile's SQLite state into a PostgreSQL schema: every table both stores have (after migrating
 * every namespace on both), the columns they share, in foreign-key order, in one transaction under an
 * advisory lock. Idempotent: a row already there (same key; or, in a table without one, an identical row)
 * is left alone, so a second run copies nothing; sequences are moved past the copied ids.
 */
export async function copySqliteToPostgres(sqlite: SqliteStateDb, pg: PgStateDb, namespaces: SchemaNamespace[]): Promise<MigrateReport> {
  for (const ns of namespaces) {
    await sqlite.migrate(ns);
    await pg.migrate(ns);
  }
  const source = await stateTables(sqlite);
  const report: MigrateReport = { namespaces: [], tables: [], skipped: [], sequences: [], changed: false };
  await pg.transaction(async (tx) => {
    await tx.lock(`deskctl:state-migrate:${pg.target.schema}`);
    const target = new Map((await stateTables(tx)).map((t) => [t.name, t]));
    const order = await dependencyOrder(tx, source.map((t) => t.name));
    for (const name of order) {
      const from = source.find((t) => t.name === name)!;
      const rows = countRows(sqlite.raw, name);
      const to = target.get(name);
      if (!to || TRANSIENT.test(name)) {
        report.skipped.push({ table: name, rows, why: to ? 'transient' : 'no-postgres-table' });
        continue;
      }
      const copied = await copyTable(sqlite.raw, tx, from, to);
      report.tables.push({ table: name, rows, copied });
      report.sequences.push(...(await moveSequences(tx, name)));
    }
    report.namespaces = await tx.all<{ name: string; version: number }>(`SELECT namespace AS name, version FROM schema_versions ORDER BY namespace`);
  });
  report.changed = report.tables.some((t) => t.copied > 0) || report.sequences.length > 0;
  return report;
}

function countRows(db: Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS c FROM ${q(table)}`).get() as { c: number }).c;
}

/** Tables referenced by a foreign key come before the tables referencing them. */
async function dependencyOrder(pg: StateDb, tables: string[]): Promise<string[]> {
  const edges = await pg.all<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
     WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace`,
  );
  const out: string[] = [];
  const visit = (t: string, seen: Set<string>) => {
    if (out.includes(t) || seen.has(t)) return;
    seen.add(t);
    for (const e of edges) if (e.child === t && e.parent !== t && tables.includes(e.parent)) visit(e.parent, seen);
    out.push(t);
  };
  for (const t of [...tables].sort()) visit(t, new Set());
  return out;
}

async function copyTable(sqlite: Database, tx: StateDb, from: TableInfo, to: TableInfo): Promise<number> {
  const columns = from.columns.filter((c) => to.columns.includes(c));
  if (columns.length === 0) return 0;
  const list = columns.map(q).join(', ');
  const rows = sqlite.prepare(`SELECT ${list} FROM ${q(from.name)}`).raw(true).iterate() as IterableIterator<unknown[]>;
  let copied = 0;
  if (!to.unique) {
    // no key to tell a copied row by: an identical row counts as there
    const match = columns.map((c) => `${q(c)} IS NOT DISTINCT FROM ?`).join(' AND ');
    const params = sqlMarks(columns.length);
    for (const row of rows) {
      const values = row.map(toPg);
      const r = await tx.run(
        `INSERT INTO ${q(to.name)} (${list}) SELECT ${params} WHERE NOT EXISTS (SELECT 1 FROM ${q(to.name)} WHERE ${match})`,
        [...values, ...values],
      );
      copied += r.changes;
    }
    return copied;
  }
  const perBatch = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const tuple = `(${sqlMarks(columns.length)})`;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const r = await tx.run(`INSERT INTO ${q(to.name)} (${list}) VALUES ${sqlMarks(batch.length, tuple)} ON CONFLICT DO NOTHING`, batch.flat());
    copied += r.changes;
    batch = [];
  };
  for (const row of rows) {
    batch.push(row.map(toPg));
    if (batch.length >= perBatch) await flush();
  }
  await flush();
  return copied;
}

/** SQLite values as the driver should send them: bigints as text, the rest as they are. */
const toPg = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** Serial/identity sequences of a table moved past its largest id (only forward, so a second run moves none). */
async function moveSequences(tx: StateDb, table: string): Promise<Array<{ sequence: string; to: number }>> {
  const seqs = await tx.all<{ column_name: string; seq: string }>(
    `SELECT column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?
       AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL`,
    [table],
  );
  const moved: Array<{ sequence: string; to: number }> = [];
  for (const { column_name, seq } of seqs) {
    const max = (await tx.get<{ m: number | null }>(`SELECT max(${q(column_name)}) AS m FROM ${q(table)}`))!.m;
    if (max === null) continue;
    const cur = (await tx.get<{ last_value: number; is_called: boolean }>(`SELECT last_value, is_called FROM ${seq}`))!;
    const next = cur.is_called ? cur.last_value + 1 : cur.last_value;
    if (max >= next) {
      await tx.get(`SELECT setval(?::regclass, ?, true)`, [seq, max]);
      moved.push({ sequence: seq, to: max });
    }
  }
  return moved;
}
