import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';
import { StateStore } from '../../src/store/state-store.js';
import { learnFromRatings, NotEnoughRatings, ratingLabel, type RatedTicket } from '../../src/triage/learn.js';
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
    const models = SentimentModels.open(store);
    const base = loadDefaultModel();
    expect(profileSentiment(store).model.name).toBe('default');
    expect(models.nextVersion()).toBe(1);
    expect(models.save({ ...base, name: 'profile v1' }, { note: 'first' }, true, new Date(0))).toBe(1);
    expect(models.save({ ...base, name: 'profile v2' }, { note: 'worse' }, false, new Date(1))).toBe(2);
    expect(profileSentiment(store).model.name).toBe('profile v1');
    expect(profileSentiment(store).analyze('Still no refund').model).toBe('profile v1');
    expect(models.save({ ...base, name: 'profile v3' }, {}, true, new Date(2))).toBe(3);
    expect(models.list().map((m) => [m.version, m.active])).toEqual([[1, false], [2, false], [3, true]]);
    expect(models.list()[1]!.summary).toEqual({ note: 'worse' });
    expect(models.deactivate()).toBe(3);
    expect(models.deactivate()).toBeUndefined();
    expect(profileSentiment(store).model.name).toBe('default');
    expect(models.nextVersion()).toBe(4);
    store.close();
  });
});
