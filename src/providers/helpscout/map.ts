/**
 * Help Scout Mailbox API 2.0 JSON <-> deskctl's domain model. Pure: no I/O.
 *
 * Shapes follow the vendor's documentation (developer.helpscout.com/mailbox-api); the OpenAPI
 * description in ../shared/api-specs/helpscout is unofficial and minimal (it has no thread
 * listing, reply or note endpoints, no users/me and no reports), so the documentation wins.
 *
 * Help Scout has no priority: tickets read as priority "none" and a priority change is refused.
 */
import { z } from 'zod';
import type { Channel, Comment, Person, Rating, Status, Ticket, TicketPatch } from '../../domain/model.js';
import { UsageError } from '../../errors.js';
import { htmlToText } from '../html.js';

const isoString = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO date' });

// ---------------------------------------------------------------------------------------------
// Vendor bodies (zod)

/** A person reference inside a conversation or thread (assignee, createdBy, primaryCustomer...). */
export const HsPersonRefSchema = z.looseObject({
  id: z.number().int(),
  type: z.string().nullish(),
  first: z.string().nullish(),
  last: z.string().nullish(),
  email: z.string().nullish(),
});
export type HsPersonRef = z.infer<typeof HsPersonRefSchema>;

export const HsTagSchema = z.looseObject({ id: z.number().int().nullish(), tag: z.string(), color: z.string().nullish() });

export const HsThreadSchema = z.looseObject({
  id: z.number().int(),
  type: z.string(),
  status: z.string().nullish(),
  state: z.string().nullish(),
  body: z.string().nullish(),
  createdBy: HsPersonRefSchema.nullish(),
  customer: HsPersonRefSchema.nullish(),
  createdAt: isoString,
  rating: z.unknown().optional(),
});
export type HsThread = z.infer<typeof HsThreadSchema>;

export const HsConversationSchema = z.looseObject({
  id: z.number().int(),
  number: z.number().int().nullish(),
  threads: z.number().int().nullish(),
  type: z.string().nullish(),
  folderId: z.number().int().nullish(),
  status: z.string(),
  state: z.string().nullish(),
  subject: z.string().nullish(),
  preview: z.string().nullish(),
  mailboxId: z.number().int(),
  assignee: HsPersonRefSchema.nullish(),
  createdBy: HsPersonRefSchema.nullish(),
  createdAt: isoString,
  closedAt: isoString.nullish(),
  closedBy: z.number().int().nullish(),
  userUpdatedAt: isoString.nullish(),
  modifiedAt: isoString.nullish(),
  customerWaitingSince: z.looseObject({ time: isoString.nullish(), friendly: z.string().nullish() }).nullish(),
  source: z.looseObject({ type: z.string().nullish(), via: z.string().nullish() }).nullish(),
  tags: z.array(HsTagSchema).nullish(),
  primaryCustomer: HsPersonRefSchema.nullish(),
  customFields: z.array(z.looseObject({ id: z.number().int(), name: z.string().nullish(), value: z.unknown(), text: z.string().nullish() })).nullish(),
  snooze: z.looseObject({ snoozedUntil: isoString.nullish() }).nullish(),
  _embedded: z.looseObject({ threads: z.array(HsThreadSchema).nullish() }).nullish(),
});
export type HsConversation = z.infer<typeof HsConversationSchema>;

export const HsUserSchema = z.looseObject({
  id: z.number().int(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
  role: z.string().nullish(),
  type: z.string().nullish(),
});
export type HsUser = z.infer<typeof HsUserSchema>;

export const HsMailboxSchema = z.looseObject({ id: z.number().int(), name: z.string(), email: z.string().nullish() });

/** HAL page metadata: `page.number` is 1-based. */
export const HsPageSchema = z.looseObject({
  size: z.number().int().nullish(),
  totalElements: z.number().int().nullish(),
  totalPages: z.number().int().nullish(),
  number: z.number().int().nullish(),
});

/** A HAL collection: `{ _embedded: { <key>: [...] }, page: {...}, _links: {...} }`. */
export function halPageSchema<T extends z.ZodType>(key: string, item: T) {
  return z.looseObject({
    _embedded: z.looseObject({ [key]: z.array(item) }).partial().nullish(),
    page: HsPageSchema.nullish(),
    _links: z.looseObject({ next: z.looseObject({ href: z.string() }).nullish() }).nullish(),
  });
}

export const HsConversationPageSchema = halPageSchema('conversations', HsConversationSchema);
export const HsThreadPageSchema = halPageSchema('threads', HsThreadSchema);
export const HsUserPageSchema = halPageSchema('users', HsUserSchema);
export const HsMailboxPageSchema = halPageSchema('mailboxes', HsMailboxSchema);

/** GET /v2/reports/happiness/ratings (Plus and Pro plans). */
export const HsRatingReportSchema = z.looseObject({
  results: z.array(
    z.looseObject({
      number: z.number().int().nullish(),
      id: z.number().int(),
      threadid: z.number().int().nullish(),
      ratingId: z.number().int(),
      ratingComments: z.string().nullish(),
      ratingCreatedAt: isoString,
      ratingUserId: z.number().int().nullish(),
      ratingCustomerId: z.number().int().nullish(),
    }),
  ),
  page: z.number().int().nullish(),
  pages: z.number().int().nullish(),
  count: z.number().int().nullish(),
});
export type HsRatingReport = z.infer<typeof HsRatingReportSchema>;

/** POST /v2/oauth2/token (client credentials). */
export const HsTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.number().positive(),
});

// ---------------------------------------------------------------------------------------------
// Code tables

export const HS_STATUSES = ['active', 'pending', 'closed', 'spam'] as const;
export type HsStatus = (typeof HS_STATUSES)[number];

/**
 * active -> open, pending -> pending, closed -> closed, spam -> closed (kept apart in
 * customFields.helpscoutStatus); an active or pending conversation that is snoozed -> on_hold.
 */
export function statusFromHelpScout(status: string, snoozed = false): Status {
  switch (status) {
    case 'active':
    case 'open':
      return snoozed ? 'on_hold' : 'open';
    case 'pending':
      return snoozed ? 'on_hold' : 'pending';
    case 'closed':
    case 'spam':
      return 'closed';
    default:
      return 'open';
  }
}

/** Help Scout has one "done" state: solved and closed both close the conversation. */
export function statusToHelpScout(status: Status): HsStatus {
  switch (status) {
    case 'new':
    case 'open':
      return 'active';
    case 'pending':
    case 'on_hold':
      return 'pending';
    case 'solved':
    case 'closed':
      return 'closed';
  }
}

/** Conversation `type` (email | chat | phone) first, then `source.type`. */
export function channelFromConversation(c: Pick<HsConversation, 'type' | 'source'>): Channel {
  if (c.type === 'chat') return 'chat';
  if (c.type === 'phone') return 'phone';
  switch (c.source?.type) {
    case 'chat':
    case 'beacon':
      return 'chat';
    case 'web':
    case 'docs':
      return 'web';
    case 'api':
    case 'coreapi':
      return 'api';
    case 'mobile':
      return 'other';
    default:
      return 'email';
  }
}

/** Happiness rating (1 great, 2 okay, 3 not good) on deskctl's 1-5 CSAT scale: only "great" is satisfied. */
export function csatFromRatingId(ratingId: number): number | undefined {
  switch (ratingId) {
    case 1:
      return 5;
    case 2:
      return 3;
    case 3:
      return 1;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Mapping

const fullName = (first?: string | null, last?: string | null): string => [first, last].filter(Boolean).join(' ').trim();

export function personFromRef(p: HsPersonRef, role: Person['role']): Person {
  return { id: String(p.id), name: fullName(p.first, p.last) || p.email || `${role} ${p.id}`, email: p.email ?? null, role };
}

export function personFromUser(u: HsUser): Person {
  return {
    id: String(u.id),
    name: fullName(u.firstName, u.lastName) || u.email || `user ${u.id}`,
    email: u.email ?? null,
    role: u.role === 'owner' || u.role === 'admin' ? 'admin' : 'agent',
  };
}

export interface HsLookups {
  mailboxName(id: number): string | undefined;
  user(id: number): Person | undefined;
}

/** The newest moment deskctl knows the conversation changed. */
export function conversationUpdatedAt(c: HsConversation): string {
  const candidates = [c.modifiedAt, c.userUpdatedAt, c.closedAt, c.customerWaitingSince?.time, c.createdAt].filter((x): x is string => Boolean(x));
  return candidates.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

export function ticketFromConversation(c: HsConversation, lookups: HsLookups, webBase = 'https://secure.helpscout.net'): Ticket {
  const snoozed = Boolean(c.snooze?.snoozedUntil && Date.parse(c.snooze.snoozedUntil) > 0);
  const status = statusFromHelpScout(c.status, snoozed);
  const customer = c.primaryCustomer ?? (c.createdBy?.type === 'customer' ? c.createdBy : null);
  const requester: Person = customer ? personFromRef(customer, 'customer') : { id: '', name: 'unknown', email: null, role: 'customer' };
  const assignee = c.assignee ? (lookups.user(c.assignee.id) ?? personFromRef(c.assignee, 'agent')) : null;
  const threads = c._embedded?.threads ?? undefined;
  const customFields: Record<string, unknown> = {};
  for (const f of c.customFields ?? []) customFields[f.name ?? String(f.id)] = f.text ?? f.value;
  if (c.status === 'spam') customFields.helpscoutStatus = 'spam';
  if (c.number != null) customFields.number = c.number;
  const fromThreads = threads ? threadFacts(threads) : undefined;
  return {
    id: String(c.id),
    url: `${webBase}/conversation/${c.id}${c.number != null ? `/${c.number}` : ''}`,
    subject: c.subject ?? '',
    status,
    priority: 'none',
    channel: channelFromConversation(c),
    requester,
    assignee,
    group: lookups.mailboxName(c.mailboxId) ?? `mailbox ${c.mailboxId}`,
    tags: (c.tags ?? []).map((t) => t.tag),
    createdAt: c.createdAt,
    updatedAt: conversationUpdatedAt(c),
    firstResponseAt: fromThreads?.firstResponseAt ?? null,
    solvedAt: status === 'closed' ? (c.closedAt ?? null) : null,
    reopenCount: fromThreads?.reopenCount ?? 0,
    publicReplyCount: fromThreads?.publicReplyCount ?? null,
    lastCustomerMessageAt: fromThreads?.lastCustomerMessageAt ?? c.customerWaitingSince?.time ?? null,
    customFields,
    raw: c,
  };
}

/** Thread kinds that are conversation, not line items (assignments, workflow runs...). */
const MESSAGE_THREAD_TYPES = new Set(['customer', 'message', 'reply', 'note', 'chat', 'phone', 'forwardparent', 'forwardchild', 'beaconchat']);

export function commentFromThread(t: HsThread, ticketId: string, lookups: Pick<HsLookups, 'user'>): Comment | null {
  if (!MESSAGE_THREAD_TYPES.has(t.type)) return null;
  if (t.state && t.state !== 'published') return null; // drafts, held for review
  const by = t.createdBy ?? t.customer ?? null;
  const byCustomer = t.type === 'customer' || by?.type === 'customer';
  const author: Person = by
    ? byCustomer
      ? personFromRef(by, 'customer')
      : (lookups.user(by.id) ?? personFromRef(by, 'agent'))
    : { id: '', name: 'Help Scout', email: null, role: 'system' };
  return {
    id: String(t.id),
    ticketId,
    author,
    authorRole: by ? (byCustomer ? 'customer' : 'agent') : 'system',
    public: t.type !== 'note' && t.type !== 'forwardparent' && t.type !== 'forwardchild',
    body: t.body ? htmlToText(t.body) : '',
    createdAt: t.createdAt,
  };
}

/** First reply, replies, reopens and the last customer message, from a conversation's threads. */
export function threadFacts(threads: HsThread[]): {
  firstResponseAt: string | null;
  publicReplyCount: number;
  reopenCount: number;
  lastCustomerMessageAt: string | null;
} {
  const sorted = [...threads].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  let firstResponseAt: string | null = null;
  let publicReplyCount = 0;
  let reopenCount = 0;
  let lastCustomerMessageAt: string | null = null;
  let closed = false;
  for (const t of sorted) {
    const byCustomer = t.type === 'customer' || t.createdBy?.type === 'customer';
    const agentReply = !byCustomer && (t.type === 'message' || t.type === 'reply' || t.type === 'chat' || t.type === 'phone');
    if (agentReply) {
      publicReplyCount++;
      firstResponseAt ??= t.createdAt;
    }
    if (byCustomer && MESSAGE_THREAD_TYPES.has(t.type)) lastCustomerMessageAt = t.createdAt;
    // thread.status records a status change made with that thread ("nochange" otherwise)
    if (t.status === 'closed') closed = true;
    else if (closed && (t.status === 'active' || t.status === 'pending')) {
      reopenCount++;
      closed = false;
    }
  }
  return { firstResponseAt, publicReplyCount, reopenCount, lastCustomerMessageAt };
}

export function ratingsFromReport(report: HsRatingReport): Rating[] {
  const out: Rating[] = [];
  for (const r of report.results) {
    const score = csatFromRatingId(r.ratingId);
    if (score === undefined) continue;
    out.push({
      ticketId: String(r.id),
      kind: 'csat',
      score,
      scale: { min: 1, max: 5 },
      comment: r.ratingComments || null,
      createdAt: r.ratingCreatedAt,
      agentId: r.ratingUserId != null ? String(r.ratingUserId) : null,
    });
  }
  return out;
}

/** One JSON-Patch-style operation of PATCH /v2/conversations/:id (the API takes one per request). */
export interface HsPatchOp {
  op: 'replace' | 'remove' | 'move';
  path: '/status' | '/assignTo' | '/mailboxId' | '/subject';
  value?: string | number;
}

export interface HsUpdatePlan {
  ops: HsPatchOp[];
  /** The full tag list to PUT, when tags change. */
  tags?: string[];
}

/** What to do instead of setting a priority on Help Scout. */
export const PRIORITY_HINT = 'drop --priority; use tags (e.g. --add-tag urgent) to mark urgency on Help Scout';

export const priorityUnsupported = (): UsageError => new UsageError('Help Scout has no priority field', PRIORITY_HINT);

/**
 * The requests a patch needs. Help Scout changes one property per PATCH and replaces the whole
 * tag list with PUT /tags, so `currentTags` is needed when tags are added or removed.
 */
export function planUpdate(patch: TicketPatch, currentTags: string[] | undefined, mailboxId: (name: string) => number): HsUpdatePlan {
  if (patch.priority !== undefined) throw priorityUnsupported();
  if (patch.customFields && Object.keys(patch.customFields).length) {
    throw new UsageError('custom fields cannot be changed on Help Scout through deskctl yet', `use 'deskctl api PUT /conversations/ID/fields'`);
  }
  const ops: HsPatchOp[] = [];
  if (patch.group !== undefined) {
    if (patch.group === null) throw new UsageError('a Help Scout conversation always belongs to a mailbox', 'move it with --group MAILBOX instead of clearing the group');
    ops.push({ op: 'move', path: '/mailboxId', value: mailboxId(patch.group) });
  }
  if (patch.assigneeId !== undefined) {
    if (patch.assigneeId === null) ops.push({ op: 'remove', path: '/assignTo' });
    else {
      const id = Number(patch.assigneeId);
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`invalid Help Scout user id '${patch.assigneeId}'`, 'Help Scout user ids are numbers');
      ops.push({ op: 'replace', path: '/assignTo', value: id });
    }
  }
  if (patch.status) ops.push({ op: 'replace', path: '/status', value: statusToHelpScout(patch.status) });
  let tags: string[] | undefined;
  if (patch.addTags?.length || patch.removeTags?.length) {
    const remove = new Set(patch.removeTags ?? []);
    tags = (currentTags ?? []).filter((t) => !remove.has(t));
    for (const t of patch.addTags ?? []) if (!tags.includes(t) && !remove.has(t)) tags.push(t);
  }
  return { ops, tags };
}
