import type { Comment } from '../domain/model.js';

/**
 * Sentiment of customer messages, with the AFINN-165 lexicon of the `sentiment` package (local, no
 * network, no model). The score is the sum of word valences (-5..+5 each, negation-aware: "not happy"
 * counts -3), so "This is unacceptable and still broken" scores -5.
 *
 * A few support-specific corrections are applied on top of AFINN (SUPPORT_LEXICON): words that
 * customers in trouble use a lot and that AFINN rates positive ("help", "please", "want", "like")
 * count 0, and complaint words AFINN misses or underrates ("crashed", "overcharged", "waiting",
 * "joke", "unacceptable") count negative.
 */
export const SUPPORT_LEXICON: Readonly<Record<string, number>> = Object.freeze({
  help: 0,
  please: 0,
  want: 0,
  like: 0,
  joke: -2,
  charged: -1,
  overcharged: -3,
  unacceptable: -3,
  broken: -2,
  crashed: -2,
  crashes: -2,
  crashing: -2,
  escalate: -2,
  waiting: -1,
  slow: -1,
  unusable: -3,
});

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export interface SentimentResult {
  /** Sum of word valences; below 0 is negative. */
  score: number;
  /** Score per word (length-independent). */
  comparative: number;
  label: SentimentLabel;
  positive: string[];
  negative: string[];
}

export type SentimentAnalyzer = (text: string) => SentimentResult;

/** At or below this score a message is negative; at or above its opposite, positive. */
export const NEGATIVE_THRESHOLD = -2;

export const sentimentLabel = (score: number): SentimentLabel =>
  score <= NEGATIVE_THRESHOLD ? 'negative' : score >= -NEGATIVE_THRESHOLD ? 'positive' : 'neutral';

export const NEUTRAL_SENTIMENT: SentimentResult = Object.freeze({
  score: 0,
  comparative: 0,
  label: 'neutral' as const,
  positive: [],
  negative: [],
}) as SentimentResult;

let analyzerP: Promise<SentimentAnalyzer> | undefined;

/** Loads the lexicon once (lazily: it is not needed by most commands). */
export function loadSentimentAnalyzer(): Promise<SentimentAnalyzer> {
  return (analyzerP ??= import('sentiment').then((mod) => {
    const Sentiment = (mod as unknown as { default: typeof import('sentiment') }).default ?? mod;
    const engine = new Sentiment();
    const extras = { ...SUPPORT_LEXICON };
    return (text: string): SentimentResult => {
      const clean = stripQuoted(text);
      if (!clean.trim()) return NEUTRAL_SENTIMENT;
      const r = engine.analyze(clean, { extras });
      return {
        score: r.score,
        comparative: Math.round(r.comparative * 1000) / 1000,
        label: sentimentLabel(r.score),
        positive: [...new Set(r.positive)],
        negative: [...new Set(r.negative)],
      };
    };
  }));
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
