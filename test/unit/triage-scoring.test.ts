import { describe, expect, it } from 'vitest';
import type { Comment, Ticket } from '../../src/domain/model.js';
import { latestCustomerMessage, loadSentimentAnalyzer, stripQuoted } from '../../src/triage/sentiment.js';
import { describeSla, formatSeconds, matchesSlaFilter, resolveSlaTargets, slaClock, slaSortKey } from '../../src/triage/sla.js';
import { computeUrgency, customerWaitingSince, findKeywords, scoreTicket, urgencyLevel } from '../../src/triage/urgency.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

export function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: '1',
    subject: 'Question about my order',
    status: 'open',
    priority: 'normal',
    channel: 'email',
    requester: { id: 'c1', name: 'Cam Customer', email: 'cam@example.com', role: 'customer' },
    assignee: null,
    group: null,
    tags: [],
    createdAt: ago(3600),
    updatedAt: ago(3600),
    firstResponseAt: null,
    solvedAt: null,
    reopenCount: 0,
    customFields: {},
    ...over,
  };
}

const comment = (role: 'customer' | 'agent', body: string, at: string, pub = true): Comment => ({
  id: `${role}-${at}`,
  ticketId: '1',
  author: { id: role === 'agent' ? 'a1' : 'c1', name: role, role: role === 'agent' ? 'agent' : 'customer' },
  authorRole: role,
  public: pub,
  body,
  createdAt: at,
});

describe('sentiment', () => {
  it('scores hand-written customer messages, with calibrated probabilities and reasons', async () => {
    const analyze = await loadSentimentAnalyzer();
    const angry = analyze('This is unacceptable. The app is still broken and nobody answers. Terrible service.');
    expect(angry.label).toBe('negative');
    expect(angry.probability).toBeGreaterThan(0.9);
    expect(angry.score).toBeLessThanOrEqual(-3);
    expect(angry.negative).toEqual(expect.arrayContaining(['terrible', 'repeated contact (still broken)']));
    expect(angry.model).toBe('default');

    const happy = analyze('Thanks so much, that fixed it. Great help!');
    expect(happy.label).toBe('positive');
    expect(happy.positiveProbability).toBeGreaterThan(0.9);
    expect(happy.score).toBeGreaterThanOrEqual(4);
    expect(happy.positive).toEqual(expect.arrayContaining(['thanks', 'great']));

    // "help" and "please" are neutral in support mail
    expect(analyze('Please help me change my address').label).toBe('neutral');
    // negation
    expect(analyze('I am not happy with this').label).toBe('negative');
    expect(analyze('I am not happy with this').negative).toContain('not happy');
    // a complaint without a strongly negative word (not in the training data)
    const chasing = analyze('Still no sign of the engineer, second week now.');
    expect(chasing.label).toBe('negative');
    expect(chasing.negative).toContain('repeated contact (still no)');
    // no known word, no label
    expect(analyze('Subject 1').label).toBe('neutral');
  });

  it('ignores quoted history and signatures', async () => {
    const analyze = await loadSentimentAnalyzer();
    const body = 'Thanks, all good now.\n\nOn Mon, 23 Nov 2026 Support wrote:\n> We are terrible and awful\n> sorry';
    expect(stripQuoted(body)).toBe('Thanks, all good now.');
    expect(analyze(body).label).toBe('positive');
    expect(stripQuoted('Fine\n> awful\nok\n-- \nJo, horrible Corp')).toBe('Fine\nok');
    expect(analyze('> awful awful').score).toBe(0);
  });

  it('finds the latest public customer message', () => {
    const cs = [comment('customer', 'first', ago(300)), comment('agent', 'reply', ago(200)), comment('customer', 'second', ago(100)), comment('agent', 'internal', ago(50), false)];
    expect(latestCustomerMessage(cs)?.body).toBe('second');
    expect(latestCustomerMessage([comment('agent', 'x', ago(1))])).toBeUndefined();
  });
});

describe('SLA clocks', () => {
  it('uses the default targets per channel and the profile overrides', () => {
    const t = resolveSlaTargets({ chat: 120 });
    expect(t.chat).toBe(120);
    expect(t.email).toBe(86_400);
    expect(t.social).toBe(3600);
    expect(t.phone).toBe(0);
    expect(t.web).toBe(86_400);
  });

  it('counts down for unanswered tickets: ok, at risk, breached', () => {
    const email = slaClock(ticket({ channel: 'email', createdAt: ago(3600) }), NOW);
    expect(email.state).toBe('ok');
    expect(email.secondsToBreach).toBe(23 * 3600);
    expect(email.dueAt?.toISOString()).toBe('2026-11-26T11:00:00.000Z');
    expect(describeSla(email)).toBe('due in 23h');

    const risky = slaClock(ticket({ channel: 'email', createdAt: ago(20 * 3600) }), NOW);
    expect(risky.state).toBe('at_risk');
    expect(describeSla(risky)).toBe('at risk: due in 4h');

    const chat = slaClock(ticket({ channel: 'chat', createdAt: ago(150) }), NOW);
    expect(chat.state).toBe('breached');
    expect(chat.secondsToBreach).toBe(-90);
    expect(describeSla(chat)).toBe('breached 1m 30s ago');

    expect(slaClock(ticket({ channel: 'phone', createdAt: ago(1) }), NOW).state).toBe('breached');
    expect(slaClock(ticket({ channel: 'social', createdAt: ago(3000) }), NOW).state).toBe('at_risk');
  });

  it('reports met or breached once answered', () => {
    const met = slaClock(ticket({ channel: 'chat', createdAt: ago(3600), firstResponseAt: ago(3600 - 45) }), NOW);
    expect(met).toMatchObject({ state: 'met', answered: true, responseSeconds: 45, secondsToBreach: 15 });
    const late = slaClock(ticket({ channel: 'email', createdAt: ago(3 * 86_400), firstResponseAt: ago(86_400) }), NOW);
    expect(late).toMatchObject({ state: 'breached', answered: true, responseSeconds: 2 * 86_400, secondsToBreach: -86_400 });
    expect(describeSla(late)).toBe('breached (answered in 2d, target 1d)');
    // phone answered live
    expect(slaClock(ticket({ channel: 'phone', createdAt: ago(60), firstResponseAt: ago(60) }), NOW).state).toBe('met');
  });

  it('has no clock without a target or for tickets closed unanswered', () => {
    expect(slaClock(ticket({ channel: 'api' }), NOW).state).toBe('none');
    expect(slaClock(ticket({ channel: 'api' }), NOW, resolveSlaTargets({ api: 600 })).state).toBe('breached');
    expect(slaClock(ticket({ status: 'solved', createdAt: ago(5 * 86_400) }), NOW).state).toBe('none');
  });

  it('filters and sorts', () => {
    const breached = slaClock(ticket({ channel: 'chat', createdAt: ago(600) }), NOW);
    const soon = slaClock(ticket({ channel: 'email', createdAt: ago(23 * 3600) }), NOW);
    const met = slaClock(ticket({ channel: 'chat', firstResponseAt: ago(3590) }), NOW);
    expect(matchesSlaFilter(breached, ['breached'])).toBe(true);
    expect(matchesSlaFilter(soon, ['breached'])).toBe(false);
    expect(matchesSlaFilter(soon, ['at_risk'])).toBe(true);
    const keys = [met, soon, breached].map(slaSortKey);
    expect([...keys].sort((a, b) => a - b)).toEqual([slaSortKey(breached), slaSortKey(soon), slaSortKey(met)]);
  });

  it('formats durations with two units', () => {
    expect(formatSeconds(45)).toBe('45s');
    expect(formatSeconds(90)).toBe('1m 30s');
    expect(formatSeconds(3 * 86_400 + 4 * 3600 + 60)).toBe('3d 4h');
    expect(formatSeconds(0)).toBe('0s');
  });
});

describe('urgency', () => {
  it('finds keyword groups as whole words', () => {
    expect(findKeywords('Site is DOWN, I want a refund').map((f) => f.group.name)).toEqual(['outage', 'refund']);
    expect(findKeywords('I cannot download the invoice')).toEqual([]);
    expect(findKeywords('I can’t log in').map((f) => f.terms)).toEqual([["can't log in"]]);
    expect(findKeywords('my lawyer will call').map((f) => f.group.name)).toEqual(['legal']);
  });

  it('scores a calm low-priority email low', async () => {
    const analyze = await loadSentimentAnalyzer();
    const t = ticket({ priority: 'low', createdAt: ago(600), subject: 'How do I change my address?' });
    const s = scoreTicket(t, [comment('customer', 'Hi, how do I change my address? Thanks!', ago(600))], { now: NOW, analyze });
    expect(s.urgency.level).toBe('low');
    expect(s.urgency.score).toBe(0);
    expect(s.sentiment.label).not.toBe('negative');
  });

  it('scores an angry, breached chat about an outage critical, with reasons', async () => {
    const analyze = await loadSentimentAnalyzer();
    const t = ticket({ channel: 'chat', priority: 'high', createdAt: ago(1200), subject: 'App down' });
    const s = scoreTicket(t, [comment('customer', 'Your app is down again. This is unacceptable, I want a refund.', ago(1200))], { now: NOW, analyze });
    // priority high 25 + SLA breached 25 + sentiment 20 x P(unhappy) + keywords outage 15 + refund 8 = 23 + wait 20m/60m*15=5 + chat 10, capped at 100
    expect(s.sentiment.probability).toBeGreaterThan(0.6);
    const sentiment = Math.round(20 * s.sentiment.probability);
    expect(s.urgency.score).toBe(Math.min(100, 88 + sentiment));
    expect(s.urgency.level).toBe('critical');
    const factors = Object.fromEntries(s.urgency.reasons.map((r) => [r.factor, r.points]));
    expect(factors).toEqual({ priority: 25, sla: 25, sentiment, keywords: 23, wait: 5, channel: 10 });
    expect(s.urgency.reasons.find((r) => r.factor === 'sentiment')?.text).toMatch(/^negative latest message \(\d+% unhappy: \w/);
    expect(s.urgency.reasons.find((r) => r.factor === 'sla')?.text).toBe('SLA breached 19m ago');
    expect(s.urgency.reasons.find((r) => r.factor === 'keywords')?.text).toBe('keywords: down, refund');
  });

  it('halves pending tickets and zeroes solved ones', () => {
    const base = { now: NOW, text: 'urgent', waitingSince: null };
    const sla = slaClock(ticket(), NOW);
    const open = computeUrgency({ ...base, ticket: { status: 'open', priority: 'urgent', channel: 'email' }, sla });
    expect(open.score).toBe(50);
    const pending = computeUrgency({ ...base, ticket: { status: 'pending', priority: 'urgent', channel: 'email' }, sla });
    expect(pending.score).toBe(25);
    expect(pending.reasons.map((r) => r.text)).toContain('pending: waiting on the customer');
    const solved = computeUrgency({ ...base, ticket: { status: 'solved', priority: 'urgent', channel: 'email' }, sla });
    expect(solved).toMatchObject({ score: 0, level: 'low' });
  });

  it('caps at 100 and maps levels', () => {
    const sla = slaClock(ticket({ channel: 'chat', createdAt: ago(86_400) }), NOW);
    const u = computeUrgency({
      ticket: { status: 'open', priority: 'urgent', channel: 'chat' },
      now: NOW,
      sla,
      sentiment: { label: 'negative', probability: 1, positiveProbability: 0, score: -5, positive: [], negative: ['awful'], model: 'default' },
      text: 'outage lawyer urgent refund cancel',
      waitingSince: new Date(ago(86_400)),
    });
    expect(u.score).toBe(100);
    expect(u.reasons.find((r) => r.factor === 'keywords')?.points).toBe(25);
    expect(u.reasons.find((r) => r.factor === 'sentiment')?.points).toBe(20);
    expect([0, 24, 25, 44, 45, 69, 70, 100].map(urgencyLevel)).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });

  it('knows how long the customer has been waiting', () => {
    const cs = [comment('customer', 'a', ago(500)), comment('agent', 'b', ago(400)), comment('customer', 'c', ago(300)), comment('customer', 'd', ago(200)), comment('agent', 'note', ago(100), false)];
    expect(customerWaitingSince(ticket(), cs)?.toISOString()).toBe(ago(300));
    expect(customerWaitingSince(ticket(), [...cs, comment('agent', 'e', ago(50))])).toBeNull();
    expect(customerWaitingSince(ticket({ status: 'pending' }), cs)).toBeNull();
    // without the conversation: from the ticket fields
    expect(customerWaitingSince(ticket({ createdAt: ago(900) }))?.toISOString()).toBe(ago(900));
    expect(customerWaitingSince(ticket({ firstResponseAt: ago(800), lastCustomerMessageAt: ago(100) }))?.toISOString()).toBe(ago(100));
    expect(customerWaitingSince(ticket({ firstResponseAt: ago(80), lastCustomerMessageAt: ago(100) }))).toBeNull();
  });

  it('uses the subject when the conversation was not read', async () => {
    const analyze = await loadSentimentAnalyzer();
    const s = scoreTicket(ticket({ subject: 'URGENT: terrible experience, cancel my plan' }), undefined, { now: NOW, analyze });
    expect(s.sentimentSource).toBe('subject');
    expect(s.sentiment.score).toBeLessThan(0);
    expect(s.urgency.reasons.find((r) => r.factor === 'sentiment')?.text).toMatch(/^negative subject/);
    expect(s.urgency.reasons.find((r) => r.factor === 'keywords')?.text).toBe('keywords: urgent, cancel');
  });
});
