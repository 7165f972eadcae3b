import type { ChalkInstance } from 'chalk';
import type { Comment, Ticket } from '../domain/model.js';
import { displayName } from '../domain/model.js';
import { plural, truncate, visibleLength, wrapText } from '../output/formatters.js';
import { relativeTime } from '../output/time.js';
import { priorityText, statusText } from '../output/views/tickets.js';
import { describeChange, type Change } from './plan.js';
import { describeSentiment, stripQuoted } from './sentiment.js';
import { describeSla } from './sla.js';
import type { TicketScore } from './urgency.js';

/** Text of the triage walk: the ticket card and the end-of-session summary. Pure (returns strings). */

const wrap = (text: string, width: number, indent: string): string => wrapText(text, width + indent.length, indent);

/**
 * `head` then `text` flowed word by word to `width`; continuation lines are indented by `indent`
 * spaces (a hanging indent under the label). `paint` colours the flowed text.
 */
function flow(head: string, text: string, width: number, indent: number, paint: (s: string) => string): string {
  if (!text) return head.replace(/\s+$/, '');
  const out: string[] = [];
  let line = '';
  let room = width - visibleLength(head);
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > room) {
      out.push(paint(line));
      line = word;
      room = width - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(paint(line));
  return head + out.join(`\n${' '.repeat(indent)}`);
}

/** Joins parts with `sep`, starting a new line between parts rather than overflowing `width`. */
function pushParts(lines: string[], parts: string[], sep: string, width: number): void {
  let line = '';
  for (const whole of parts) {
    const part = visibleLength(whole) > width ? truncate(whole, width) : whole;
    if (line && visibleLength(line) + visibleLength(sep) + visibleLength(part) > width) {
      lines.push(line);
      line = part;
    } else line = line ? `${line}${sep}${part}` : part;
  }
  if (line) lines.push(line);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface CardInput {
  ticket: Ticket;
  score: TicketScore;
  comments: readonly Comment[];
  position: number;
  total: number;
  now: Date;
  color: ChalkInstance;
  width: number;
  /** How many latest messages to show. */
  messages?: number;
}

export function renderCard(i: CardInput): string {
  const { ticket: t, score: s, color: c } = i;
  const width = Math.max(40, Math.min(i.width, 110));
  const rule = c.dim('─'.repeat(width));
  const lines: string[] = [];
  lines.push(rule);
  lines.push(`${c.dim(`[${i.position}/${i.total}]`)} ${c.cyan(`#${t.id}`)} ${c.bold(t.subject)}`);
  pushParts(
    lines,
    [
      statusText(t.status, c),
      priorityText(t.priority, c),
      t.channel,
      `from ${t.requester.name || t.requester.id}${t.requester.email ? ` <${t.requester.email}>` : ''}`,
      t.customFields.tier ? `tier ${String(t.customFields.tier)}` : '',
    ]
      .filter(Boolean),
    c.dim(' · '),
    width,
  );
  pushParts(
    lines,
    [
      `assignee ${t.assignee?.name ?? c.dim('none')}`,
      `group ${t.group ?? c.dim('none')}`,
      t.tags.length ? `tags ${t.tags.join(' ')}` : '',
      `created ${relativeTime(t.createdAt, i.now)}`,
    ]
      .filter(Boolean),
    c.dim(' · '),
    width,
  );
  const sla = describeSla(s.sla);
  const slaText = s.sla.state === 'breached' ? c.red(sla) : s.sla.state === 'at_risk' ? c.yellow(sla) : sla;
  lines.push(`${c.bold('SLA')}      ${slaText}`);
  const u = s.urgency;
  const level = u.level === 'critical' ? c.bold.red(u.level) : u.level === 'high' ? c.red(u.level) : u.level === 'medium' ? c.yellow(u.level) : c.dim(u.level);
  const reasons = u.reasons.map((r) => `${r.text} (${r.points > 0 ? '+' : ''}${r.points})`).join(', ');
  lines.push(flow(`${c.bold('Urgency')}  ${u.score} ${level}  `, reasons, width, 9, c.dim));
  const mood = describeSentiment(s.sentiment);
  const paint = s.sentiment.label === 'negative' ? c.red : s.sentiment.label === 'positive' ? c.green : (x: string) => x;
  lines.push(flow(`${c.bold('Mood')}     `, `${mood}${s.sentimentSource === 'subject' ? ' (from the subject)' : ''}`, width, 9, paint));
  const shown = i.comments.slice(-(i.messages ?? 3));
  if (i.comments.length > shown.length) lines.push(c.dim(`  … ${plural(i.comments.length - shown.length, 'earlier message')}`));
  for (const m of shown) {
    const name = displayName(m.author);
    const who = m.authorRole === 'customer' ? c.green(name) : m.public ? c.blue(name) : c.yellow(`${name} (internal note)`);
    lines.push(`${who} ${c.dim(relativeTime(m.createdAt, i.now))}`);
    lines.push(wrap(clip(stripQuoted(m.body) || m.body, 600), width - 4, '    '));
  }
  if (!i.comments.length) lines.push(c.dim('  (no messages)'));
  lines.push(rule);
  return lines.join('\n');
}

export interface WalkAction {
  ticketId: string;
  action: string;
  detail: string;
}

export function renderSummary(actions: readonly WalkAction[], seen: number, total: number, c: ChalkInstance): string {
  const acted = new Set(actions.map((a) => a.ticketId));
  const lines = [c.bold(`Triage summary: ${seen} of ${plural(total, 'ticket')} seen, ${acted.size} changed, ${plural(actions.length, 'action')}`)];
  for (const a of actions) lines.push(`  ${c.cyan(`#${a.ticketId}`)} ${a.action}: ${a.detail}`);
  return lines.join('\n');
}

/** One line for a triage_log entry's detail (apply logs changes, the walk logs text or small objects). */
export function describeLogDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((d) => (d && typeof d === 'object' && 'kind' in d ? describeChange(d as Change) : String(d))).join('; ');
  if (typeof detail === 'object') {
    return Object.entries(detail as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(' ') : String(v)}`)
      .join(', ');
  }
  return String(detail);
}
