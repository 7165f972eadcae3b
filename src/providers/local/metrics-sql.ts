import { isUnsolved, STATUSES, type Channel } from '../../domain/model.js';
import type { TicketQuery } from '../../domain/query.js';
import { bucketStart, type TimeUnit } from '../../metrics/buckets.js';
import { perTicketRow, type MetricsRequest, type PerTicketRequest, type PerTicketRow, type SummaryResult } from '../../metrics/engine.js';
import { NO_AGENT, NO_GROUP, NO_GROUPING, NO_TAG, type AttrDim, type Grouping } from '../../metrics/grouping.js';
import { PeriodAccumulator } from '../../metrics/period.js';
import { Samples } from '../../metrics/stats.js';
import type { Database } from '../../store/sqlite.js';
import { buildWhere, splitTags, TAGS_SQL } from './local-provider.js';

/**
 * The metrics of the embedded helpdesk computed in SQLite: per period, a handful of indexed range
 * queries that count in GROUP BY (created, SLA, solved, FCR, reopens, backlog, ratings) and read only
 * the response/resolution durations back (for exact nearest-rank percentiles). The counts land in the
 * same PeriodAccumulator as the streaming JS path (src/metrics/period.ts), which stays the reference:
 * test/unit/metrics-sql.test.ts compares both on every metric, grouping and period.
 *
 * Dates are stored as ISO strings in UTC (toISOString), so ranges compare as strings on the indexes;
 * durations and "as of the end" comparisons use integer epoch milliseconds, as the JS path does.
 */

const ms = (col: string) => `CAST(round(unixepoch(${col}, 'subsec') * 1000) AS INTEGER)`;
const SOLVED = `t.status IN ('solved','closed')`;
const UNSOLVED_LIST = STATUSES.filter((st) => isUnsolved(st)).map((st) => `'${st}'`).join(',');
/**
 * Solved in [?, ?) (four parameters: since, until, since, until). Written so that SQLite reads two index
 * ranges (solved_at; updated_at of solved tickets without solved_at), not every solved ticket by status.
 */
const SOLVED_IN = `((t.solved_at >= ? AND t.solved_at < ?) OR (t.solved_at IS NULL AND t.updated_at >= ? AND t.updated_at < ?)) AND +${SOLVED}`;
/**
 * Created before ? and possibly still open at ? (parameters: end, at, at): unsolved, or solved at or after
 * `at` - three index ranges (status and creation; solved_at; updated_at), not every ticket created before.
 */
const MAYBE_OPEN = `+t.created_at < ? AND (t.status IN (${UNSOLVED_LIST}) AND t.created_at < ? OR t.solved_at >= ? OR (t.solved_at IS NULL AND t.updated_at >= ?))`;
/** The last solve (or, for a solved ticket without one, its last update), null while unsolved: ticketFacts().solved. */
const SOLVED_MS = `CASE WHEN ${SOLVED} THEN coalesce(${ms('t.solved_at')}, ${ms('t.updated_at')}, ${ms('t.created_at')}) END`;
const isoOf = (msValue: number) => new Date(msValue).toISOString();
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

/** Position of a score on its scale (0..1), as src/metrics/ratings.ts computes it. */
const POSITION = `(CASE WHEN scale_max > scale_min THEN (score - scale_min) / (scale_max - scale_min) WHEN score >= scale_max THEN 1.0 ELSE 0.0 END)`;
const NPS_0_10 = `(CASE WHEN scale_min = 0 AND scale_max = 10 THEN score ELSE ${POSITION} * 10 END)`;
const CES_1_7 = `(CASE WHEN scale_min = 1 AND scale_max = 7 THEN score ELSE 1 + ${POSITION} * 6 END)`;

const SAMPLES = 'deskctl_samples';

/**
 * An aggregate function collecting a group's durations (nulls skipped) into a Samples buffer, so that one
 * query gives a group's counts and its exact percentiles: the function returns a handle that `take` turns
 * into the buffer. SQLite's own percentile_disc is not nearest-rank (p90 of 1..99 is 89, not 90).
 */
function durationSamples(db: Database): { take(handle: number | null): Samples | null } {
  const known = registered.get(db);
  if (known) return known;
  const held = new Map<number, Samples>();
  let next = 1;
  db.aggregate(SAMPLES, {
    start: () => new Samples(16),
    step: ((acc: Samples, v: number | null) => {
      if (v !== null) acc.push(v);
    }) as never,
    result: ((acc: Samples) => {
      held.set(next, acc);
      return next++;
    }) as never,
  });
  const taker = {
    take(handle: number | null) {
      const s = handle === null ? undefined : held.get(handle);
      if (handle !== null) held.delete(handle);
      return s ?? null;
    },
  };
  registered.set(db, taker);
  return taker;
}
const registered = new WeakMap<Database, { take(handle: number | null): Samples | null }>();

/** Above this share of the table in the period, a full scan beats index lookups (measured: 1M tickets, a year 2.4x faster). */
const WIDE_SHARE = 0.25;

/** A period to aggregate: its accumulator and bounds. */
interface Period {
  acc: PeriodAccumulator;
  scope: Scope;
}

/**
 * The metrics of adjacent periods (the period and the previous one) into their accumulators: totals
 * (combo null) and, when grouped, each combination and bucket. Periods sharing a grouping are read in
 * the same queries, each row routed to its period (column p), so every range is read once.
 */
function aggregatePeriods(db: Database, periods: Period[], req: MetricsRequest): number {
  const targets = Object.entries(req.slaTargets).filter(([, s]) => typeof s === 'number') as [Channel, number][];
  const targetSql = targets.length ? `CASE t.channel ${targets.map(([ch, s]) => `WHEN ${sqlString(ch)} THEN ${s}`).join(' ')} END` : 'NULL';
  const since = new Date(Math.min(...periods.map((p) => p.scope.since))).toISOString();
  const until = new Date(Math.max(...periods.map((p) => p.scope.until))).toISOString();
  let tickets = 0;
  const samples = durationSamples(db);
  const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).pluck().get(...args) as number) ?? 0;
  // the table's size from its largest rowid (a heuristic needs no exact count, and this one costs nothing)
  const share = (inRange: number, total: number) => total > 0 && inRange / total > WIDE_SHARE;
  const wide = share(count(`SELECT count(*) FROM tickets WHERE created_at >= ? AND created_at < ?`, since, until), count(`SELECT max(rowid) FROM tickets`));
  const wideRatings = share(count(`SELECT count(*) FROM ratings WHERE created_at >= ? AND created_at < ?`, since, until), count(`SELECT max(rowid) FROM ratings`));

  // the totals once, then the groups (a ticket with three tags is in three tag groups but counted once in the totals)
  interface Pass {
    dims: readonly AttrDim[];
    time: TimeUnit | undefined;
    periods: Period[];
    combo: (row: Record<string, unknown>) => string[] | null;
  }
  const passes: Pass[] = [{ dims: [], time: undefined, periods, combo: () => null }];
  const grouped = periods.filter((p) => p.scope.grouping.dims.length);
  const sameGrouping = grouped.every((p) => !p.scope.grouping.time && p.scope.grouping.dims.join() === grouped[0]!.scope.grouping.dims.join());
  for (const set of sameGrouping && grouped.length ? [grouped] : grouped.map((p) => [p])) {
    const g = set[0]!.scope.grouping;
    passes.push({ dims: g.attrDims, time: g.time, periods: set, combo: (row) => keysOf(row, g.attrDims.length) });
  }

  for (const pass of passes) {
    const { from, where, params } = fromTickets(req.filter, pass.dims);
    // a period holding a large share of the tickets is read faster in one sequential scan than through an index
    // (the totals without a filter read covering indexes, sequential either way)
    const bare = !pass.dims.length && !Object.keys(req.filter).length;
    const scanned = wide && !bare ? fromTickets(req.filter, pass.dims, 'tickets t NOT INDEXED').from : from;
    // a rating's ticket is needed only for a filter or a group key (the helpdesk deletes ratings with their ticket)
    const ratedFrom = bare
      ? `ratings rt${wideRatings ? ' NOT INDEXED' : ''}`
      : fromTickets(req.filter, pass.dims, `ratings rt${wideRatings ? ' NOT INDEXED' : ''} JOIN tickets t ON t.id = rt.ticket_id`).from;
    const keys = keyColumns(pass.dims);
    const groupKeys = pass.dims.map((_, i) => `k${i}`);
    const byKeys = (...more: string[]) => [...groupKeys, ...more].join(', ');
    /** The period (index into pass.periods) a stored ISO time falls in, null outside them (compared as text, no parsing). */
    const periodOf = (iso: string) =>
      `CASE ${pass.periods.map((p, i) => `WHEN ${iso} >= '${isoOf(p.scope.since)}' AND ${iso} < '${isoOf(p.scope.until)}' THEN ${i}`).join(' ')} END`;
    /** Epoch ms of a stored time, parsed only when grouped by time (for the bucket). */
    const msIfTime = (col: string) => (pass.time ? ms(col) : 'NULL');
    /** The bucket index and judging end of a row, from its period p and its epoch-ms column. */
    const bucketOf = (at: string) => {
      const per = pass.periods.map((p) => bucketSql(pass.time, at, { ...p.scope, grouping: p.scope.grouping }));
      const pick = (k: 'index' | 'end') => (per.length === 1 ? per[0]![k] : `CASE p ${per.map((b, i) => `WHEN ${i} THEN ${b[k]}`).join(' ')} END`);
      return { index: pick('index'), end: pick('end') };
    };
    const route = (r: Record<string, number>) => {
      const period = pass.periods[r.p!];
      const b = r.b ?? 0;
      if (!period || b < 0 || (pass.time ? b >= period.acc.buckets.length : b !== 0)) return undefined;
      return period.acc.aggregateSet(pass.combo(r), b);
    };

    // created in the period: volume, first response and SLA, each judged at the end of its bucket/period
    {
      const inner = `SELECT ${[...keys, 't.channel AS channel', 't.created_at AS ci', `${ms('t.created_at')} AS c`, `${ms('t.first_response_at')} AS fr`, `${targetSql} AS target`].join(', ')}
        FROM ${scanned} WHERE ${where} AND t.created_at >= ? AND t.created_at < ? LIMIT -1`;
      const bucket = bucketOf('c');
      const placed = `SELECT *, ${bucket.index} AS b, ${bucket.end} AS e FROM (SELECT *, ${periodOf('ci')} AS p FROM (${inner}) LIMIT -1) LIMIT -1`;
      const judged = `SELECT *, CASE WHEN fr < e THEN (fr - c) / 1000.0 END AS frt FROM (${placed})`;
      const rows = db
        .prepare(
          `SELECT ${byKeys('p', 'b', 'channel')}, count(*) AS created, sum(frt IS NULL) AS unanswered,
                  sum(target IS NOT NULL AND frt IS NOT NULL AND frt <= target) AS met,
                  sum(target IS NOT NULL AND ((frt IS NOT NULL AND frt > target) OR (frt IS NULL AND (e - c) / 1000.0 > target))) AS missed,
                  sum(target IS NOT NULL AND frt IS NULL AND (e - c) / 1000.0 <= target) AS pending,
                  ${SAMPLES}(max(0, frt)) AS samples
             FROM (${judged}) GROUP BY ${byKeys('p', 'b', 'channel')}`,
        )
        .all(...params, since, until) as Record<string, number>[];
      for (const r of rows) {
        const set = route(r);
        const taken = samples.take(r.samples!);
        if (!set) continue;
        if (!pass.dims.length && !pass.time) tickets += r.created!;
        set.addCreatedCounts(r.channel as unknown as Channel, r as never);
        set.frt.append(taken);
      }
    }

    // solved in the period (last solve, or last update of a solved ticket without one): resolution, FCR, reopens
    {
      const inner = `SELECT ${[...keys, 'coalesce(t.solved_at, t.updated_at, t.created_at) AS si', `${SOLVED_MS} AS s`, `${ms('t.created_at')} AS c`, 't.public_replies AS replies', 't.reopen_count AS reopens'].join(', ')}
        FROM ${scanned} WHERE ${where} AND ${SOLVED_IN} LIMIT -1`;
      const placed = `SELECT *, ${bucketOf('s').index} AS b, max(0, (s - c) / 1000.0) AS v FROM (SELECT *, ${periodOf('si')} AS p FROM (${inner}) LIMIT -1)`;
      const rows = db
        .prepare(
          `SELECT ${byKeys('p', 'b')}, count(*) AS solved, sum(replies = 1 AND reopens = 0) AS firstContact,
                  sum(reopens > 0) AS reopenedSolved, sum(reopens) AS reopens, ${SAMPLES}(v) AS samples
             FROM (${placed}) GROUP BY ${byKeys('p', 'b')}`,
        )
        .all(...params, since, until, since, until) as Record<string, number>[];
      for (const r of rows) {
        const set = route(r);
        const taken = samples.take(r.samples!);
        if (!set) continue;
        set.addSolvedCounts(r as never);
        set.reopened += r.reopenedSolved!; // a solved reopened ticket's latest activity is its last solve
        set.res.append(taken);
      }
    }

    // reopened and unsolved again: dated by the last update
    {
      // the partial index of reopened open tickets (SQLite would otherwise read every open ticket by status)
      const reopenedFrom = fromTickets(req.filter, pass.dims, 'tickets t INDEXED BY tickets_reopened_open').from;
      const inner = `SELECT ${[...keys, 't.updated_at AS ui', `${msIfTime('t.updated_at')} AS u`].join(', ')} FROM ${reopenedFrom}
        WHERE ${where} AND t.reopen_count > 0 AND t.status IN (${UNSOLVED_LIST}) AND t.updated_at >= ? AND t.updated_at < ? LIMIT -1`;
      const placed = `SELECT *, ${bucketOf('u').index} AS b FROM (SELECT *, ${periodOf('ui')} AS p FROM (${inner}) LIMIT -1)`;
      const rows = db.prepare(`SELECT ${byKeys('p', 'b')}, count(*) AS n FROM (${placed}) GROUP BY ${byKeys('p', 'b')}`).all(...params, since, until) as Record<string, number>[];
      for (const r of rows) {
        const set = route(r);
        if (set) set.reopened += r.n!;
      }
    }

    // backlog: created before the end and not solved by it, at the end of each period or of each bucket
    if (!pass.time) {
      const ends = pass.periods.map((p) => p.scope.until);
      // open at `end`: compared as stored text (ISO UTC sorts as time), no date parsing per ticket
      const open = ends.map((end, i) => `sum(ci < '${isoOf(end)}' AND (si IS NULL OR si >= '${isoOf(end)}')) AS n${i}`);
      const rows = db
        .prepare(
          `SELECT ${[...groupKeys, ...open].join(', ')} FROM (
             SELECT ${[...keys, 't.created_at AS ci', `CASE WHEN ${SOLVED} THEN coalesce(t.solved_at, t.updated_at, t.created_at) END AS si`].join(', ')} FROM ${from}
              WHERE ${where} AND ${MAYBE_OPEN} LIMIT -1)
            ${groupKeys.length ? `GROUP BY ${groupKeys.join(', ')}` : ''}`,
        )
        .all(...params, until, until, new Date(Math.min(...ends)).toISOString(), new Date(Math.min(...ends)).toISOString()) as Record<string, number>[];
      for (const r of rows) {
        pass.periods.forEach((p, i) => {
          const n = r[`n${i}`] ?? 0;
          if (n > 0) p.acc.aggregateSet(pass.combo(r), 0).backlog += n; // no empty group where the streaming path has none
        });
      }
    } else {
      // one period: open from the bucket its creation falls in (0 if before the period) to the one before its solve
      const { acc, scope } = pass.periods[0]!;
      const c = ms('t.created_at');
      const first = `CASE WHEN ${c} < ${scope.since} THEN 0 ELSE ${bucketSql(pass.time, c, scope).index} END`;
      const solvedIdx = bucketSql(pass.time, 's', scope).index;
      const last = `CASE WHEN s IS NULL OR s >= ${scope.until} THEN ${acc.buckets.length - 1} ELSE ${solvedIdx} - 1 END`;
      const periodSince = new Date(scope.since).toISOString();
      const rows = db
        .prepare(
          `SELECT ${byKeys('first', 'last')}, count(*) AS n FROM (
             SELECT *, ${last} AS last FROM (
               SELECT ${[...keys, `${first} AS first`, `${SOLVED_MS} AS s`].join(', ')} FROM ${from}
                WHERE ${where} AND ${MAYBE_OPEN}))
            GROUP BY ${byKeys('first', 'last')}`,
        )
        .all(...params, until, until, periodSince, periodSince) as Record<string, number>[];
      for (const r of rows) acc.addBacklogSpan(pass.combo(r)!, r.first!, r.last!, r.n!);
    }

    // ratings given in the period, through their ticket (filter and group keys); dated by the rating
    {
      const inner = `SELECT ${[...keys, 'rt.created_at AS ri', `${msIfTime('rt.created_at')} AS at`, 'rt.kind AS kind', `${POSITION} AS pos`, `${NPS_0_10} AS nps`, `${CES_1_7} AS ces`].join(', ')}
        FROM ${ratedFrom} WHERE ${where} AND rt.created_at >= ? AND rt.created_at < ? LIMIT -1`;
      const placed = `SELECT *, ${bucketOf('at').index} AS b FROM (SELECT *, ${periodOf('ri')} AS p FROM (${inner}) LIMIT -1)`;
      const rows = db
        .prepare(
          `SELECT ${byKeys('p', 'b')},
                  sum(kind = 'csat') AS csat, sum(kind = 'csat' AND pos >= 0.75 - 1e-9) AS satisfied,
                  sum(kind = 'nps') AS nps, sum(kind = 'nps' AND nps >= 9) AS promoters,
                  sum(kind = 'nps' AND nps < 9 AND nps > 6) AS passives, sum(kind = 'nps' AND nps <= 6) AS detractors,
                  sum(kind = 'ces') AS ces, total(CASE WHEN kind = 'ces' THEN ces END) AS cesSum, sum(kind = 'ces' AND ces >= 5 - 1e-9) AS cesEasy
             FROM (${placed}) GROUP BY ${byKeys('p', 'b')}`,
        )
        .all(...params, since, until) as Record<string, number>[];
      for (const r of rows) route(r)?.addRatingCounts(r as never);
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
            ${TAGS_SQL} AS tags, ${ms('t.created_at')} AS created, ${ms('t.first_response_at')} AS fr, ${SOLVED_MS} AS solved,
            t.public_replies AS replies, t.reopen_count AS reopens, ${latest('csat')} AS csat, ${latest('nps')} AS nps, ${latest('ces')} AS ces
       FROM ${from}
      WHERE ${where} AND t.created_at < ? AND t.updated_at >= ?
        AND (t.created_at >= ? OR (${SOLVED} AND ((t.solved_at >= ? AND t.solved_at < ?) OR (t.solved_at IS NULL AND t.updated_at < ?))))
      ORDER BY t.id DESC`,
  );
  const args = [since, until, since, until, since, until, ...params, until, since, since, since, until, until];
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
