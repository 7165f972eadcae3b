import { extractFeatures, PATTERN_LABELS } from './sentiment-features.js';
import { compileModel, MODEL_FORMAT, sigmoid, type HeadParams, type SentimentLabel, type SentimentModel } from './sentiment-model.js';
import { seededRandom } from '../domain/random.js';

/**
 * Training and evaluation of sentiment models (sentiment-model.ts). Pure and deterministic: the same
 * examples and options give the same model. Used by scripts/train-sentiment.js (the shipped model),
 * `deskctl triage learn` (a profile's own model) and bench/sentiment.js.
 *
 * Each head is a logistic regression fitted by full-batch gradient descent (Adam) on the weighted
 * log-loss plus an L2 pull toward a prior: zero for a model from scratch, the default model's weights
 * when a profile fine-tunes it on its own history (so a few hundred rated tickets adjust the default
 * rather than replace it). Calibration and thresholds come from out-of-fold predictions.
 */

export interface Example {
  text: string;
  label: SentimentLabel;
  /** Sample weight (default 1): e.g. more for support messages than for review sentences. */
  weight?: number;
}

export interface TrainOptions {
  name: string;
  trainedOn: string;
  now?: Date;
  /** Start from and regularize toward this model's weights. */
  prior?: SentimentModel;
  /** L2 strength (default 0.001). */
  l2?: number;
  /** Gradient steps (default 300). */
  iterations?: number;
  /** A feature must occur in this many training messages to get a weight (default 2). */
  minCount?: number;
  /** Folds for the calibration and thresholds (default 5). */
  folds?: number;
  seed?: number;
}

interface Encoded {
  idx: Int32Array;
  val: Float64Array;
}

const HEADS = ['negative', 'positive'] as const;
type HeadName = (typeof HEADS)[number];

const rng = seededRandom;

/** Fold number of each example: stratified by label, shuffled with the seed. */
export function assignFolds(labels: readonly SentimentLabel[], folds: number, seed = 1): number[] {
  const g = rng(seed);
  const out = new Array<number>(labels.length);
  for (const label of ['negative', 'neutral', 'positive'] as const) {
    const ids = labels.map((l, i) => (l === label ? i : -1)).filter((i) => i >= 0);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(g() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    ids.forEach((id, k) => (out[id] = k % folds));
  }
  return out;
}

interface Fit {
  bias: number;
  w: Float64Array;
}

/** One head: weighted logistic regression with L2 toward `prior`, full-batch Adam. */
function fitHead(docs: readonly Encoded[], y: Float64Array, sw: Float64Array, dims: number, prior: Fit, l2: number, iterations: number): Fit {
  const w = Float64Array.from(prior.w);
  let bias = prior.bias;
  const m = new Float64Array(dims + 1);
  const v = new Float64Array(dims + 1);
  const grad = new Float64Array(dims + 1);
  const total = sw.reduce((a, b) => a + b, 0) || 1;
  const lr = 0.05;
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  for (let step = 1; step <= iterations; step++) {
    grad.fill(0);
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i]!;
      let z = bias;
      for (let k = 0; k < d.idx.length; k++) z += w[d.idx[k]!]! * d.val[k]!;
      const err = ((sigmoid(z) - y[i]!) * sw[i]!) / total;
      for (let k = 0; k < d.idx.length; k++) grad[d.idx[k]!] += err * d.val[k]!;
      grad[dims] += err;
    }
    for (let j = 0; j < dims; j++) grad[j] += l2 * (w[j]! - prior.w[j]!);
    const c1 = 1 - b1 ** step;
    const c2 = 1 - b2 ** step;
    for (let j = 0; j <= dims; j++) {
      const g = grad[j]!;
      m[j] = b1 * m[j]! + (1 - b1) * g;
      v[j] = b2 * v[j]! + (1 - b2) * g * g;
      const delta = (lr * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + eps);
      if (j === dims) bias -= delta;
      else w[j] -= delta;
    }
  }
  return { bias, w };
}

const logit = (fit: Fit, d: Encoded) => {
  let z = fit.bias;
  for (let k = 0; k < d.idx.length; k++) z += fit.w[d.idx[k]!]! * d.val[k]!;
  return z;
};

/** Platt scaling: the a, b of sigmoid(a*z + b) that best fit the out-of-fold logits (Newton steps). */
export function plattScale(z: readonly number[], y: readonly number[]): { a: number; b: number } {
  // Platt's smoothed targets keep a and b finite on separable data
  const pos = y.filter((t) => t === 1).length;
  const neg = y.length - pos;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let [ga, gb, haa, hab, hbb] = [0, 0, 1e-9, 0, 1e-9];
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(a * z[i]! + b);
      const t = y[i] === 1 ? hi : lo;
      const r = p - t;
      const s = p * (1 - p);
      ga += r * z[i]!;
      gb += r;
      haa += s * z[i]! * z[i]!;
      hab += s * z[i]!;
      hbb += s;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}

/** The probability threshold with the best F1 for the head's class (ties: the higher, more precise one). */
export function bestThreshold(p: readonly number[], y: readonly number[]): number {
  const order = p.map((_, i) => i).sort((i, j) => p[j]! - p[i]!);
  const positives = y.reduce((a, b) => a + b, 0);
  if (!positives) return 0.5;
  let tp = 0;
  let best = { f1: -1, threshold: 0.5 };
  for (let k = 0; k < order.length; k++) {
    tp += y[order[k]!]!;
    const next = p[order[k + 1]!];
    if (next !== undefined && next === p[order[k]!]) continue;
    const precision = tp / (k + 1);
    const recall = tp / positives;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    if (f1 > best.f1) best = { f1, threshold: next === undefined ? p[order[k]!]! : (p[order[k]!]! + next) / 2 };
  }
  return Math.min(0.95, Math.max(0.05, best.threshold));
}

const EVIDENCE_MARGINS = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

function f1At(p: readonly number[], y: readonly number[], threshold: number): number {
  let [tp, fp, fn] = [0, 0, 0];
  p.forEach((x, i) => {
    if (x >= threshold && y[i]) tp++;
    else if (x >= threshold) fp++;
    else if (y[i]) fn++;
  });
  return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
}

/** Trains a model on labelled messages. */
export function trainModel(examples: readonly Example[], opts: TrainOptions): SentimentModel {
  const l2 = opts.l2 ?? 0.001;
  const iterations = opts.iterations ?? 300;
  const minCount = opts.minCount ?? 2;
  const folds = opts.folds ?? 5;
  const feats = examples.map((e) => extractFeatures(e.text).values);

  const counts = new Map<string, number>();
  for (const f of feats) for (const k of f.keys()) counts.set(k, (counts.get(k) ?? 0) + 1);
  const vocab = new Map<string, number>();
  const keep = (k: string) => vocab.has(k) || vocab.set(k, vocab.size);
  for (const [k, n] of counts) if (n >= minCount || k in PATTERN_LABELS) keep(k);
  for (const k of Object.keys(opts.prior?.weights ?? {})) keep(k);
  const dims = vocab.size;
  const docs: Encoded[] = feats.map((f) => {
    const pairs = [...f].filter(([k]) => vocab.has(k));
    return { idx: Int32Array.from(pairs.map(([k]) => vocab.get(k)!)), val: Float64Array.from(pairs.map(([, v]) => v)) };
  });
  const sw = Float64Array.from(examples.map((e) => e.weight ?? 1));
  const target = (head: HeadName) => Float64Array.from(examples.map((e) => (e.label === head ? 1 : 0)));
  const priorFit = (head: HeadName): Fit => {
    const w = new Float64Array(dims);
    const col = head === 'negative' ? 0 : 1;
    if (opts.prior) for (const [k, ws] of Object.entries(opts.prior.weights)) w[vocab.get(k)!] = ws[col];
    return { bias: opts.prior?.heads[head].bias ?? 0, w };
  };

  const foldOf = assignFolds(examples.map((e) => e.label), folds, opts.seed ?? 1);
  const heads = {} as Record<HeadName, HeadParams>;
  const fits = {} as Record<HeadName, Fit>;
  for (const head of HEADS) {
    const y = target(head);
    const prior = priorFit(head);
    // out-of-fold logits: each example scored by a fit that never saw it
    const oof = new Array<{ z: number; evidence: number }>(examples.length);
    for (let k = 0; k < folds; k++) {
      const train = docs.map((_, i) => i).filter((i) => foldOf[i] !== k);
      const fit = fitHead(train.map((i) => docs[i]!), Float64Array.from(train.map((i) => y[i]!)), Float64Array.from(train.map((i) => sw[i]!)), dims, prior, l2, iterations);
      docs.forEach((d, i) => {
        if (foldOf[i] === k) {
          const z = logit(fit, d);
          oof[i] = { z, evidence: z - fit.bias };
        }
      });
    }
    const ys = [...y];
    const calibration = plattScale(oof.map((o) => o.z), ys);
    // as labelOf decides: too little evidence toward the head, no label; the margin and threshold with the best F1
    const p = oof.map((o) => sigmoid(calibration.a * o.z + calibration.b));
    let decision = { f1: -1, threshold: 0.5, minEvidence: 0 };
    for (const minEvidence of EVIDENCE_MARGINS) {
      const gated = p.map((x, i) => (oof[i]!.evidence > minEvidence ? x : 0));
      const threshold = bestThreshold(gated, ys);
      const f1 = f1At(gated, ys, threshold);
      if (f1 > decision.f1 + 1e-9) decision = { f1, threshold, minEvidence };
    }
    fits[head] = fitHead(docs, y, sw, dims, prior, l2, iterations);
    heads[head] = {
      bias: round(fits[head].bias),
      calibration: { a: round(calibration.a), b: round(calibration.b) },
      threshold: round(decision.threshold),
      minEvidence: decision.minEvidence,
    };
  }

  const weights: Record<string, [number, number]> = {};
  for (const [k, j] of [...vocab].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const pair: [number, number] = [round(fits.negative.w[j]!), round(fits.positive.w[j]!)];
    if (Math.abs(pair[0]) >= 0.002 || Math.abs(pair[1]) >= 0.002) weights[k] = pair;
  }
  return {
    format: MODEL_FORMAT,
    name: opts.name,
    trainedAt: (opts.now ?? new Date()).toISOString(),
    trainedOn: opts.trainedOn,
    heads,
    weights,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export interface ClassScore {
  precision: number;
  recall: number;
  f1: number;
  /** Messages of this class in the gold labels. */
  support: number;
}

export type Report = Partial<Record<SentimentLabel, ClassScore>> & { accuracy: number; n: number };

/** Precision, recall and F1 per class (classes absent from both gold and predictions are left out). */
export function classReport(gold: readonly SentimentLabel[], predicted: readonly SentimentLabel[]): Report {
  const report: Report = { accuracy: 0, n: gold.length };
  let right = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) right++;
  report.accuracy = gold.length ? right / gold.length : 0;
  for (const c of ['negative', 'neutral', 'positive'] as const) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (predicted[i] === c && gold[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (gold[i] === c) fn++;
    }
    if (!tp && !fp && !fn) continue;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    report[c] = { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support: tp + fn };
  }
  return report;
}

/** Labels a model gives to texts. */
export const predictLabels = (model: SentimentModel, texts: readonly string[]): SentimentLabel[] => {
  const m = compileModel(model);
  return texts.map((t) => m.predict(t).label);
};
