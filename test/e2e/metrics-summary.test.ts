import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

/**
 * metrics on the embedded demo helpdesk, checked against numbers computed here straight from its
 * SQLite file (no deskctl code involved in the expected values).
 */
const NOW = '2026-11-25T09:00:00Z';
const DAY = 86_400_000;
const TARGETS: Record<string, number> = { chat: 60, email: 86400, social: 3600, phone: 0, web: 86400 };

let home: string;
const env = { DESKCTL_NOW: NOW };

interface Row {
  id: number;
  status: string;
  channel: string;
  created_at: string;
  updated_at: string;
  first_response_at: string | null;
  solved_at: string | null;
  reopen_count: number;
  replies: number;
}
interface RatingRow {
  ticket_id: number;
  kind: string;
  score: number;
  scale_min: number;
  scale_max: number;
  created_at: string;
}

function readDb(): { tickets: Row[]; ratings: RatingRow[] } {
  const db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'), { readonly: true });
  try {
    const tickets = db
      .prepare(
        `SELECT t.id, t.status, t.channel, t.created_at, t.updated_at, t.first_response_at, t.solved_at, t.reopen_count,
                (SELECT count(*) FROM comments c WHERE c.ticket_id = t.id AND c.author_role = 'agent' AND c.public = 1) AS replies
           FROM tickets t`,
      )
      .all() as Row[];
    const ratings = db.prepare('SELECT ticket_id, kind, score, scale_min, scale_max, created_at FROM ratings').all() as RatingRow[];
    return { tickets, ratings };
  } finally {
    db.close();
  }
}

const rank = (values: number[], p: number) => {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
};
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
const pct = (a: number, b: number) => (b ? (a / b) * 100 : null);

/** The DESIGN.md definitions, written out plainly over raw rows. */
function expected(tickets: Row[], ratings: RatingRow[], since: number, until: number, now: number) {
  const t = (iso: string | null) => (iso ? Date.parse(iso) : null);
  const inP = (x: number | null) => x !== null && x >= since && x < until;
  const solvedAt = (r: Row) => (r.status === 'solved' || r.status === 'closed' ? t(r.solved_at ?? r.updated_at) : null);
  const created = tickets.filter((r) => inP(t(r.created_at)));
  const solved = tickets.filter((r) => inP(solvedAt(r)));
  // a past period is judged as of its end: a reply after it is no first response there
  const end = Math.min(until, now);
  const answeredBy = (r: Row) => (r.first_response_at && t(r.first_response_at)! < end ? t(r.first_response_at) : null);
  const frt = created.filter((r) => answeredBy(r) !== null).map((r) => (answeredBy(r)! - t(r.created_at)!) / 1000);
  const res = solved.map((r) => (solvedAt(r)! - t(r.created_at)!) / 1000);
  let met = 0;
  let missed = 0;
  for (const r of created) {
    const target = TARGETS[r.channel];
    if (target === undefined) continue;
    const answered = answeredBy(r);
    if (answered !== null) (answered - t(r.created_at)!) / 1000 <= target ? met++ : missed++;
    else if ((end - t(r.created_at)!) / 1000 > target) missed++;
  }
  const rs = ratings.filter((r) => inP(t(r.created_at)));
  const csat = rs.filter((r) => r.kind === 'csat');
  const nps = rs.filter((r) => r.kind === 'nps');
  const ces = rs.filter((r) => r.kind === 'ces');
  return {
    created: created.length,
    solved: solved.length,
    backlog: tickets.filter((r) => t(r.created_at)! < until && (solvedAt(r) === null || solvedAt(r)! >= until)).length,
    reopened: tickets.filter((r) => r.reopen_count > 0 && inP(solvedAt(r) ?? t(r.updated_at))).length,
    frt: { n: frt.length, median: rank(frt, 50), p90: rank(frt, 90), mean: mean(frt) },
    // still without a first response when the period ended (or now, for the current period)
    unanswered: created.filter((r) => answeredBy(r) === null).length,
    res: { n: res.length, median: rank(res, 50), p90: rank(res, 90), mean: mean(res) },
    fcr: pct(solved.filter((r) => r.replies === 1 && r.reopen_count === 0).length, solved.length),
    reopenRate: pct(solved.filter((r) => r.reopen_count > 0).length, solved.length),
    sla: pct(met, met + missed),
    slaN: met + missed,
    csat: pct(csat.filter((r) => r.score >= 4).length, csat.length),
    csatN: csat.length,
    nps: nps.length ? pct(nps.filter((r) => r.score >= 9).length - nps.filter((r) => r.score <= 6).length, nps.length) : null,
    npsN: nps.length,
    ces: mean(ces.map((r) => r.score)),
    cesEasy: pct(ces.filter((r) => r.score >= 5).length, ces.length),
  };
}

function compare(actual: any, exp: ReturnType<typeof expected>) {
  expect(actual.volume).toEqual({ created: exp.created, solved: exp.solved, reopened: exp.reopened, backlog: exp.backlog });
  expect(actual.firstResponse.n).toBe(exp.frt.n);
  expect(actual.firstResponse.median).toBeCloseTo(exp.frt.median!, 3);
  expect(actual.firstResponse.p90).toBeCloseTo(exp.frt.p90!, 3);
  expect(actual.firstResponse.mean).toBeCloseTo(exp.frt.mean!, 3);
  expect(actual.firstResponse.unanswered).toBe(exp.unanswered);
  expect(actual.resolution.n).toBe(exp.res.n);
  expect(actual.resolution.median).toBeCloseTo(exp.res.median!, 3);
  expect(actual.resolution.p90).toBeCloseTo(exp.res.p90!, 3);
  expect(actual.resolution.mean).toBeCloseTo(exp.res.mean!, 3);
  expect(actual.fcr.value).toBeCloseTo(exp.fcr!, 6);
  expect(actual.reopenRate.value).toBeCloseTo(exp.reopenRate!, 6);
  expect(actual.sla.value).toBeCloseTo(exp.sla!, 6);
  expect(actual.sla.n).toBe(exp.slaN);
  expect(actual.csat.n).toBe(exp.csatN);
  expect(actual.csat.value).toBeCloseTo(exp.csat!, 6);
  expect(actual.nps.n).toBe(exp.npsN);
  expect(actual.nps.value).toBeCloseTo(exp.nps!, 6);
  expect(actual.ces.value).toBeCloseTo(exp.ces!, 6);
  expect(actual.ces.easyShare).toBeCloseTo(exp.cesEasy!, 6);
}

beforeAll(() => {
  home = makeHome('deskctl-metrics-');
  const r = runCli(['demo'], { home, env });
  if (r.code !== 0) throw new Error(`demo failed: ${r.stderr}`);
});
afterAll(() => cleanupHome(home));

describe('metrics summary on the embedded helpdesk', () => {
  it('matches the definitions computed from the raw tickets, for the period and the previous one', () => {
    const out = runJson<any>(['metrics', 'summary', '--since', '30d', '--json'], { home, env });
    const now = Date.parse(NOW);
    const { tickets, ratings } = readDb();
    expect(out.period).toEqual({ since: new Date(now - 30 * DAY).toISOString(), until: new Date(now).toISOString() });
    const cur = expected(tickets, ratings, now - 30 * DAY, now, now);
    expect(cur.created).toBeGreaterThan(50); // the demo really has data in the period
    expect(cur.csatN).toBeGreaterThan(10);
    compare(out.metrics, cur);
    compare(out.previous, expected(tickets, ratings, now - 60 * DAY, now - 30 * DAY, now));
    expect(out.change.csat).toBeCloseTo(out.metrics.csat.value - out.previous.csat.value, 9);
  });

  it('groups by channel: each group matches the raw tickets of that channel', () => {
    const out = runJson<any>(['metrics', 'summary', '--since', '2026-11-01', '--until', '2026-11-22', '--group-by', 'channel', '--json'], { home, env });
    const { tickets, ratings } = readDb();
    const since = Date.parse('2026-11-01T00:00:00Z');
    const until = Date.parse('2026-11-22T00:00:00Z');
    for (const g of out.groups) {
      const ch = g.key.channel as string;
      const ids = new Set(tickets.filter((t) => t.channel === ch).map((t) => t.id));
      const exp = expected(tickets.filter((t) => ids.has(t.id)), ratings.filter((r) => ids.has(r.ticket_id)), since, until, Date.parse(NOW));
      expect(g.metrics.volume).toEqual({ created: exp.created, solved: exp.solved, reopened: exp.reopened, backlog: exp.backlog });
      expect(g.metrics.csat.n).toBe(exp.csatN);
      if (exp.csat === null) expect(g.metrics.csat.value).toBeNull();
      else expect(g.metrics.csat.value).toBeCloseTo(exp.csat, 6);
      expect(g.metrics.firstResponse.median).toEqual(exp.frt.median === null ? null : expect.closeTo(exp.frt.median, 3));
    }
    expect(out.groups.map((g: any) => g.key.channel).sort()).toEqual(['chat', 'email', 'phone', 'social', 'web']);
  });

  it('applies ticket filters to tickets and ratings alike', () => {
    const out = runJson<any>(['metrics', 'summary', '--since', '30d', '--channel', 'email', '--no-compare', '--json'], { home, env });
    const { tickets, ratings } = readDb();
    const ids = new Set(tickets.filter((t) => t.channel === 'email').map((t) => t.id));
    const now = Date.parse(NOW);
    compare(out.metrics, expected(tickets.filter((t) => ids.has(t.id)), ratings.filter((r) => ids.has(r.ticket_id)), now - 30 * DAY, now, now));
    expect(out.previous).toBeNull();
  });

  it('a period without tickets reports "no data" (null, n = 0), never 0', () => {
    const out = runJson<any>(['metrics', 'summary', '--since', '2020-01-01', '--until', '2020-02-01', '--json'], { home, env });
    expect(out.metrics.csat).toEqual({ value: null, n: 0, satisfied: 0 });
    expect(out.metrics.firstResponse.median).toBeNull();
    expect(out.metrics.volume.created).toBe(0);
    const table = runCli(['metrics', 'summary', '--since', '2020-01-01', '--until', '2020-02-01', '--format', 'table'], { home, env });
    expect(table.stdout).toMatch(/CSAT\s+no data\s+0/);
  });
});

describe('metrics trend and export', () => {
  it('trend gives one point per day with the same created counts as the raw data', () => {
    const pts = runJson<any[]>(['metrics', 'trend', 'created', '--by', 'day', '--since', '14d', '--json'], { home, env });
    const { tickets } = readDb();
    expect(pts).toHaveLength(15); // aligned to midnight 14 days back, through today's partial day
    for (const p of pts) {
      const n = tickets.filter((t) => Date.parse(t.created_at) >= Date.parse(p.start) && Date.parse(t.created_at) < Date.parse(p.end)).length;
      expect(p.value).toBe(n);
    }
    const csv = runCli(['metrics', 'trend', 'csat', '--by', 'week', '--since', '8w', '--format', 'csv'], { home, env });
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('bucket,value,n');
  });

  it('trend draws a chart on a table', () => {
    const r = runCli(['metrics', 'trend', 'backlog', '--since', '30d', '--format', 'table'], { home, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Backlog/);
    expect(r.stdout).toMatch(/[┤┼]/);
  });

  it('export --append twice into one CSV: one header, two blocks of rows', () => {
    const out = join(home, 'metrics.csv');
    const args = ['metrics', 'export', '--since', '7d', '--group-by', 'channel', '--out', out, '--append'];
    expect(runCli(args, { home, env }).code).toBe(0);
    expect(runCli([...args.slice(0, 3), '14d', ...args.slice(4)], { home, env }).code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]!.startsWith('since,until,channel,csat,csatN,')).toBe(true);
    expect(lines.filter((l) => l.startsWith('since,'))).toHaveLength(1);
    expect(lines).toHaveLength(1 + 5 + 5);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(2);
  });

  it('refuses to append to a CSV with other columns', () => {
    const out = join(home, 'other.csv');
    writeFileSync(out, 'a,b\n1,2\n');
    const r = runCli(['metrics', 'export', '--since', '7d', '--out', out, '--append'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/columns/);
  });

  it('export expands a date pattern in --out and writes JSON', () => {
    const r = runCli(['metrics', 'export', '--since', '7d', '--group-by', 'agent', '--out', join(home, 'm-%Y-%m-%d.json')], { home, env });
    expect(r.code).toBe(0);
    const rows = JSON.parse(readFileSync(join(home, 'm-2026-11-25.json'), 'utf8'));
    expect(rows.length).toBeGreaterThan(3);
    expect(rows[0]).toHaveProperty('agent');
    expect(rows[0]).toHaveProperty('firstResponseMedianSeconds');
  });

  it('per-ticket export: one row per ticket created or solved in the period', () => {
    const rows = runJson<any[]>(['metrics', 'export', '--since', '7d', '--per-ticket', '--json'], { home, env });
    const { tickets } = readDb();
    const now = Date.parse(NOW);
    const inP = (iso: string | null) => iso !== null && Date.parse(iso) >= now - 7 * DAY && Date.parse(iso) < now;
    const exp = tickets.filter((t) => inP(t.created_at) || ((t.status === 'solved' || t.status === 'closed') && inP(t.solved_at)));
    expect(rows.map((r) => r.id).sort()).toEqual(exp.map((t) => String(t.id)).sort());
    const one = rows.find((r) => r.firstResponseSeconds !== null)!;
    const raw = tickets.find((t) => String(t.id) === one.id)!;
    expect(one.firstResponseSeconds).toBeCloseTo((Date.parse(raw.first_response_at!) - Date.parse(raw.created_at)) / 1000, 3);
    expect(one.replies).toBe(raw.replies);
  });

  it('bad input exits 2 with the accepted formats, before anything is read', () => {
    const r = runCli(['metrics', 'summary', '--since', 'last tuesday-ish'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: invalid --since 'last tuesday-ish'/);
    expect(r.stderr).toMatch(/hint: .*ISO time.*7d.*docs\/dates.md/);
    expect(runCli(['metrics', 'export', '--since', 'soon', '--out', join(home, 'x.csv')], { home, env }).code).toBe(2);
    expect(runCli(['metrics', 'summary', '--group-by', 'colour'], { home, env }).code).toBe(2);
    expect(runCli(['metrics', 'trend', 'happiness'], { home, env }).code).toBe(2);
    expect(runCli(['metrics', 'summary', '--since', '2026-11-20', '--until', '2026-11-10'], { home, env }).code).toBe(2);
  });
});
