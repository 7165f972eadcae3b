import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

/**
 * Past periods are judged as of their end (DESIGN.md): first response, unanswered and SLA of a past
 * period, of the previous period and of each month/week bucket, checked against plain SQL over the
 * demo's raw tables (first response = the earliest public agent comment), no deskctl code involved.
 */
const NOW = '2026-11-25T09:00:00Z';
const env = { DESKCTL_NOW: NOW };
const TARGETS: Record<string, number> = { chat: 60, email: 86400, social: 3600, phone: 0, web: 86400 };

let home: string;
let db: Database.Database;

interface Expected {
  created: number;
  n: number;
  median: number | null;
  p90: number | null;
  unanswered: number;
  met: number;
  missed: number;
  pending: number;
}

/**
 * One period (or bucket) [since, until) judged at `end`, in SQL. Bucket expressions group the tickets
 * created in the period; nearest-rank percentiles with window functions: rank ceil(n/2) and ceil(9n/10).
 */
function sqlFirstResponse(since: string, until: string, bucketExpr = `'all'`, endExpr = `min(:until, :now)`): Map<string, Expected> {
  const targets = Object.entries(TARGETS)
    .map(([ch, s]) => `SELECT '${ch}' AS channel, ${s} AS target`)
    .join(' UNION ALL ');
  const rows = db
    .prepare(
      `WITH targets AS (${targets}),
       created AS (
         SELECT t.id, t.channel, t.created_at, ${bucketExpr} AS bucket,
                (SELECT min(c.created_at) FROM comments c WHERE c.ticket_id = t.id AND c.author_role = 'agent' AND c.public = 1) AS first_reply
           FROM tickets t WHERE t.created_at >= :since AND t.created_at < :until),
       judged AS (
         SELECT c.*, ${endExpr} AS period_end,
                CASE WHEN c.first_reply < ${endExpr} THEN unixepoch(c.first_reply, 'subsec') - unixepoch(c.created_at, 'subsec') END AS frt,
                g.target
           FROM created c LEFT JOIN targets g ON g.channel = c.channel),
       ranked AS (
         SELECT bucket, frt, row_number() OVER (PARTITION BY bucket ORDER BY frt) AS rn, count(*) OVER (PARTITION BY bucket) AS cnt
           FROM judged WHERE frt IS NOT NULL)
       SELECT j.bucket,
              count(*) AS created,
              count(j.frt) AS n,
              sum(j.frt IS NULL) AS unanswered,
              (SELECT frt FROM ranked r WHERE r.bucket = j.bucket AND r.rn = (r.cnt + 1) / 2) AS median,
              (SELECT frt FROM ranked r WHERE r.bucket = j.bucket AND r.rn = (9 * r.cnt + 9) / 10) AS p90,
              coalesce(sum(j.target IS NOT NULL AND j.frt IS NOT NULL AND j.frt <= j.target), 0) AS met,
              coalesce(sum(j.target IS NOT NULL AND ((j.frt IS NOT NULL AND j.frt > j.target)
                   OR (j.frt IS NULL AND unixepoch(j.period_end, 'subsec') - unixepoch(j.created_at, 'subsec') > j.target))), 0) AS missed,
              coalesce(sum(j.target IS NOT NULL AND j.frt IS NULL
                   AND unixepoch(j.period_end, 'subsec') - unixepoch(j.created_at, 'subsec') <= j.target), 0) AS pending
         FROM judged j GROUP BY j.bucket`,
    )
    .all({ since, until, now: new Date(NOW).toISOString() }) as (Expected & { bucket: string })[];
  return new Map(rows.map(({ bucket, ...e }) => [bucket, e]));
}

function check(actual: any, exp: Expected | undefined) {
  const e = exp ?? { created: 0, n: 0, median: null, p90: null, unanswered: 0, met: 0, missed: 0, pending: 0 };
  expect(actual.volume.created).toBe(e.created);
  expect(actual.firstResponse.n).toBe(e.n);
  expect(actual.firstResponse.unanswered).toBe(e.unanswered);
  if (e.median === null) expect(actual.firstResponse.median).toBeNull();
  else expect(actual.firstResponse.median).toBeCloseTo(e.median, 3);
  if (e.p90 === null) expect(actual.firstResponse.p90).toBeNull();
  else expect(actual.firstResponse.p90).toBeCloseTo(e.p90, 3);
  expect({ met: actual.sla.met, missed: actual.sla.missed, pending: actual.sla.pending }).toEqual({ met: e.met, missed: e.missed, pending: e.pending });
}

const iso = (s: string) => new Date(s).toISOString();

beforeAll(() => {
  home = makeHome('deskctl-past-');
  const r = runCli(['demo'], { home, env });
  if (r.code !== 0) throw new Error(`demo failed: ${r.stderr}`);
  db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'), { readonly: true });
});
afterAll(() => {
  db?.close();
  cleanupHome(home);
});

describe('past periods are judged as of their end', () => {
  it('a past day: replies after its end are not its first responses (n 8, median 246 s, p90 10,543 s on the demo)', () => {
    const since = '2026-11-23T09:00:00Z';
    const until = '2026-11-24T09:00:00Z';
    const out = runJson<any>(['metrics', 'summary', '--since', since, '--until', until, '--no-compare', '--json'], { home, env });
    const exp = sqlFirstResponse(iso(since), iso(until)).get('all')!;
    expect(exp).toMatchObject({ created: 26, n: 8, unanswered: 18 });
    expect(Math.round(exp.median!)).toBe(246);
    expect(Math.round(exp.p90!)).toBe(10543);
    check(out.metrics, exp);
  });

  it('the previous period is judged at its own end', () => {
    const out = runJson<any>(['metrics', 'summary', '--since', '2026-11-23T09:00:00Z', '--until', '2026-11-24T09:00:00Z', '--json'], { home, env });
    expect(out.previousPeriod).toEqual({ since: iso('2026-11-22T09:00:00Z'), until: iso('2026-11-23T09:00:00Z') });
    check(out.previous, sqlFirstResponse(iso('2026-11-22T09:00:00Z'), iso('2026-11-23T09:00:00Z')).get('all'));
  });

  it('month buckets are each judged at the end of their month', () => {
    const since = iso('2026-09-01T00:00:00Z');
    const until = iso('2026-11-20T00:00:00Z');
    const out = runJson<any>(['metrics', 'summary', '--since', since, '--until', until, '--group-by', 'month', '--no-compare', '--json'], { home, env });
    const monthEnd = `min(:until, :now, strftime('%Y-%m-%dT%H:%M:%fZ', substr(created_at, 1, 7) || '-01', '+1 month'))`;
    const exp = sqlFirstResponse(since, until, 'substr(t.created_at, 1, 7)', monthEnd);
    expect(out.groups.map((g: any) => g.key.month)).toEqual(['2026-09', '2026-10', '2026-11']);
    for (const g of out.groups) check(g.metrics, exp.get(g.key.month));
    check(out.metrics, sqlFirstResponse(since, until).get('all'));
  });

  it('week buckets are each judged at the end of their week, not of the whole period', () => {
    const since = iso('2026-10-26T00:00:00Z');
    const until = iso('2026-11-24T12:00:00Z');
    const out = runJson<any>(['metrics', 'summary', '--since', since, '--until', until, '--group-by', 'week', '--no-compare', '--json'], { home, env });
    const monday = `date(created_at, '-6 days', 'weekday 1')`;
    const weekEnd = `min(:until, :now, strftime('%Y-%m-%dT%H:%M:%fZ', ${monday}, '+7 days'))`;
    const exp = sqlFirstResponse(since, until, `date(t.created_at, '-6 days', 'weekday 1')`, weekEnd);
    expect(out.groups).toHaveLength(5);
    for (const g of out.groups) check(g.metrics, exp.get(g.key.week));
    // the demo has tickets answered in the week after the one they were created in
    const lateInWeek = [...exp.values()].reduce((a, e) => a + e.unanswered, 0);
    expect(lateInWeek).toBeGreaterThan(out.metrics.firstResponse.unanswered);
  });
});
