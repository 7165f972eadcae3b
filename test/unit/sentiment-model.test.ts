import { describe, expect, it } from 'vitest';
import { parseLabelled } from '../../src/triage/sentiment-data.js';
import { describeFeature, extractFeatures } from '../../src/triage/sentiment-features.js';
import { compileModel, parseModel, serializeModel } from '../../src/triage/sentiment-model.js';
import { assignFolds, bestThreshold, classReport, plattScale, trainModel, type Example } from '../../src/triage/sentiment-train.js';

const keys = (text: string) => [...extractFeatures(text).values.keys()];

describe('sentiment features', () => {
  it('words, pairs within a clause, numbers', () => {
    const k = keys('Still no refund, order 12345.');
    expect(k).toEqual(expect.arrayContaining(['still', 'no', 'still no', 'not_refund', 'order', '#num', 'order #num']));
    // no pair across the comma
    expect(k).not.toContain('refund order');
  });

  it('negation scope: up to three words, ended by punctuation or "but"', () => {
    const k = keys("I'm not happy with the service. Happy now but not really");
    expect(k).toEqual(expect.arrayContaining(['not', 'not_happy', 'not_with', 'not_the', 'service', 'happy', 'now']));
    expect(k).not.toContain('not_service');
    expect(keys("doesn't work at all, great")).toEqual(expect.arrayContaining(["doesn't", 'not_work', 'not_at', 'not_all', 'great']));
    expect(keys("doesn't work at all, great")).not.toContain('not_great');
  });

  it('intensifiers count the next word twice and say so', () => {
    const f = extractFeatures('I am so disappointed');
    expect(f.values.get('disappointed')).toBe(2);
    expect(f.evidence.get('disappointed')).toBe('so disappointed');
    expect(extractFeatures('disappointed').values.get('disappointed')).toBe(1);
  });

  it('patterns: !!, ?!, ALL CAPS (not acronyms), emoji and emoticons', () => {
    expect(keys('Where is it!!!')).toContain('<!!>');
    expect(keys('Where is it!')).not.toContain('<!!>');
    expect(keys('Seriously?!')).toContain('<?!>');
    expect(keys('WHY IS MY ACCOUNT LOCKED')).toContain('<caps>');
    expect(keys('Please send the VAT invoice as PDF via DHL')).not.toContain('<caps>');
    expect(keys('Still broken 😡')).toContain('<emoji-neg>');
    expect(keys('Works now 👍')).toContain('<emoji-pos>');
    expect(keys('sad :(')).toContain('<emoji-neg>');
    expect(keys('thanks :)')).toContain('<emoji-pos>');
    expect(keys('see http://example.com/a')).not.toContain('<emoji-neg>');
  });

  it('repeated-contact phrases, with the words that matched', () => {
    for (const text of ['This is the third time I ask', 'Still no update', 'no one called me back', "I've emailed twice already and asked again", 'Three emails, zero responses', 'been waiting for two weeks', 'I have called you three times']) {
      expect(keys(text), text).toContain('<repeat-contact>');
    }
    expect(keys('Can you tell me the delivery time?')).not.toContain('<repeat-contact>');
    const f = extractFeatures('Still no refund');
    expect(describeFeature('<repeat-contact>', f.evidence.get('<repeat-contact>'))).toBe('repeated contact (still no)');
    expect(describeFeature('not_happy', undefined)).toBe('not happy');
  });
});

const TOY: Example[] = [
  ...['awful service', 'still broken', 'terrible delay', 'awful delay again', 'broken again', 'terrible, still waiting', 'awful and broken', 'still waiting, terrible'].map((text) => ({ text, label: 'negative' as const })),
  ...['great service', 'thanks, works', 'great, thank you', 'works great', 'thanks a lot', 'lovely, thanks', 'great help', 'thank you, lovely'].map((text) => ({ text, label: 'positive' as const })),
  ...['what is the price', 'where do I sign', 'how do I log in', 'what time do you open', 'where is the form', 'how is the price set'].map((text) => ({ text, label: 'neutral' as const })),
];

describe('sentiment training', () => {
  it('learns a toy set, explains its decisions, and is deterministic', () => {
    const opts = { name: 'toy', trainedOn: 'toy', now: new Date('2026-11-27T00:00:00Z'), minCount: 1, folds: 2, l2: 0.01, iterations: 200 };
    const model = trainModel(TOY, opts);
    expect(trainModel(TOY, opts)).toEqual(model);
    const m = compileModel(model);
    const angry = m.predict('awful, still broken');
    expect(angry.label).toBe('negative');
    expect(angry.pNegative).toBeGreaterThan(0.5);
    expect(angry.contributions[0]!.negative).toBeGreaterThan(0);
    expect(m.predict('thanks, great').label).toBe('positive');
    // nothing the model knows: no evidence, no label
    expect(m.predict('zebra xylophone').label).toBe('neutral');
  });

  it('serializes to a file that parses back, and rejects what is not a model', () => {
    const model = trainModel(TOY, { name: 'toy', trainedOn: 'toy', now: new Date(0), minCount: 1, folds: 2, iterations: 50 });
    expect(parseModel(JSON.parse(serializeModel(model)), 'm.json')).toEqual(model);
    expect(() => parseModel({ ...model, format: 'x' }, 'm.json')).toThrow(/m.json is not a deskctl sentiment model: format/);
    expect(() => parseModel({ ...model, weights: { a: [1] } }, 'm.json')).toThrow(/weights.a: expected \[number, number\]/);
  });

  it('stratified folds, Platt scaling and the best-F1 threshold', () => {
    const labels = [...Array(10).fill('negative'), ...Array(5).fill('positive')];
    const folds = assignFolds(labels, 5, 3);
    for (let k = 0; k < 5; k++) expect(folds.filter((f, i) => f === k && labels[i] === 'negative')).toHaveLength(2);
    // well-separated logits: a positive slope, and probabilities on the right side of 0.5
    const { a, b } = plattScale([-3, -2, -1, 1, 2, 3], [0, 0, 0, 1, 1, 1]);
    expect(a).toBeGreaterThan(0);
    expect(1 / (1 + Math.exp(-(a * 2 + b)))).toBeGreaterThan(0.5);
    expect(bestThreshold([0.9, 0.8, 0.3, 0.2], [1, 1, 0, 0])).toBeCloseTo(0.55);
  });

  it('precision, recall and F1 per class', () => {
    const r = classReport(['negative', 'negative', 'positive', 'neutral'], ['negative', 'positive', 'positive', 'negative']);
    expect(r.negative).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.positive).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
    expect(r.neutral).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(r.accuracy).toBe(0.5);
  });
});

describe('labelled data files', () => {
  it('reads both layouts and names a bad line', () => {
    expect(parseLabelled('# note\nnegative\tStill no refund\n\nGreat phone.\t1\nBad case.  \t0\n', 'x.tsv')).toEqual([
      { text: 'Still no refund', label: 'negative' },
      { text: 'Great phone.', label: 'positive' },
      { text: 'Bad case.', label: 'negative' },
    ]);
    expect(() => parseLabelled('angry\tno label', 'x.tsv')).toThrow(/x.tsv:1: expected/);
  });
});
