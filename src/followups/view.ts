import type { ChalkInstance } from 'chalk';
import type { ListSpec } from '../output/format.js';
import { relativeTime } from '../output/time.js';
import type { ItemResult, RunSummary } from './runner.js';
import type { FollowUp, FollowUpState } from './store.js';
import { formatInZone, systemTimeZone } from './when.js';

const stateText = (s: FollowUpState | string, c: ChalkInstance): string => {
  switch (s) {
    case 'scheduled':
      return c.cyan(s);
    case 'sending':
      return c.magenta(s);
    case 'sent':
    case 'would-send':
      return c.green(s);
    case 'skipped':
    case 'would-skip':
      return c.yellow(s);
    case 'failed':
    case 'would-fail':
      return c.red(s);
    case 'unknown':
      return c.yellow(s);
    default:
      return c.dim(s);
  }
};

const whatText = (f: { template: string | null }, actions?: FollowUp['actions']): string => {
  const parts: string[] = [];
  if (f.template) parts.push(f.template);
  if (actions?.setStatus) parts.push(`→${actions.setStatus}`);
  if (actions?.addTags.length) parts.push(actions.addTags.map((t) => `+${t}`).join(' '));
  return parts.join(' ') || '-';
};

export function followupJson(f: FollowUp): Record<string, unknown> {
  return { ...f };
}

/** Follow-ups as a list; due times shown in `displayTz` (the viewer's zone; each item keeps its own in --fields tz). */
export function followupListSpec(now: () => Date, displayTz = systemTimeZone()): ListSpec<FollowUp> {
  return {
    columns: [
      { key: 'id', header: 'ID', value: (f) => f.id, cell: (f, c) => c.cyan(`#${f.id}`), align: 'right' },
      { key: 'ticketId', header: 'TICKET', value: (f) => f.ticketId, aliases: ['ticket'] },
      { key: 'template', header: 'TEMPLATE', value: (f) => f.template, cell: (f) => whatText(f, f.actions) },
      { key: 'dueAt', aliases: ['due'], header: `DUE (${displayTz})`, value: (f) => f.dueAt, cell: (f) => `${formatInZone(new Date(f.dueAt), displayTz).replace(/ \S+$/, '')} (${relativeTime(f.dueAt, now())})` },
      { key: 'tz', header: 'TZ', value: (f) => f.tz },
      { key: 'state', header: 'STATE', value: (f) => f.state, cell: (f, c) => stateText(f.state, c) },
      { key: 'reason', header: 'REASON', value: (f) => f.reason, cell: (f, c) => c.dim(f.actionError ? `${f.reason ?? 'sent'}; action failed: ${f.actionError}` : (f.reason ?? '')), flex: true },
      { key: 'scheduledAt', aliases: ['scheduled'], header: 'SCHEDULED', value: (f) => f.scheduledAt, cell: (f) => relativeTime(f.scheduledAt, now()) },
      { key: 'source', header: 'SOURCE', value: (f) => f.source },
      { key: 'commentId', header: 'COMMENT', value: (f) => f.commentId, aliases: ['comment'] },
      { key: 'actionError', header: 'ACTION ERROR', value: (f) => f.actionError },
      { key: 'sentAt', header: 'SENT', value: (f) => f.sentAt },
      { key: 'note', header: 'NOTE', value: (f) => f.note },
      { key: 'conditions', header: 'CONDITIONS', value: (f) => f.conditions },
      { key: 'actions', header: 'ACTIONS', value: (f) => f.actions },
    ],
    defaultFields: ['id', 'ticketId', 'template', 'dueAt', 'state', 'reason'],
    toJson: followupJson,
    emptyMessage: 'No follow-ups match.',
  };
}

export function runItemListSpec(): ListSpec<ItemResult> {
  return {
    columns: [
      { key: 'id', header: 'ID', value: (r) => r.id, cell: (r, c) => c.cyan(`#${r.id}`), align: 'right' },
      { key: 'ticketId', header: 'TICKET', value: (r) => r.ticketId, aliases: ['ticket'] },
      { key: 'template', header: 'TEMPLATE', value: (r) => r.template, cell: (r) => r.template ?? '-' },
      { key: 'dueAt', header: 'DUE', value: (r) => r.dueAt },
      { key: 'outcome', header: 'OUTCOME', value: (r) => r.outcome, cell: (r, c) => stateText(r.outcome, c) },
      { key: 'reason', header: 'REASON', value: (r) => r.reason, cell: (r, c) => c.dim([r.reason, r.actionError && `action failed: ${r.actionError}`].filter(Boolean).join('; ')), flex: true },
      { key: 'commentId', header: 'COMMENT', value: (r) => r.commentId, aliases: ['comment'] },
    ],
    defaultFields: ['id', 'ticketId', 'template', 'outcome', 'reason'],
    emptyMessage: 'Nothing was due.',
  };
}

/** The one line `followup run` prints (for cron logs). */
export function runSummaryLine(s: RunSummary): string {
  const later = s.pending ? `; ${s.pending} scheduled later (next ${s.nextDueAt})` : '; none scheduled later';
  if (s.lockedBy) {
    return `followup run ${s.now}: another run holds the lock (pid ${s.lockedBy.pid} on ${s.lockedBy.host} since ${s.lockedBy.acquiredAt}); nothing done${later}`;
  }
  if (s.dryRun) {
    const n = (o: string) => s.items.filter((i) => i.outcome === o).length;
    return `followup run --dry-run ${s.now}: ${n('would-send')} would be sent, ${n('would-skip')} skipped, ${n('would-fail')} would fail; nothing sent${later}`;
  }
  const extra = [
    s.recovered ? `${s.recovered} found already sent by an interrupted run` : '',
    s.actionErrors ? `${s.actionErrors} sent but a ticket change afterwards failed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const unknown = s.unknown ? `, ${s.unknown} outcome unknown` : '';
  return `followup run ${s.now}: ${s.sent} sent, ${s.skipped} skipped, ${s.failed} failed${unknown}${extra ? ` (${extra})` : ''}${later}`;
}

/**
 * What went wrong in a run, in the terms of its JSON: `failed` (not sent), `unknown` (outcome unknown, not sent
 * again) and `actionErrors` (sent, but a ticket change afterwards failed), each with the list that shows them.
 */
export function runProblems(s: RunSummary): { message: string; hint: string } {
  const n = s.items.length;
  const parts: string[] = [];
  const look: string[] = [];
  if (s.failed) {
    parts.push(`${s.failed} of ${n} due follow-ups failed`);
    look.push("'deskctl followup list --status failed' (they are not retried automatically; requeue with 'deskctl followup retry')");
  }
  if (s.unknown) {
    parts.push(`${s.unknown} of ${n} due follow-ups have an unknown outcome (not sent again)`);
    look.push("'deskctl followup list --status unknown' (the next run checks those tickets before sending)");
  }
  if (s.actionErrors) {
    parts.push(`${s.actionErrors} of ${n} due follow-ups were sent, but a ticket change afterwards failed`);
    look.push("'deskctl followup list --status action-failed'");
  }
  return { message: parts.join('; '), hint: `see ${look.join(' and ')}` };
}

/** `followup show` on a terminal. */
export function renderFollowupDetail(f: FollowUp, c: ChalkInstance, now: Date): string {
  const lines: string[] = [];
  lines.push(`${c.bold(`Follow-up #${f.id}`)} ${c.dim('·')} ticket ${c.cyan(f.ticketId)} ${c.dim('·')} ${stateText(f.state, c)}`);
  lines.push(`Template:   ${f.template ?? c.dim('none (actions only)')}${f.templateFile ? c.dim(`  (${f.templateFile})`) : ''}`);
  lines.push(`Due:        ${formatInZone(new Date(f.dueAt), f.tz)}  ${c.dim(`${f.dueAt} · ${relativeTime(f.dueAt, now)}`)}`);
  lines.push(`Scheduled:  ${f.scheduledAt}${f.scheduledBy ? ` by ${f.scheduledBy}` : ''}${f.source !== 'followup' ? ` (${f.source})` : ''}`);
  const cond: string[] = [];
  if (f.conditions.unlessReplied) cond.push('skip if the customer replies');
  if (f.conditions.skipIfClosed) cond.push('skip if closed or deleted');
  if (f.conditions.onlyIfStatus?.length) cond.push(`only while ${f.conditions.onlyIfStatus.join('/')}`);
  lines.push(`Conditions: ${cond.join('; ') || c.dim('none')}`);
  const act: string[] = [];
  if (f.actions.setStatus) act.push(`set status ${f.actions.setStatus}`);
  if (f.actions.addTags.length) act.push(`add tags ${f.actions.addTags.join(', ')}`);
  lines.push(`Afterwards: ${act.join('; ') || c.dim('nothing')}`);
  if (f.note) lines.push(`Note:       ${f.note}`);
  if (f.reason) lines.push(`Reason:     ${f.reason}`);
  if (f.sentAt) lines.push(`Sent:       ${f.sentAt}${f.commentId ? ` as comment ${f.commentId}` : ''}`);
  if (f.actionError) lines.push(`${c.red('Action failed:')} ${f.actionError}`);
  if (f.state === 'sending') lines.push(`Claimed:    by ${f.claimedBy} at ${f.claimedAt}`);
  if (f.attempts > 1) lines.push(c.dim(`Attempts:   ${f.attempts}`));
  return lines.join('\n');
}
