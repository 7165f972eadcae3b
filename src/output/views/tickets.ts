import type { ChalkInstance } from 'chalk';
import type { Comment, Priority, Status, Ticket } from '../../domain/model.js';
import { displayName } from '../../domain/model.js';
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

/** 1536 -> "1.5 KB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const personName = (p: { name: string } | null | undefined) => p?.name ?? null;

/**
 * Ticket fields for --fields and --json: each key is a path into the ticket's JSON (docs/json.md),
 * so `--fields requester.email` and `.requester.email` in the full JSON are the same value.
 */
export function ticketColumns(now: () => Date): Column<Ticket>[] {
  return [
    { key: 'id', header: 'id', value: (t) => t.id, cell: (t, c) => c.cyan(`#${t.id}`), align: 'right', keep: true },
    { key: 'status', header: 'status', value: (t) => t.status, cell: (t, c) => statusText(t.status, c), keep: true },
    { key: 'priority', header: 'priority', value: (t) => t.priority, cell: (t, c) => priorityText(t.priority, c) },
    { key: 'subject', header: 'subject', value: (t) => t.subject, flex: true, min: 16, shrinkFirst: true, keep: true },
    { key: 'requester', header: 'requester', value: (t) => t.requester, csv: (t) => displayName(t.requester), cell: (t) => displayName(t.requester), flex: true, min: 12 },
    { key: 'requester.name', header: 'requester', value: (t) => t.requester.name, flex: true },
    { key: 'requester.email', header: 'requester email', value: (t) => t.requester.email ?? null, flex: true, aliases: ['requester_email'] },
    {
      key: 'assignee',
      header: 'assignee',
      value: (t) => t.assignee ?? null,
      csv: (t) => personName(t.assignee),
      cell: (t, c) => t.assignee?.name ?? c.dim('unassigned'),
      flex: true,
      min: 10,
    },
    { key: 'assignee.name', header: 'assignee', value: (t) => personName(t.assignee), flex: true },
    { key: 'assignee.email', header: 'assignee email', value: (t) => t.assignee?.email ?? null, aliases: ['assignee_email'] },
    { key: 'group', header: 'group', value: (t) => t.group ?? null },
    { key: 'channel', header: 'channel', value: (t) => t.channel, hideBelow: 100 },
    { key: 'tags', header: 'tags', value: (t) => t.tags, cell: (t) => t.tags.join(' '), flex: true },
    { key: 'createdAt', header: 'created', value: (t) => t.createdAt, cell: (t, c) => c.dim(relativeTime(t.createdAt, now())), aliases: ['created'] },
    { key: 'updatedAt', header: 'updated', value: (t) => t.updatedAt, cell: (t, c) => c.dim(relativeTime(t.updatedAt, now())), aliases: ['updated'] },
    { key: 'firstResponseAt', header: 'first response', value: (t) => t.firstResponseAt ?? null, cell: (t) => shortDate(t.firstResponseAt), aliases: ['first_response'] },
    { key: 'solvedAt', header: 'solved', value: (t) => t.solvedAt ?? null, cell: (t) => shortDate(t.solvedAt), aliases: ['solved'] },
    { key: 'reopenCount', header: 'reopens', value: (t) => t.reopenCount, align: 'right', aliases: ['reopens'] },
    { key: 'customFields', header: 'custom fields', value: (t) => t.customFields },
    { key: 'url', header: 'url', value: (t) => t.url ?? null },
  ];
}

export function ticketListSpec(now: () => Date, extra: Column<Ticket>[] = []): ListSpec<Ticket> {
  const columns = [...ticketColumns(now), ...extra];
  return {
    columns,
    defaultFields: ['id', 'status', 'priority', 'subject', 'requester', 'assignee', 'channel', 'updatedAt'],
    toJson: ticketJson,
    emptyMessage: 'No tickets match.',
    // custom fields are addressable as customFields.<name> (or the short cf.<name>), e.g. --fields id,cf.order_number
    dynamic: (key) => {
      const m = /^(?:cf|customFields)\.(.+)$/.exec(key);
      return m ? customFieldColumn(m[1]!) : undefined;
    },
  };
}

/**
 * `tickets show`: the ticket and its conversation. Without --fields the JSON is {ticket, comments};
 * --fields picks ticket fields and `comments` into one object (like `gh issue view --json`).
 */
export function ticketShowSpec(now: () => Date): ListSpec<Ticket & { comments: Comment[] }> {
  const base = ticketListSpec(now) as unknown as ListSpec<Ticket & { comments: Comment[] }>;
  return {
    ...base,
    columns: [...base.columns, { key: 'comments', header: 'comments', value: (t) => t.comments }],
    toJson: (t) => {
      const { comments, ...ticket } = t;
      return { ticket: ticketJson(ticket), comments };
    },
  };
}

/** `bulk update --dry-run`: the selected tickets and the change each would get. */
export function bulkUpdateDryRunSpec(now: () => Date, change: string): ListSpec<Ticket> {
  const base = ticketListSpec(now, [{ key: 'change', header: 'change', value: () => change, flex: true, min: 16, hideBelow: 120 }]);
  return { ...base, defaultFields: ['id', 'subject', 'status', 'priority', 'assignee', 'change'], toJson: (t) => ({ ...ticketJson(t), change }) };
}

const SORT_COLUMNS: Record<string, string> = { created: 'createdAt', updated: 'updatedAt' };

/**
 * The column a list is sorted by stays in the table however narrow the terminal (added to the
 * default columns when it is not one of them): a list sorted by urgency shows the urgency.
 */
export function withSortColumn(spec: ListSpec<Ticket>, sortField: string | undefined): ListSpec<Ticket> {
  if (!sortField) return spec;
  const key = SORT_COLUMNS[sortField] ?? sortField;
  if (!spec.columns.some((c) => c.key === key)) return spec;
  const columns = spec.columns.map((c) => (c.key === key ? { ...c, keep: true } : c));
  const defaultFields = spec.defaultFields.includes(key) ? spec.defaultFields : [...spec.defaultFields, key];
  return { ...spec, columns, defaultFields };
}

export function customFieldColumn(name: string): Column<Ticket> {
  return { key: `customFields.${name}`, header: name, value: (t) => (t.customFields[name] as unknown) ?? null };
}

/** Header and conversation of one ticket, for `tickets show` on a terminal. */
export function renderTicketDetail(t: Ticket, comments: Comment[], c: ChalkInstance, now: Date, width: number): string {
  const lines: string[] = [];
  lines.push(`${c.bold(t.subject)} ${c.cyan(`#${t.id}`)}`);
  lines.push(
    `${statusText(t.status, c)} · ${priorityText(t.priority, c)} priority · ${t.channel} · ` +
      `${t.requester.name || t.requester.id}${t.requester.email ? ` <${t.requester.email}>` : ''}`,
  );
  const assigned = t.assignee ? `${t.assignee.name}${t.group ? ` (${t.group})` : ''}` : c.dim(`unassigned${t.group ? ` (${t.group})` : ''}`);
  lines.push(`Assignee: ${assigned} · created ${relativeTime(t.createdAt, now)} · updated ${relativeTime(t.updatedAt, now)}`);
  if (t.tags.length) lines.push(`Tags: ${t.tags.map((x) => c.dim(x)).join(' ')}`);
  const fields = Object.entries(t.customFields).filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length));
  if (fields.length) lines.push(`Fields: ${fields.map(([k, v]) => `${k}=${String(v)}`).join('  ')}`);
  if (t.url) lines.push(c.dim(t.url));
  const rule = c.dim('─'.repeat(Math.max(20, Math.min(width, 100))));
  for (const cm of comments) {
    lines.push('', rule);
    const who = cm.authorRole === 'customer' ? c.bold(displayName(cm.author)) : c.bold.blue(displayName(cm.author));
    const kind = cm.public ? (cm.authorRole === 'customer' ? 'customer' : 'reply') : c.bgYellow.black(' internal note ');
    lines.push(`${who} ${c.dim('·')} ${kind} ${c.dim(`· ${shortDate(cm.createdAt)} (${relativeTime(cm.createdAt, now)})`)}`);
    lines.push('');
    const textWidth = Math.min(width, 100);
    lines.push(cm.public ? wrapText(cm.body, textWidth) : wrapText(cm.body, textWidth - 2).split('\n').map((l) => `${c.yellow('│')} ${l}`).join('\n'));
    for (const a of cm.attachments ?? []) lines.push(c.dim(`Attachment: ${a.name} (${[a.contentType, a.size === null ? null : formatBytes(a.size)].filter(Boolean).join(', ') || 'unknown type'})`));
  }
  if (!comments.length) lines.push('', c.dim('No conversation yet.'));
  return lines.join('\n');
}
