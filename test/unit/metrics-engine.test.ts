import { describe, expect, it } from 'vitest';
import { computePerTicket, computeSummary, mergeQueries, windowQueries } from '../../src/metrics/engine.js';
import { NO_GROUPING, parseGroupBy } from '../../src/metrics/grouping.js';
import { DEFAULT_SLA_TARGETS } from '../../src/metrics/sla-targets.js';
import { fakeProvider, NOW, RATINGS, SINCE, ticket, TICKETS, UNTIL } from './metrics-fixture.js';

// solved long ago, not updated since, but rated 5 during the week: its rating counts and needs a lookup
const OLD = ticket({ id: '9', channel: 'social', status: 'closed', createdAt: '2026-10-01T00:00:00Z', firstResponseAt: '2026-10-01T00:10:00Z', solvedAt: '2026-10-02T00:00:00Z', publicReplyCount: 1, group: 'VIP' });
const OLD_RATING = { ticketId: '9', kind: 'csat' as const, score: 5, scale: { min: 1, max: 5 }, createdAt: '2026-11-03T00:00:00Z' };

const base = { since: SINCE, until: UNTIL, now: NOW, filter: {}, slaTargets: DEFAULT_SLA_TARGETS };

describe('ticket queries', () => {
  it('merges user filters with the window: lists intersect, dates take the tighter bound', () => {
    const a = new Date('2026-10-01T00:00:00Z');
    const b = new Date('2026-11-01T00:00:00Z');
    expect(mergeQueries({ status: ['open', 'solved'], updatedSince: a }, { status: ['open', 'new'], updatedSince: b })).toEqual({ status: ['open'], updatedSince: b });
    expect(mergeQueries({ status: ['solved'] }, { status: ['open'] })).toBeNull();
    expect(mergeQueries({ tags: ['x'] }, { tags: ['y'] })).toEqual({ tags: ['x', 'y'] });
  });

  it('reads tickets touched in the window plus the stale unsolved backlog, and skips the backlog pass when filtered to solved', () => {
    const qs = windowQueries({}, SINCE, UNTIL);
    expect(qs).toEqual([
      { updatedSince: SINCE, createdUntil: UNTIL },
      { status: ['new', 'open', 'pending', 'on_hold'], updatedUntil: SINCE, createdUntil: UNTIL },
    ]);
    expect(windowQueries({ status: ['solved'] }, SINCE, UNTIL)).toHaveLength(1);
  });
});

describe('computeSummary over a provider', () => {
  it('gives the hand-computed week and the previous week, reading each ticket once', async () => {
    const { provider, queries } = fakeProvider(TICKETS, RATINGS);
    const r = await computeSummary(provider, { ...base, grouping: NO_GROUPING, compare: true });
    const m = r.current.totals;
    expect(m.csat).toEqual({ value: (2 / 3) * 100, n: 3, satisfied: 2 });
    expect(m.volume).toEqual({ created: 5, solved: 4, reopened: 1, backlog: 3 });
    expect(m.firstResponse.median).toBe(120);
    expect(m.sla.value).toBe(50);
    // previous week 25 Oct - 1 Nov: ticket 5 created (answered in 1 h, email SLA met), rated 4; open at its end: 5 and 6
    const p = r.previous!.totals;
    expect(r.previous!.since).toBe('2026-10-25T00:00:00.000Z');
    expect(p.csat).toEqual({ value: 100, n: 1, satisfied: 1 });
    expect(p.nps).toEqual({ value: null, n: 0, promoters: 0, passives: 0, detractors: 0 });
    expect(p.firstResponse).toEqual({ n: 1, median: 3600, p90: 3600, mean: 3600, unanswered: 0 });
    expect(p.sla.value).toBe(100);
    expect(p.volume).toEqual({ created: 1, solved: 0, reopened: 0, backlog: 2 });
    // ticket 8 (created after) is excluded by the query; 6 comes from the stale-backlog pass
    expect(queries).toHaveLength(2);
    expect(r.read.tickets).toBe(7);
    expect(r.read.ratings).toBe(9);
  });

  it('looks up rated tickets outside the window when grouping needs their attributes', async () => {
    const { provider, queries } = fakeProvider([...TICKETS, OLD], [...RATINGS, OLD_RATING]);
    const r = await computeSummary(provider, { ...base, grouping: parseGroupBy('channel') });
    expect(r.current.totals.csat).toEqual({ value: 75, n: 4, satisfied: 3 });
    const social = r.current.groups.find((g) => g.label === 'social')!;
    expect(social.metrics.csat).toEqual({ value: 100, n: 1, satisfied: 1 });
    expect(social.metrics.volume).toEqual({ created: 0, solved: 0, reopened: 0, backlog: 0 });
    expect(queries.at(-1)).toEqual({ ids: ['9'] });
    expect(r.read.ratingTicketsLookedUp).toBe(1);
  });

  it('applies ticket filters to ratings too (via the rated ticket)', async () => {
    for (const serverIds of [true, false]) {
      const { provider, lookups, queries } = fakeProvider([...TICKETS, OLD], [...RATINGS, OLD_RATING], { serverIds });
      const r = await computeSummary(provider, { ...base, filter: { channel: ['chat'] }, grouping: NO_GROUPING });
      // chat: tickets 2 and 3 rated 3 and good; ticket 9 (social, outside the window) looked up and filtered out
      expect(r.current.totals.csat).toEqual({ value: 50, n: 2, satisfied: 1 });
      expect(r.current.totals.volume).toEqual({ created: 2, solved: 2, reopened: 1, backlog: 0 });
      if (serverIds) {
        // the filter is pushed down; the rated tickets it left out are fetched by id in one listing
        expect(queries[0]!.channel).toEqual(['chat']);
        expect(queries.at(-1)!.ids!.sort()).toEqual(['1', '9']); // email ticket 1 and social 9 (5's rating is before the period)
        expect(lookups).toEqual([]);
      } else {
        // no listing by id: the window is read unfiltered, only the ticket outside it is fetched on its own
        expect(queries[0]!.channel).toBeUndefined();
        expect(lookups).toEqual(['9']);
      }
    }
  });

  it('counts public agent replies with listComments when the helpdesk gives no reply count', async () => {
    const noCounts = TICKETS.map((t) => ({ ...t, publicReplyCount: null, customFields: { replies: t.publicReplyCount } }));
    const { provider, commentCalls } = fakeProvider(noCounts, []);
    const notes: string[] = [];
    const r = await computeSummary(provider, { ...base, grouping: NO_GROUPING, debug: (m) => notes.push(m) });
    expect(r.current.totals.fcr).toEqual({ value: 25, n: 4, firstContact: 1, unknownReplies: 0 });
    expect(commentCalls.sort()).toEqual(['1', '2', '3', '5']); // only solved tickets in the window
    expect(notes.some((n) => /listComments/.test(n))).toBe(true);
    const without = await computeSummary(fakeProvider(noCounts, []).provider, { ...base, grouping: NO_GROUPING, commentFallback: false });
    expect(without.current.totals.fcr).toEqual({ value: null, n: 0, firstContact: 0, unknownReplies: 4 });
  });
});

describe('ratings of deleted tickets', () => {
  it('are left out, with a note, when the helpdesk no longer has the ticket', async () => {
    const gone = { ticketId: '404', kind: 'csat' as const, score: 1, scale: { min: 1, max: 5 }, createdAt: '2026-11-03T00:00:00Z' };
    const notes: string[] = [];
    const { provider } = fakeProvider(TICKETS, [...RATINGS, gone], { serverIds: false });
    const r = await computeSummary(provider, { ...base, grouping: parseGroupBy('channel'), debug: (m) => notes.push(m) });
    expect(r.current.totals.csat.n).toBe(3);
    expect(notes.some((n) => /no longer exist/.test(n))).toBe(true);
  });
});

describe('computePerTicket', () => {
  it('gives one row per ticket created or solved in the period, with its ratings of the period', async () => {
    const { provider } = fakeProvider(TICKETS, RATINGS);
    const rows = await computePerTicket(provider, base);
    expect(rows.map((r) => r.id).sort()).toEqual(['1', '2', '3', '4', '5', '7']);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId['1']).toMatchObject({ firstResponseSeconds: 7200, resolutionSeconds: 86400, replies: 1, reopens: 0, slaMet: true, csat: 5, nps: 10, ces: 7, agent: 'Ann' });
    expect(byId['3']).toMatchObject({ reopens: 2, slaMet: true, csat: 1 }); // the later rating of 9 Nov is outside
    expect(byId['4']).toMatchObject({ firstResponseSeconds: null, resolutionSeconds: null, slaMet: false, csat: null });
    expect(byId['7']!.slaMet).toBeNull(); // still within its 24 h
    expect(byId['5']!.csat).toBeNull(); // rated before the period
  });
});

describe('unanswered tickets are judged at the end of their period', () => {
  it('counts a ticket answered only after the previous period ended as unanswered there, with no response time and its SLA judged as of that end', async () => {
    // created in the previous week (25 Oct - 1 Nov), first answered on 3 Nov: unanswered at the end of that week
    const late = ticket({ id: '21', channel: 'email', status: 'solved', createdAt: '2026-10-31T12:00:00Z', firstResponseAt: '2026-11-03T12:00:00Z', solvedAt: '2026-11-03T13:00:00Z', publicReplyCount: 1 });
    const { provider } = fakeProvider([late], []);
    const r = await computeSummary(provider, { ...base, grouping: NO_GROUPING, compare: true });
    expect(r.previous!.totals.firstResponse).toEqual({ n: 0, median: null, p90: null, mean: null, unanswered: 1 });
    // 12 h old at the end of the previous period (1 Nov 00:00): still within the 24 h email target
    expect(r.previous!.totals.sla).toMatchObject({ met: 0, missed: 0, pending: 1 });
    expect(r.current.totals.firstResponse.unanswered).toBe(0);
  });

  it('judges each time bucket at its own end (week buckets), the totals at the period end', async () => {
    // created Tue 3 Nov (week of 2 Nov), answered Mon 9 Nov (next week) after 6 days: email target 24 h
    const late = ticket({ id: '22', channel: 'email', status: 'open', createdAt: '2026-11-03T12:00:00Z', firstResponseAt: '2026-11-09T12:00:00Z' });
    const { provider } = fakeProvider([late], []);
    const until = new Date('2026-11-16T00:00:00Z');
    const r = await computeSummary(provider, { ...base, since: new Date('2026-11-02T00:00:00Z'), until, now: until, grouping: parseGroupBy('week') });
    const week = r.current.groups.find((g) => g.key.week === '2026-11-02')!.metrics;
    expect(week.firstResponse).toEqual({ n: 0, median: null, p90: null, mean: null, unanswered: 1 });
    expect(week.sla).toMatchObject({ met: 0, missed: 1, pending: 0 });
    expect(r.current.totals.firstResponse).toMatchObject({ n: 1, median: 6 * 86_400, unanswered: 0 });
    expect(r.current.totals.sla).toMatchObject({ met: 0, missed: 1 });
  });
});
