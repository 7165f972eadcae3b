#!/usr/bin/env node
// Benchmark of the sentiment model against deskctl's previous analyzer (AFINN-165 lexicon, negative at
// -2 or less), side by side: precision, recall and F1 per class, and messages per second.
//   - review sentences (DESKCTL_DATASETS/sentiment-labelled-sentences, 3,000) and the team's support
//     training messages: 5-fold cross-validation, the model retrained on the other 4/5 of both;
//   - data/sentiment/support-heldout.tsv: support messages written by the team, never trained on
//     (the shipped models/sentiment.json is scored as it ships);
//   - DESKCTL_SENTIMENT_EVAL=FILE[:FILE...]: any further labelled set (label<TAB>text or text<TAB>0|1),
//     scored with the shipped model.
//   - the CLI on the demo helpdesk: tickets list with and without the sentiment field, triage explain,
//     triage learn --dry-run.
// Usage: node bench/sentiment.js [--folds 5]   (build first: npx tsc -p .)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const folds = Number(args[args.indexOf('--folds') + 1] || 5);

const t0 = performance.now();
const { loadDefaultModel, analyzerFor } = await import('../dist/src/triage/sentiment.js');
const t1 = performance.now();
const model = loadDefaultModel();
const importMs = t1 - t0;
const loadMs = performance.now() - t1;
const { loadLexiconAnalyzer } = await import('../dist/src/triage/sentiment-lexicon.js');
const lexicon = await loadLexiconAnalyzer();
const { trainModel, classReport, assignFolds } = await import('../dist/src/triage/sentiment-train.js');
const { compileModel } = await import('../dist/src/triage/sentiment-model.js');
const { readLabelled, reviewSentencesDir } = await import('../dist/src/triage/sentiment-data.js');
const { reviewSentences, supportTraining, supportHeldOut, TRAINING } = await import('../dist/src/triage/sentiment-corpus.js');

const analyze = analyzerFor(model);
const f2 = (x) => (x === undefined ? '   -' : x.toFixed(2));
const rows = [];
const report = (data, name, gold, predicted) => {
  const r = classReport(gold, predicted);
  for (const c of ['negative', 'neutral', 'positive']) {
    if (!r[c] || !gold.includes(c)) continue;
    rows.push([data, name, c, f2(r[c].precision), f2(r[c].recall), f2(r[c].f1), String(r[c].support)]);
  }
};
const compare = (data, examples, modelLabels) => {
  const gold = examples.map((e) => e.label);
  report(data, 'model', gold, modelLabels);
  report(data, 'lexicon', gold, examples.map((e) => lexicon(e.text).label));
};

const calibration = [];
// 1. cross-validation: review sentences and the team's support training messages, each cut in the same
//    number of folds; fold k of both is scored by a model trained on all the other folds
const datasets = resolve(root, process.env.DESKCTL_DATASETS ?? '../shared/datasets');
const support = supportTraining(root);
let reviews = [];
if (existsSync(reviewSentencesDir(datasets))) reviews = reviewSentences(datasets);
else console.log(`review sentences: skipped (no ${reviewSentencesDir(datasets)}; set DESKCTL_DATASETS)`);
if (reviews.length) {
  const all = [...reviews, ...support];
  const foldOf = [...assignFolds(reviews.map((e) => e.label), folds, 7), ...assignFolds(support.map((e) => e.label), folds, 7)];
  const predicted = new Array(all.length);
  const tc = performance.now();
  for (let k = 0; k < folds; k++) {
    const m = compileModel(trainModel(all.filter((_, i) => foldOf[i] !== k), { ...TRAINING, name: `cv${k}`, trainedOn: 'cv' }));
    all.forEach((e, i) => {
      if (foldOf[i] === k) predicted[i] = m.predict(e.text);
    });
  }
  console.log(`(cross-validation: ${folds} folds trained in ${((performance.now() - tc) / 1000).toFixed(1)} s)`);
  compare(`review sentences, ${folds}-fold CV`, reviews, predicted.slice(0, reviews.length).map((p) => p.label));
  compare(`support training messages, ${folds}-fold CV`, support, predicted.slice(reviews.length).map((p) => p.label));
  calibration.push([`review sentences, ${folds}-fold CV`, reviews, predicted.slice(0, reviews.length)]);
  calibration.push([`support training messages, ${folds}-fold CV`, support, predicted.slice(reviews.length)]);
}

// 2. the team's held-out support messages, shipped model
const held = supportHeldOut(root);
compare('support messages (held out)', held, held.map((e) => analyze(e.text).label));

// 3. further labelled sets
for (const file of (process.env.DESKCTL_SENTIMENT_EVAL ?? '').split(delimiter).filter(Boolean)) {
  const set = readLabelled(resolve(file));
  compare(file.split('/').pop(), set, set.map((e) => analyze(e.text).label));
}

const head = ['data', 'analyzer', 'class', 'precision', 'recall', 'F1', 'n'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(head));
let last = '';
for (const r of rows) {
  console.log(line([r[0] === last ? '' : r[0], ...r.slice(1)]));
  last = r[0];
}

// calibration of P(unhappy): Brier score and expected calibration error over 10 bins (0 = perfect)
const compiled = compileModel(model);
calibration.push(['support messages (held out)', held, held.map((e) => compiled.predict(e.text))]);
for (const [data, examples, preds] of calibration) {
  const y = examples.map((e) => (e.label === 'negative' ? 1 : 0));
  const p = preds.map((x) => x.pNegative);
  const brier = p.reduce((a, x, i) => a + (x - y[i]) ** 2, 0) / p.length;
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const idx = p.map((x, i) => i).filter((i) => Math.min(9, Math.floor(p[i] * 10)) === b);
    if (!idx.length) continue;
    const meanP = idx.reduce((a, i) => a + p[i], 0) / idx.length;
    const rate = idx.reduce((a, i) => a + y[i], 0) / idx.length;
    ece += (idx.length / p.length) * Math.abs(meanP - rate);
  }
  console.log(`calibration of P(unhappy), ${data.padEnd(38)} Brier ${brier.toFixed(3)}   ECE ${ece.toFixed(3)}`);
}

// 4. speed: the same messages through both analyzers
const texts = [...held.map((e) => e.text), ...reviews.map((e) => e.text)];
const corpus = Array.from({ length: 20_000 }, (_, i) => texts[i % texts.length]);
const speed = (name, fn) => {
  for (let i = 0; i < 500; i++) fn(corpus[i]); // warm up
  const s = performance.now();
  for (const t of corpus) fn(t);
  const ms = performance.now() - s;
  console.log(`${name.padEnd(44)} ${((corpus.length / ms) * 1000).toFixed(0).padStart(8)} messages/s   ${((ms * 1000) / corpus.length).toFixed(1).padStart(6)} µs/message`);
};
console.log(`${'import the sentiment modules'.padEnd(44)} ${importMs.toFixed(1).padStart(8)} ms`);
console.log(`${'read + check models/sentiment.json'.padEnd(44)} ${loadMs.toFixed(1).padStart(8)} ms   ${Object.keys(model.weights).length} features`);
speed('model (with reasons)', analyze);
speed('lexicon (AFINN-165 + support words)', lexicon);

// 5. the commands as a user runs them, on the demo helpdesk (720 tickets): listing with and without the
//    sentiment field (the difference is loading the model and scoring every subject), explain, learn
const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-sentiment-'));
const env = { ...process.env, DESKCTL_HOME: home, DESKCTL_NOW: '2026-11-25T09:00:00Z', NO_COLOR: '1', CI: '1' };
const cli = (argv) => {
  const s = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'deskctl.js'), ...argv], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`deskctl ${argv.join(' ')}: ${r.stderr}`);
  return performance.now() - s;
};
try {
  cli(['demo']);
  const best = (label, argv) => console.log(`${label.padEnd(62)} ${Math.min(cli(argv), cli(argv), cli(argv)).toFixed(0).padStart(6)} ms   best of 3`);
  best('deskctl tickets list --all --fields id,subject --json', ['tickets', 'list', '--all', '--fields', 'id,subject', '--json']);
  best('deskctl tickets list --all --fields id,subject,sentiment --json', ['tickets', 'list', '--all', '--fields', 'id,subject,sentiment', '--json']);
  best('deskctl triage explain 685 --json', ['triage', 'explain', '685', '--json']);
  best('deskctl triage learn --dry-run --json (demo ratings)', ['triage', 'learn', '--dry-run', '--json']);
} finally {
  rmSync(home, { recursive: true, force: true });
}
