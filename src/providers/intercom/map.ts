import type { Channel, Comment, Group, Person, Rating, Status, Ticket } from '../../domain/model.js';
import type { TicketQuery } from '../../domain/query.js';
import { UNASSIGNED } from '../../domain/query.js';
import type { IcAdmin, IcAuthor, IcConversation, IcPart, IcTicket } from './schemas.js';
import { htmlToText } from '../front/map.js';

/**
 * Intercom REST 2.14 JSON <-> deskctl domain. Pure functions; the provider (index.ts) does the I/O.
 *
 * Status (read):  open -> open; snoozed -> pending; closed -> solved.
 * Status (write): new | open -> "open" part; pending | on_hold -> "snoozed" part (snoozed_until);
 *                 solved | closed -> "close" part.
 * Priority: the `priority` flag only: priority -> high, not_priority -> none (read-only in 2.14).
 * Channel:  source.type: conversation (Messenger) -> chat, email -> email, phone_call/phone_switch -> phone,
 *           facebook/instagram/twitter/whatsapp -> social, sms/push -> other.
 */

export const REGION_HOSTS = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
} as const;
export type IntercomRegion = keyof typeof REGION_HOSTS;

export const INTERCOM_VERSION = '2.14';

export const isoFromSeconds = (s: number): string => new Date(Math.round(s * 1000)).toISOString();
export const secondsFromDate = (d: Date): number => Math.floor(d.getTime() / 1000);

export function intercomStateToDomain(state: string | null | undefined, open?: boolean | null): Status {
  switch (state) {
    case 'snoozed':
      return 'pending';
    case 'closed':
      return 'solved';
    case 'open':
      return 'open';
    default:
      return open === false ? 'solved' : 'open';
  }
}

export type IntercomStateWrite = 'open' | 'snoozed' | 'close';

export function domainStatusToIntercom(status: Status): IntercomStateWrite {
  switch (status) {
    case 'new':
    case 'open':
      return 'open';
    case 'pending':
    case 'on_hold':
      return 'snoozed';
    case 'solved':
    case 'closed':
      return 'close';
  }
}

/** Intercom states that can hold tickets of the given domain statuses (for search). */
export function intercomStatesFor(statuses: Status[]): string[] {
  const out = new Set<string>();
  for (const s of statuses) {
    if (s === 'new' || s === 'open') out.add('open');
    if (s === 'pending') out.add('snoozed');
    if (s === 'solved' || s === 'closed') out.add('closed');
  }
  return [...out].sort();
}

const CHANNEL_BY_SOURCE: Record<string, Channel> = {
  conversation: 'chat',
  email: 'email',
  phone_call: 'phone',
  phone_switch: 'phone',
  facebook: 'social',
  instagram: 'social',
  twitter: 'social',
  whatsapp: 'social',
  sms: 'other',
  push: 'other',
};

export const sourceTypeToChannel = (t: string | null | undefined): Channel => (t ? CHANNEL_BY_SOURCE[t] : undefined) ?? 'other';

export function sourceTypesFor(channels: Channel[]): string[] {
  return Object.entries(CHANNEL_BY_SOURCE)
    .filter(([, c]) => channels.includes(c))
    .map(([t]) => t)
    .sort();
}

export function adminToPerson(a: IcAdmin, teamsById?: Map<string, string>): Person {
  const team = a.team_ids?.length && teamsById ? teamsById.get(String(a.team_ids[0])) : undefined;
  return {
    id: a.id,
    name: a.name?.trim() || a.email || a.id,
    email: a.email ?? null,
    role: 'agent',
    group: team ?? null,
  };
}

const CUSTOMER_TYPES = new Set(['user', 'lead', 'contact']);

export function authorToPerson(a: IcAuthor | null | undefined): Person {
  // an unknown customer name stays empty (never the contact id), so templates' defaults apply ("Hi there,")
  if (!a) return { id: 'unknown', name: '', email: null, role: 'customer' };
  const type = a.type ?? 'user';
  const role: Person['role'] = CUSTOMER_TYPES.has(type) ? 'customer' : type === 'admin' ? 'agent' : 'system';
  const id = a.id ?? a.email ?? 'unknown';
  const fallback = role === 'customer' ? '' : type === 'bot' ? 'Operator' : (a.email ?? id);
  return { id, name: a.name?.trim() || fallback, email: a.email ?? null, role };
}

export interface IntercomDirectory {
  admins: Map<string, Person>;
  teams: Map<string, string>;
  /** Workspace id (app.id_code), for links into the Intercom inbox. */
  appId?: string | null;
}

export function conversationSubject(c: IcConversation): string {
  const t = c.title?.trim() || c.source?.subject?.trim();
  if (t) return htmlToText(t);
  const body = c.source?.body ? htmlToText(c.source.body).replace(/\s+/g, ' ').trim() : '';
  if (!body) return '(no subject)';
  return body.length > 80 ? `${body.slice(0, 77)}...` : body;
}

export function conversationToTicket(c: IcConversation, dir: IntercomDirectory): Ticket {
  const created = c.created_at ?? c.updated_at ?? 0;
  const updated = c.updated_at ?? created;
  const status = intercomStateToDomain(c.state, c.open);
  const stats = c.statistics ?? {};
  const adminId = c.admin_assignee_id && c.admin_assignee_id !== '0' ? c.admin_assignee_id : null;
  const teamId = c.team_assignee_id && c.team_assignee_id !== '0' ? c.team_assignee_id : null;
  const author = c.source?.author;
  let requester = authorToPerson(author);
  if (requester.role !== 'customer') {
    const contactId = c.contacts?.contacts?.[0]?.id;
    requester = { id: contactId ?? requester.id, name: '', email: null, role: 'customer' };
  }
  const solvedAtS = status === 'solved' ? (stats.last_close_at ?? updated) : null;
  let publicReplyCount: number | null = null;
  const parts = c.conversation_parts?.conversation_parts;
  if (parts) publicReplyCount = parts.filter((p) => isPublicAgentReply(p)).length;
  return {
    id: c.id,
    url: dir.appId ? `https://app.intercom.com/a/inbox/${dir.appId}/inbox/conversation/${c.id}` : null,
    subject: conversationSubject(c),
    status,
    priority: c.priority === 'priority' ? 'high' : 'none',
    channel: sourceTypeToChannel(c.source?.type),
    requester,
    assignee: adminId ? (dir.admins.get(adminId) ?? { id: adminId, name: adminId, email: null, role: 'agent' }) : null,
    group: teamId ? (dir.teams.get(teamId) ?? teamId) : null,
    tags: (c.tags?.tags ?? []).map((t) => t.name),
    createdAt: isoFromSeconds(created),
    updatedAt: isoFromSeconds(updated),
    firstResponseAt: stats.first_admin_reply_at ? isoFromSeconds(stats.first_admin_reply_at) : null,
    solvedAt: solvedAtS === null ? null : isoFromSeconds(solvedAtS),
    reopenCount: stats.count_reopens ?? 0,
    publicReplyCount,
    lastCustomerMessageAt: stats.last_contact_reply_at
      ? isoFromSeconds(stats.last_contact_reply_at)
      : author && CUSTOMER_TYPES.has(author.type ?? '')
        ? isoFromSeconds(created)
        : null,
    customFields: { ...(c.custom_attributes ?? {}) },
    raw: c,
  };
}

const isNote = (p: IcPart): boolean => (p.part_type ?? '').includes('note');

function isPublicAgentReply(p: IcPart): boolean {
  return !isNote(p) && (p.author?.type === 'admin') && !!p.body && p.body.trim() !== '';
}

export function partToComment(p: IcPart, ticketId: string, admins?: Map<string, Person>): Comment {
  const person = authorToPerson(p.author);
  const known = person.role !== 'customer' && admins?.get(person.id);
  const author = known ? known : person;
  return {
    id: p.id,
    ticketId,
    author,
    authorRole: person.role === 'customer' ? 'customer' : person.role === 'agent' ? 'agent' : 'system',
    public: !isNote(p),
    body: p.body ? htmlToText(p.body) : '',
    createdAt: isoFromSeconds(p.created_at ?? 0),
  };
}

/**
 * The thread of a conversation: the opening message (source) then every part with a body
 * (comments, notes, and assignment/close parts that carried a message). Oldest first.
 */
export function conversationThread(c: IcConversation, admins?: Map<string, Person>): Comment[] {
  const out: Comment[] = [];
  if (c.source && (c.source.body || c.source.subject)) {
    const src: IcPart = {
      id: c.source.id ?? `${c.id}-source`,
      part_type: 'comment',
      body: c.source.body ?? c.source.subject ?? '',
      created_at: c.created_at ?? 0,
      author: c.source.author,
    };
    out.push(partToComment(src, c.id, admins));
  }
  for (const p of c.conversation_parts?.conversation_parts ?? []) {
    if (!p.body || !p.body.trim()) continue;
    out.push(partToComment(p, c.id, admins));
  }
  return out.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
}

/** Plain text deskctl sends becomes simple HTML paragraphs (Intercom bodies are HTML). */
export { textToHtml } from '../front/map.js';

export function conversationRating(c: IcConversation): Rating | null {
  const r = c.conversation_rating;
  if (!r || typeof r.rating !== 'number') return null;
  return {
    ticketId: c.id,
    kind: 'csat',
    score: r.rating,
    scale: { min: 1, max: 5 },
    comment: r.remark ?? null,
    createdAt: isoFromSeconds(r.created_at ?? c.updated_at ?? 0),
    agentId: r.teammate?.id ?? null,
  };
}

// ---- search -------------------------------------------------------------------------------------

export interface SingleFilter {
  field: string;
  operator: '=' | '!=' | 'IN' | 'NIN' | '<' | '>' | '~' | '!~' | '^' | '$';
  value: string | number | boolean | (string | number)[];
}
export interface CompoundFilter {
  operator: 'AND' | 'OR';
  value: SingleFilter[] | CompoundFilter[];
}

/** Intercom search limits: at most 15 filters in one AND/OR group, at most 2 levels of nesting. */
export const MAX_FILTERS_PER_GROUP = 15;

export interface SearchPlan {
  /** null: nothing to push down, list with GET /conversations. */
  query: SingleFilter | CompoundFilter | null;
  /** The search cannot match anything (unknown tag, ...): list nothing. */
  empty: boolean;
}

/**
 * Pushes the query fields Intercom can search on into one AND group; what does not fit
 * (more than 15 filters) is left to the local filter that runs on every result anyway.
 * Intercom's ">" and "<" include the bound; the local filter applies the exact half-open ranges.
 */
export function buildSearch(
  q: TicketQuery,
  lookups: { teamIdByName: Map<string, string>; tagIdByName: Map<string, string> },
): SearchPlan {
  const filters: SingleFilter[] = [];
  if (q.ids?.length) filters.push({ field: 'id', operator: 'IN', value: q.ids });
  if (q.status?.length) {
    const states = intercomStatesFor(q.status);
    if (!states.length) return { query: null, empty: true };
    if (states.length < 3) filters.push({ field: 'state', operator: 'IN', value: states });
  }
  if (q.channel?.length) {
    const types = sourceTypesFor(q.channel);
    if (!types.length) return { query: null, empty: true };
    filters.push({ field: 'source.type', operator: 'IN', value: types });
  }
  if (q.assigneeIds?.length) {
    const ids = q.assigneeIds.map((a) => (a === UNASSIGNED ? 0 : Number(a)));
    if (ids.every((n) => Number.isInteger(n))) filters.push({ field: 'admin_assignee_id', operator: 'IN', value: ids });
  }
  if (q.group?.length) {
    const ids = q.group.map((g) => lookupName(lookups.teamIdByName, g)).filter((x): x is string => !!x).map(Number);
    if (!ids.length) return { query: null, empty: true };
    filters.push({ field: 'team_assignee_id', operator: 'IN', value: ids });
  }
  for (const tag of q.tags ?? []) {
    const tid = lookupName(lookups.tagIdByName, tag);
    if (!tid) return { query: null, empty: true };
    filters.push({ field: 'tag_ids', operator: '=', value: tid });
  }
  if (q.createdSince) filters.push({ field: 'created_at', operator: '>', value: secondsFromDate(q.createdSince) });
  if (q.createdUntil) filters.push({ field: 'created_at', operator: '<', value: secondsFromDate(q.createdUntil) });
  if (q.updatedSince) filters.push({ field: 'updated_at', operator: '>', value: secondsFromDate(q.updatedSince) });
  if (q.updatedUntil) filters.push({ field: 'updated_at', operator: '<', value: secondsFromDate(q.updatedUntil) });
  if (q.solvedSince) filters.push({ field: 'statistics.last_close_at', operator: '>', value: secondsFromDate(q.solvedSince) });
  if (q.solvedUntil) filters.push({ field: 'statistics.last_close_at', operator: '<', value: secondsFromDate(q.solvedUntil) });
  const kept = filters.slice(0, MAX_FILTERS_PER_GROUP);
  if (!kept.length) return { query: null, empty: false };
  if (kept.length === 1) return { query: kept[0]!, empty: false };
  return { query: { operator: 'AND', value: kept }, empty: false };
}

const lookupName = (m: Map<string, string>, name: string): string | undefined => m.get(name.toLowerCase());

export const nameIndex = (items: Group[]): Map<string, string> => new Map(items.map((g) => [g.name.toLowerCase(), g.id]));

// ---- Intercom Tickets ---------------------------------------------------------------------------

/**
 * Intercom Tickets (customer tickets of workspaces with ticketing) live beside conversations with ids of
 * their own; deskctl shows them as `t<id>` so both fit in one id space.
 */
export const TICKET_PREFIX = 't';
export const isIntercomTicketRef = (id: string): boolean => /^t\d+$/i.test(id);
export const intercomTicketId = (ref: string): string => ref.slice(TICKET_PREFIX.length);

/** Ticket state categories: submitted -> new, in_progress -> open, waiting_on_customer -> pending, resolved -> solved. */
export function ticketCategoryToStatus(category: string | null | undefined): Status {
  switch (category) {
    case 'submitted':
      return 'new';
    case 'waiting_on_customer':
      return 'pending';
    case 'resolved':
      return 'solved';
    default:
      return 'open';
  }
}

export function statusToTicketCategory(status: Status): 'submitted' | 'in_progress' | 'waiting_on_customer' | 'resolved' {
  switch (status) {
    case 'new':
      return 'submitted';
    case 'open':
      return 'in_progress';
    case 'pending':
    case 'on_hold':
      return 'waiting_on_customer';
    case 'solved':
    case 'closed':
      return 'resolved';
  }
}

const DEFAULT_TITLE = '_default_title_';
const DEFAULT_DESCRIPTION = '_default_description_';

export function intercomTicketToTicket(t: IcTicket, dir: IntercomDirectory): Ticket {
  const created = t.created_at ?? t.updated_at ?? 0;
  const updated = t.updated_at ?? created;
  const status = ticketCategoryToStatus(t.ticket_state?.category);
  const attrs = { ...(t.ticket_attributes ?? {}) };
  const title = typeof attrs[DEFAULT_TITLE] === 'string' ? (attrs[DEFAULT_TITLE] as string).trim() : '';
  delete attrs[DEFAULT_TITLE];
  delete attrs[DEFAULT_DESCRIPTION];
  const adminId = t.admin_assignee_id && t.admin_assignee_id !== '0' ? t.admin_assignee_id : null;
  const teamId = t.team_assignee_id && t.team_assignee_id !== '0' ? t.team_assignee_id : null;
  const contactId = t.contacts?.contacts?.[0]?.id ?? null;
  const parts = t.ticket_parts?.ticket_parts;
  const firstReply = parts?.filter((p) => isPublicAgentReply(p)).map((p) => p.created_at ?? Infinity).sort((a, b) => a - b)[0];
  return {
    id: `${TICKET_PREFIX}${t.id}`,
    url: null,
    subject: title || t.ticket_type?.name || '(no subject)',
    status,
    priority: 'none',
    channel: 'other',
    requester: { id: contactId ?? 'unknown', name: '', email: null, role: 'customer' },
    assignee: adminId ? (dir.admins.get(adminId) ?? { id: adminId, name: adminId, email: null, role: 'agent' }) : null,
    group: teamId ? (dir.teams.get(teamId) ?? teamId) : null,
    tags: [],
    createdAt: isoFromSeconds(created),
    updatedAt: isoFromSeconds(updated),
    firstResponseAt: firstReply !== undefined && Number.isFinite(firstReply) ? isoFromSeconds(firstReply) : null,
    solvedAt: status === 'solved' ? isoFromSeconds(updated) : null,
    reopenCount: 0,
    publicReplyCount: parts ? parts.filter((p) => isPublicAgentReply(p)).length : null,
    lastCustomerMessageAt: null,
    customFields: attrs,
    raw: t,
  };
}

/** The ticket's description (its opening text) then every part with a body, oldest first. */
export function ticketThread(t: IcTicket, admins?: Map<string, Person>): Comment[] {
  const ref = `${TICKET_PREFIX}${t.id}`;
  const out: Comment[] = [];
  const description = t.ticket_attributes?.[DEFAULT_DESCRIPTION];
  if (typeof description === 'string' && description.trim()) {
    const contactId = t.contacts?.contacts?.[0]?.id ?? 'unknown';
    out.push(partToComment({ id: `${ref}-description`, part_type: 'comment', body: description, created_at: t.created_at ?? 0, author: { type: 'user', id: contactId } }, ref, admins));
  }
  for (const p of t.ticket_parts?.ticket_parts ?? []) {
    if (!p.body || !p.body.trim()) continue;
    out.push(partToComment(p, ref, admins));
  }
  return out.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
}

/**
 * The ticket search for a query: customer tickets (category "request"), with the dates, assignee and team
 * filters the ticket search knows; status, tags and the rest are filtered locally.
 */
export function buildTicketSearch(q: TicketQuery, teamIdByName: Map<string, string>): { query: SingleFilter | CompoundFilter; empty: boolean } {
  const filters: SingleFilter[] = [{ field: 'category', operator: '=', value: 'request' }];
  if (q.assigneeIds?.length) {
    const ids = q.assigneeIds.map((a) => (a === UNASSIGNED ? '0' : a));
    filters.push({ field: 'admin_assignee_id', operator: 'IN', value: ids });
  }
  if (q.group?.length) {
    const ids = q.group.map((g) => lookupName(teamIdByName, g)).filter((x): x is string => !!x);
    if (!ids.length) return { query: filters[0]!, empty: true };
    filters.push({ field: 'team_assignee_id', operator: 'IN', value: ids });
  }
  if (q.createdSince) filters.push({ field: 'created_at', operator: '>', value: secondsFromDate(q.createdSince) });
  if (q.createdUntil) filters.push({ field: 'created_at', operator: '<', value: secondsFromDate(q.createdUntil) });
  if (q.updatedSince) filters.push({ field: 'updated_at', operator: '>', value: secondsFromDate(q.updatedSince) });
  if (q.updatedUntil) filters.push({ field: 'updated_at', operator: '<', value: secondsFromDate(q.updatedUntil) });
  const empty = Boolean(q.tags?.length) || Boolean(q.channel?.length && !q.channel.includes('other')) || Boolean(q.priority?.length && !q.priority.includes('none'));
  return { query: filters.length === 1 ? filters[0]! : { operator: 'AND', value: filters }, empty };
}
