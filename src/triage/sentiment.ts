import { existsSync, readFileSync } from 'node:fs';
import type { Comment } from '../domain/model.js';
import { shippedFile } from '../package-root.js';
import { compileModel, parseModel, type Contribution, type SentimentLabel, type SentimentModel } from './sentiment-model.js';

/**
 * Sentiment of customer messages: a trained classifier (sentiment-model.ts) whose weights ship with
 * deskctl in models/sentiment.json (made by scripts/train-sentiment.js; see docs/sentiment.md), or a
 * profile's own model learned from its ratings (`deskctl triage learn`). Local, offline, loaded only
 * by the commands that score sentiment.
 */
export type { SentimentLabel } from './sentiment-model.js';

export interface SentimentResult {
  label: SentimentLabel;
  /** Calibrated probability that the customer is unhappy (0..1). */
  probability: number;
  /** Calibrated probability that the customer is happy (0..1). */
  positiveProbability: number;
  /** Valence from -5 (surely unhappy) to +5 (surely happy): 5 x (P(positive) - P(negative)), one decimal. */
  score: number;
  /** Words and patterns that pushed toward negative, strongest first (at most 5). */
  negative: string[];
  /** Words and patterns that pushed toward positive, strongest first (at most 5). */
  positive: string[];
  /** The model that scored it: 'default' or a profile's 'profile vN'. */
  model: string;
}

export type SentimentAnalyzer = (text: string) => SentimentResult;

export const NEUTRAL_SENTIMENT: SentimentResult = Object.freeze({
  label: 'neutral' as const,
  probability: 0,
  positiveProbability: 0,
  score: 0,
  negative: [],
  positive: [],
  model: 'none',
}) as SentimentResult;

const MAX_REASONS = 5;
/** A reason needs at least this many logit points, and a word that means something on its own. */
const MIN_REASON = 0.1;
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const FUNCTION_WORDS = new Set(
  "a an the i me my we our you your it its this that these those is am are was were be been to of in on at for with and or so as by from about do did does have has had will would can could just what which who how when where there here if then than".split(' '),
);
const explains = (feature: string) => feature.startsWith('<') || !feature.replace(/^not_/, '').split(' ').every((w) => FUNCTION_WORDS.has(w));

/** The distinct texts of the strongest reasons toward one side: features that add more to it than to the other. */
function topReasons(contributions: readonly Contribution[], side: 'negative' | 'positive'): string[] {
  const other = side === 'negative' ? 'positive' : 'negative';
  const picked = contributions.filter((c) => c[side] >= MIN_REASON && c[side] > c[other] && explains(c.feature)).sort((a, b) => b[side] - a[side]);
  return [...new Set(picked.map((c) => c.text))].slice(0, MAX_REASONS);
}

/** An analyzer over a model: quoted history is dropped, the top features become the reasons. */
export function analyzerFor(model: SentimentModel): SentimentAnalyzer {
  const compiled = compileModel(model);
  return (text: string): SentimentResult => {
    const clean = stripQuoted(text);
    if (!clean.trim()) return { ...NEUTRAL_SENTIMENT, model: model.name };
    const p = compiled.predict(clean);
    return {
      label: p.label,
      probability: round(p.pNegative, 3),
      positiveProbability: round(p.pPositive, 3),
      score: round(5 * (p.pPositive - p.pNegative), 1),
      negative: topReasons(p.contributions, 'negative'),
      positive: topReasons(p.contributions, 'positive'),
      model: model.name,
    };
  };
}

/** "negative, 91% unhappy: still no, third time": the label, P(negative) and the reasons for the label. */
export function describeSentiment(s: SentimentResult, reasons = MAX_REASONS): string {
  const words = (s.label === 'positive' ? s.positive : s.label === 'negative' ? s.negative : []).slice(0, reasons);
  return `${s.label}, ${Math.round(s.probability * 100)}% unhappy${words.length ? `: ${words.join(', ')}` : ''}`;
}

/** models/sentiment.json at the package root. */
export function defaultModelFile(): string {
  const file = shippedFile('models', 'sentiment.json');
  if (existsSync(file)) return file;
  throw new Error('deskctl is installed without its sentiment model (models/sentiment.json): reinstall deskctl');
}

let defaultModel: SentimentModel | undefined;

/** The shipped model, read once. */
export function loadDefaultModel(): SentimentModel {
  if (!defaultModel) {
    const file = defaultModelFile();
    defaultModel = parseModel(JSON.parse(readFileSync(file, 'utf8')), file);
  }
  return defaultModel;
}

/** The analyzer for a profile's own model when it has one, else for the shipped model. */
export async function loadSentimentAnalyzer(model?: SentimentModel): Promise<SentimentAnalyzer> {
  return analyzerFor(model ?? loadDefaultModel());
}

/**
 * The customer's own words of a message: drops quoted lines ("> ..."), the quoted history after
 * "On ... wrote:" / "-----Original Message-----", and a signature after "-- ".
 */
export function stripQuoted(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    if (/^on .{3,200} wrote:$/i.test(t) || /^-{2,}\s*original message\s*-{2,}$/i.test(t) || t === '--' || line === '-- ') break;
    if (t.startsWith('>')) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

/** The latest public message written by the customer (comments are oldest first). */
export function latestCustomerMessage(comments: readonly Comment[]): Comment | undefined {
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    if (c.authorRole === 'customer' && c.public) return c;
  }
  return undefined;
}
