import type { FollowupStatus } from '../followups/status.js';
import { stateTables } from './namespaces.js';
import { parseOwner } from './owner.js';
import { SESSION_IS_LIVE } from './pg-state-db.js';
import { quoteIdent, sqlMarks } from './state-db.js';
import type { StateStore } from './state-store.js';

export interface StateStatus {
  location: StateStore['location'];
  /** Follow-ups by state and the holders of their claims (the follow-ups' own report). */
  followups: FollowupStatus;
  /** Schema version per namespace (how many of its migrations are applied). */
  namespaces: Array<{ name: string; version: number }>;
  /** Rows per state of every other table with a `state` column (bulk_jobs, bulk_items, ...). */
  byState: Array<{ table: string; counts: Record<string, number> }>;
  /** Who holds other claims and locks (columns `owner` / `claimed_by`), per host. */
  holders: Array<{ host: string; table: string; owners: number; rows: number; alive: number }>;
  /** PostgreSQL: processes with a live registered session, per host. */
  sessions: Array<{ host: string; processes: number }>;
}

const HOLDER_COLUMNS = ['owner', 'claimed_by'];
/** In a table with a `state`, a holder column names a live holder only in these states (a sent row keeps its last claimer). */
const HELD_STATES = ['sending', 'running', 'intent', 'claimed', 'locked'];

/** Tables a capability reports on itself (see `followups` above). */
const REPORTED_BY_OWNER = new Set(['followups_items']);

/** What `deskctl state status` shows. */
export async function stateStatus(store: StateStore): Promise<StateStatus> {
  const { followupStatus } = await import('../followups/status.js');
  const followups = await followupStatus(store);
  const db = store.state;
  const tables = (await stateTables(db)).filter((t) => !REPORTED_BY_OWNER.has(t.name));
  const hasVersions =
    db.dialect === 'sqlite'
      ? Boolean(await db.get(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'`))
      : true;
  const namespaces = hasVersions ? await db.all<{ name: string; version: number }>(`SELECT namespace AS name, version FROM schema_versions ORDER BY namespace`) : [];
  const byState: StateStatus['byState'] = [];
  const holders: StateStatus['holders'] = [];
  for (const t of tables) {
    if (t.columns.includes('state')) {
      const rows = await db.all<{ state: string; n: number }>(`SELECT state, count(*) AS n FROM ${quoteIdent(t.name)} GROUP BY state ORDER BY state`);
      byState.push({ table: t.name, counts: Object.fromEntries(rows.map((r) => [r.state, r.n])) });
    }
    for (const col of HOLDER_COLUMNS.filter((c) => t.columns.includes(c))) {
      const held = t.columns.includes('state') ? ` AND state IN (${sqlMarks(HELD_STATES.length)})` : '';
      const c = quoteIdent(col);
      const rows = await db.all<{ holder: string; n: number }>(
        `SELECT ${c} AS holder, count(*) AS n FROM ${quoteIdent(t.name)} WHERE ${c} IS NOT NULL${held} GROUP BY ${c}`,
        held ? HELD_STATES : [],
      );
      const perHost = new Map<string, { owners: number; rows: number; alive: number }>();
      for (const r of rows) {
        const host = parseOwner(r.holder)?.host ?? r.holder;
        const h = perHost.get(host) ?? { owners: 0, rows: 0, alive: 0 };
        h.owners++;
        h.rows += r.n;
        if (await db.ownerAlive(r.holder)) h.alive++;
        perHost.set(host, h);
      }
      for (const [host, h] of perHost) holders.push({ host, table: t.name, ...h });
    }
  }
  const sessions =
    db.dialect === 'postgres'
      ? await db.all<{ host: string; processes: number }>(
          `SELECT s.host, count(*) AS processes FROM owner_sessions s
           WHERE ${SESSION_IS_LIVE}
           GROUP BY s.host ORDER BY s.host`,
        )
      : [];
  return { location: store.location, followups, namespaces, byState, holders, sessions };
}
