import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzerFor, loadDefaultModel } from '../../src/triage/sentiment.js';
import { reviewSentences, supportHeldOut, supportTraining, TRAINING } from '../../src/triage/sentiment-corpus.js';
import { loadLexiconAnalyzer } from '../../src/triage/sentiment-lexicon.js';
import { assignFolds, classReport, predictLabels, trainModel } from '../../src/triage/sentiment-train.js';
import { datasetPrereq, datasetsDir, mustSkip } from '../support/prereqs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the shipped sentiment model', () => {
  it('finds unhappy customers in the held-out support messages (never trained on)', () => {
    const held = supportHeldOut(root);
    const analyze = analyzerFor(loadDefaultModel());
    const r = classReport(held.map((e) => e.label), held.map((e) => analyze(e.text).label));
    // the goals of issue 17, on the team's own held-out messages (see docs/sentiment.md for what that does and does not show)
    expect(r.negative!.precision).toBeGreaterThanOrEqual(0.85);
    expect(r.negative!.recall).toBeGreaterThanOrEqual(0.75);
    expect(r.negative!.f1).toBeGreaterThanOrEqual(0.8);
  });

  it('never trains on the held-out messages', () => {
    const train = new Set(supportTraining(root).map((e) => e.text.toLowerCase()));
    expect(supportHeldOut(root).filter((e) => train.has(e.text.toLowerCase()))).toEqual([]);
  });
});

const skipReviews = mustSkip('sentiment training on the review sentences', datasetPrereq('sentiment-labelled-sentences'));

describe.skipIf(skipReviews)('training on the review sentences (DESKCTL_DATASETS)', () => {
  it('beats the lexicon on review sentences it did not see', async () => {
    const reviews = reviewSentences(datasetsDir());
    const fold = assignFolds(reviews.map((e) => e.label), 5, 7);
    const model = trainModel([...reviews.filter((_, i) => fold[i] !== 0), ...supportTraining(root)], { ...TRAINING, name: 'test', trainedOn: 'test' });
    const test = reviews.filter((_, i) => fold[i] === 0);
    const gold = test.map((e) => e.label);
    const mine = classReport(gold, predictLabels(model, test.map((e) => e.text)));
    const lexicon = await loadLexiconAnalyzer();
    const theirs = classReport(gold, test.map((e) => lexicon(e.text).label));
    expect(mine.negative!.f1).toBeGreaterThanOrEqual(0.75);
    expect(mine.negative!.recall).toBeGreaterThan(theirs.negative!.recall + 0.2);
  }, 60_000);
});
