import type { SentimentLabel } from './sentiment-model.js';

/**
 * deskctl's previous analyzer, kept as the reference the benchmark compares the model with: the
 * AFINN-165 lexicon of the `sentiment` package (sum of word valences, negation-aware) with a few
 * support-specific corrections, negative at a score of -2 or less, positive at +2 or more.
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

export const LEXICON_NEGATIVE_THRESHOLD = -2;

export const lexiconLabel = (score: number): SentimentLabel =>
  score <= LEXICON_NEGATIVE_THRESHOLD ? 'negative' : score >= -LEXICON_NEGATIVE_THRESHOLD ? 'positive' : 'neutral';

export interface LexiconResult {
  score: number;
  label: SentimentLabel;
}

/** Loads the AFINN lexicon (the `sentiment` package) and returns its analyzer. */
export async function loadLexiconAnalyzer(): Promise<(text: string) => LexiconResult> {
  const mod = await import('sentiment');
  const Sentiment = (mod as unknown as { default: typeof import('sentiment') }).default ?? mod;
  const engine = new Sentiment();
  const extras = { ...SUPPORT_LEXICON };
  return (text: string) => {
    const score = engine.analyze(text, { extras }).score;
    return { score, label: lexiconLabel(score) };
  };
}
