/**
 * Freshdesk v2 JSON <-> deskctl's domain model. Pure: no I/O. The client passes lookups for the
 * people and groups a ticket refers to by id.
 *
 * Shapes follow the vendor's documentation (developers.freshdesk.com/api). The OpenAPI description
 * in ../shared/api-specs/freshdesk is unofficial; where it disagrees with the documentation
 * (satisfaction ratings carry `ratings.default_question`, not `rating`; `/agents/me` exists;
 * sources 4, 5, 6, 8 exist on older accounts) the documentation wins.
 */
import { z } from 'zod';
import type { Channel, Comment, Person, Priority, Rating, Status, Ticket, TicketPatch } from '../../domain/model.js';
import { UsageError } from '../../errors.js';
import { htmlToText } from '../html.js';

// ---------------------------------------------------------------------------------------------
// Vendor bodies (zod). Loose objects: Freshdesk adds fields over time and we keep them in `raw`.

const nullableId = z.number().int().nullish();
const isoString = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO date' });

export const FdContactSchema = z.looseObject({
  id: z.number().int(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  mobile: z.string().nullish(),
});
export type FdContact = z.infer<typeof FdContactSchema>;

export const FdStatsSchema = z.looseObject({
  agent_responded_at: isoString.nullish(),
  requester_responded_at: isoString.nullish(),
  first_responded_at: isoString.nullish(),
  status_updated_at: isoString.nullish(),
  reopened_at: isoString.nullish(),
  resolved_at: isoString.nullish(),
  closed_at: isoString.nullish(),
  pending_since: isoString.nullish(),
});

export const FdTicketSchema = z.looseObject({
  id: z.number().int(),
  subject: z.string().nullish(),
  status: z.number().int(),
  priority: z.number().int(),
  source: z.number().int().nullish(),
  type: z.string().nullish(),
  requester_id: nullableId,
  responder_id: nullableId,
  group_id: nullableId,
  company_id: nullableId,
  tags: z.array(z.string()).nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  spam: z.boolean().nullish(),
  description_text: z.string().nullish(),
  description: z.string().nullish(),
  created_at: isoString,
  updated_at: isoString,
  due_by: isoString.nullish(),
  fr_due_by: isoString.nullish(),
  /** include=requester */
  requester: FdContactSchema.partial({ id: true }).nullish(),
  /** include=stats */
  stats: FdStatsSchema.nullish(),
});
export type FdTicket = z.infer<typeof FdTicketSchema>;

export const FdTicketListSchema = z.array(FdTicketSchema);

/** GET /search/tickets: at most 30 results a page, 10 pages (300 results) per query. */
export const FdSearchSchema = z.looseObject({
  total: z.number().int().nonnegative(),
  results: z.array(FdTicketSchema),
});

export const FdConversationSchema = z.looseObject({
  id: z.number().int(),
  body: z.string().nullish(),
  body_text: z.string().nullish(),
  incoming: z.boolean().nullish(),
  private: z.boolean().nullish(),
  user_id: nullableId,
  ticket_id: nullableId,
  source: z.number().int().nullish(),
  from_email: z.string().nullish(),
  support_email: z.string().nullish(),
  created_at: isoString,
  updated_at: isoString.nullish(),
});
export type FdConversation = z.infer<typeof FdConversationSchema>;
export const FdConversationListSchema = z.array(FdConversationSchema);

export const FdAgentSchema = z.looseObject({
  id: z.number().int(),
  available: z.boolean().nullish(),
  occasional: z.boolean().nullish(),
  signature: z.string().nullish(),
  group_ids: z.array(z.number().int()).nullish(),
  type: z.string().nullish(),
  contact: z.looseObject({ name: z.string().nullish(), email: z.string().nullish() }).nullish(),
});
export type FdAgent = z.infer<typeof FdAgentSchema>;
export const FdAgentListSchema = z.array(FdAgentSchema);

export const FdGroupSchema = z.looseObject({ id: z.number().int(), name: z.string() });
export const FdGroupListSchema = z.array(FdGroupSchema);

/**
 * Documented shape: `ratings: { default_question: 103, question_2: -102 }`. The unofficial
 * description has a flat `rating` integer instead; both are read.
 */
export const FdRatingSchema = z.looseObject({
  id: z.number().int(),
  survey_id: nullableId,
  ticket_id: z.number().int(),
  user_id: nullableId,
  agent_id: nullableId,
  group_id: nullableId,
  ratings: z.record(z.string(), z.number()).nullish(),
  rating: z.number().nullish(),
  feedback: z.string().nullish(),
  created_at: isoString,
  updated_at: isoString.nullish(),
});
export type FdRating = z.infer<typeof FdRatingSchema>;
export const FdRatingListSchema = z.array(FdRatingSchema);

// ---------------------------------------------------------------------------------------------
// Code tables

/** Freshdesk status codes. 6 and above are account-defined custom statuses. */
export const FD_STATUS = { open: 2, pending: 3, resolved: 4, closed: 5 } as const;
export const FD_PRIORITY = { low: 1, medium: 2, high: 3, urgent: 4 } as const;

export function statusFromFreshdesk(code: number): Status {
  switch (code) {
    case 2:
      return 'open';
    case 3:
      return 'pending';
    case 4:
      return 'solved';
    case 5:
      return 'closed';
    default:
      // custom statuses ("Waiting on customer", "Waiting on third party", ...) behave like pending
      // but stop the SLA clock; deskctl shows them as on_hold.
      return code > 5 ? 'on_hold' : 'open';
  }
}

/** Domain status -> the Freshdesk code to set. Freshdesk has no "new" and no built-in on-hold. */
export function statusToFreshdesk(status: Status): number {
  switch (status) {
    case 'new':
    case 'open':
      return FD_STATUS.open;
    case 'pending':
    case 'on_hold':
      return FD_STATUS.pending;
    case 'solved':
      return FD_STATUS.resolved;
    case 'closed':
      return FD_STATUS.closed;
  }
}

/** Freshdesk codes a domain status filter matches (on_hold matches every custom status). */
export function statusCodesFor(status: Status): number[] | 'custom' {
  switch (status) {
    case 'new':
      return [];
    case 'open':
      return [FD_STATUS.open];
    case 'pending':
      return [FD_STATUS.pending];
    case 'on_hold':
      return 'custom';
    case 'solved':
      return [FD_STATUS.resolved];
    case 'closed':
      return [FD_STATUS.closed];
  }
}

export function priorityFromFreshdesk(code: number): Priority {
  switch (code) {
    case 1:
      return 'low';
    case 2:
      return 'normal';
    case 3:
      return 'high';
    case 4:
      return 'urgent';
    default:
      return 'none';
  }
}

export function priorityToFreshdesk(priority: Priority): number {
  switch (priority) {
    case 'low':
      return FD_PRIORITY.low;
    case 'normal':
      return FD_PRIORITY.medium;
    case 'high':
      return FD_PRIORITY.high;
    case 'urgent':
      return FD_PRIORITY.urgent;
    case 'none':
      throw new UsageError('Freshdesk tickets always have a priority', 'use --priority low, normal, high or urgent');
  }
}

/**
 * Ticket `source` codes. Current documentation: 1 Email, 2 Portal, 3 Phone, 7 Chat,
 * 9 Feedback widget, 10 Outbound email; older accounts also carry 4 Forum, 5 Twitter,
 * 6 Facebook, 8 MobiHelp.
 */
export function channelFromSource(source: number | null | undefined): Channel {
  switch (source) {
    case 1:
    case 10:
      return 'email';
    case 2:
    case 4:
    case 9:
      return 'web';
    case 3:
      return 'phone';
    case 5:
    case 6:
      return 'social';
    case 7:
      return 'chat';
    default:
      return 'other';
  }
}

/**
 * Satisfaction answer on deskctl's 1-5 CSAT scale, so that Freshdesk's positive answers count as
 * satisfied (4-5). Documented answers: 103 extremely happy, 102 very happy, 101 happy, 100 neutral,
 * -101 unhappy, -102 very unhappy, -103 extremely unhappy (classic surveys use 103/100/-103).
 */
export function csatScore(answer: number): number {
  if (answer >= 102) return 5;
  if (answer > 100) return 4;
  if (answer >= -100) return 3;
  if (answer >= -101) return 2;
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Mapping

export interface FdLookups {
  agent(id: number): Person | undefined;
  contact(id: number): Person | undefined;
  groupName(id: number): string | undefined;
}

export const personFromContact = (c: { id?: number | null; name?: string | null; email?: string | null; phone?: string | null; mobile?: string | null }): Person => ({
  id: String(c.id ?? ''),
  name: c.name || c.email || c.phone || c.mobile || `contact ${c.id ?? '?'}`,
  email: c.email ?? null,
  role: 'customer',
});

export function personFromAgent(a: FdAgent, groupName?: (id: number) => string | undefined): Person {
  const firstGroup = a.group_ids?.[0];
  return {
    id: String(a.id),
    name: a.contact?.name || a.contact?.email || `agent ${a.id}`,
    email: a.contact?.email ?? null,
    role: 'agent',
    group: firstGroup !== undefined ? (groupName?.(firstGroup) ?? null) : null,
    signature: a.signature ? htmlToText(a.signature) : null,
  };
}

const unknownPerson = (id: number | null | undefined, role: Person['role']): Person => ({
  id: id == null ? '' : String(id),
  name: id == null ? 'unknown' : `${role === 'agent' ? 'agent' : 'contact'} ${id}`,
  email: null,
  role,
});

export function ticketFromFreshdesk(t: FdTicket, lookups: FdLookups, baseUrl: string): Ticket {
  const requesterId = t.requester_id ?? t.requester?.id ?? null;
  const requester =
    (t.requester ? personFromContact({ ...t.requester, id: requesterId }) : undefined) ??
    (requesterId != null ? (lookups.contact(requesterId) ?? lookups.agent(requesterId)) : undefined) ??
    unknownPerson(requesterId, 'customer');
  const assignee = t.responder_id != null ? (lookups.agent(t.responder_id) ?? unknownPerson(t.responder_id, 'agent')) : null;
  const status = statusFromFreshdesk(t.status);
  const stats = t.stats ?? undefined;
  const solved = status === 'solved' || status === 'closed';
  const solvedAt = solved ? (stats?.resolved_at ?? stats?.closed_at ?? null) : null;
  const outbound = t.source === 10;
  return {
    id: String(t.id),
    url: `${baseUrl.replace(/\/+$/, '')}/a/tickets/${t.id}`,
    subject: t.subject ?? '',
    status,
    priority: priorityFromFreshdesk(t.priority),
    channel: channelFromSource(t.source),
    requester,
    assignee,
    group: t.group_id != null ? (lookups.groupName(t.group_id) ?? `group ${t.group_id}`) : null,
    tags: t.tags ?? [],
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    firstResponseAt: stats ? (stats.first_responded_at ?? null) : null,
    solvedAt,
    // Freshdesk keeps only the latest reopen time, so this is "reopened at least once".
    reopenCount: stats?.reopened_at ? 1 : 0,
    publicReplyCount: null,
    lastCustomerMessageAt: stats ? (stats.requester_responded_at ?? (outbound ? null : t.created_at)) : null,
    customFields: { ...(t.custom_fields ?? {}), ...(t.type ? { type: t.type } : {}) },
    raw: t,
  };
}

/** The ticket's description is its first message; Freshdesk lists it apart from the conversations. */
export function descriptionComment(t: FdTicket, requester: Person): Comment | null {
  const body = t.description_text ?? (t.description ? htmlToText(t.description) : null);
  if (body == null) return null;
  const outbound = t.source === 10;
  return {
    id: `${t.id}-description`,
    ticketId: String(t.id),
    author: requester,
    authorRole: outbound ? 'agent' : 'customer',
    public: true,
    body,
    createdAt: t.created_at,
  };
}

export function commentFromConversation(c: FdConversation, ticketId: string, lookups: FdLookups): Comment {
  const agent = c.user_id != null ? lookups.agent(c.user_id) : undefined;
  const contact = c.user_id != null ? lookups.contact(c.user_id) : undefined;
  const fromCustomer = Boolean(c.incoming) || (!agent && Boolean(contact));
  const author = agent ?? contact ?? unknownPerson(c.user_id, fromCustomer ? 'customer' : 'agent');
  return {
    id: String(c.id),
    ticketId: String(c.ticket_id ?? ticketId),
    author,
    authorRole: fromCustomer ? 'customer' : 'agent',
    public: !c.private,
    body: c.body_text ?? (c.body ? htmlToText(c.body) : ''),
    createdAt: c.created_at,
  };
}

/** The default question's answer of a rating, whichever shape the account returns. */
export function ratingAnswer(r: FdRating): number | undefined {
  const answer = r.ratings?.default_question ?? r.rating ?? undefined;
  return typeof answer === 'number' ? answer : undefined;
}

export function ratingFromFreshdesk(r: FdRating): Rating | null {
  const answer = ratingAnswer(r);
  if (answer === undefined) return null;
  return {
    ticketId: String(r.ticket_id),
    kind: 'csat',
    score: csatScore(answer),
    scale: { min: 1, max: 5 },
    comment: r.feedback ?? null,
    createdAt: r.created_at,
    agentId: r.agent_id != null ? String(r.agent_id) : null,
  };
}

export interface FdUpdateBody {
  status?: number;
  priority?: number;
  responder_id?: number | null;
  group_id?: number | null;
  tags?: string[];
  custom_fields?: Record<string, unknown>;
}

const numericId = (raw: string, what: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid Freshdesk ${what} id '${raw}'`, `Freshdesk ${what} ids are numbers`);
  return n;
};

/**
 * The PUT /tickets/:id body for a patch. `tags` replaces the whole list in Freshdesk, so the
 * current tags are needed when tags are added or removed. `groupId` resolves a group name.
 */
export function updateBodyFromPatch(
  patch: TicketPatch,
  currentTags: string[] | undefined,
  groupId: (name: string) => number,
): FdUpdateBody {
  const body: FdUpdateBody = {};
  if (patch.status) body.status = statusToFreshdesk(patch.status);
  if (patch.priority) body.priority = priorityToFreshdesk(patch.priority);
  if (patch.assigneeId !== undefined) body.responder_id = patch.assigneeId === null ? null : numericId(patch.assigneeId, 'agent');
  if (patch.group !== undefined) body.group_id = patch.group === null ? null : groupId(patch.group);
  if (patch.addTags?.length || patch.removeTags?.length) {
    const remove = new Set(patch.removeTags ?? []);
    const tags = (currentTags ?? []).filter((t) => !remove.has(t));
    for (const t of patch.addTags ?? []) if (!tags.includes(t) && !remove.has(t)) tags.push(t);
    body.tags = tags;
  }
  if (patch.customFields && Object.keys(patch.customFields).length) body.custom_fields = patch.customFields;
  return body;
}

/** Freshdesk filter-query date literal (day granularity, UTC). */
export const fdDay = (d: Date): string => d.toISOString().slice(0, 10);
