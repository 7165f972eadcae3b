import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';
import { StateStore } from '../../src/store/state-store.js';
import type { Comment, Rating } from '../../src/domain/model.js';
import { NotFoundError } from '../../src/errors.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { learnFromRatings, NotEnoughRatings, ratedTickets, ratingLabel, type RatedTicket } from '../../src/triage/learn.js';
import { loadDefaultModel } from '../../src/triage/sentiment.js';
import { profileSentiment, SentimentModels } from '../../src/triage/sentiment-store.js';

describe('labels from ratings', () => {
  it('CSAT 1-2 unhappy, 4-5 happy, 3 neither; good/bad; NPS 0-6 and 9-10; CES never', () => {
    const csat = (score: number) => ratingLabel({ kind: 'csat', score, scale: { min: 1, max: 5 } });
    expect([1, 2, 3, 4, 5].map(csat)).toEqual(['negative', 'negative', undefined, 'positive', 'positive']);
    expect(ratingLabel({ kind: 'csat', score: 0, scale: { min: 0, max: 1 } })).toBe('negative');
    expect(ratingLabel({ kind: 'csat', score: 1, scale: { min: 0, max: 1 } })).toBe('positive');
    const nps = (score: number) => ratingLabel({ kind: 'nps', score, scale: { min: 0, max: 10 } });
    expect([0, 6, 7, 8, 9, 10].map(nps)).toEqual(['negative', 'negative', undefined, undefined, 'positive', 'positive']);
    expect(ratingLabel({ kind: 'ces', score: 1, scale: { min: 1, max: 7 } })).toBeUndefined();
  });
});

describe('reading rated tickets from a helpdesk', () => {
  const rating = (ticketId: string, kind: Rating['kind'], score: number, createdAt: string): Rating => ({
    ticketId,
    kind,
    score,
    scale: kind === 'nps' ? { min: 0, max: 10 } : kind === 'ces' ? { min: 1, max: 7 } : { min: 1, max: 5 },
    createdAt,
  });
  const msg = (ticketId: string, role: Comment['authorRole'], body: string, pub = true): Comment => ({
    id: `${ticketId}-${body.length}`,
    ticketId,
    author: { id: role, name: role, role: role === 'agent' ? 'agent' : 'customer' },
    authorRole: role,
    public: pub,
    body,
    createdAt: '2026-11-01T00:00:00Z',
  });
  const conversations: Record<string, Comment[]> = {
    '1': [msg('1', 'customer', 'Still no refund.\n> quoted: great service'), msg('1', 'agent', 'Sorry!'), msg('1', 'customer', 'Third time I ask.')],
    '2': [msg('2', 'customer', 'Thanks, all sorted'), msg('2', 'agent', 'internal: angry customer', false)],
    '4': [msg('4', 'customer', 'Fine')],
  };
  const provider = {
    async *listRatings() {
      yield [
        rating('1', 'csat', 5, '2026-11-02T00:00:00Z'),
        rating('1', 'csat', 1, '2026-11-03T00:00:00Z'), // the latest rating wins
        rating('2', 'nps', 10, '2026-11-04T00:00:00Z'),
        rating('3', 'csat', 1, '2026-11-05T00:00:00Z'), // deleted since
        rating('4', 'csat', 3, '2026-11-06T00:00:00Z'), // neither
        rating('5', 'ces', 1, '2026-11-07T00:00:00Z'), // effort is not mood
      ];
    },
    async listComments(id: string) {
      if (!conversations[id]) throw new NotFoundError('ticket', id);
      return conversations[id];
    },
  } as unknown as HelpdeskProvider;

  it("labels each ticket by its latest rating and keeps the customer's own public words", async () => {
    expect(await ratedTickets(provider, {})).toEqual([
      { ticketId: '1', label: 'negative', text: 'Still no refund.\nThird time I ask.' },
      { ticketId: '2', label: 'positive', text: 'Thanks, all sorted' },
    ]);
    // the most recently rated first when capped
    expect((await ratedTickets(provider, {}, { max: 2 })).map((t) => t.ticketId)).toEqual(['2']); // #3 and #2, and #3 is gone
  });
});

describe('learning from rated tickets', () => {
  const rated = (n: number, label: 'negative' | 'positive', text: string): RatedTicket[] =>
    Array.from({ length: n }, (_, i) => ({ ticketId: `${label}-${i}`, label, text: `${text} ${i % 3 ? 'on the press' : 'on my lathe'}` }));

  it('needs ten tickets of each kind', () => {
    expect(() => learnFromRatings([...rated(9, 'negative', 'the spindle wobbles'), ...rated(30, 'positive', 'runs true')], loadDefaultModel(), { name: 'p', trainedOn: 't', now: new Date(0) })).toThrow(NotEnoughRatings);
  });

  it('fine-tunes the default, holds out a quarter, and says whether it beats the default', () => {
    const r = learnFromRatings([...rated(20, 'negative', 'the spindle wobbles'), ...rated(40, 'positive', 'all good, runs true now')], loadDefaultModel(), {
      name: 'profile v1',
      trainedOn: 't',
      now: new Date(0),
    });
    expect(r.counts).toEqual({ train: { negative: 15, positive: 30 }, heldOut: { negative: 5, positive: 10 } });
    expect(r.heldOut.learned.negative!.recall).toBe(1);
    expect(r.better).toBe(r.heldOut.learned.negative!.f1 > (r.heldOut.default.negative?.f1 ?? 0));
    expect(r.better).toBe(true);
    // the default's vocabulary is kept (fine-tuned, not replaced)
    expect(Object.keys(r.model.weights).length).toBeGreaterThan(1000);
  });
});

describe('a profile\'s stored models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-sentiment-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('versions every model, uses at most one, and falls back to the shipped model', async () => {
    const store = await StateStore.open(resolvePaths({ DESKCTL_HOME: dir }), 'p');
    const models = await SentimentModels.open(store);
    const base = loadDefaultModel();
    expect((await profileSentiment(store)).model.name).toBe('default');
    expect(await models.nextVersion()).toBe(1);
    expect(await models.save({ ...base, name: 'profile v1' }, { note: 'first' }, true, new Date(0))).toBe(1);
    expect(await models.save({ ...base, name: 'profile v2' }, { note: 'worse' }, false, new Date(1))).toBe(2);
    expect((await profileSentiment(store)).model.name).toBe('profile v1');
    expect((await profileSentiment(store)).analyze('Still no refund').model).toBe('profile v1');
    expect(await models.save({ ...base, name: 'profile v3' }, {}, true, new Date(2))).toBe(3);
    expect((await models.list()).map((m) => [m.version, m.active])).toEqual([[1, false], [2, false], [3, true]]);
    expect((await models.list())[1]!.summary).toEqual({ note: 'worse' });
    expect(await models.deactivate()).toBe(3);
    expect(await models.deactivate()).toBeUndefined();
    expect((await profileSentiment(store)).model.name).toBe('default');
    expect(await models.nextVersion()).toBe(4);
    await store.close();
  });
});
