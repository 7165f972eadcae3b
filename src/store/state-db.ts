/**
 * The SQL connection behind deskctl's own state (bulk journals, follow-ups, triage log, sent ledger):
 * one asynchronous interface with two implementations, SQLite (a file per profile, the default) and
 * PostgreSQL (team mode, DESKCTL_STATE_URL). Capabilities write their SQL once, with `?` placeholders;
 * what differs between the two dialects is asked of the connection (`dialect`, `skipLocked`, `lock`).
 */

export type Dialect = 'sqlite' | 'postgres';

export type SqlParams = readonly unknown[];

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface StateDb {
  readonly dialect: Dialect;
  /** Every row of a query (`?` placeholders). Integers come back as numbers on both dialects. */
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  /**
   * Runs `work` in one write transaction and commits it, or rolls back when it throws. Statements
   * must go through the `tx` handle it receives. SQLite: BEGIN IMMEDIATE (one writer per file, so a
   * transaction is already serialised); PostgreSQL: READ COMMITTED on one pooled connection, so
   * use `tx.lock(...)` or `FOR UPDATE` where a check-then-write must not race another host.
   */
  transaction<T>(work: (tx: StateDb) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: waits for, then holds until commit, the lock named `key` (PostgreSQL
   * pg_advisory_xact_lock, shared by every process on every host). No-op on SQLite (see above).
   */
  lock(key: string): Promise<void>;
  /** `FOR UPDATE SKIP LOCKED` on PostgreSQL (rows another transaction holds are passed over); '' on SQLite. */
  readonly skipLocked: string;
  /**
   * Makes this process's owner id (src/store/owner.ts) known as alive to every process sharing the
   * state. SQLite: nothing to do (a pid on this host tells). PostgreSQL: recorded with this
   * process's connection, which the server drops when the process dies or its connection is lost.
   */
  registerOwner(owner: string): Promise<void>;
  /**
   * False when the owner is known to be gone: its pid no longer exists on this host or, on
   * PostgreSQL, its registered connection is closed. True when alive or not known to be gone
   * (then leases and expiry decide).
   */
  ownerAlive(owner: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One capability's tables: its name and its append-only migrations per dialect. Never edit an
 * applied entry; add a new one. PostgreSQL's list may differ in count from SQLite's (it started
 * later, with the final shape of each table).
 */
export interface SchemaNamespace {
  name: string;
  sqlite: readonly string[];
  postgres: readonly string[];
}

/** A double-quoted SQL identifier (table, column, schema), the same on both dialects. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `n` placeholders for an IN list or a VALUES list: `?, ?, ?`, or `(?, ?), (?, ?)` with `each`. */
export const sqlMarks = (n: number, each = '?'): string => Array.from({ length: n }, () => each).join(', ');

/** Rows per statement when reading or writing many at once (well below both dialects' parameter limits). */
export const SQL_CHUNK = 400;

/** `items` in slices of at most `size`, one statement each. */
export function inChunks<T>(items: readonly T[], size = SQL_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `db.ownerAlive`, asked once per owner: a check that meets the same holder on many rows (claims, follow-ups
 * being sent) makes one round trip for it.
 */
export function ownerAliveOnce(db: Pick<StateDb, 'ownerAlive'>): (owner: string) => Promise<boolean> {
  const known = new Map<string, Promise<boolean>>();
  return (owner) => {
    let alive = known.get(owner);
    if (!alive) known.set(owner, (alive = db.ownerAlive(owner)));
    return alive;
  };
}

/** `?` placeholders as PostgreSQL's `$1, $2, ...`; a `?` inside a quoted string or identifier is left alone. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}
