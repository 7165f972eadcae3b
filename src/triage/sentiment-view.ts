import type { ChalkInstance } from 'chalk';
import type { Ticket } from '../domain/model.js';
import type { Column } from '../output/format.js';
import { renderTable, wrapText } from '../output/formatters.js';
import type { LearnResult } from './learn.js';
import { scoreJson } from './list.js';
import { describeSentiment } from './sentiment.js';
import type { Prediction, SentimentModel } from './sentiment-model.js';
import type { Report } from './sentiment-train.js';
import { describeSla } from './sla.js';
import type { TicketScore } from './urgency.js';

/** Text and JSON of `triage learn` and `triage explain`. Pure (returns strings and objects). */

const f2 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));

interface ScoreRow {
  model: string;
  label: string;
  precision?: number;
  recall?: number;
  f1?: number;
  n: number;
}

const scoreColumns: Column<ScoreRow>[] = [
  { key: 'model', header: 'model', value: (r) => r.model },
  { key: 'class', header: 'class', value: (r) => r.label },
  { key: 'precision', header: 'precision', value: (r) => r.precision, cell: (r) => f2(r.precision), align: 'right' },
  { key: 'recall', header: 'recall', value: (r) => r.recall, cell: (r) => f2(r.recall), align: 'right' },
  { key: 'f1', header: 'F1', value: (r) => r.f1, cell: (r) => f2(r.f1), align: 'right' },
  { key: 'n', header: 'tickets', value: (r) => r.n, align: 'right' },
];

const rowsOf = (model: string, r: Report): ScoreRow[] =>
  (['negative', 'positive'] as const).map((label) => ({ model, label, precision: r[label]?.precision, recall: r[label]?.recall, f1: r[label]?.f1, n: r[label]?.support ?? 0 }));

const reportJson = (r: Report) =>
  Object.fromEntries((['negative', 'positive'] as const).map((c) => [c, r[c] ? { precision: r[c].precision, recall: r[c].recall, f1: r[c].f1, n: r[c].support } : null]));

export interface LearnOutcome {
  result: LearnResult;
  /** The version it was saved as (undefined on --dry-run). */
  version?: number;
  used: boolean;
  dryRun: boolean;
  since: Date;
}

export function learnJson(o: LearnOutcome) {
  const r = o.result;
  return {
    version: o.version ?? null,
    used: o.used,
    dryRun: o.dryRun,
    since: o.since.toISOString(),
    tickets: { train: r.counts.train, heldOut: r.counts.heldOut },
    heldOut: { default: reportJson(r.heldOut.default), learned: reportJson(r.heldOut.learned) },
    model: { name: r.model.name, trainedOn: r.model.trainedOn, features: Object.keys(r.model.weights).length },
  };
}

export function renderLearn(o: LearnOutcome, c: ChalkInstance, width: number): string {
  const r = o.result;
  const total = (x: Record<string, number>) => x.negative! + x.positive!;
  const lines = [
    `Learned from ${total(r.counts.train)} rated tickets (${r.counts.train.negative} unhappy, ${r.counts.train.positive} happy); held out ${total(r.counts.heldOut)} (${r.counts.heldOut.negative} unhappy, ${r.counts.heldOut.positive} happy) to compare:`,
    '',
    renderTable([...rowsOf('default', r.heldOut.default), ...rowsOf('learned', r.heldOut.learned)], scoreColumns, c, width),
    '',
  ];
  const neg = (x: Report) => f2(x.negative?.f1 ?? 0);
  const verdict = o.used
    ? c.green(`The learned model beats the default (negative F1 ${neg(r.heldOut.learned)} vs ${neg(r.heldOut.default)}): triage now uses profile v${o.version}.`)
    : r.better
      ? `The learned model beats the default (negative F1 ${neg(r.heldOut.learned)} vs ${neg(r.heldOut.default)}); dry run, nothing saved.`
      : c.yellow(`The learned model does not beat the default (negative F1 ${neg(r.heldOut.learned)} vs ${neg(r.heldOut.default)}): triage keeps the ${o.dryRun ? 'current' : 'default'} model${o.version ? ` (kept as v${o.version}, not used)` : ''}.`);
  lines.push(wrapText(verdict, width, ''));
  return lines.join('\n');
}

/** The whole breakdown of a ticket's urgency, for `triage explain`. */
export interface Explanation {
  ticket: Ticket;
  score: TicketScore;
  model: SentimentModel;
  prediction: Prediction;
}

const round = (x: number) => Math.round(x * 100) / 100;

export function explainJson(e: Explanation) {
  const s = e.score;
  const base = scoreJson(s)!;
  return {
    ticket: { id: e.ticket.id, subject: e.ticket.subject, status: e.ticket.status, priority: e.ticket.priority, channel: e.ticket.channel },
    urgency: base.urgency,
    sentiment: {
      ...base.sentiment,
      text: s.latestMessage ?? e.ticket.subject,
      thresholds: { negative: e.model.heads.negative.threshold, positive: e.model.heads.positive.threshold },
      features: e.prediction.contributions.map((x) => ({ feature: x.feature, text: x.text, towardNegative: round(x.negative), towardPositive: round(x.positive) })),
    },
    sla: base.sla,
    waitingSince: s.waitingSince?.toISOString() ?? null,
  };
}

interface FeatureRow {
  text: string;
  negative: number;
  positive: number;
}

/** The explain table shows the features that move a head by at least this much, most unhappy first. */
const MIN_SHOWN = 0.05;
const MAX_FEATURE_ROWS = 15;

const signed = (x: number) => `${x > 0 ? '+' : ''}${x.toFixed(2)}`;

export function renderExplain(e: Explanation, c: ChalkInstance, width: number): string {
  const s = e.score;
  const u = s.urgency;
  const level = u.level === 'critical' ? c.bold.red(u.level) : u.level === 'high' ? c.red(u.level) : u.level === 'medium' ? c.yellow(u.level) : c.dim(u.level);
  const lines = [`${c.cyan(`#${e.ticket.id}`)} ${c.bold(e.ticket.subject)}`, c.dim(`${e.ticket.status} · ${e.ticket.priority} · ${e.ticket.channel}`), ''];
  lines.push(`${c.bold('Urgency')} ${u.score} ${level}`);
  const reasonColumns: Column<(typeof u.reasons)[number]>[] = [
    { key: 'factor', header: 'factor', value: (r) => r.factor },
    { key: 'points', header: 'points', value: (r) => r.points, cell: (r) => `${r.points > 0 ? '+' : ''}${r.points}`, align: 'right' },
    { key: 'why', header: 'why', value: (r) => r.text, flex: true },
  ];
  const sum = u.reasons.filter((r) => r.factor !== 'status').reduce((a, r) => a + r.points, 0);
  lines.push(u.reasons.length ? renderTable(u.reasons, reasonColumns, c, width) : c.dim('  no factor adds anything'));
  if (sum > 100) lines.push(c.dim(`(the factors add up to ${sum}; the score is capped at 100${u.reasons.some((r) => r.factor === 'status') ? ' before the status discount' : ''})`));
  lines.push('');
  const of = s.sentimentSource === 'subject' ? 'the subject' : 'the latest customer message';
  lines.push(`${c.bold('Sentiment')} ${describeSentiment(s.sentiment)}`);
  lines.push(
    c.dim(
      wrapText(
        `model ${e.model.name}; negative from ${Math.round(e.model.heads.negative.threshold * 100)}% unhappy, positive from ${Math.round(e.model.heads.positive.threshold * 100)}% happy; read from ${of}:`,
        width,
        '',
      ),
    ),
  );
  lines.push(wrapText(s.latestMessage ?? e.ticket.subject, width, '    '));
  const weighty = e.prediction.contributions.filter((x) => Math.max(Math.abs(x.negative), Math.abs(x.positive)) >= MIN_SHOWN);
  const rows: FeatureRow[] = weighty.slice(0, MAX_FEATURE_ROWS).map((x) => ({ text: x.text, negative: x.negative, positive: x.positive }));
  const more = e.prediction.contributions.length - rows.length;
  if (rows.length) {
    const featureColumns: Column<FeatureRow>[] = [
      { key: 'feature', header: 'word or pattern', value: (r) => r.text, flex: true },
      { key: 'negative', header: 'toward unhappy', value: (r) => r.negative, cell: (r, col) => (r.negative > 0 ? col.red(signed(r.negative)) : signed(r.negative)), align: 'right' },
      { key: 'positive', header: 'toward happy', value: (r) => r.positive, cell: (r, col) => (r.positive > 0 ? col.green(signed(r.positive)) : signed(r.positive)), align: 'right' },
    ];
    lines.push(renderTable(rows, featureColumns, c, width));
    if (more > 0) lines.push(c.dim(`… and ${more} more with smaller weights (--json lists them all)`));
  } else lines.push(c.dim('  no word the model knows'));
  lines.push('');
  lines.push(`${c.bold('SLA')} ${describeSla(s.sla)}`);
  if (s.waitingSince) lines.push(`${c.bold('Waiting since')} ${s.waitingSince.toISOString()}`);
  return lines.join('\n');
}
