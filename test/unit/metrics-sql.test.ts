import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketQuery } from '../../src/domain/query.js';
import { streamPerTicket, streamSummary, type MetricsRequest, type PerTicketRow } from '../../src/metrics/engine.js';
import { parseGroupBy } from '../../src/metrics/grouping.js';
import { DEFAULT_SLA_TARGETS } from '../../src/metrics/sla-targets.js';
import { openHelpdesk } from '../../src/providers/local/index.js';
import { HELPDESK_MIGRATIONS } from '../../src/providers/local/schema.js';
import { seedDemo, seededRandom } from '../../src/providers/local/demo.js';
import { LocalProvider } from '../../src/providers/local/local-provider.js';
import { perTicketInSql, summaryInSql } from '../../src/providers/local/metrics-sql.js';
import { migrate, openDatabase, type Database } from '../../src/store/sqlite.js';

/**
 * The embedded helpdesk's SQL metrics against the streaming JS calculators (the reference), on the demo
 * and on a generated helpdesk full of edge cases: every metric, every grouping, several periods, with
 * and without the previous period and filters. Only floating-point sums may differ (summation order).
 */
const NOW = new Date('2026-11-25T09:00:00Z');
const DAY = 86_400_000;
let dir: string;
const dbs: Record<string, Database> = {};

/** Numbers equal up to summation order; everything else strictly equal. */
function expectSame(sql: unknown, js: unknown, path = '$'): void {
  if (typeof js === 'number' && typeof sql === 'number') {
    if (Math.abs(sql - js) > 1e-9 * Math.max(1, Math.abs(js))) throw new Error(`${path}: sql ${sql} != js ${js}`);
    return;
  }
  if (js && typeof js === 'object') {
    if (!sql || typeof sql !== 'object') throw new Error(`${path}: sql ${JSON.stringify(sql)} != js ${JSON.stringify(js)}`);
    const keys = new Set([...Object.keys(js), ...Object.keys(sql)]);
    for (const k of keys) expectSame((sql as Record<string, unknown>)[k], (js as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  if (sql !== js) throw new Error(`${path}: sql ${JSON.stringify(sql)} != js ${JSON.stringify(js)}`);
}

/** A small helpdesk with the cases the definitions care about, from a seeded generator. */
function generate(db: Database, count: number, seed: number): void {
  const r = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const iso = (t: number) => new Date(t).toISOString();
  db.exec(`INSERT INTO people (id, name, email, role) VALUES
    ('c1','Cara','c1@x.example','customer'), ('a1','Ann','ann@x.example','agent'), ('a2','','bob@x.example','agent'),
    ('a3','','','agent'), ('a4','Dee',NULL,'admin')`);
  const insTicket = db.prepare(`INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, grp, created_at, updated_at, first_response_at, solved_at, reopen_count)
    VALUES (?, ?, ?, 'normal', ?, 'c1', ?, ?, ?, ?, ?, ?, ?)`);
  const insTag = db.prepare(`INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`);
  const insComment = db.prepare(`INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (?, ?, ?, ?, 'x', ?)`);
  const insRating = db.prepare(`INSERT INTO ratings (ticket_id, kind, score, scale_min, scale_max, created_at) VALUES (?, ?, ?, ?, ?, ?)`);
  const scales: Record<string, [number, number][]> = { csat: [[1, 5], [0, 1], [1, 10]], nps: [[0, 10], [1, 5]], ces: [[1, 7], [1, 5]] };
  db.pragma('foreign_keys = OFF'); // 'ghost': an assignee the people table does not have
  db.transaction(() => {
    for (let id = 1; id <= count; id++) {
      const created = NOW.getTime() - Math.floor(r() * 200 * DAY);
      const channel = pick(['email', 'chat', 'phone', 'social', 'web', 'api', 'other'] as const);
      // first responses from 0 s to 5 days, some never; a few at creation (phone) and some after long gaps
      const fr = r() < 0.15 ? null : created + Math.floor((r() < 0.3 ? r() * 120_000 : r() * 5 * DAY) * (r() < 0.1 ? 0 : 1));
      const status = pick(['new', 'open', 'pending', 'on_hold', 'solved', 'solved', 'closed', 'closed'] as const);
      const solvedAt = status === 'solved' || status === 'closed' ? (r() < 0.05 ? null : created + Math.floor(r() * 20 * DAY)) : r() < 0.1 ? created + DAY : null;
      const updated = Math.max(created, fr ?? 0, solvedAt ?? 0) + Math.floor(r() * 10 * DAY);
      const reopens = r() < 0.2 ? 1 + Math.floor(r() * 3) : 0;
      const agent = r() < 0.2 ? null : pick(['a1', 'a2', 'a3', 'a4', 'ghost']);
      const grp = pick([null, '', 'Support', 'Billing']);
      insTicket.run(id, `t${id}`, status, channel, agent, grp, iso(created), iso(Math.min(updated, NOW.getTime())), fr === null ? null : iso(fr), solvedAt === null ? null : iso(solvedAt), reopens);
      for (const tag of ['vip', 'refund', 'delivery']) if (r() < 0.3) insTag.run(id, tag);
      const replies = Math.floor(r() * 4);
      for (let i = 0; i < replies; i++) insComment.run(id, 'a1', 'agent', r() < 0.8 ? 1 : 0, iso(created + i * 3600_000));
      if (r() < 0.5) insComment.run(id, 'c1', 'customer', 1, iso(created));
      for (const kind of ['csat', 'nps', 'ces'] as const) {
        if (r() > 0.3) continue;
        const [min, max] = pick(scales[kind]!);
        insRating.run(id, kind, min + Math.round(r() * (max - min)), min, max, iso(created + Math.floor(r() * 30 * DAY)));
      }
    }
  })();
  db.pragma('foreign_keys = ON');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskctl-sql-metrics-'));
  dbs.demo = await openHelpdesk(join(dir, 'demo.db'));
  seedDemo(dbs.demo, { now: NOW });
  dbs.generated = await openHelpdesk(join(dir, 'generated.db'));
  generate(dbs.generated, 1500, 7);
});
afterAll(() => {
  for (const db of Object.values(dbs)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const PERIODS: [string, Date, Date][] = [
  ['last 30 days', new Date(NOW.getTime() - 30 * DAY), NOW],
  ['a past day at 09:00', new Date('2026-11-23T09:00:00Z'), new Date('2026-11-24T09:00:00Z')],
  ['a past quarter, mid-month edges', new Date('2026-08-14T13:30:00Z'), new Date('2026-11-02T07:00:00Z')],
  ['the whole year', new Date('2026-01-01T00:00:00Z'), NOW],
];
const GROUPINGS = ['', 'channel', 'agent', 'group', 'tag', 'day', 'week', 'month', 'channel,week', 'agent,tag', 'month,group'];
const FILTERS: [string, TicketQuery][] = [
  ['no filter', {}],
  ['chat and email, tagged vip', { channel: ['chat', 'email'], tags: ['vip'] }],
];

describe.each(['demo', 'generated'])('SQL metrics equal the JS calculators on the %s helpdesk', (name) => {
  it('keeps the public reply count of every ticket equal to its public agent comments (both paths read it)', () => {
    const off = dbs[name]!.prepare(
      `SELECT count(*) AS n FROM tickets t WHERE public_replies != (SELECT count(*) FROM comments c WHERE c.ticket_id = t.id AND c.author_role = 'agent' AND c.public = 1)`,
    ).get() as { n: number };
    expect(off.n).toBe(0);
  });

  it.each(PERIODS)('%s: every grouping, with and without the previous period and a filter', async (_label, since, until) => {
    const provider = new LocalProvider(dbs[name]!, { now: () => NOW });
    for (const g of GROUPINGS) {
      for (const [, filter] of FILTERS) {
        const req: MetricsRequest = { since, until, now: NOW, filter, grouping: parseGroupBy(g || undefined), slaTargets: { ...DEFAULT_SLA_TARGETS, api: 7200 }, compare: g !== 'day' };
        const js = await streamSummary(provider, req);
        const sql = summaryInSql(dbs[name]!, req);
        try {
          expectSame({ current: sql.current, previous: sql.previous }, { current: js.current, previous: js.previous });
        } catch (err) {
          throw new Error(`--group-by '${g}' filter ${JSON.stringify(filter)}: ${(err as Error).message}`);
        }
      }
    }
  });
});

describe('a helpdesk written before the epoch-millisecond columns', () => {
  it('gets them, filled for its tickets and ratings, on the next open, and its metrics stay those of the JS path', async () => {
    const file = join(dir, 'older.db');
    const older = await openDatabase(file);
    migrate(older, 'helpdesk', HELPDESK_MIGRATIONS.slice(0, -1));
    generate(older, 300, 11);
    older.close();
    const db = await openHelpdesk(file);
    const missing = db.prepare(`SELECT count(*) AS n FROM tickets WHERE created_ms IS NULL OR (first_response_at IS NOT NULL AND first_response_ms IS NULL)`).get() as { n: number };
    expect(missing.n).toBe(0);
    expect(db.prepare(`SELECT count(*) AS n FROM ratings WHERE created_ms IS NULL`).get()).toEqual({ n: 0 });
    const req: MetricsRequest = { since: new Date(NOW.getTime() - 30 * DAY), until: NOW, now: NOW, filter: {}, grouping: parseGroupBy(undefined), slaTargets: DEFAULT_SLA_TARGETS, compare: true };
    const js = await streamSummary(new LocalProvider(db, { now: () => NOW }), req);
    expect(js.current.totals.volume.created).toBeGreaterThan(0);
    const sql = summaryInSql(db, req);
    expectSame({ current: sql.current, previous: sql.previous }, { current: js.current, previous: js.previous });
    db.close();
  });
});

describe('tickets read', () => {
  it('counts each created ticket once, whatever the grouping (a time-only grouping counted them twice)', () => {
    const base = { since: new Date(NOW.getTime() - 30 * DAY), until: NOW, now: NOW, filter: {}, slaTargets: DEFAULT_SLA_TARGETS, compare: true };
    const read = (g: string) => summaryInSql(dbs.generated!, { ...base, grouping: parseGroupBy(g || undefined) }).read.tickets;
    expect(read('')).toBeGreaterThan(0);
    for (const g of ['week', 'channel', 'agent,tag']) expect(read(g), g).toBe(read(''));
  });
});

describe('times stored in other ISO shapes', () => {
  it('date the metrics by the instant, as the JS calculators do (an offset, no milliseconds, near the period edges)', async () => {
    const db = await openHelpdesk(join(dir, 'shapes.db'));
    db.exec(`INSERT INTO people (id, name, email, role) VALUES ('c1','Cara','c1@x.example','customer')`);
    const ins = db.prepare(`INSERT INTO tickets (subject, status, priority, channel, requester_id, created_at, updated_at, first_response_at, solved_at, reopen_count)
      VALUES ('s', ?, 'normal', ?, 'c1', ?, ?, ?, ?, ?)`);
    const edge = '2026-10-26T09:00:00'; // the start of 'last 30 days'
    // created 23:30 the day before in UTC though its text sorts after the edge, and the reverse
    ins.run('solved', 'chat', `${edge}+02:00`, '2026-10-27T10:00:00+02:00', `${edge}+01:59`, '2026-10-27T10:00:00+02:00', 0);
    ins.run('open', 'email', '2026-10-26T08:30:00-01:00', '2026-10-27T08:00:00Z', '2026-10-26T09:30:00Z', null, 1);
    ins.run('closed', 'web', `${edge}Z`, `${edge}Z`, null, null, 0);
    ins.run('solved', 'phone', '2026-11-24T09:00:00.5Z', '2026-11-25T08:59:59Z', '2026-11-24T09:00:00.5Z', '2026-11-25T08:59:59.999Z', 2);
    const provider = new LocalProvider(db, { now: () => NOW });
    const [, since, until] = PERIODS[0]!;
    for (const g of ['', 'day', 'channel']) {
      const req: MetricsRequest = { since, until, now: NOW, filter: {}, grouping: parseGroupBy(g || undefined), slaTargets: DEFAULT_SLA_TARGETS, compare: g !== 'day' };
      const js = await streamSummary(provider, req);
      expect(js.current.totals.volume.created).toBe(3);
      expectSame({ current: summaryInSql(db, req).current, previous: summaryInSql(db, req).previous }, { current: js.current, previous: js.previous });
    }
    const req = { since, until, now: NOW, filter: {}, slaTargets: DEFAULT_SLA_TARGETS };
    expectSame(await all(perTicketInSql(db, req)), await all(streamPerTicket(provider, req)));
    db.close();
  });
});

const all = async (pages: AsyncIterable<PerTicketRow[]>) => {
  const rows: PerTicketRow[] = [];
  for await (const p of pages) rows.push(...p);
  return rows;
};

describe.each(['demo', 'generated'])('SQL per-ticket export equals the streaming one on the %s helpdesk', (name) => {
  it.each(PERIODS)('%s, with and without a filter', async (_label, since, until) => {
    const provider = new LocalProvider(dbs[name]!, { now: () => NOW });
    let compared = 0;
    for (const [, filter] of FILTERS) {
      const req = { since, until, now: NOW, filter, slaTargets: DEFAULT_SLA_TARGETS };
      const js = await all(streamPerTicket(provider, req));
      const sql = await all(perTicketInSql(dbs[name]!, req));
      expectSame(sql, js);
      compared += js.length;
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe('public reply counts kept at write time', () => {
  it('follow inserts, deletes and updates of comments', () => {
    const db = dbs.generated!;
    const count = (id: number) => (db.prepare('SELECT public_replies AS n FROM tickets WHERE id = ?').get(id) as { n: number }).n;
    const truth = (id: number) =>
      (db.prepare(`SELECT count(*) AS n FROM comments WHERE ticket_id = ? AND author_role = 'agent' AND public = 1`).get(id) as { n: number }).n;
    // a conversation written before its ticket row (as the demo does) is counted when the ticket arrives
    db.pragma('foreign_keys = OFF');
    db.prepare(`INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (99999, 'a1', 'agent', 1, 'x', '2026-11-01T00:00:00.000Z')`).run();
    db.prepare(`INSERT INTO tickets (id, subject, status, priority, channel, requester_id, created_at, updated_at) VALUES (99999, 's', 'open', 'normal', 'email', 'c1', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')`).run();
    db.pragma('foreign_keys = ON');
    expect(count(99999)).toBe(1);
    const id = Number(db.prepare(`INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (1, 'a1', 'agent', 1, 'x', '2026-11-01T00:00:00.000Z')`).run().lastInsertRowid);
    expect(count(1)).toBe(truth(1));
    db.prepare('UPDATE comments SET public = 0 WHERE id = ?').run(id);
    expect(count(1)).toBe(truth(1));
    db.prepare('UPDATE comments SET public = 1, ticket_id = 2 WHERE id = ?').run(id);
    expect([count(1), count(2)]).toEqual([truth(1), truth(2)]);
    db.prepare('DELETE FROM comments WHERE id = ?').run(id);
    expect(count(2)).toBe(truth(2));
  });
});
