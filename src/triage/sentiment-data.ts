import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SentimentLabel } from './sentiment-model.js';
import type { Example } from './sentiment-train.js';

/**
 * Labelled messages from text files, one per line, tab-separated, in either layout:
 *   `negative<TAB>message` (labels negative | neutral | positive: deskctl's own data and any eval set), or
 *   `message<TAB>0|1` (the Sentiment Labelled Sentences files: 0 negative, 1 positive).
 * Blank lines and lines starting with '#' are skipped.
 */
const LABELS = new Set<SentimentLabel>(['negative', 'neutral', 'positive']);

export function parseLabelled(text: string, source: string): Example[] {
  const out: Example[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const tab = line.indexOf('\t');
    const last = line.lastIndexOf('\t');
    const head = line.slice(0, tab).trim().toLowerCase();
    const tail = line.slice(last + 1).trim();
    if (tab > 0 && LABELS.has(head as SentimentLabel)) out.push({ text: line.slice(tab + 1).trim(), label: head as SentimentLabel });
    else if (last > 0 && (tail === '0' || tail === '1')) out.push({ text: line.slice(0, last).trim(), label: tail === '1' ? 'positive' : 'negative' });
    else throw new Error(`${source}:${i + 1}: expected 'LABEL<TAB>message' (negative, neutral, positive) or 'message<TAB>0|1'`);
  });
  return out;
}

export const readLabelled = (file: string): Example[] => parseLabelled(readFileSync(file, 'utf8'), file);

/** The review-sentence files inside a datasets folder (DESKCTL_DATASETS). */
export const REVIEW_FILES = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'] as const;
export const reviewSentencesDir = (datasets: string) => join(datasets, 'sentiment-labelled-sentences');
