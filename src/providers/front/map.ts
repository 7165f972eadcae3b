import type { Channel, Comment, Person, Status, Ticket } from '../../domain/model.js';
import type {
  FrontChannel,
  FrontComment,
  FrontConversation,
  FrontMessage,
  FrontRecipient,
  FrontTeammate,
} from './schemas.js';

/**
 * Front Core API JSON <-> deskctl domain. Pure functions; the provider (index.ts) does the I/O.
 *
 * Status (read):  unassigned | assigned -> open; archived -> solved, or pending while a snooze reminder
 *                 is still ahead; deleted (trash) -> closed. With ticketing enabled, status_category wins:
 *                 open -> open, waiting -> pending, resolved -> solved.
 * Status (write): new | open -> "open"; solved | closed -> "archived"; pending | on_hold -> snooze
 *                 (archive + reminder). Front has no "new" state to set.
 * Priority: Front has none (always "none").
 * Channel:  from the type of the inbox's channel (Front conversations carry no channel of their own).
 */

export const FRONT_APP_URL = 'https://app.frontapp.com/open/';

/** Front sends Unix times in seconds, possibly fractional. */
export const isoFromSeconds = (s: number): string => new Date(Math.round(s * 1000)).toISOString();
export const secondsFromDate = (d: Date): number => Math.floor(d.getTime() / 1000);

export function frontStatusToDomain(conv: Pick<FrontConversation, 'status' | 'status_category' | 'scheduled_reminders'>, nowMs: number): Status {
  if (conv.status === 'deleted' || conv.status === 'spam') return 'closed';
  switch (conv.status_category) {
    case 'open':
      return 'open';
    case 'waiting':
      return 'pending';
    case 'resolved':
      return 'solved';
  }
  if (conv.status === 'archived') {
    const snoozed = (conv.scheduled_reminders ?? []).some((r) => typeof r.scheduled_at === 'number' && r.scheduled_at * 1000 > nowMs);
    return snoozed ? 'pending' : 'solved';
  }
  return 'open';
}

export type FrontStatusWrite = { kind: 'status'; status: 'open' | 'archived' } | { kind: 'snooze' };

/** How a domain status is set in Front, or null when Front cannot express it. */
export function domainStatusToFront(status: Status): FrontStatusWrite | null {
  switch (status) {
    case 'open':
      return { kind: 'status', status: 'open' };
    case 'solved':
    case 'closed':
      return { kind: 'status', status: 'archived' };
    case 'pending':
    case 'on_hold':
      return { kind: 'snooze' };
    case 'new':
      return null;
  }
}

/**
 * How to list the conversations that can hold tickets of the given domain statuses:
 * `list` = Front statuses for the `q[statuses][]` filter of the inbox listing (null: no filter, everything),
 * `snoozed` = also search `is:snoozed` (pending/on_hold without solved: snoozed conversations are archived
 * ones, and searching them beats walking the whole archive). Nothing to list at all: list = [] and !snoozed.
 */
export interface FrontStatusPlan {
  list: string[] | null;
  snoozed: boolean;
}

export function frontStatusPlan(statuses: Status[] | undefined): FrontStatusPlan {
  if (!statuses?.length) return { list: null, snoozed: false };
  const list = new Set<string>();
  if (statuses.includes('open')) ['assigned', 'unassigned'].forEach((x) => list.add(x));
  if (statuses.includes('solved')) list.add('archived');
  if (statuses.includes('closed')) list.add('trashed');
  const wantsSnoozed = statuses.includes('pending') || statuses.includes('on_hold');
  if (list.size === 4) return { list: null, snoozed: false };
  // archived conversations listed anyway include the snoozed ones
  return { list: [...list].sort(), snoozed: wantsSnoozed && !list.has('archived') };
}

const CHANNEL_BY_TYPE: Record<string, Channel> = {
  gmail: 'email',
  imap: 'email',
  office365: 'email',
  smtp: 'email',
  front_mail: 'email',
  front_chat: 'chat',
  intercom: 'chat',
  layer_anon: 'chat',
  talkdesk: 'phone',
  truly: 'phone',
  twilio: 'phone',
  facebook: 'social',
  twitter: 'social',
  twitter_dm: 'social',
  twilio_whatsapp: 'social',
  yalo_wha: 'social',
  form: 'web',
  custom: 'api',
  google_play: 'other',
};

export const frontChannelTypeToDomain = (type: string | null | undefined): Channel =>
  (type ? CHANNEL_BY_TYPE[type] : undefined) ?? 'other';

/** The channel of an inbox: the type of its first channel (inboxes mixing channel types take the first). */
export function inboxChannel(channels: FrontChannel[]): Channel {
  return channels.length ? frontChannelTypeToDomain(channels[0]!.type) : 'other';
}

export function teammateToPerson(t: FrontTeammate): Person {
  const full = [t.first_name, t.last_name].filter((x) => x && x.trim()).join(' ').trim();
  return {
    id: t.id,
    name: full || t.username || t.email || t.id,
    email: t.email ?? null,
    role: t.is_admin ? 'admin' : 'agent',
  };
}

export function recipientToPerson(r: FrontRecipient | null | undefined): Person {
  if (!r) return { id: 'unknown', name: '(unknown)', email: null, role: 'customer' };
  const email = r.handle.includes('@') ? r.handle : null;
  return { id: r.handle, name: r.name?.trim() || r.handle, email, role: 'customer' };
}

export interface ConversationContext {
  nowMs: number;
  /** Name of the inbox the conversation was listed from (or its first inbox). */
  inboxName?: string | null;
  channel?: Channel;
  /** Derived from messages when they were read (getTicket). */
  messages?: FrontMessage[];
}

/** Facts Front only gives through the messages of a conversation. */
export function messageFacts(messages: FrontMessage[]): {
  firstResponseAt: string | null;
  publicReplyCount: number;
  lastCustomerMessageAt: string | null;
} {
  let first: number | null = null;
  let last: number | null = null;
  let replies = 0;
  for (const m of messages) {
    if (m.draft_mode || typeof m.created_at !== 'number') continue;
    if (m.is_inbound) {
      if (last === null || m.created_at > last) last = m.created_at;
    } else {
      replies++;
      if (first === null || m.created_at < first) first = m.created_at;
    }
  }
  return {
    firstResponseAt: first === null ? null : isoFromSeconds(first),
    publicReplyCount: replies,
    lastCustomerMessageAt: last === null ? null : isoFromSeconds(last),
  };
}

export function conversationToTicket(conv: FrontConversation, ctx: ConversationContext): Ticket {
  const created = conv.created_at ?? conv.updated_at ?? 0;
  const updated = conv.updated_at ?? created;
  const status = frontStatusToDomain(conv, ctx.nowMs);
  const facts = ctx.messages ? messageFacts(ctx.messages) : null;
  return {
    id: conv.id,
    url: FRONT_APP_URL + conv.id,
    subject: conv.subject?.trim() || '(no subject)',
    status,
    priority: 'none',
    channel: ctx.channel ?? 'other',
    requester: recipientToPerson(conv.recipient),
    assignee: conv.assignee ? teammateToPerson(conv.assignee) : null,
    group: ctx.inboxName ?? null,
    tags: (conv.tags ?? []).map((t) => t.name),
    createdAt: isoFromSeconds(created),
    updatedAt: isoFromSeconds(updated),
    firstResponseAt: facts?.firstResponseAt ?? null,
    // Front does not say when a conversation was archived; the last update is the closest fact.
    solvedAt: status === 'solved' || status === 'closed' ? isoFromSeconds(updated) : null,
    reopenCount: 0,
    publicReplyCount: facts ? facts.publicReplyCount : null,
    lastCustomerMessageAt: facts?.lastCustomerMessageAt ?? (conv.waiting_since ? isoFromSeconds(conv.waiting_since) : null),
    customFields: { ...(conv.custom_fields ?? {}) },
    raw: conv,
  };
}

/** Plain text of an HTML body: tags dropped, common entities decoded, whitespace tidied. */
export function htmlToText(html: string): string {
  return html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Front message bodies are HTML; replies deskctl sends are plain text turned into simple HTML. */
export function textToHtml(text: string): string {
  const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return esc
    .split(/\n{2,}/)
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('');
}

export function messageToComment(m: FrontMessage, ticketId: string): Comment {
  const inbound = m.is_inbound === true;
  const from = (m.recipients ?? []).find((r) => r.role === 'from');
  const author: Person = inbound
    ? recipientToPerson(from)
    : m.author
      ? teammateToPerson(m.author)
      : from
        ? { ...recipientToPerson(from), role: 'agent' }
        : { id: 'front', name: 'Front', email: null, role: 'system' };
  const body = m.text ?? (m.body ? htmlToText(m.body) : (m.blurb ?? ''));
  return {
    id: m.id,
    ticketId,
    author,
    authorRole: inbound ? 'customer' : author.role === 'system' ? 'system' : 'agent',
    public: true,
    body,
    createdAt: isoFromSeconds(m.created_at ?? 0),
  };
}

export function frontCommentToComment(c: FrontComment, ticketId: string): Comment {
  const author: Person = c.author ? teammateToPerson(c.author) : { id: 'front', name: 'Front', email: null, role: 'system' };
  return {
    id: c.id,
    ticketId,
    author,
    authorRole: author.role === 'system' ? 'system' : 'agent',
    public: false,
    body: c.body ?? '',
    createdAt: isoFromSeconds(c.posted_at ?? 0),
  };
}

/** Messages (public) and comments (internal notes) of a conversation, oldest first; drafts left out. */
export function mergeThread(ticketId: string, messages: FrontMessage[], comments: FrontComment[]): Comment[] {
  const all = [
    ...messages.filter((m) => !m.draft_mode).map((m) => messageToComment(m, ticketId)),
    ...comments.map((c) => frontCommentToComment(c, ticketId)),
  ];
  return all.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id));
}

/** `_pagination.next` is a full URL; Front wants its page_token back (with the same path). */
export function pageTokenOf(next: string | null | undefined): string | null {
  if (!next) return null;
  try {
    return new URL(next).searchParams.get('page_token');
  } catch {
    return null;
  }
}
