import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketsFor, bucketStart } from '../../src/metrics/buckets.js';
import { formatChange, formatValue, humanDuration, trendOf } from '../../src/metrics/catalog.js';
import { attrCombos, parseGroupBy, ticketFacts } from '../../src/metrics/grouping.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { PeriodAccumulator } from '../../src/metrics/period.js';
import { cesScore, csatSatisfied, npsClass, npsScore } from '../../src/metrics/ratings.js';
import { DEFAULT_SLA_TARGETS, resolveSlaTargets, slaOutcome } from '../../src/metrics/sla-targets.js';
import { nearestRank, Samples, summarizeDurations } from '../../src/metrics/stats.js';
import { UsageError } from '../../src/errors.js';
import { NOW, RATINGS, SINCE, TICKETS, UNTIL, ticket } from './metrics-fixture.js';

const H = 3600;
const D = 86400;

describe('percentiles (nearest rank)', () => {
  it('picks the value at rank ceil(p/100 * n)', () => {
    const ten = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(nearestRank(ten, 50)).toBe(5);
    expect(nearestRank(ten, 90)).toBe(9);
    expect(nearestRank(ten, 91)).toBe(10);
    expect(nearestRank([10, 20], 50)).toBe(10);
    expect(nearestRank([42], 90)).toBe(42);
    expect(nearestRank([], 50)).toBeNull();
  });

  it('summarizes count, median, p90 and mean; no data is null, not 0', () => {
    expect(summarizeDurations([7200, 30, 120])).toEqual({ n: 3, median: 120, p90: 7200, mean: 2450 });
    expect(summarizeDurations([])).toEqual({ n: 0, median: null, p90: null, mean: null });
  });

  it('grows its buffer past the initial size and sorts numerically', () => {
    const s = new Samples(2);
    for (const v of [100, 9, 25, 3, 1000]) s.push(v);
    expect(s.summary()).toEqual({ n: 5, median: 25, p90: 1000, mean: 227.4 });
  });
});

describe('rating scales', () => {
  it('CSAT: 4-5 of 1-5 and good of good/bad are satisfied', () => {
    const five = { min: 1, max: 5 };
    expect([1, 2, 3, 4, 5].map((s) => csatSatisfied(s, five))).toEqual([false, false, false, true, true]);
    expect(csatSatisfied(1, { min: 0, max: 1 })).toBe(true);
    expect(csatSatisfied(0, { min: 0, max: 1 })).toBe(false);
  });

  it('NPS: 9-10 promoters, 7-8 passives, 0-6 detractors', () => {
    expect([0, 6, 7, 8, 9, 10].map((s) => npsClass(npsScore(s, { min: 0, max: 10 })))).toEqual([
      'detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter',
    ]);
  });

  it('CES: kept on 1-7, rescaled from other scales', () => {
    expect(cesScore(5, { min: 1, max: 7 })).toBe(5);
    expect(cesScore(5, { min: 1, max: 5 })).toBe(7);
    expect(cesScore(1, { min: 1, max: 5 })).toBe(1);
  });
});

describe('MetricSet', () => {
  it('computes CSAT, NPS and CES with sample sizes', () => {
    const m = new MetricSet();
    for (const s of [5, 4, 3, 1]) m.addRating({ kind: 'csat', score: s, scale: { min: 1, max: 5 } });
    for (const s of [10, 10, 6, 9, 8]) m.addRating({ kind: 'nps', score: s, scale: { min: 0, max: 10 } });
    for (const s of [7, 5, 4, 1]) m.addRating({ kind: 'ces', score: s, scale: { min: 1, max: 7 } });
    const r = m.result(DEFAULT_SLA_TARGETS);
    expect(r.csat).toEqual({ value: 50, n: 4, satisfied: 2 });
    // 3 promoters, 1 passive, 1 detractor of 5: (3 - 1) / 5 = 40
    expect(r.nps).toEqual({ value: 40, n: 5, promoters: 3, passives: 1, detractors: 1 });
    expect(r.ces).toEqual({ value: 4.25, n: 4, easyShare: 50 });
  });

  it('says "no data" (null, n = 0) for everything when nothing happened; counts stay 0', () => {
    const r = new MetricSet().result(DEFAULT_SLA_TARGETS);
    expect(r.csat).toEqual({ value: null, n: 0, satisfied: 0 });
    expect(r.nps.value).toBeNull();
    expect(r.ces).toEqual({ value: null, n: 0, easyShare: null });
    expect(r.fcr.value).toBeNull();
    expect(r.firstResponse).toEqual({ n: 0, median: null, p90: null, mean: null, unanswered: 0 });
    expect(r.resolution.median).toBeNull();
    expect(r.sla.value).toBeNull();
    expect(r.sla.byChannel.chat).toEqual({ value: null, n: 0, met: 0, target: 60 });
    expect(r.reopenRate.value).toBeNull();
    expect(r.volume).toEqual({ created: 0, solved: 0, reopened: 0, backlog: 0 });
    expect(formatValue('percent', r.csat.value)).toBe('no data');
  });

  it('FCR: exactly one public reply and never reopened; unknown reply counts are left out', () => {
    const m = new MetricSet();
    m.addSolved(100, 1, 0); // yes
    m.addSolved(100, 2, 0); // two replies
    m.addSolved(100, 1, 2); // reopened twice
    m.addSolved(100, 0, 0); // solved without a reply
    m.addSolved(100, null, 0); // unknown
    const r = m.result(DEFAULT_SLA_TARGETS);
    expect(r.fcr).toEqual({ value: 25, n: 4, firstContact: 1, unknownReplies: 1 });
    // a ticket reopened twice counts once in the reopen rate, twice in reopens
    expect(r.reopenRate).toEqual({ value: 20, n: 5, reopened: 1, reopens: 2 });
  });
});

describe('SLA targets', () => {
  it('has the documented defaults and takes profile overrides', () => {
    expect(DEFAULT_SLA_TARGETS).toEqual({ chat: 60, email: 86400, social: 3600, phone: 0, web: 86400 });
    expect(resolveSlaTargets({ chat: 120, api: 3600 })).toEqual({ chat: 120, email: 86400, social: 3600, phone: 0, web: 86400, api: 3600 });
  });

  it('met, missed, pending and no target', () => {
    const t = (channel: 'chat' | 'phone' | 'email' | 'api', created: string, first: string | null) => ({ channel, createdAt: created, firstResponseAt: first });
    const now = new Date('2026-11-02T00:00:00Z');
    expect(slaOutcome(t('chat', '2026-11-01T00:00:00Z', '2026-11-01T00:01:00Z'), DEFAULT_SLA_TARGETS, now)).toBe('met'); // exactly 60 s
    expect(slaOutcome(t('chat', '2026-11-01T00:00:00Z', '2026-11-01T00:01:01Z'), DEFAULT_SLA_TARGETS, now)).toBe('missed');
    expect(slaOutcome(t('phone', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'), DEFAULT_SLA_TARGETS, now)).toBe('met'); // answered live
    expect(slaOutcome(t('phone', '2026-11-01T00:00:00Z', '2026-11-01T00:00:01Z'), DEFAULT_SLA_TARGETS, now)).toBe('missed');
    expect(slaOutcome(t('email', '2026-11-01T12:00:00Z', null), DEFAULT_SLA_TARGETS, now)).toBe('pending'); // 12 h of 24
    expect(slaOutcome(t('email', '2026-10-31T12:00:00Z', null), DEFAULT_SLA_TARGETS, now)).toBe('missed'); // never answered, 36 h
    expect(slaOutcome(t('api', '2026-11-01T00:00:00Z', null), DEFAULT_SLA_TARGETS, now)).toBe('no_target');
    expect(slaOutcome(t('chat', '2026-11-01T00:00:00Z', '2026-11-01T00:01:30Z'), resolveSlaTargets({ chat: 120 }), now)).toBe('met');
  });
});

describe('time buckets', () => {
  it('days, ISO weeks from Monday, months, clipped to the period', () => {
    const wed = Date.parse('2026-11-04T15:00:00Z');
    expect(new Date(bucketStart(wed, 'day')).toISOString()).toBe('2026-11-04T00:00:00.000Z');
    expect(new Date(bucketStart(wed, 'week')).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(new Date(bucketStart(wed, 'month')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(bucketStart(Date.parse('2026-11-08T23:00:00Z'), 'week')).toISOString()).toBe('2026-11-02T00:00:00.000Z'); // Sunday
    const b = bucketsFor(Date.parse('2026-11-01T12:00:00Z'), Date.parse('2026-11-10T00:00:00Z'), 'week');
    expect(b.map((x) => x.label)).toEqual(['2026-10-26', '2026-11-02', '2026-11-09']);
    expect(b[0]!.start).toBe(Date.parse('2026-11-01T12:00:00Z'));
    expect(b[2]!.end).toBe(Date.parse('2026-11-10T00:00:00Z'));
    expect(bucketIndex(b, Date.parse('2026-11-05T00:00:00Z'))).toBe(1);
    expect(bucketIndex(b, Date.parse('2026-11-10T00:00:00Z'))).toBe(-1);
    expect(bucketsFor(Date.parse('2026-01-15T00:00:00Z'), Date.parse('2026-03-01T00:00:00Z'), 'month').map((x) => x.label)).toEqual(['2026-01', '2026-02']);
  });
});

describe('grouping', () => {
  it('parses --group-by and refuses bad values and two time units', () => {
    expect(parseGroupBy(['channel,week'])).toEqual({ dims: ['channel', 'week'], attrDims: ['channel'], time: 'week' });
    expect(parseGroupBy('assignee').dims).toEqual(['agent']);
    expect(() => parseGroupBy('colour')).toThrow(UsageError);
    expect(() => parseGroupBy('day,week')).toThrow(/one time unit/);
  });

  it('puts a ticket in every tag group, with placeholders for missing values', () => {
    expect(attrCombos(TICKETS[0]!, ['channel', 'tag'])).toEqual([['email', 'delivery'], ['email', 'vip']]);
    expect(attrCombos(TICKETS[3]!, ['agent', 'tag'])).toEqual([['(unassigned)', '(no tag)']]);
    expect(attrCombos(TICKETS[3]!, [])).toEqual([[]]);
  });

  it('an unsolved ticket is not solved even if the vendor kept an old solvedAt', () => {
    const t = ticket({ id: 'x', channel: 'email', status: 'open', createdAt: '2026-11-01T00:00:00Z', solvedAt: '2026-11-02T00:00:00Z', reopenCount: 1 });
    expect(ticketFacts(t).solved).toBeNull();
    const closed = ticket({ id: 'y', channel: 'email', status: 'closed', createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-03T00:00:00Z' });
    expect(ticketFacts(closed).solved).toBe(Date.parse('2026-11-03T00:00:00Z'));
  });
});

/** Feeds the fixture week straight into one accumulator (ratings joined by ticket id). */
function runWeek(groupBy: string | undefined) {
  const grouping = parseGroupBy(groupBy);
  const acc = new PeriodAccumulator({ since: SINCE, until: UNTIL, now: NOW, grouping, slaTargets: DEFAULT_SLA_TARGETS });
  const byId = new Map(TICKETS.map((t) => [t.id, t]));
  for (const t of TICKETS) acc.addTicket(ticketFacts(t), attrCombos(t, grouping.attrDims));
  for (const r of RATINGS) acc.addRating({ ...r, created: Date.parse(r.createdAt) }, attrCombos(byId.get(r.ticketId)!, grouping.attrDims));
  return acc.result();
}

describe('PeriodAccumulator on the hand-made week', () => {
  it('computes every metric of the period by hand', () => {
    const m = runWeek(undefined).totals;
    // ratings: 1 (5), 2 (3), 3 (good) in the period; 5 (before) and 3's second (after) are not
    expect(m.csat).toEqual({ value: (2 / 3) * 100, n: 3, satisfied: 2 });
    expect(m.nps).toEqual({ value: 0, n: 3, promoters: 1, passives: 1, detractors: 1 });
    expect(m.ces).toEqual({ value: 5.5, n: 2, easyShare: 50 });
    // created 1, 2, 3, 4, 7; answered 1 (2 h), 2 (120 s), 3 (30 s); 4 and 7 never answered
    expect(m.firstResponse).toEqual({ n: 3, median: 120, p90: 2 * H, mean: 2450, unanswered: 2 });
    // solved 1 (1 d), 2 (1 h), 3 (3 d), 5 (25 Oct to 5 Nov 06:00 = 11 d 6 h)
    expect(m.resolution).toEqual({ n: 4, median: D, p90: 11 * D + 6 * H, mean: 330300 });
    // FCR: only ticket 1 (3 was reopened twice, 2 and 5 had several replies)
    expect(m.fcr).toEqual({ value: 25, n: 4, firstContact: 1, unknownReplies: 0 });
    // SLA: 1 met (email), 2 missed (chat 120 s), 3 met (chat 30 s), 4 missed (phone, never answered), 7 pending
    expect(m.sla.value).toBe(50);
    expect(m.sla.n).toBe(4);
    expect(m.sla.pending).toBe(1);
    expect(m.sla.byChannel.chat).toEqual({ value: 50, n: 2, met: 1, target: 60 });
    expect(m.sla.byChannel.email).toEqual({ value: 100, n: 1, met: 1, target: 86400 });
    expect(m.sla.byChannel.phone).toEqual({ value: 0, n: 1, met: 0, target: 0 });
    expect(m.sla.byChannel.social).toEqual({ value: null, n: 0, met: 0, target: 3600 });
    expect(m.reopenRate).toEqual({ value: 25, n: 4, reopened: 1, reopens: 2 });
    // backlog at the end: 4, 6 (stale) and 7; 8 was created after the period
    expect(m.volume).toEqual({ created: 5, solved: 4, reopened: 1, backlog: 3 });
  });

  it('groups by channel, each fact in its ticket\'s group', () => {
    const r = runWeek('channel');
    const g = Object.fromEntries(r.groups.map((x) => [x.label, x.metrics]));
    expect(Object.keys(g)).toEqual(['chat', 'email', 'phone', 'web']);
    expect(g.email!.volume).toEqual({ created: 2, solved: 2, reopened: 0, backlog: 1 });
    expect(g.email!.firstResponse).toEqual({ n: 1, median: 2 * H, p90: 2 * H, mean: 2 * H, unanswered: 1 });
    expect(g.email!.fcr.value).toBe(50);
    expect(g.email!.csat).toEqual({ value: 100, n: 1, satisfied: 1 });
    expect(g.chat!.firstResponse).toEqual({ n: 2, median: 30, p90: 120, mean: 75, unanswered: 0 });
    expect(g.chat!.csat.value).toBe(50);
    expect(g.chat!.nps.value).toBe(-50);
    expect(g.chat!.reopenRate.value).toBe(50);
    expect(g.phone!.firstResponse.median).toBeNull();
    expect(g.phone!.csat).toEqual({ value: null, n: 0, satisfied: 0 });
    expect(g.web!.volume).toEqual({ created: 0, solved: 0, reopened: 0, backlog: 1 });
    expect(r.groups[0]!.key).toEqual({ channel: 'chat' });
  });

  it('groups by tag (a ticket counts in each of its tags) and agent', () => {
    const byTag = Object.fromEntries(runWeek('tag').groups.map((x) => [x.label, x.metrics.volume.created]));
    expect(byTag).toEqual({ delivery: 3, refund: 1, vip: 1, '(no tag)': 1 });
    const byAgent = Object.fromEntries(runWeek('agent').groups.map((x) => [x.label, x.metrics.volume]));
    expect(byAgent.Ann).toEqual({ created: 2, solved: 2, reopened: 1, backlog: 1 });
    expect(byAgent['(unassigned)']).toEqual({ created: 2, solved: 0, reopened: 0, backlog: 2 });
  });

  it('groups by day with the backlog at the end of every day', () => {
    const r = runWeek('day');
    expect(r.groups.map((g) => g.label)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07']);
    expect(r.groups.map((g) => g.metrics.volume.created)).toEqual([1, 1, 1, 1, 0, 0, 1]);
    expect(r.groups.map((g) => g.metrics.volume.solved)).toEqual([0, 2, 0, 0, 1, 1, 0]);
    expect(r.groups.map((g) => g.metrics.volume.backlog)).toEqual([3, 2, 3, 4, 3, 2, 3]);
    expect(r.groups.map((g) => g.metrics.csat.n)).toEqual([0, 1, 1, 0, 0, 1, 0]);
    expect(r.groups[4]!.metrics.csat.value).toBeNull();
  });

  it('groups by channel and week together', () => {
    const r = runWeek('channel,week');
    const email = r.groups.filter((g) => g.key.channel === 'email');
    expect(email.map((g) => [g.key.week, g.metrics.volume.created, g.metrics.volume.backlog])).toEqual([
      ['2026-10-26', 1, 2], // the partial week of Sunday 1 Nov: ticket 1 created; open at its end: 1 and 5
      ['2026-11-02', 1, 1],
    ]);
  });
});

describe('presentation', () => {
  it('formats durations, values and changes', () => {
    expect(humanDuration(45)).toBe('45s');
    expect(humanDuration(725)).toBe('12m 5s');
    expect(humanDuration(3 * H + 12 * 60)).toBe('3h 12m');
    expect(humanDuration(2 * D + 4 * H + 5)).toBe('2d 4h');
    expect(formatValue('nps', 32)).toBe('+32.0');
    expect(formatChange('percent', -3.14)).toBe('-3.1 pts');
    expect(formatChange('seconds', 720)).toBe('+12m');
    expect(trendOf('down', 720)).toEqual({ arrow: '▲', mood: 'bad' });
    expect(trendOf('up', 2)).toEqual({ arrow: '▲', mood: 'good' });
    expect(trendOf('up', null)).toEqual({ arrow: '', mood: 'flat' });
  });
});

describe('isoMs', () => {
  it('reads UTC ISO times like Date.parse, and falls back to it for other shapes', async () => {
    const { isoMs } = await import('../../src/metrics/grouping.js');
    for (const s of ['2026-11-01T10:00:00Z', '2026-11-01T10:00:00.123Z', '2024-02-29T23:59:59.999Z', '2026-11-01T10:00:00+02:00', '2026-11-01', '2026-11-01T10:00:00.5Z']) {
      expect(isoMs(s)).toBe(Date.parse(s));
    }
    expect(isoMs(null)).toBeNull();
    expect(isoMs('not a date')).toBeNull();
    expect(isoMs('2026-1x-01T10:00:00Z')).toBeNull();
  });
});

describe('selection matches sorting', () => {
  it('median and p90 by selection equal nearest rank over the sorted values, for random and degenerate inputs', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const inputs: number[][] = [[5], [2, 1], [3, 3, 3, 3], Array.from({ length: 1000 }, (_, i) => i), Array.from({ length: 999 }, (_, i) => 999 - i)];
    for (let t = 0; t < 200; t++) inputs.push(Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 50)));
    for (const values of inputs) {
      const sorted = Float64Array.from(values).sort();
      const s = summarizeDurations(values);
      expect(s.median).toBe(nearestRank(sorted, 50));
      expect(s.p90).toBe(nearestRank(sorted, 90));
    }
  });
});
