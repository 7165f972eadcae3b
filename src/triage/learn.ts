import type { DateRange, Rating } from '../domain/model.js';
import { NotFoundError } from '../errors.js';
import { collect, type HelpdeskProvider } from '../providers/provider.js';
import { mapPool } from './apply.js';
import { stripQuoted } from './sentiment.js';
import type { SentimentLabel, SentimentModel } from './sentiment-model.js';
import { assignFolds, classReport, predictLabels, trainModel, type Example, type Report } from './sentiment-train.js';

/**
 * `deskctl triage learn`: a profile's own sentiment model from its rated tickets. The customer's
 * messages on a ticket rated CSAT 1-2 (the bottom quarter of any CSAT scale, "bad" on good/bad) or NPS
 * 0-6 are negative; CSAT 4-5 (top quarter, "good") or NPS 9-10 positive. A quarter of the tickets is
 * held out; the default model is fine-tuned on the rest (its weights are the prior), and the result is
 * used only when it beats the default on the held-out tickets (F1 of the negative class).
 */

/** The label a rating gives its ticket's messages (undefined: in between, or a CES score). */
export function ratingLabel(r: Pick<Rating, 'kind' | 'score' | 'scale'>): 'negative' | 'positive' | undefined {
  if (r.kind === 'nps') return r.score <= 6 ? 'negative' : r.score >= 9 ? 'positive' : undefined;
  if (r.kind !== 'csat' || r.scale.max <= r.scale.min) return undefined;
  const x = (r.score - r.scale.min) / (r.scale.max - r.scale.min);
  return x <= 0.25 ? 'negative' : x >= 0.75 ? 'positive' : undefined;
}

export interface RatedTicket {
  ticketId: string;
  label: 'negative' | 'positive';
  text: string;
}

/**
 * The rated tickets of the range with their customers' messages (latest rating of each ticket wins;
 * the `max` most recently rated tickets, one conversation read each; tickets deleted since are skipped).
 */
export async function ratedTickets(provider: HelpdeskProvider, range: DateRange, opts: { concurrency?: number; max?: number } = {}): Promise<RatedTicket[]> {
  const latest = new Map<string, Rating>();
  for (const r of await collect(provider.listRatings(range))) {
    const had = latest.get(r.ticketId);
    if (r.kind !== 'ces' && (!had || Date.parse(r.createdAt) >= Date.parse(had.createdAt))) latest.set(r.ticketId, r);
  }
  const labelled = [...latest.values()]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .flatMap((r) => {
      const label = ratingLabel(r);
      return label ? [{ ticketId: r.ticketId, label }] : [];
    })
    .slice(0, opts.max ?? Infinity);
  const withText = await mapPool(labelled, opts.concurrency ?? 4, async (t) => {
    let comments;
    try {
      comments = await provider.listComments(t.ticketId);
    } catch (e) {
      if (e instanceof NotFoundError) return { ...t, text: '' };
      throw e;
    }
    const text = comments
      .filter((c) => c.authorRole === 'customer' && c.public)
      .map((c) => stripQuoted(c.body))
      .filter(Boolean)
      .join('\n');
    return { ...t, text };
  });
  return withText.filter((t) => t.text).sort((a, b) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0));
}

export const MIN_PER_CLASS = 10;
const HELD_OUT_FOLDS = 4; // one in four tickets is held out
/** Fine-tuning pulls harder toward the default than training from scratch: a profile has few examples. */
const FINE_TUNE_L2 = 0.01;

export interface LearnResult {
  model: SentimentModel;
  /** Tickets trained on / held out, by label. */
  counts: { train: Record<'negative' | 'positive', number>; heldOut: Record<'negative' | 'positive', number> };
  heldOut: { default: Report; learned: Report };
  /** True when the learned model beats the default on the held-out tickets. */
  better: boolean;
}

export class NotEnoughRatings extends Error {
  constructor(readonly negative: number, readonly positive: number) {
    super(`not enough rated tickets to learn from: ${negative} negative, ${positive} positive (need ${MIN_PER_CLASS} of each)`);
  }
}

const count = (xs: readonly RatedTicket[]) => ({
  negative: xs.filter((x) => x.label === 'negative').length,
  positive: xs.filter((x) => x.label === 'positive').length,
});

/** Trains and evaluates a profile model. Pure (given the rated tickets). */
export function learnFromRatings(rated: readonly RatedTicket[], base: SentimentModel, opts: { name: string; trainedOn: string; now: Date }): LearnResult {
  const all = count(rated);
  if (all.negative < MIN_PER_CLASS || all.positive < MIN_PER_CLASS) throw new NotEnoughRatings(all.negative, all.positive);
  const fold = assignFolds(rated.map((r) => r.label as SentimentLabel), HELD_OUT_FOLDS, 17);
  const train = rated.filter((_, i) => fold[i] !== 0);
  const held = rated.filter((_, i) => fold[i] === 0);
  const examples: Example[] = train.map((r) => ({ text: r.text, label: r.label }));
  const model = trainModel(examples, { name: opts.name, trainedOn: opts.trainedOn, now: opts.now, prior: base, l2: FINE_TUNE_L2, minCount: 2, folds: 5, seed: 1 });
  const gold = held.map((r) => r.label as SentimentLabel);
  const texts = held.map((r) => r.text);
  const heldOut = { default: classReport(gold, predictLabels(base, texts)), learned: classReport(gold, predictLabels(model, texts)) };
  const f1 = (r: Report) => r.negative?.f1 ?? 0;
  return { model, counts: { train: count(train), heldOut: count(held) }, heldOut, better: f1(heldOut.learned) > f1(heldOut.default) };
}
