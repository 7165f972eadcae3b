import { join } from 'node:path';
import { readLabelled, REVIEW_FILES, reviewSentencesDir } from './sentiment-data.js';
import type { Example, TrainOptions } from './sentiment-train.js';

/**
 * What the shipped model is trained on, in one place for scripts/train-sentiment.js and the bench's
 * cross-validation: the review sentences (weight 1) and the team's own support messages (weighted
 * up: they are the domain the model serves, and few).
 */
export const SUPPORT_WEIGHT = 5;
export const TRAINING: Omit<TrainOptions, 'name' | 'trainedOn'> = { l2: 0.001, iterations: 300, minCount: 2, folds: 5, seed: 1 };

export const reviewSentences = (datasets: string): Example[] =>
  REVIEW_FILES.flatMap((f) => readLabelled(join(reviewSentencesDir(datasets), f)));

export const supportTraining = (root: string): Example[] =>
  readLabelled(join(root, 'data', 'sentiment', 'support-train.tsv')).map((e) => ({ ...e, weight: SUPPORT_WEIGHT }));

export const supportHeldOut = (root: string): Example[] => readLabelled(join(root, 'data', 'sentiment', 'support-heldout.tsv'));

export const trainingSet = (root: string, datasets: string): Example[] => [...reviewSentences(datasets), ...supportTraining(root)];
