#!/usr/bin/env node
// The reference side of bench/metrics.js: the summary of docs/metrics.md (every figure `deskctl metrics
// summary --json` prints, for the period and the previous one) as one DuckDB query over the rows of a
// deskctl profile's SQLite file. Not a benchmark by itself (the leading underscore keeps bench/run.js off it).
//   node bench/_duckdb-summary.js FILE.duckdb SINCE_MS UNTIL_MS NOW_MS [TARGETS_JSON]
// opens a DuckDB file written by loadDuckDb, runs the query once and prints the figures as JSON: the
// process that bench/metrics.js times next to the deskctl process.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export const SLA_TARGETS = { chat: 60, email: 86400, social: 3600, phone: 0, web: 86400 };

/**
 * The profile's tickets and ratings into DuckDB tables (times as epoch ms, read with Date.parse as deskctl
 * reads them; a ticket's public agent replies counted from its comments), in memory or in a file.
 */
export async function loadDuckDb(sqliteFile, target = ':memory:') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { default: Database } = await import('better-sqlite3');
  const instance = await DuckDBInstance.create(target, { threads: String(cpus().length) });
  const con = await instance.connect();
  await con.run(`CREATE TABLE tickets (id INTEGER, status VARCHAR, channel VARCHAR, created DOUBLE, fr DOUBLE, solved_at DOUBLE, updated DOUBLE, reopens INTEGER, replies INTEGER)`);
  await con.run(`CREATE TABLE ratings (ticket_id INTEGER, kind VARCHAR, score DOUBLE, smin DOUBLE, smax DOUBLE, created DOUBLE)`);
  const sqlite = new Database(sqliteFile, { readonly: true });
  const t = (iso) => (iso == null ? null : Date.parse(iso));
  const add = (app, v, kind) => (v == null ? app.appendNull() : kind === 'i' ? app.appendInteger(v) : kind === 'd' ? app.appendDouble(v) : app.appendVarchar(v));
  let app = await con.createAppender('tickets');
  const rows = sqlite.prepare(
    `SELECT t.id, t.status, t.channel, t.created_at, t.first_response_at, t.solved_at, t.updated_at, t.reopen_count,
            coalesce(c.n, 0) AS replies
       FROM tickets t LEFT JOIN (SELECT ticket_id, count(*) AS n FROM comments WHERE author_role = 'agent' AND public = 1 GROUP BY ticket_id) c ON c.ticket_id = t.id`,
  );
  for (const r of rows.iterate()) {
    [[r.id, 'i'], [r.status, 's'], [r.channel, 's'], [t(r.created_at), 'd'], [t(r.first_response_at), 'd'], [t(r.solved_at), 'd'], [t(r.updated_at), 'd'], [r.reopen_count, 'i'], [r.replies, 'i']].forEach(([v, k]) => add(app, v, k));
    app.endRow();
  }
  app.closeSync();
  app = await con.createAppender('ratings');
  for (const r of sqlite.prepare(`SELECT ticket_id, kind, score, scale_min, scale_max, created_at FROM ratings`).iterate()) {
    [[r.ticket_id, 'i'], [r.kind, 's'], [r.score, 'd'], [r.scale_min, 'd'], [r.scale_max, 'd'], [t(r.created_at), 'd']].forEach(([v, k]) => add(app, v, k));
    app.endRow();
  }
  app.closeSync();
  sqlite.close();
  return { instance, con };
}

/**
 * Every figure of the summary for [since, until) and the previous period of the same length, each judged
 * as of its end (clipped to now), by the definitions of docs/metrics.md: percentiles by nearest rank,
 * durations clipped at 0, SLA judged at the period's end, backlog at the end, ratings on their scales.
 */
export function duckSummarySql(since, until, now, targets = SLA_TARGETS) {
  const len = until - since;
  const tgs = Object.entries(targets).map(([ch, s]) => `('${ch}', ${s})`).join(', ');
  const pos = `(CASE WHEN smax > smin THEN (score - smin) / (smax - smin) WHEN score >= smax THEN 1.0 ELSE 0.0 END)`;
  const rank = (list, n, q) => `${list}[CAST(ceil(${q} * ${n}) AS INTEGER)]`;
  return `
    WITH p(name, s, u) AS (VALUES ('current', ${since}, ${until}), ('previous', ${since - len}, ${since})),
    tg(channel, target) AS (VALUES ${tgs}),
    tk AS (SELECT *, CASE WHEN status IN ('solved', 'closed') THEN coalesce(solved_at, updated, created) END AS solved FROM tickets),
    created AS (
      SELECT p.name, tk.channel, tk.created, least(p.u, ${now}) AS e, tg.target,
             CASE WHEN tk.fr < least(p.u, ${now}) THEN (tk.fr - tk.created) / 1000.0 END AS frt
        FROM p JOIN tk ON tk.created >= p.s AND tk.created < p.u LEFT JOIN tg ON tg.channel = tk.channel),
    c AS (
      SELECT name, count(*) AS created, count(*) FILTER (WHERE frt IS NULL) AS unanswered, count(frt) AS frt_n,
             list_sort(list(greatest(frt, 0)) FILTER (WHERE frt IS NOT NULL)) AS frts, avg(greatest(frt, 0)) FILTER (WHERE frt IS NOT NULL) AS frt_mean,
             count(*) FILTER (WHERE target IS NOT NULL AND frt IS NOT NULL AND frt <= target) AS sla_met,
             count(*) FILTER (WHERE target IS NOT NULL AND ((frt IS NOT NULL AND frt > target) OR (frt IS NULL AND (e - created) / 1000.0 > target))) AS sla_missed,
             count(*) FILTER (WHERE target IS NOT NULL AND frt IS NULL AND (e - created) / 1000.0 <= target) AS sla_pending
        FROM created GROUP BY name),
    sla AS (
      SELECT name, channel,
             count(*) FILTER (WHERE frt IS NOT NULL AND frt <= target) AS met,
             count(*) FILTER (WHERE (frt IS NOT NULL AND frt > target) OR (frt IS NULL AND (e - created) / 1000.0 > target)) AS missed
        FROM created WHERE target IS NOT NULL GROUP BY name, channel),
    s AS (
      SELECT p.name, count(*) AS solved, count(*) FILTER (WHERE replies = 1 AND reopens = 0) AS fcr_yes,
             count(*) FILTER (WHERE reopens > 0) AS reopened_solved, sum(reopens) AS reopens,
             list_sort(list(greatest((solved - created) / 1000.0, 0))) AS ress, avg(greatest((solved - created) / 1000.0, 0)) AS res_mean
        FROM p JOIN tk ON tk.solved >= p.s AND tk.solved < p.u GROUP BY p.name),
    ro AS (
      SELECT p.name, count(*) AS reopened_open
        FROM p JOIN tk ON tk.solved IS NULL AND tk.reopens > 0 AND coalesce(tk.updated, tk.created) >= p.s AND coalesce(tk.updated, tk.created) < p.u GROUP BY p.name),
    b AS (SELECT p.name, count(*) AS backlog FROM p JOIN tk ON tk.created < p.u AND (tk.solved IS NULL OR tk.solved >= p.u) GROUP BY p.name),
    r AS (
      SELECT p.name, rt.kind, ${pos} AS pos,
             CASE WHEN smin = 0 AND smax = 10 THEN score ELSE ${pos} * 10 END AS nps,
             CASE WHEN smin = 1 AND smax = 7 THEN score ELSE 1 + ${pos} * 6 END AS ces
        FROM p JOIN ratings rt ON rt.created >= p.s AND rt.created < p.u SEMI JOIN tickets t ON t.id = rt.ticket_id),
    ra AS (
      SELECT name,
             count(*) FILTER (WHERE kind = 'csat') AS csat_n, count(*) FILTER (WHERE kind = 'csat' AND pos >= 0.75 - 1e-9) AS csat_satisfied,
             count(*) FILTER (WHERE kind = 'nps') AS nps_n, count(*) FILTER (WHERE kind = 'nps' AND nps >= 9) AS promoters,
             count(*) FILTER (WHERE kind = 'nps' AND nps < 9 AND nps > 6) AS passives, count(*) FILTER (WHERE kind = 'nps' AND nps <= 6) AS detractors,
             count(*) FILTER (WHERE kind = 'ces') AS ces_n, avg(ces) FILTER (WHERE kind = 'ces') AS ces,
             count(*) FILTER (WHERE kind = 'ces' AND ces >= 5 - 1e-9) AS ces_easy
        FROM r GROUP BY name)
    SELECT p.name,
           coalesce(c.created, 0) AS created, coalesce(c.unanswered, 0) AS unanswered,
           coalesce(c.frt_n, 0) AS frt_n, ${rank('c.frts', 'c.frt_n', 0.5)} AS frt_median, ${rank('c.frts', 'c.frt_n', 0.9)} AS frt_p90, c.frt_mean,
           coalesce(c.sla_met, 0) AS sla_met, coalesce(c.sla_missed, 0) AS sla_missed, coalesce(c.sla_pending, 0) AS sla_pending,
           100.0 * c.sla_met / nullif(c.sla_met + c.sla_missed, 0) AS sla,
           (SELECT map(list(channel), list(100.0 * met / nullif(met + missed, 0))) FROM sla WHERE sla.name = p.name) AS sla_by_channel,
           coalesce(s.solved, 0) AS solved, 100.0 * s.fcr_yes / nullif(s.solved, 0) AS fcr, coalesce(s.fcr_yes, 0) AS fcr_yes,
           coalesce(s.solved, 0) AS res_n, ${rank('s.ress', 's.solved', 0.5)} AS res_median, ${rank('s.ress', 's.solved', 0.9)} AS res_p90, s.res_mean,
           100.0 * s.reopened_solved / nullif(s.solved, 0) AS reopen_rate, coalesce(s.reopened_solved, 0) AS reopened_solved, coalesce(s.reopens, 0) AS reopens,
           coalesce(s.reopened_solved, 0) + coalesce(ro.reopened_open, 0) AS reopened, coalesce(b.backlog, 0) AS backlog,
           100.0 * ra.csat_satisfied / nullif(ra.csat_n, 0) AS csat, coalesce(ra.csat_n, 0) AS csat_n, coalesce(ra.csat_satisfied, 0) AS csat_satisfied,
           100.0 * (ra.promoters - ra.detractors) / nullif(ra.nps_n, 0) AS nps, coalesce(ra.nps_n, 0) AS nps_n,
           coalesce(ra.promoters, 0) AS promoters, coalesce(ra.passives, 0) AS passives, coalesce(ra.detractors, 0) AS detractors,
           ra.ces, coalesce(ra.ces_n, 0) AS ces_n, 100.0 * ra.ces_easy / nullif(ra.ces_n, 0) AS ces_easy_share
      FROM p LEFT JOIN c USING (name) LEFT JOIN s USING (name) LEFT JOIN ro USING (name) LEFT JOIN b USING (name) LEFT JOIN ra USING (name)`;
}

const num = (v) => (typeof v === 'bigint' ? Number(v) : v);

/** The query's rows as { current, previous } figures (numbers; SLA per channel as an object). */
export function duckFigures(rows) {
  return Object.fromEntries(
    rows.map((r) => {
      const { name, sla_by_channel: byChannel, ...rest } = r;
      const figures = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, num(v)]));
      return [name, { ...figures, sla_by_channel: Object.fromEntries((byChannel ?? []).map(({ key, value }) => [key, num(value)])) }];
    }),
  );
}

/** The same figures from `deskctl metrics summary --json` (one period's metrics). */
export function deskctlFigures(m, targets = SLA_TARGETS) {
  return {
    created: m.volume.created,
    unanswered: m.firstResponse.unanswered,
    frt_n: m.firstResponse.n,
    frt_median: m.firstResponse.median,
    frt_p90: m.firstResponse.p90,
    frt_mean: m.firstResponse.mean,
    sla_met: m.sla.met,
    sla_missed: m.sla.missed,
    sla_pending: m.sla.pending,
    sla: m.sla.value,
    sla_by_channel: Object.fromEntries(Object.keys(targets).map((ch) => [ch, m.sla.byChannel[ch]?.value ?? null])),
    solved: m.volume.solved,
    fcr: m.fcr.value,
    fcr_yes: m.fcr.firstContact,
    res_n: m.resolution.n,
    res_median: m.resolution.median,
    res_p90: m.resolution.p90,
    res_mean: m.resolution.mean,
    reopen_rate: m.reopenRate.value,
    reopened_solved: m.reopenRate.reopened,
    reopens: m.reopenRate.reopens,
    reopened: m.volume.reopened,
    backlog: m.volume.backlog,
    csat: m.csat.value,
    csat_n: m.csat.n,
    csat_satisfied: m.csat.satisfied,
    nps: m.nps.value,
    nps_n: m.nps.n,
    promoters: m.nps.promoters,
    passives: m.nps.passives,
    detractors: m.nps.detractors,
    ces: m.ces.value,
    ces_n: m.ces.n,
    ces_easy_share: m.ces.easyShare,
  };
}

/** Figures that differ (numbers equal up to 1e-9 relative: summation order), as lines. */
export function differences(ours, duck, label) {
  const out = [];
  const same = (a, b) => (a == null && b == null) || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
  for (const [k, v] of Object.entries(ours)) {
    if (k === 'sla_by_channel') {
      for (const [ch, x] of Object.entries(v)) if (!same(x, duck.sla_by_channel?.[ch] ?? null)) out.push(`${label} sla ${ch}: deskctl ${x} duckdb ${duck.sla_by_channel?.[ch]}`);
    } else if (!same(v, duck[k])) out.push(`${label} ${k}: deskctl ${v} duckdb ${duck[k]}`);
  }
  if (Object.keys(ours).length !== Object.keys(duck).length) out.push(`${label}: deskctl has ${Object.keys(ours).length} figures, duckdb ${Object.keys(duck).length}`);
  return out;
}

// the timed DuckDB process: open the file, run the summary once, print its figures
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, since, until, now, targets] = process.argv.slice(2);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY', threads: String(cpus().length) });
  const con = await instance.connect();
  const rows = (await con.runAndReadAll(duckSummarySql(Number(since), Number(until), Number(now), targets ? JSON.parse(targets) : SLA_TARGETS))).getRowObjectsJS();
  process.stdout.write(`${JSON.stringify(duckFigures(rows))}\n`);
  con.closeSync();
}
