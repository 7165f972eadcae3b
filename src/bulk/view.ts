import type { ChalkInstance } from 'chalk';
import type { Person, TicketPatch } from '../domain/model.js';
import type { ListSpec } from '../output/format.js';
import { wrapText } from '../output/formatters.js';
import type { ExecuteResult } from './executor.js';
import { ownerLabel } from '../store/owner.js';
import { openCount, type ItemCounts, type ItemRecord, type JobRecord } from './journal.js';
import type { RenderedItem } from './selection.js';

/** "status → solved, +refunded, assign to 12" */
export function describePatch(p: TicketPatch, agentName?: (id: string) => string | undefined): string {
  const parts: string[] = [];
  if (p.status) parts.push(`status → ${p.status}`);
  if (p.priority) parts.push(`priority → ${p.priority}`);
  if (p.assigneeId !== undefined) parts.push(p.assigneeId === null ? 'unassign' : `assign to ${agentName?.(p.assigneeId) ?? p.assigneeId}`);
  if (p.group !== undefined) parts.push(p.group === null ? 'no group' : `group → ${p.group}`);
  if (p.addTags?.length) parts.push(p.addTags.map((t) => `+${t}`).join(' '));
  if (p.removeTags?.length) parts.push(p.removeTags.map((t) => `-${t}`).join(' '));
  return parts.join(', ');
}

const rule = (c: ChalkInstance, width: number) => c.dim('─'.repeat(Math.max(20, Math.min(width, 72))));

export interface ReplyPreview {
  template: string;
  public: boolean;
  ready: RenderedItem[];
  invalid: RenderedItem[];
  missing: { id: string; error: string }[];
  changes: string;
  /** Tickets left out because they already got the message (listed on stderr before). */
  repeats?: number;
}

/** What is about to happen: count, the first rendered reply, the changes, what will be skipped. */
export function replyPreviewText(p: ReplyPreview, c: ChalkInstance, width: number): string {
  const lines: string[] = [];
  const one = p.ready.length === 1;
  const what = p.public ? (one ? 'public reply' : 'public replies') : one ? 'internal note' : 'internal notes';
  lines.push(`${c.bold(`${p.ready.length} ${what}`)} from template '${p.template}'${p.changes ? `, then ${p.changes}` : ''}`);
  const first = p.ready[0];
  if (first) {
    const r = first.ticket.requester;
    lines.push(c.dim(wrapText(`First one, to #${first.ticket.id} ${r.name}${r.email ? ` <${r.email}>` : ''}: ${first.ticket.subject}`, width)));
    lines.push(rule(c, width), wrapText(first.body!.trimEnd(), Math.min(width, 80)), rule(c, width));
  }
  const skipped = p.invalid.length + p.missing.length;
  if (skipped) {
    const ids = [...p.invalid.map((i) => i.ticket.id), ...p.missing.map((m) => m.id)];
    const shown = ids.slice(0, 8).map((id) => `#${id}`).join(', ') + (ids.length > 8 ? `, … (${ids.length - 8} more)` : '');
    lines.push(c.yellow(`${skipped} ticket${skipped === 1 ? '' : 's'} will be skipped: ${shown}`));
  }
  if (p.repeats) lines.push(c.yellow(`${p.repeats} ticket${p.repeats === 1 ? '' : 's'} already got this message and will be skipped (--allow-repeat sends anyway)`));
  return lines.join('\n');
}

/** Lines saying which tickets cannot be sent and why: grouped by missing variable, else one per ticket; at most `max`. */
export function failureLines(invalid: RenderedItem[], missing: { id: string; error: string }[], max = 10): string[] {
  const byVariable = new Map<string, string[]>();
  const other: string[] = missing.map((m) => `  #${m.id}: ${m.error}`);
  for (const i of invalid) {
    if (i.variable) byVariable.set(i.variable, [...(byVariable.get(i.variable) ?? []), i.ticket.id]);
    else other.push(`  #${i.ticket.id}: ${i.error}`);
  }
  const grouped = [...byVariable].map(([v, ids]) => {
    const shown = ids.slice(0, 8).map((id) => `#${id}`).join(', ');
    return `  {{ ${v} }} has no value on ${ids.length} ticket${ids.length === 1 ? '' : 's'}: ${shown}${ids.length > 8 ? `, ... (${ids.length - 8} more)` : ''}`;
  });
  const all = [...grouped, ...other];
  return all.length > max ? [...all.slice(0, max), `  ... and ${all.length - max} more`] : all;
}

export interface DryRunRow {
  ticketId: string;
  requester: Person | null;
  subject: string;
  result: 'ready' | 'invalid' | 'not found' | 'skipped';
  body: string | null;
  error: string | null;
  variable: string | null;
}

const requesterText = (p: Person | null) => (p ? (p.email ?? p.name) : '');

export const dryRunSpec: ListSpec<DryRunRow> = {
  columns: [
    { key: 'ticketId', header: 'ticket', value: (r) => r.ticketId, cell: (r, c) => c.cyan(`#${r.ticketId}`), aliases: ['ticket'] },
    { key: 'requester', header: 'requester', value: (r) => r.requester, csv: (r) => requesterText(r.requester), cell: (r) => requesterText(r.requester), flex: true, min: 14 },
    { key: 'subject', header: 'subject', value: (r) => r.subject, flex: true, min: 16 },
    { key: 'result', header: 'result', value: (r) => r.result, cell: (r, c) => (r.result === 'ready' ? c.green(r.result) : c.red(r.result)) },
    { key: 'detail', header: 'detail', value: (r) => r.error ?? (r.body ?? '').replace(/\s+/g, ' '), cell: (r, c) => (r.error ? c.red(r.error) : c.dim((r.body ?? '').replace(/\s+/g, ' '))), flex: true, min: 16 },
    { key: 'body', header: 'body', value: (r) => r.body },
    { key: 'error', header: 'error', value: (r) => r.error },
    { key: 'variable', header: 'variable', value: (r) => r.variable },
  ],
  defaultFields: ['ticketId', 'requester', 'subject', 'result', 'detail'],
  toJson: (r) => ({ ticketId: r.ticketId, requester: r.requester, subject: r.subject, result: r.result, body: r.body, error: r.error, variable: r.variable }),
};

export function jobJson(job: JobRecord, r?: Pick<ExecuteResult, 'counts' | 'run'>) {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    template: job.template,
    public: job.kind === 'reply' ? job.public : null,
    changes: job.patch,
    selection: job.selection,
    total: job.total,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    ...(r ? { counts: r.counts, thisRun: r.run } : {}),
  };
}

/** " (run by process 4242 on laptop)" while a process holds the job, for `bulk status JOB`. */
export const runBy = (job: JobRecord): string => (job.state === 'running' && job.owner ? ` (run by ${ownerLabel(job.owner)})` : '');

const jobWhat = (job: JobRecord) => (job.kind === 'reply' ? `${job.template}${describePatch(job.patch) ? ` (${describePatch(job.patch)})` : ''}` : describePatch(job.patch));

export interface JobRow {
  job: JobRecord;
  counts: ItemCounts;
}

export const jobListSpec: ListSpec<JobRow> = {
  columns: [
    { key: 'id', header: 'job', value: (r) => r.job.id, cell: (r, c) => c.cyan(r.job.id) },
    { key: 'kind', header: 'kind', value: (r) => r.job.kind, hideBelow: 100 },
    { key: 'what', header: 'what', value: (r) => jobWhat(r.job), flex: true, min: 14 },
    {
      key: 'state',
      header: 'state',
      value: (r) => r.job.state,
      cell: (r, c) =>
        r.job.state === 'done' ? c.green(r.job.state) : ['interrupted', 'running', 'unsettled'].includes(r.job.state) ? c.yellow(r.job.state) : c.red(r.job.state),
    },
    { key: 'total', header: 'total', value: (r) => r.job.total, align: 'right' },
    { key: 'counts.done', header: 'done', value: (r) => r.counts.done, align: 'right', aliases: ['done'] },
    { key: 'counts.failed', header: 'failed', value: (r) => r.counts.failed, align: 'right', aliases: ['failed'] },
    { key: 'counts.unknown', header: 'unknown', value: (r) => r.counts.unknown, align: 'right', hideBelow: 100, aliases: ['unknown'] },
    { key: 'counts.skipped', header: 'skipped', value: (r) => r.counts.skipped, align: 'right', aliases: ['skipped'] },
    { key: 'counts.open', header: 'open', value: (r) => openCount(r.counts) - r.counts.unknown, align: 'right', aliases: ['open'] },
    { key: 'createdAt', header: 'created', value: (r) => r.job.createdAt, cell: (r, c) => c.dim(r.job.createdAt.slice(5, 16).replace('T', ' ')), aliases: ['created'] },
    { key: 'finishedAt', header: 'finished', value: (r) => r.job.finishedAt },
    { key: 'template', header: 'template', value: (r) => r.job.template },
    { key: 'selection', header: 'selection', value: (r) => r.job.selection },
    { key: 'counts', header: 'counts', value: (r) => r.counts },
  ],
  defaultFields: ['id', 'kind', 'what', 'state', 'total', 'counts.done', 'counts.failed', 'counts.unknown', 'counts.skipped', 'counts.open', 'createdAt'],
  toJson: (r) => ({ ...jobJson(r.job), what: jobWhat(r.job), counts: { ...r.counts, open: openCount(r.counts) - r.counts.unknown } }),
  emptyMessage: 'No bulk jobs yet in this profile.',
};

const itemResult = (i: ItemRecord): string =>
  i.state === 'done' ? (i.recovered ? 'done (found on resume)' : 'done') : i.state === 'intent' ? 'unconfirmed' : i.state === 'unknown' ? 'outcome unknown' : i.state;

export const itemListSpec: ListSpec<ItemRecord> = {
  columns: [
    { key: 'ticketId', header: 'ticket', value: (i) => i.ticketId, cell: (i, c) => c.cyan(`#${i.ticketId}`), aliases: ['ticket'] },
    {
      key: 'state',
      header: 'state',
      value: (i) => i.state,
      cell: (i, c) => (i.state === 'done' ? c.green(itemResult(i)) : i.state === 'failed' ? c.red(itemResult(i)) : c.yellow(itemResult(i))),
    },
    { key: 'attempts', header: 'tries', value: (i) => i.attempts, align: 'right' },
    { key: 'commentId', header: 'comment', value: (i) => i.commentId, aliases: ['comment'] },
    { key: 'recovered', header: 'recovered', value: (i) => i.recovered },
    { key: 'intentAt', header: 'intent at', value: (i) => i.intentAt },
    { key: 'repliedAt', header: 'replied at', value: (i) => i.repliedAt },
    // the table shows when the item last moved: its outcome, else its intent
    { key: 'outcomeAt', header: 'at', value: (i) => i.outcomeAt, cell: (i) => (i.outcomeAt ?? i.intentAt ?? '').slice(0, 19).replace('T', ' '), aliases: ['at'] },
    { key: 'error', header: 'error', value: (i) => i.error, flex: true },
    { key: 'body', header: 'body', value: (i) => i.body },
  ],
  defaultFields: ['ticketId', 'state', 'attempts', 'commentId', 'outcomeAt', 'error'],
  toJson: (i) => ({ ticketId: i.ticketId, state: i.state, attempts: i.attempts, commentId: i.commentId, recovered: i.recovered, intentAt: i.intentAt, repliedAt: i.repliedAt, outcomeAt: i.outcomeAt, error: i.error, changes: i.changes }),
};

/** The end-of-run summary for a terminal. */
export function summaryText(r: ExecuteResult, c: ChalkInstance, failed: ItemRecord[], unknown: ItemRecord[] = []): string {
  const j = r.job;
  const verb = j.kind === 'reply' ? (j.public ? 'replies sent' : 'notes added') : 'tickets updated';
  const rows: [string, number, (s: string) => string][] = [
    [verb, r.run.sent, c.green],
    ['already sent (found on the ticket)', r.run.recovered, c.green],
    ['failed', r.counts.failed, c.red],
    ['outcome unknown (not sent again; resume checks the ticket)', r.counts.unknown, c.yellow],
    ['skipped (already sent, not rendered or not found)', r.counts.skipped, c.yellow],
    ['not reached (resume to continue)', openCount(r.counts) - r.counts.unknown, c.yellow],
  ];
  const shown = rows.filter(([label, n]) => n > 0 || label === verb);
  const ok = j.state === 'done' && !r.counts.failed && !r.counts.skipped;
  const mark = ok ? c.green('✓') : r.counts.failed ? c.red('✗') : c.yellow('!');
  const lines = [`${mark} ${c.bold(`Job ${j.id}`)}: ${j.state} (${j.total} ticket${j.total === 1 ? '' : 's'}${j.template ? `, template '${j.template}'` : ''})`];
  const digits = Math.max(...shown.map(([, n]) => String(n).length));
  for (const [label, n, paint] of shown) lines.push(`  ${(n > 0 ? paint : (s: string) => s)(String(n).padStart(digits))} ${label}`);
  if (failed.length) {
    lines.push('', c.bold('Failed:'));
    for (const f of failed.slice(0, 20)) lines.push(`  #${f.ticketId}  ${f.error ?? ''}`);
    if (failed.length > 20) lines.push(`  ... and ${failed.length - 20} more (deskctl bulk status ${j.id})`);
  }
  if (unknown.length) {
    lines.push('', c.bold('Outcome unknown') + c.dim(` (the helpdesk did not confirm and the reply was not seen; check with: deskctl bulk resume ${j.id})`));
    for (const f of unknown.slice(0, 20)) lines.push(`  #${f.ticketId}  ${f.error ?? ''}`);
    if (unknown.length > 20) lines.push(`  ... and ${unknown.length - 20} more (deskctl bulk status ${j.id})`);
  }
  return lines.join('\n');
}
