/**
 * Freshdesk filter queries (GET /search/tickets?query="..."), built from a TicketQuery.
 *
 * The filter endpoint returns 30 results a page and at most 10 pages: 300 results per query.
 * Larger result sets are split by creation date (day granularity, the finest the query language
 * has) until every part fits. Pure functions; the provider does the requests.
 */
import type { TicketQuery } from '../../domain/query.js';
import { UNASSIGNED } from '../../domain/query.js';
import { fdDay, priorityToFreshdesk, statusCodesFor } from './map.js';

export const SEARCH_PAGE_SIZE = 30;
export const SEARCH_MAX_PAGES = 10;
export const SEARCH_CAP = SEARCH_PAGE_SIZE * SEARCH_MAX_PAGES;
/** The query language refuses queries longer than this (quotes included). */
export const QUERY_MAX_CHARS = 512;

/** A day range [from, to], both inclusive, as YYYY-MM-DD (UTC). */
export interface DayRange {
  from: string;
  to: string;
}

export interface FilterPlan {
  /** Clauses ANDed together (without the created_at bounds). */
  clauses: string[];
  /** Creation window the query covers; split further when a part exceeds the cap. */
  created: DayRange;
  /** True when nothing can match (e.g. only statuses Freshdesk does not have). */
  empty: boolean;
}

const DAY_MS = 86_400_000;
/** Earliest creation day searched when the query has no lower bound (Freshdesk launched in 2011). */
export const EARLIEST_DAY = '2010-01-01';

const or = (parts: string[]): string => (parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`);
const quote = (s: string): string => `'${s.replace(/'/g, "\\'")}'`;

/**
 * True when the query has a filter the list endpoint cannot apply (status, priority, assignee,
 * group or tags): then the filter endpoint is worth its 300-result cap.
 */
export function wantsFilterQuery(q: TicketQuery): boolean {
  return Boolean(q.status?.length || q.priority?.length || q.assigneeIds?.length || q.group?.length || q.tags?.length);
}

/**
 * The filter clauses for a query. `groupIds` resolves group names (undefined = unknown group).
 * Clauses Freshdesk cannot express are left to the local filter (matchesQuery), which always runs.
 */
export function buildFilterPlan(q: TicketQuery, groupIds: (name: string) => number | undefined, today: Date): FilterPlan {
  const clauses: string[] = [];
  let empty = false;
  if (q.status?.length) {
    const codes = q.status.map(statusCodesFor);
    if (!codes.includes('custom')) {
      const flat = [...new Set(codes.flatMap((c) => (c === 'custom' ? [] : c)))];
      if (flat.length) clauses.push(or(flat.map((c) => `status:${c}`)));
      else empty = true;
    }
  }
  if (q.priority?.length) {
    const codes = q.priority.filter((p) => p !== 'none').map(priorityToFreshdesk);
    if (codes.length) clauses.push(or([...new Set(codes)].map((c) => `priority:${c}`)));
    else empty = true;
  }
  if (q.assigneeIds?.length) {
    const parts = q.assigneeIds.map((id) => (id === UNASSIGNED ? 'agent_id:null' : /^\d+$/.test(id) ? `agent_id:${id}` : undefined));
    if (parts.every(Boolean)) clauses.push(or(parts as string[]));
  }
  if (q.group?.length) {
    const ids = q.group.map(groupIds).filter((x): x is number => x !== undefined);
    if (ids.length) clauses.push(or(ids.map((id) => `group_id:${id}`)));
    else empty = true;
  }
  for (const tag of q.tags ?? []) clauses.push(`tag:${quote(tag)}`);
  if (q.updatedSince) clauses.push(`updated_at:>${quote(fdDay(q.updatedSince))}`);
  if (q.updatedUntil) clauses.push(`updated_at:<${quote(fdDay(q.updatedUntil))}`);

  const from = q.createdSince ? fdDay(q.createdSince) : EARLIEST_DAY;
  const to = fdDay(q.createdUntil ?? today);
  if (from > to) empty = true;
  return { clauses: fitClauses(clauses), created: { from, to }, empty };
}

/** Drops trailing clauses (the local filter still applies them) until the query fits 512 characters with room for dates. */
function fitClauses(clauses: string[]): string[] {
  const room = QUERY_MAX_CHARS - 2 - ' AND created_at:>\'2026-01-01\' AND created_at:<\'2026-01-01\''.length;
  const out: string[] = [];
  let len = 0;
  for (const c of clauses) {
    const add = (out.length ? 5 : 0) + c.length;
    if (len + add > room) continue;
    out.push(c);
    len += add;
  }
  return out;
}

/** The query string for one creation window, double-quoted as the API requires. */
export function filterQuery(plan: FilterPlan, range: DayRange): string {
  const parts = [...plan.clauses, `created_at:>${quote(range.from)}`, `created_at:<${quote(range.to)}`];
  return `"${parts.join(' AND ')}"`;
}

const toMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const fromMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Splits a day range in two halves; undefined when it is a single day. */
export function splitRange(r: DayRange): [DayRange, DayRange] | undefined {
  const a = toMs(r.from);
  const b = toMs(r.to);
  if (b <= a) return undefined;
  const mid = a + Math.floor((b - a) / DAY_MS / 2) * DAY_MS;
  return [
    { from: r.from, to: fromMs(mid) },
    { from: fromMs(mid + DAY_MS), to: r.to },
  ];
}
