import type { ChalkInstance } from 'chalk';
import type { Comment, Priority, Status, Ticket } from '../../domain/model.js';
import type { Column, ListSpec } from '../format.js';
import { wrapText } from '../formatters.js';
import { relativeTime, shortDate } from '../time.js';

export function statusText(status: Status, c: ChalkInstance): string {
  const label = status.replace('_', '-');
  switch (status) {
    case 'new':
      return c.yellow(label);
    case 'open':
      return c.red(label);
    case 'pending':
      return c.blue(label);
    case 'on_hold':
      return c.magenta(label);
    case 'solved':
      return c.green(label);
    default:
      return c.dim(label);
  }
}

export function priorityText(priority: Priority, c: ChalkInstance): string {
  switch (priority) {
    case 'urgent':
      return c.bold.red(priority);
    case 'high':
      return c.red(priority);
    case 'normal':
      return priority;
    case 'none':
      return c.dim('-');
    default:
      return c.dim(priority);
  }
}

/** The JSON shape of a ticket for scripts: the domain object without the vendor's raw payload. */
export function ticketJson(t: Ticket): Omit<Ticket, 'raw'> {
  const { raw: _raw, ...rest } = t;
  return rest;
}

export function ticketColumns(now: () => Date): Column<Ticket>[] {
  return [
    { key: 'id', header: 'id', value: (t) => t.id, cell: (t, c) => c.cyan(`#${t.id}`), align: 'right' },
    { key: 'status', header: 'status', value: (t) => t.status, cell: (t, c) => statusText(t.status, c) },
    { key: 'priority', header: 'priority', value: (t) => t.priority, cell: (t, c) => priorityText(t.priority, c) },
    { key: 'subject', header: 'subject', value: (t) => t.subject, flex: true, min: 24 },
    { key: 'requester', header: 'requester', value: (t) => t.requester.name, flex: true },
    { key: 'requester_email', header: 'requester email', value: (t) => t.requester.email ?? null, flex: true },
    { key: 'assignee', header: 'assignee', value: (t) => t.assignee?.name ?? null, cell: (t, c) => t.assignee?.name ?? c.dim('unassigned'), flex: true },
    { key: 'assignee_email', header: 'assignee email', value: (t) => t.assignee?.email ?? null },
    { key: 'group', header: 'group', value: (t) => t.group ?? null },
    { key: 'channel', header: 'channel', value: (t) => t.channel, hideBelow: 100 },
    { key: 'tags', header: 'tags', value: (t) => t.tags, cell: (t) => t.tags.join(' '), flex: true },
    { key: 'created', header: 'created', value: (t) => t.createdAt, cell: (t, c) => c.dim(relativeTime(t.createdAt, now())) },
    { key: 'updated', header: 'updated', value: (t) => t.updatedAt, cell: (t, c) => c.dim(relativeTime(t.updatedAt, now())) },
    { key: 'first_response', header: 'first response', value: (t) => t.firstResponseAt ?? null, cell: (t) => shortDate(t.firstResponseAt) },
    { key: 'solved', header: 'solved', value: (t) => t.solvedAt ?? null, cell: (t) => shortDate(t.solvedAt) },
    { key: 'reopens', header: 'reopens', value: (t) => t.reopenCount, align: 'right' },
    { key: 'url', header: 'url', value: (t) => t.url ?? null },
  ];
}

export function ticketListSpec(now: () => Date, extra: Column<Ticket>[] = []): ListSpec<Ticket> {
  const columns = [...ticketColumns(now), ...extra];
  // custom fields are addressable as cf.<name>, e.g. --fields id,cf.order_number
  return {
    columns,
    defaultFields: ['id', 'status', 'priority', 'subject', 'requester', 'assignee', 'channel', 'updated'],
    toJson: ticketJson,
    emptyMessage: 'No tickets match.',
  };
}

export function customFieldColumn(name: string): Column<Ticket> {
  return { key: `cf.${name}`, header: name, value: (t) => (t.customFields[name] as unknown) ?? null };
}

/** Header and conversation of one ticket, for `tickets show` on a terminal. */
export function renderTicketDetail(t: Ticket, comments: Comment[], c: ChalkInstance, now: Date, width: number): string {
  const lines: string[] = [];
  lines.push(`${c.bold(t.subject)} ${c.cyan(`#${t.id}`)}`);
  lines.push(
    `${statusText(t.status, c)} · ${priorityText(t.priority, c)} priority · ${t.channel} · ` +
      `${t.requester.name}${t.requester.email ? ` <${t.requester.email}>` : ''}`,
  );
  const assigned = t.assignee ? `${t.assignee.name}${t.group ? ` (${t.group})` : ''}` : c.dim(`unassigned${t.group ? ` (${t.group})` : ''}`);
  lines.push(`Assignee: ${assigned} · created ${relativeTime(t.createdAt, now)} · updated ${relativeTime(t.updatedAt, now)}`);
  if (t.tags.length) lines.push(`Tags: ${t.tags.map((x) => c.dim(x)).join(' ')}`);
  const fields = Object.entries(t.customFields).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (fields.length) lines.push(`Fields: ${fields.map(([k, v]) => `${k}=${String(v)}`).join('  ')}`);
  if (t.url) lines.push(c.dim(t.url));
  const rule = c.dim('─'.repeat(Math.max(20, Math.min(width, 100))));
  for (const cm of comments) {
    lines.push('', rule);
    const who = cm.authorRole === 'customer' ? c.bold(cm.author.name) : c.bold.blue(cm.author.name);
    const kind = cm.public ? (cm.authorRole === 'customer' ? 'customer' : 'reply') : c.bgYellow.black(' internal note ');
    lines.push(`${who} ${c.dim('·')} ${kind} ${c.dim(`· ${shortDate(cm.createdAt)} (${relativeTime(cm.createdAt, now)})`)}`);
    lines.push('');
    const textWidth = Math.min(width, 100);
    lines.push(cm.public ? wrapText(cm.body, textWidth) : wrapText(cm.body, textWidth - 2).split('\n').map((l) => `${c.yellow('│')} ${l}`).join('\n'));
  }
  if (!comments.length) lines.push('', c.dim('No conversation yet.'));
  return lines.join('\n');
}
