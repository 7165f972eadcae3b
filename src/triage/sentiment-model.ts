import { z } from 'zod';
import { describeFeature, extractFeatures } from './sentiment-features.js';

/**
 * A sentiment model: two logistic-regression heads over the same features (sentiment-features.ts),
 * one for "the customer is unhappy" and one for "the customer is happy", each with a Platt
 * calibration (so its probability means what it says) and a decision threshold chosen on
 * held-out folds. A message is negative when P(negative) reaches its threshold, else positive when
 * P(positive) reaches its own, else neutral. Pure: loading the file is sentiment.ts's job.
 */
export const MODEL_FORMAT = 'deskctl-sentiment/1';

const Head = z.object({
  bias: z.number(),
  /** Platt scaling of the raw logit: p = sigmoid(a * z + b). */
  calibration: z.object({ a: z.number(), b: z.number() }),
  threshold: z.number().min(0).max(1),
  /** The message's own features must add at least this many logit points toward the head. */
  minEvidence: z.number().min(0).default(0),
});

export const ModelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  name: z.string(),
  trainedAt: z.string(),
  trainedOn: z.string(),
  heads: z.object({ negative: Head, positive: Head }),
  /** feature -> [weight for negative, weight for positive] (checked by parseModel: thousands of entries) */
  weights: z.record(z.string(), z.unknown()),
});
export type SentimentModel = Omit<z.infer<typeof ModelSchema>, 'weights'> & { weights: Record<string, [number, number]> };
export type HeadParams = z.infer<typeof Head>;

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export interface Contribution {
  feature: string;
  /** What a person reads: the words or the pattern. */
  text: string;
  /** Logit points toward negative (and toward positive) this feature added. */
  negative: number;
  positive: number;
}

export interface Prediction {
  label: SentimentLabel;
  /** Calibrated P(negative). */
  pNegative: number;
  /** Calibrated P(positive). */
  pPositive: number;
  /** Sum of the features' logit points per head (without the bias). */
  evidence: { negative: number; positive: number };
  /** Features that fired, strongest push toward negative first. */
  contributions: Contribution[];
}

export interface CompiledModel {
  readonly model: SentimentModel;
  predict(text: string): Prediction;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
export const calibrated = (h: HeadParams, logit: number) => sigmoid(h.calibration.a * logit + h.calibration.b);

/**
 * The label from the calibrated probabilities. A head also needs its message's own features to push
 * toward it (evidence above the head's minEvidence): a message with no known word ("Subject 1") stays
 * neutral whatever the prior of the training data.
 */
export function labelOf(model: Pick<SentimentModel, 'heads'>, p: Pick<Prediction, 'pNegative' | 'pPositive' | 'evidence'>): SentimentLabel {
  const { negative, positive } = model.heads;
  if (p.evidence.negative > negative.minEvidence && p.pNegative >= negative.threshold) return 'negative';
  if (p.evidence.positive > positive.minEvidence && p.pPositive >= positive.threshold) return 'positive';
  return 'neutral';
}

/** A model ready to score: weights in a Map. */
export function compileModel(model: SentimentModel): CompiledModel {
  const weights = new Map(Object.entries(model.weights));
  const { negative, positive } = model.heads;
  return {
    model,
    predict(text: string): Prediction {
      const f = extractFeatures(text);
      let zn = negative.bias;
      let zp = positive.bias;
      const contributions: Contribution[] = [];
      for (const [feature, value] of f.values) {
        const w = weights.get(feature);
        if (!w) continue;
        const cn = w[0] * value;
        const cp = w[1] * value;
        zn += cn;
        zp += cp;
        contributions.push({ feature, text: describeFeature(feature, f.evidence.get(feature)), negative: cn, positive: cp });
      }
      contributions.sort((a, b) => b.negative - b.positive - (a.negative - a.positive));
      const p = { pNegative: calibrated(negative, zn), pPositive: calibrated(positive, zp), evidence: { negative: zn - negative.bias, positive: zp - positive.bias } };
      return { ...p, label: labelOf(model, p), contributions };
    },
  };
}

/** Parses a model file's JSON (throws a readable error naming the problem). */
export function parseModel(json: unknown, source: string): SentimentModel {
  const r = ModelSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${source} is not a deskctl sentiment model: ${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  for (const [feature, w] of Object.entries(r.data.weights)) {
    if (!Array.isArray(w) || w.length !== 2 || !Number.isFinite(w[0]) || !Number.isFinite(w[1])) {
      throw new Error(`${source} is not a deskctl sentiment model: weights.${feature}: expected [number, number]`);
    }
  }
  return r.data as SentimentModel;
}

/** The model file's text: the header pretty-printed, then one feature per line (readable diffs). */
export function serializeModel(model: SentimentModel): string {
  const { weights, ...header } = model;
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  const lines = Object.entries(weights).map(([k, w]) => `    ${JSON.stringify(k)}: [${w[0]}, ${w[1]}]`);
  return `${head},\n  "weights": {\n${lines.join(',\n')}\n  }\n}\n`;
}
