#!/usr/bin/env node
// Trains the sentiment model shipped with deskctl (models/sentiment.json) from:
//   - the Sentiment Labelled Sentences (Kotzias et al., KDD 2015; CC BY 4.0), 3,000 review sentences
//     found through DESKCTL_DATASETS (default ../shared/datasets), and
//   - data/sentiment/support-train.tsv, customer-service messages written by the deskctl team.
// data/sentiment/support-heldout.tsv is never trained on: the bench evaluates on it.
// Usage: npm run build && node scripts/train-sentiment.js [--out models/sentiment.json]
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { trainingSet, TRAINING } = await import('../dist/src/triage/sentiment-corpus.js');
const { trainModel, classReport, predictLabels } = await import('../dist/src/triage/sentiment-train.js');
const { readLabelled } = await import('../dist/src/triage/sentiment-data.js');
const { serializeModel } = await import('../dist/src/triage/sentiment-model.js');

const args = process.argv.slice(2);
const out = resolve(root, args.includes('--out') ? args[args.indexOf('--out') + 1] : 'models/sentiment.json');
const datasets = resolve(root, process.env.DESKCTL_DATASETS ?? '../shared/datasets');

let examples;
try {
  examples = trainingSet(root, datasets);
} catch (e) {
  console.error(`train-sentiment: ${e.message}`);
  console.error('hint: set DESKCTL_DATASETS to the folder holding sentiment-labelled-sentences/');
  process.exit(4);
}
const t0 = performance.now();
const model = trainModel(examples, {
  ...TRAINING,
  name: 'default',
  trainedOn: `${examples.filter((e) => e.weight === 1).length} review sentences (Sentiment Labelled Sentences, Kotzias et al. 2015, CC BY 4.0) + ${examples.filter((e) => e.weight !== 1).length} support messages written by the deskctl team (data/sentiment/support-train.tsv)`,
});
writeFileSync(out, serializeModel(model));
const ms = performance.now() - t0;
console.log(`trained in ${(ms / 1000).toFixed(1)} s on ${examples.length} messages: ${Object.keys(model.weights).length} features, ${(statSync(out).size / 1024).toFixed(0)} KB -> ${out}`);
console.log(`thresholds: negative ${model.heads.negative.threshold}, positive ${model.heads.positive.threshold}`);

const held = readLabelled(join(root, 'data', 'sentiment', 'support-heldout.tsv'));
const r = classReport(held.map((e) => e.label), predictLabels(model, held.map((e) => e.text)));
for (const c of ['negative', 'neutral', 'positive']) {
  const s = r[c];
  if (s) console.log(`held-out support ${c.padEnd(8)} precision ${s.precision.toFixed(2)} recall ${s.recall.toFixed(2)} F1 ${s.f1.toFixed(2)} (n=${s.support})`);
}
