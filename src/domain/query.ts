import type { Channel, Priority, Status, Ticket } from './model.js';

export const SORT_FIELDS = ['created', 'updated', 'priority', 'status', 'id', 'subject', 'urgency', 'sla'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface TicketSort {
  field: SortField;
  direction: 'asc' | 'desc';
}

/**
 * A normalized ticket filter. Providers push down what their API can filter on and
 * the shared layer (filterTickets) applies the rest, so every filter works everywhere.
 */
export interface TicketQuery {
  ids?: string[];
  status?: Status[];
  priority?: Priority[];
  channel?: Channel[];
  /** Resolved agent ids; the special value "none" means unassigned. */
  assigneeIds?: string[];
  group?: string[];
  /** Every listed tag must be present. */
  tags?: string[];
  /** None of these tags may be present (--exclude-tag x, --tag '!x'). */
  excludeTags?: string[];
  /** Custom field values, compared as text, case-insensitively (--where cf.order_number=ORD-1). */
  customFields?: Record<string, string>;
  createdSince?: Date;
  createdUntil?: Date;
  updatedSince?: Date;
  updatedUntil?: Date;
  solvedSince?: Date;
  solvedUntil?: Date;
  /**
   * Case-insensitive text in the subject, requester name or email and custom field values; where the
   * helpdesk can search them (the embedded one can), also in the conversation.
   */
  text?: string;
}

export const UNASSIGNED = 'none';

/** A custom field's value as text (lists joined by commas), for filters. */
export const customFieldText = (v: unknown): string =>
  v === null || v === undefined ? '' : Array.isArray(v) ? v.map(customFieldText).join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v);

const inRange = (iso: string | null | undefined, since?: Date, until?: Date): boolean => {
  if (!since && !until) return true;
  if (!iso) return false;
  const t = Date.parse(iso);
  if (since && t < since.getTime()) return false;
  if (until && t >= until.getTime()) return false;
  return true;
};

/** True when the ticket satisfies every filter of the query. Pure; used by every provider. */
export function matchesQuery(ticket: Ticket, q: TicketQuery): boolean {
  if (q.ids && !q.ids.includes(ticket.id)) return false;
  if (q.status && !q.status.includes(ticket.status)) return false;
  if (q.priority && !q.priority.includes(ticket.priority)) return false;
  if (q.channel && !q.channel.includes(ticket.channel)) return false;
  if (q.assigneeIds) {
    const id = ticket.assignee?.id ?? UNASSIGNED;
    if (!q.assigneeIds.includes(id)) return false;
  }
  if (q.group) {
    const g = (ticket.group ?? '').toLowerCase();
    if (!q.group.some((x) => x.toLowerCase() === g)) return false;
  }
  if (q.tags && !q.tags.every((t) => ticket.tags.includes(t))) return false;
  if (q.excludeTags && q.excludeTags.some((t) => ticket.tags.includes(t))) return false;
  if (q.customFields) {
    for (const [name, want] of Object.entries(q.customFields)) {
      if (customFieldText(ticket.customFields[name]).toLowerCase() !== want.toLowerCase()) return false;
    }
  }
  if (!inRange(ticket.createdAt, q.createdSince, q.createdUntil)) return false;
  if (!inRange(ticket.updatedAt, q.updatedSince, q.updatedUntil)) return false;
  if (!inRange(ticket.solvedAt, q.solvedSince, q.solvedUntil)) return false;
  if (q.text) {
    const needle = q.text.toLowerCase();
    const fields = Object.values(ticket.customFields).map(customFieldText).join('\n');
    const hay = `${ticket.subject}\n${ticket.requester.name}\n${ticket.requester.email ?? ''}\n${fields}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

export async function* filterTickets(pages: AsyncIterable<Ticket[]>, q: TicketQuery): AsyncIterable<Ticket[]> {
  for await (const page of pages) {
    const kept = page.filter((t) => matchesQuery(t, q));
    if (kept.length) yield kept;
  }
}

const PRIORITY_RANK: Record<Priority, number> = { none: 0, low: 1, normal: 2, high: 3, urgent: 4 };
const STATUS_RANK: Record<Status, number> = { new: 0, open: 1, pending: 2, on_hold: 3, solved: 4, closed: 5 };

const numericOrText = (a: string, b: string): number => {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
};

/** Comparator for the sort fields that need nothing but the ticket (urgency and sla are scored by triage). */
export function compareTickets(field: SortField, a: Ticket, b: Ticket): number {
  switch (field) {
    case 'created':
      return Date.parse(a.createdAt) - Date.parse(b.createdAt);
    case 'updated':
      return Date.parse(a.updatedAt) - Date.parse(b.updatedAt);
    case 'priority':
      return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority];
    case 'status':
      return STATUS_RANK[a.status] - STATUS_RANK[b.status];
    case 'subject':
      return a.subject.localeCompare(b.subject);
    case 'id':
    default:
      return numericOrText(a.id, b.id);
  }
}

export function sortTickets(tickets: Ticket[], sort: TicketSort, compare = compareTickets): Ticket[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return tickets.sort((a, b) => sign * compare(sort.field, a, b) || numericOrText(a.id, b.id));
}

export { PRIORITY_RANK, STATUS_RANK };
