/**
 * Zendesk JSON <-> deskctl domain model. Pure functions; the shapes follow the Zendesk Support OpenAPI
 * description (../shared/api-specs/zendesk/support-oas.yaml): TicketObject, TicketMetricObject,
 * TicketCommentObject, UserObject, GroupObject, SatisfactionRatingObject; survey responses follow the
 * CSAT survey responses documentation (not in the OAS snapshot).
 */
import { z } from 'zod';
import type { Channel, Comment, Person, PersonRole, Priority, Rating, Status, Ticket } from '../../domain/model.js';

const id = z.union([z.number(), z.string()]).transform(String);
const nid = id.nullish();

export const ZdUserSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).nullish(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  role: z.string().nullish(),
  default_group_id: nid,
  signature: z.string().nullish(),
  active: z.boolean().nullish(),
});
export type ZdUser = z.infer<typeof ZdUserSchema>;

export const ZdGroupSchema = z.looseObject({ id, name: z.string(), deleted: z.boolean().nullish() });
export type ZdGroup = z.infer<typeof ZdGroupSchema>;

const MetricTime = z.looseObject({ calendar: z.number().nullish(), business: z.number().nullish() }).nullish();

export const ZdMetricSetSchema = z.looseObject({
  ticket_id: nid,
  created_at: z.string().nullish(),
  solved_at: z.string().nullish(),
  reopens: z.number().nullish(),
  replies: z.number().nullish(),
  reply_time_in_minutes: MetricTime,
  reply_time_in_seconds: MetricTime,
  full_resolution_time_in_minutes: MetricTime,
  requester_updated_at: z.string().nullish(),
});
export type ZdMetricSet = z.infer<typeof ZdMetricSetSchema>;

export const ZdTicketSchema = z.looseObject({
  id,
  subject: z.string().nullish(),
  raw_subject: z.string().nullish(),
  status: z.string(),
  priority: z.string().nullish(),
  requester_id: nid,
  assignee_id: nid,
  group_id: nid,
  tags: z.array(z.string()).nullish(),
  created_at: z.string(),
  updated_at: z.string(),
  via: z.looseObject({ channel: z.union([z.string(), z.number()]).nullish() }).nullish(),
  custom_fields: z.array(z.looseObject({ id, value: z.unknown() })).nullish(),
  // metric sets sideloaded (include=metric_sets) sometimes arrive inline
  metric_set: ZdMetricSetSchema.nullish(),
});
export type ZdTicket = z.infer<typeof ZdTicketSchema>;

export const ZdCommentSchema = z.looseObject({
  id,
  author_id: nid,
  body: z.string().nullish(),
  plain_body: z.string().nullish(),
  public: z.boolean().nullish(),
  created_at: z.string(),
  via: z.looseObject({ channel: z.union([z.string(), z.number()]).nullish() }).nullish(),
});
export type ZdComment = z.infer<typeof ZdCommentSchema>;

/** An audit in the incremental ticket-event export; comments are child events with the comment_events sideload. */
export const ZdTicketEventSchema = z.looseObject({
  ticket_id: id,
  created_at: z.string().nullish(),
  child_events: z.array(z.looseObject({ id: nid, type: z.string().nullish(), event_type: z.string().nullish(), created_at: z.string().nullish() })).nullish(),
});

/** Child events that change comments already there (redacted, made private): the ticket's comments are read again. */
export const COMMENT_EDIT_EVENTS = new Set(['CommentRedactionEvent', 'AttachmentRedactionEvent', 'CommentPrivacyChange', 'ChatRedaction']);
/** Child events that are comments (the comments endpoint lists both kinds). */
export const COMMENT_EVENTS = new Set(['Comment', 'VoiceComment']);

export const ZdSatisfactionRatingSchema = z.looseObject({
  id,
  ticket_id: nid,
  assignee_id: nid,
  score: z.string(),
  comment: z.string().nullish(),
  created_at: z.string(),
  updated_at: z.string().nullish(),
});

const TextContent = z.looseObject({ value: z.string().nullish() }).nullish();
export const ZdSurveyResponseSchema = z.looseObject({
  id: z.string(),
  responder_id: nid,
  subject_zrns: z.array(z.string()).nullish(),
  subjects: z.array(z.looseObject({ id: z.string().nullish(), type: z.string().nullish() })).nullish(),
  answers: z.array(
    z.looseObject({
      type: z.string(),
      rating: z.number().nullish(),
      value: z.string().nullish(),
      created_at: z.string().nullish(),
      updated_at: z.string().nullish(),
      question: z
        .looseObject({
          type: z.string().nullish(),
          sub_type: z.string().nullish(),
          alias: z.string().nullish(),
          headline: TextContent,
          options: z.array(z.looseObject({ rating: z.number().nullish() })).nullish(),
        })
        .nullish(),
    }),
  ),
});
export type ZdSurveyResponse = z.infer<typeof ZdSurveyResponseSchema>;

// ------------------------------------------------------------------------------------------------
// Statuses, priorities, channels

export const STATUS_FROM_ZD: Record<string, Status> = {
  new: 'new',
  open: 'open',
  pending: 'pending',
  hold: 'on_hold',
  solved: 'solved',
  closed: 'closed',
};
export const STATUS_TO_ZD: Record<Status, string> = {
  new: 'new',
  open: 'open',
  pending: 'pending',
  on_hold: 'hold',
  solved: 'solved',
  closed: 'closed',
};

export function statusFromZendesk(s: string): Status {
  return STATUS_FROM_ZD[s.toLowerCase()] ?? 'open';
}

export function priorityFromZendesk(p: string | null | undefined): Priority {
  switch ((p ?? '').toLowerCase()) {
    case 'low':
      return 'low';
    case 'normal':
      return 'normal';
    case 'high':
      return 'high';
    case 'urgent':
      return 'urgent';
    default:
      return 'none';
  }
}

/** `null` clears the priority in Zendesk. */
export const priorityToZendesk = (p: Priority): string | null => (p === 'none' ? null : p);

/**
 * via.channel -> channel. Zendesk has dozens of via types; the common ones are mapped, the rest
 * (rules, merges, ticket sharing, side conversations...) become 'other'.
 */
const CHANNEL_MAP: Record<string, Channel> = {
  email: 'email',
  mail: 'email',
  web: 'web',
  web_form: 'web',
  web_widget: 'web',
  help_center: 'web',
  mobile_sdk: 'web',
  mobile: 'web',
  chat: 'chat',
  chat_transcript: 'chat',
  native_messaging: 'chat',
  messaging: 'chat',
  sunshine_conversations_api: 'chat',
  sunshine_conversations_facebook_messenger: 'social',
  sunshine_conversations_twitter_dm: 'social',
  voice: 'phone',
  phone: 'phone',
  phone_call_inbound: 'phone',
  phone_call_outbound: 'phone',
  voicemail: 'phone',
  sms: 'social',
  twitter: 'social',
  twitter_dm: 'social',
  twitter_favorite: 'social',
  facebook: 'social',
  facebook_post: 'social',
  facebook_message: 'social',
  instagram_dm: 'social',
  whatsapp: 'social',
  line: 'social',
  wechat: 'social',
  viber: 'social',
  telegram: 'social',
  apple_business_chat: 'social',
  google_business_messages: 'social',
  any_channel: 'social',
  api: 'api',
};

export function channelFromZendesk(via: string | number | null | undefined): Channel {
  if (via === null || via === undefined) return 'other';
  return CHANNEL_MAP[String(via).toLowerCase()] ?? 'other';
}

export function roleFromZendesk(role: string | null | undefined): PersonRole {
  switch ((role ?? '').toLowerCase()) {
    case 'admin':
      return 'admin';
    case 'agent':
      return 'agent';
    default:
      return 'customer';
  }
}

export function personFromZendesk(u: ZdUser | undefined, fallbackId: string | null | undefined, groups?: Map<string, string>): Person {
  if (!u) return { id: fallbackId ?? 'unknown', name: fallbackId ? `user ${fallbackId}` : 'unknown', email: null, role: 'customer' };
  const role = roleFromZendesk(u.role);
  return {
    id: String(u.id ?? fallbackId ?? 'unknown'),
    name: u.name ?? u.email ?? `user ${u.id}`,
    email: u.email ?? null,
    role,
    ...(role !== 'customer' ? { group: u.default_group_id ? (groups?.get(String(u.default_group_id)) ?? null) : null, signature: u.signature ?? null } : {}),
  };
}

const plusMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

export interface TicketLookups {
  users: (id: string) => ZdUser | undefined;
  groups: Map<string, string>;
  metrics?: (ticketId: string) => ZdMetricSet | undefined;
  baseUrl: string;
}

export function ticketFromZendesk(t: ZdTicket, look: TicketLookups): Ticket {
  const status = statusFromZendesk(t.status);
  const m = t.metric_set ?? look.metrics?.(t.id);
  let firstResponseAt: string | null = null;
  if (m) {
    const secs = m.reply_time_in_seconds?.calendar;
    const mins = m.reply_time_in_minutes?.calendar;
    if (typeof secs === 'number') firstResponseAt = new Date(Date.parse(t.created_at) + secs * 1000).toISOString();
    else if (typeof mins === 'number') firstResponseAt = plusMinutes(t.created_at, mins);
  }
  const solved = status === 'solved' || status === 'closed';
  const customFields: Record<string, unknown> = {};
  for (const f of t.custom_fields ?? []) if (f.value !== null && f.value !== undefined && f.value !== '') customFields[f.id] = f.value;
  const assignee = t.assignee_id ? personFromZendesk(look.users(t.assignee_id), t.assignee_id, look.groups) : null;
  return {
    id: t.id,
    url: `${look.baseUrl.replace(/\/+$/, '')}/agent/tickets/${t.id}`,
    subject: t.subject ?? t.raw_subject ?? '(no subject)',
    status,
    priority: priorityFromZendesk(t.priority),
    channel: channelFromZendesk(t.via?.channel),
    requester: personFromZendesk(t.requester_id ? look.users(t.requester_id) : undefined, t.requester_id),
    assignee,
    group: t.group_id ? (look.groups.get(t.group_id) ?? `group ${t.group_id}`) : null,
    tags: t.tags ?? [],
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    firstResponseAt,
    solvedAt: solved ? (m?.solved_at ?? t.updated_at) : null,
    reopenCount: m?.reopens ?? 0,
    publicReplyCount: m?.replies ?? null,
    customFields,
    raw: t,
  };
}

export function commentFromZendesk(c: ZdComment, ticketId: string, users: (id: string) => ZdUser | undefined): Comment {
  const u = c.author_id ? users(c.author_id) : undefined;
  const author = personFromZendesk(u, c.author_id);
  // author -1 (or none) is Zendesk itself: triggers, automations
  const system = !c.author_id || c.author_id === '-1';
  return {
    id: c.id,
    ticketId,
    author: system ? { id: c.author_id ?? '-1', name: 'Zendesk', email: null, role: 'system' } : author,
    authorRole: system ? 'system' : author.role === 'customer' ? 'customer' : 'agent',
    public: c.public ?? true,
    body: c.plain_body ?? c.body ?? '',
    createdAt: c.created_at,
  };
}

/** Legacy satisfaction_ratings: good = 1, bad = 0 on a 0..1 scale; offered/unoffered are not ratings. */
export function ratingFromLegacy(r: z.infer<typeof ZdSatisfactionRatingSchema>): Rating | null {
  const score = r.score.toLowerCase();
  const good = score.startsWith('good');
  const bad = score.startsWith('bad');
  if (!good && !bad) return null;
  if (!r.ticket_id) return null;
  return {
    ticketId: r.ticket_id,
    kind: 'csat',
    score: good ? 1 : 0,
    scale: { min: 0, max: 1 },
    comment: r.comment || null,
    createdAt: r.created_at,
    agentId: r.assignee_id ?? null,
  };
}

const ticketIdOf = (s: ZdSurveyResponse): string | null => {
  for (const sub of s.subjects ?? []) if (sub.type === 'ticket' && sub.id) return sub.id;
  for (const zrn of s.subject_zrns ?? []) {
    const m = /^(?:zen|zrn):ticket:(\d+)$/.exec(zrn);
    if (m) return m[1]!;
  }
  return null;
};

/**
 * A CSAT survey response -> a rating: the rating-scale answer (customer_satisfaction) gives the score,
 * an open-ended answer the comment. The scale comes from the question's options when present, else
 * `defaultScale` (Zendesk offers 2-point and 5-point scales). A 2-point answer maps to good/bad (0..1).
 */
export function ratingFromSurveyResponse(s: ZdSurveyResponse, defaultScale: 2 | 5 = 5): Rating | null {
  const ticketId = ticketIdOf(s);
  if (!ticketId) return null;
  const rated = s.answers.find((a) => typeof a.rating === 'number' && (a.question?.sub_type ?? 'customer_satisfaction') === 'customer_satisfaction');
  if (!rated || typeof rated.rating !== 'number') return null;
  const options = rated.question?.options?.map((o) => o.rating).filter((x): x is number => typeof x === 'number') ?? [];
  const max = options.length ? Math.max(...options) : defaultScale;
  const comment = s.answers.find((a) => a.type === 'open_ended' && a.value)?.value ?? null;
  const createdAt = rated.updated_at ?? rated.created_at ?? new Date(0).toISOString();
  if (max === 2) {
    return { ticketId, kind: 'csat', score: rated.rating >= 2 ? 1 : 0, scale: { min: 0, max: 1 }, comment, createdAt, agentId: null };
  }
  return { ticketId, kind: 'csat', score: rated.rating, scale: { min: 1, max }, comment, createdAt, agentId: null };
}

/** Zendesk search syntax value: quoted when it contains spaces or quotes. */
export const searchValue = (v: string): string => (/[\s"]/.test(v) ? `"${v.replace(/"/g, '')}"` : v);
