import type { Channel, RatingKind } from '../../domain/model.js';
import type { TicketQuery } from '../../domain/query.js';
import { bucketStart, type TimeUnit } from '../../metrics/buckets.js';
import { perTicketRow, type MetricsRequest, type PerTicketRequest, type PerTicketRow, type SummaryResult } from '../../metrics/engine.js';
import { NO_AGENT, NO_GROUP, NO_GROUPING, NO_TAG, type AttrDim, type Grouping } from '../../metrics/grouping.js';
import { MetricSet } from '../../metrics/metric-set.js';
import { PeriodAccumulator } from '../../metrics/period.js';
import { Samples } from '../../metrics/stats.js';
import type { Database } from '../../store/sqlite.js';
import { buildWhere, splitTags, TAGS_SQL } from './local-provider.js';

/**
 * The metrics of the embedded helpdesk computed in SQLite: per period, a handful of indexed range
 * queries that count in GROUP BY (created, solved, FCR, reopens, backlog, ratings) and hand only the
 * response/resolution durations to JS (for exact nearest-rank percentiles and the SLA judgement). The
 * counts land in the same PeriodAccumulator as the streaming JS path (src/metrics/period.ts), which stays
 * the reference: test/unit/metrics-sql.test.ts compares both on every metric, grouping and period.
 *
 * Times are read from the epoch-millisecond generated columns (created_ms, first_response_ms, updated_ms,
 * solved_ms: src/providers/local/schema.ts), which the indexes hold: a summary reads integers from index
 * entries and parses no date.
 */

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

const DIM_SQL: Record<AttrDim, string> = {
  agent: `CASE WHEN t.assignee_id IS NULL THEN ${sqlString(NO_AGENT)} ELSE coalesce(nullif(coalesce(a.name, t.assignee_id), ''), nullif(a.email, ''), t.assignee_id) END`,
  channel: 't.channel',
  group: `coalesce(nullif(t.grp, ''), ${sqlString(NO_GROUP)})`,
  tag: `coalesce(tg.tag, ${sqlString(NO_TAG)})`,
};

interface Scope {
  grouping: Grouping;
  /** Epoch ms of the period. */
  since: number;
  until: number;
  now: number;
}

/** SQL of the time bucket (index, and its end in epoch ms, clipped to the period and to now) of an epoch-ms expression. */
function bucketSql(unit: TimeUnit | undefined, at: string, scope: Scope): { index: string; end: string } {
  const periodEnd = Math.min(scope.until, scope.now);
  if (!unit) return { index: '0', end: String(periodEnd) };
  const first = bucketStart(scope.since, unit);
  if (unit === 'month') {
    const d = new Date(first);
    const base = d.getUTCFullYear() * 12 + d.getUTCMonth();
    const iso = `strftime('%Y-%m-%d', ${at} / 1000, 'unixepoch')`;
    return {
      index: `(CAST(substr(${iso}, 1, 4) AS INTEGER) * 12 + CAST(substr(${iso}, 6, 2) AS INTEGER) - 1 - ${base})`,
      end: `min(${periodEnd}, unixepoch(${iso}, 'start of month', '+1 month') * 1000)`,
    };
  }
  const len = unit === 'day' ? 86_400_000 : 7 * 86_400_000;
  const index = `((${at} - ${first}) / ${len})`;
  return { index, end: `min(${periodEnd}, ${first} + (${index} + 1) * ${len})` };
}

/** Tables and WHERE of the tickets matching the user's filter, with the joins the group keys need. */
function fromTickets(filter: TicketQuery, attrDims: readonly AttrDim[], base = 'tickets t'): { from: string; where: string; params: unknown[] } {
  const { sql, params } = buildWhere(filter);
  let from = base;
  if (filter.text) from += ' JOIN people r ON r.id = t.requester_id';
  if (attrDims.includes('agent')) from += ' LEFT JOIN people a ON a.id = t.assignee_id';
  if (attrDims.includes('tag')) from += ' LEFT JOIN ticket_tags tg ON tg.ticket_id = t.id';
  return { from, where: sql, params };
}

const keyColumns = (dims: readonly AttrDim[]) => dims.map((d, i) => `${DIM_SQL[d]} AS k${i}`);
const keysOf = (row: Record<string, unknown>, n: number): string[] => Array.from({ length: n }, (_, i) => String(row[`k${i}`]));

const SAMPLES = 'deskctl_samples';
const SOLVED_SET = 'deskctl_solved';
const RATED_SET = 'deskctl_ratings';

interface Collected {
  take<T>(handle: number | null): T | null;
}

/**
 * Aggregate functions whose state is a JS object, so that one query gives a group's counts and its exact
 * percentiles without handing rows to JS: SQLite reads the index ranges, the step feeds the reference
 * calculators (Samples, MetricSet.addSolved, MetricSet.addRating), and the result is a handle that `take`
 * turns back into the object. One call into JS per row measured faster than SQLite evaluating the rating
 * scales' CASE expressions, and no slower than its sums; SQLite's own percentile_disc is not nearest-rank
 * (p90 of 1..99 is 89, not 90).
 *   deskctl_samples(milliseconds): the non-null values in seconds, a Samples
 *   deskctl_solved(solved_ms - created_ms, public_replies, reopen_count): a MetricSet of solved tickets
 * Durations cross as integer milliseconds (small integers, no heap number per call) and are divided in JS,
 * as the reference does.
 *   deskctl_ratings(kind, score, scale_min, scale_max): a MetricSet of ratings
 */
function collectors(db: Database): Collected {
  const known = registered.get(db);
  if (known) return known;
  const held = new Map<number, unknown>();
  let next = 1;
  const result = ((state: unknown) => {
    held.set(next, state);
    return next++;
  }) as never;
  db.aggregate(SAMPLES, {
    start: () => new Samples(16),
    step: ((acc: Samples, ms: number | null) => {
      if (ms !== null) acc.push(ms / 1000);
    }) as never,
    result,
  });
  db.aggregate(SOLVED_SET, {
    start: () => new MetricSet(),
    step: ((set: MetricSet, ms: number, replies: number | null, reopens: number) => set.addSolved(ms / 1000, replies, reopens)) as never,
    result,
  });
  db.aggregate(RATED_SET, {
    start: () => new MetricSet(),
    step: ((set: MetricSet, kind: RatingKind, score: number, min: number, max: number) => set.addRating({ kind, score, scale: { min, max } })) as never,
    result,
  });
  const collected: Collected = {
    take<T>(handle: number | null) {
      if (handle === null) return null;
      const state = held.get(handle);
      held.delete(handle);
      return (state as T | undefined) ?? null;
    },
  };
  registered.set(db, collected);
  return collected;
}
const registered = new WeakMap<Database, Collected>();

/**
 * The channels the tickets table holds, read from the created index in one seek per channel. A range
 * query restricted to them reads the index channel by channel, so its rows come out grouped by channel.
 */
function channelsPresent(db: Database): string[] {
  return db
    .prepare(
      `WITH RECURSIVE ch(c) AS (SELECT min(channel) FROM tickets UNION ALL SELECT (SELECT min(channel) FROM tickets WHERE channel > ch.c) FROM ch WHERE c IS NOT NULL)
       SELECT c FROM ch WHERE c IS NOT NULL`,
    )
    .pluck()
    .all() as string[];
}

/**
 * Tickets of one channel created in a period and group, as MetricSet.addCreated would count them one by
 * one: `answered` holds the first response times (seconds) of those answered before the judging end,
 * `waiting` the age at that end of the others. The SLA outcome follows slaOutcomeMs.
 */
function addCreatedGroup(set: MetricSet, channel: Channel, created: number, answered: Samples | null, waiting: Samples | null, target: number | undefined): void {
  const frts = answered?.values() ?? new Float64Array(0);
  const ages = waiting?.values() ?? new Float64Array(0);
  let met = 0;
  let late = 0;
  if (target !== undefined) {
    for (const v of frts) if (v <= target) met++;
    for (const v of ages) if (v > target) late++;
  }
  const judged = target === undefined ? 0 : 1;
  set.addCreatedCounts(channel, { created, unanswered: ages.length, met, missed: judged * (frts.length - met + late), pending: judged * (ages.length - late) });
  set.frt.append(answered, 0);
}

/** A period to aggregate: its accumulator and bounds. */
interface Period {
  acc: PeriodAccumulator;
  scope: Scope;
}

/**
 * The metrics of periods (the period and the previous one) into their accumulators: totals (combo null)
 * and, when grouped, each combination and bucket. Each period's ranges are read by their own queries.
 */
function aggregatePeriods(db: Database, periods: Period[], req: MetricsRequest): number {
  let tickets = 0;
  const collected = collectors(db);
  const channels = channelsPresent(db);
  if (!channels.length) return 0; // no ticket (and so no rating: they go with their ticket)
  const inChannels = `t.channel IN (${channels.map(sqlString).join(',')})`;

  // the totals once, then the groups (a ticket with three tags is in three tag groups but counted once in the totals)
  interface Pass {
    dims: readonly AttrDim[];
    time: TimeUnit | undefined;
    periods: Period[];
    combo: (row: Record<string, unknown>) => string[] | null;
  }
  const passes: Pass[] = [{ dims: [], time: undefined, periods, combo: () => null }];
  for (const p of periods.filter((p) => p.scope.grouping.dims.length)) {
    const g = p.scope.grouping;
    passes.push({ dims: g.attrDims, time: g.time, periods: [p], combo: (row) => keysOf(row, g.attrDims.length) });
  }

  for (const pass of passes) {
    const keys = keyColumns(pass.dims);
    const groupKeys = pass.dims.map((_, i) => `k${i}`);
    // the bucket b is a group key only by time (grouping by a constant would still sort every row)
    const bucketKeys = pass.time ? ['b'] : [];
    const byKeys = (...more: string[]) => [...groupKeys, ...bucketKeys, ...more].join(', ');
    /** The group keys and bucket of an aggregate row. */
    const rowKeys = [...groupKeys, pass.time ? 'b' : '0 AS b'];
    const groupBy = (...more: string[]) => (byKeys(...more) ? `GROUP BY ${byKeys(...more)}` : '');
    // each range on its own index, whatever the filter: a filter on the channel or the status would
    // otherwise lead SQLite to walk every ticket of that channel (or status) and compute its times; the
    // totals without a filter read index entries only (a rating's ticket is needed only for a filter or a
    // group key: the helpdesk deletes ratings with their ticket)
    const bare = !pass.dims.length && !Object.keys(req.filter).length;
    const { where, params } = fromTickets(req.filter, pass.dims);
    const byCreation = fromTickets(req.filter, pass.dims, 'tickets t INDEXED BY tickets_channel_created_ms').from;
    const bySolve = fromTickets(req.filter, pass.dims, 'tickets t INDEXED BY tickets_solved_ms').from;
    const rated = 'ratings rt INDEXED BY ratings_created_ms';
    const ratedFrom = bare ? rated : fromTickets(req.filter, pass.dims, `${rated} CROSS JOIN tickets t ON t.id = rt.ticket_id`).from;
    for (const { acc, scope } of pass.periods) {
      const route = (r: Record<string, number>) => {
        const b = r.b ?? 0;
        if (b < 0 || (pass.time ? b >= acc.buckets.length : b !== 0)) return undefined;
        return acc.aggregateSet(pass.combo(r), b);
      };

      // created in the period: volume, first response and SLA, each judged at the end of its bucket/period
      {
        const bucket = bucketSql(pass.time, 't.created_ms', scope);
        const rows = db
          .prepare(
            `SELECT ${[...rowKeys, 'channel'].join(', ')}, count(*) AS created,
                    ${SAMPLES}(fr - c) FILTER (WHERE fr < e) AS answered,
                    ${SAMPLES}(e - c) FILTER (WHERE fr IS NULL OR fr >= e) AS waiting
               FROM (SELECT ${[...keys, `${bucket.index} AS b`, `${bucket.end} AS e`, 't.channel AS channel', 't.created_ms AS c', 't.first_response_ms AS fr'].join(', ')}
                       FROM ${byCreation} WHERE ${where} AND ${inChannels} AND t.created_ms >= ? AND t.created_ms < ?)
              ${groupBy('channel')}`,
          )
          .all(...params, scope.since, scope.until) as Record<string, number>[];
        for (const r of rows) {
          const set = route(r);
          const answered = collected.take<Samples>(r.answered!);
          const waiting = collected.take<Samples>(r.waiting!);
          if (!set) continue;
          if (pass === passes[0]) tickets += r.created!;
          const channel = r.channel as unknown as Channel;
          addCreatedGroup(set, channel, r.created!, answered, waiting, req.slaTargets[channel]);
        }
      }

      // solved in the period (last solve, or last update of a solved ticket without one): resolution, FCR, reopens
      {
        const rows = db
          .prepare(
            `SELECT ${rowKeys.join(', ')}, ${SOLVED_SET}(s - c, replies, reopens) AS solved
               FROM (SELECT ${[...keys, `${bucketSql(pass.time, 't.solved_ms', scope).index} AS b`, 't.solved_ms AS s', 't.created_ms AS c', 't.public_replies AS replies', 't.reopen_count AS reopens'].join(', ')}
                       FROM ${bySolve} WHERE ${where} AND t.solved_ms >= ? AND t.solved_ms < ?)
              ${groupBy()}`,
          )
          .all(...params, scope.since, scope.until) as Record<string, number>[];
        for (const r of rows) {
          const set = route(r);
          const solved = collected.take<MetricSet>(r.solved!);
          if (!set || !solved) continue;
          set.merge(solved);
          set.reopened += solved.reopenedSolved; // a solved reopened ticket's latest activity is its last solve
        }
      }

      // reopened and unsolved again: dated by the last update (the partial index holds only those tickets)
      {
        const reopenedFrom = fromTickets(req.filter, pass.dims, 'tickets t INDEXED BY tickets_reopened_open_ms').from;
        const rows = db
          .prepare(
            `SELECT ${rowKeys.join(', ')}, count(*) AS n FROM (
               SELECT ${[...keys, `${bucketSql(pass.time, 't.updated_ms', scope).index} AS b`].join(', ')} FROM ${reopenedFrom}
                WHERE ${where} AND t.reopen_count > 0 AND t.status IN ('new','open','pending','on_hold') AND t.updated_ms >= ? AND t.updated_ms < ?)
              ${groupBy()}`,
          )
          .all(...params, scope.since, scope.until) as Record<string, number>[];
        for (const r of rows) {
          const set = route(r);
          if (set) set.reopened += r.n!;
        }
      }

      // backlog: created before the end and not solved by it (unsolved, or solved at or after `from`): two index ranges
      const openRows = (columns: string[], from: number) =>
        `SELECT ${columns.join(', ')} FROM ${bySolve} WHERE ${where} AND t.solved_ms IS NULL AND t.created_ms < ?
         UNION ALL
         SELECT ${columns.join(', ')} FROM ${bySolve} WHERE ${where} AND t.solved_ms >= ${from} AND t.created_ms < ?`;
      if (!pass.time) {
        // at the end of the period
        const rows = db
          .prepare(`SELECT ${[...groupKeys, 'count(*) AS n'].join(', ')} FROM (${openRows(keys.length ? keys : ['1'], scope.until)}) ${groupKeys.length ? `GROUP BY ${groupKeys.join(', ')}` : ''}`)
          .all(...params, scope.until, ...params, scope.until) as Record<string, number>[];
        for (const r of rows) if (r.n! > 0) acc.aggregateSet(pass.combo(r), 0).backlog += r.n!; // no empty group where the streaming path has none
      } else {
        // at the end of each bucket: open from the bucket its creation falls in (0 if before the period) to the one before its solve
        const c = 't.created_ms';
        const first = `CASE WHEN ${c} < ${scope.since} THEN 0 ELSE ${bucketSql(pass.time, c, scope).index} END`;
        const last = `CASE WHEN t.solved_ms IS NULL OR t.solved_ms >= ${scope.until} THEN ${acc.buckets.length - 1} ELSE ${bucketSql(pass.time, 't.solved_ms', scope).index} - 1 END`;
        const rows = db
          .prepare(`SELECT ${[...groupKeys, 'first', 'last'].join(', ')}, count(*) AS n FROM (${openRows([...keys, `${first} AS first`, `${last} AS last`], scope.since)}) GROUP BY ${[...groupKeys, 'first', 'last'].join(', ')}`)
          .all(...params, scope.until, ...params, scope.until) as Record<string, number>[];
        for (const r of rows) acc.addBacklogSpan(pass.combo(r)!, r.first!, r.last!, r.n!);
      }

      // ratings given in the period, through their ticket (filter and group keys); dated by the rating
      {
        const rows = db
          .prepare(
            `SELECT ${rowKeys.join(', ')}, ${RATED_SET}(kind, score, scale_min, scale_max) AS rated
               FROM (SELECT ${[...keys, `${bucketSql(pass.time, 'rt.created_ms', scope).index} AS b`, 'rt.kind AS kind', 'rt.score AS score', 'rt.scale_min AS scale_min', 'rt.scale_max AS scale_max'].join(', ')}
                       FROM ${ratedFrom} WHERE ${where} AND rt.created_ms >= ? AND rt.created_ms < ?)
              ${groupBy()}`,
          )
          .all(...params, scope.since, scope.until) as Record<string, number>[];
        for (const r of rows) {
          const set = route(r);
          const rated = collected.take<MetricSet>(r.rated!);
          if (set && rated) set.merge(rated);
        }
      }
    }
  }
  return tickets;
}

/** computeSummary over the embedded helpdesk's SQLite file (same result as the streaming JS path). */
export function summaryInSql(db: Database, req: MetricsRequest): SummaryResult {
  // the ranges' pages are read by several queries: keep them in SQLite's cache
  db.pragma('cache_size = -32768');
  const opts = { now: req.now, slaTargets: req.slaTargets };
  const current = new PeriodAccumulator({ ...opts, since: req.since, until: req.until, grouping: req.grouping });
  const read = { tickets: 0, ratings: 0, conversations: 0, ratingTicketsLookedUp: 0 };
  const now = req.now.getTime();
  const periods: Period[] = [{ acc: current, scope: { grouping: req.grouping, since: req.since.getTime(), until: req.until.getTime(), now } }];
  let previous: PeriodAccumulator | undefined;
  if (req.compare) {
    const length = req.until.getTime() - req.since.getTime();
    const prevGrouping = req.grouping.time ? NO_GROUPING : req.grouping;
    const start = req.since.getTime() - length;
    previous = new PeriodAccumulator({ ...opts, since: new Date(start), until: req.since, grouping: prevGrouping });
    periods.push({ acc: previous, scope: { grouping: prevGrouping, since: start, until: req.since.getTime(), now } });
  }
  read.tickets = aggregatePeriods(db, periods, req);
  const cur = current.result();
  const prev = previous?.result();
  read.ratings = [cur, prev].reduce((n, p) => n + (p ? p.totals.csat.n + p.totals.nps.n + p.totals.ces.n : 0), 0);
  return { groupBy: req.grouping.dims, slaTargets: req.slaTargets, current: cur, previous: prev, read };
}

const PAGE = 1000;

/**
 * The rows of `metrics export --per-ticket` in one streaming query (newest ticket first, like the
 * streaming path): tickets created or solved in the period with their facts, the public reply count
 * kept at write time, and the latest rating of each kind given in the period. Yields pages of 1000.
 */
export async function* perTicketInSql(db: Database, req: PerTicketRequest): AsyncIterable<PerTicketRow[]> {
  const { from, where, params } = fromTickets(req.filter, ['agent']);
  const since = req.since.toISOString();
  const until = req.until.toISOString();
  const latest = (kind: string) =>
    `(SELECT score FROM ratings rt WHERE rt.ticket_id = t.id AND rt.kind = '${kind}' AND rt.created_at >= ? AND rt.created_at < ? ORDER BY rt.created_at DESC, rt.id DESC LIMIT 1)`;
  const stmt = db.prepare(
    `SELECT t.id, t.subject, t.status, t.channel, t.grp,
            CASE WHEN t.assignee_id IS NULL THEN NULL ELSE coalesce(nullif(coalesce(a.name, t.assignee_id), ''), nullif(a.email, ''), t.assignee_id) END AS agent,
            ${TAGS_SQL} AS tags, t.created_ms AS created, t.first_response_ms AS fr, t.solved_ms AS solved,
            t.public_replies AS replies, t.reopen_count AS reopens, ${latest('csat')} AS csat, ${latest('nps')} AS nps, ${latest('ces')} AS ces
       FROM ${from}
      WHERE ${where} AND t.created_at < ? AND t.updated_at >= ?
        AND ((t.created_ms >= ? AND t.created_ms < ?) OR (t.solved_ms >= ? AND t.solved_ms < ?))
      ORDER BY t.id DESC`,
  );
  // the streaming path's query (updated since, created before: compared as text, as listTickets does), then created or solved in the period
  const [s, u] = [req.since.getTime(), req.until.getTime()];
  const args = [since, until, since, until, since, until, ...params, until, since, s, u, s, u];
  let page: PerTicketRow[] = [];
  for (const r of stmt.iterate(...args) as Iterable<PerTicketSqlRow>) {
    page.push(
      perTicketRow(
        { channel: r.channel, created: r.created, firstResponse: r.fr, solved: r.solved, reopenCount: r.reopens, replies: r.replies },
        { id: String(r.id), subject: r.subject, status: r.status as PerTicketRow['status'], agent: r.agent, group: r.grp, tags: splitTags(r.tags) },
        { csat: r.csat, nps: r.nps, ces: r.ces },
        req,
      ),
    );
    if (page.length >= PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

interface PerTicketSqlRow {
  id: number;
  subject: string;
  status: string;
  channel: Channel;
  grp: string | null;
  agent: string | null;
  tags: string | null;
  created: number;
  fr: number | null;
  solved: number | null;
  replies: number;
  reopens: number;
  csat: number | null;
  nps: number | null;
  ces: number | null;
}
