import { z } from 'zod';

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export const PRIORITIES = ['none', 'low', 'normal', 'high', 'urgent'] as const;
export const CHANNELS = ['email', 'chat', 'phone', 'social', 'web', 'api', 'other'] as const;
export const PERSON_ROLES = ['customer', 'agent', 'admin', 'system'] as const;
export const AUTHOR_ROLES = ['customer', 'agent', 'system'] as const;
export const RATING_KINDS = ['csat', 'nps', 'ces'] as const;

export type Status = (typeof STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type Channel = (typeof CHANNELS)[number];
export type PersonRole = (typeof PERSON_ROLES)[number];
export type AuthorRole = (typeof AUTHOR_ROLES)[number];
export type RatingKind = (typeof RATING_KINDS)[number];

/** Statuses where the helpdesk considers the work done. */
export const SOLVED_STATUSES: readonly Status[] = ['solved', 'closed'];
export const isUnsolved = (status: Status): boolean => !SOLVED_STATUSES.includes(status);

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO date' });

export const PersonSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullish(),
  role: z.enum(PERSON_ROLES),
  /** Agents only: the group (team) they work in, and the reply signature. */
  group: z.string().nullish(),
  signature: z.string().nullish(),
});
export type Person = z.infer<typeof PersonSchema>;

export const TicketSchema = z.object({
  id: z.string(),
  url: z.string().nullish(),
  subject: z.string(),
  status: z.enum(STATUSES),
  priority: z.enum(PRIORITIES),
  channel: z.enum(CHANNELS),
  requester: PersonSchema,
  assignee: PersonSchema.nullish(),
  group: z.string().nullish(),
  tags: z.array(z.string()),
  createdAt: isoDate,
  updatedAt: isoDate,
  /** First public agent reply. */
  firstResponseAt: isoDate.nullish(),
  /** Last time the ticket was solved (null while unsolved). */
  solvedAt: isoDate.nullish(),
  reopenCount: z.number().int().nonnegative(),
  /** Number of public agent replies, when the helpdesk knows it without listing comments. */
  publicReplyCount: z.number().int().nonnegative().nullish(),
  /** Time of the latest customer message, when known without listing comments. */
  lastCustomerMessageAt: isoDate.nullish(),
  customFields: z.record(z.string(), z.unknown()),
  /** The vendor's own object. Never printed unless asked for. */
  raw: z.unknown().optional(),
});
export type Ticket = z.infer<typeof TicketSchema>;

export const CommentSchema = z.object({
  id: z.string(),
  ticketId: z.string(),
  author: PersonSchema,
  authorRole: z.enum(AUTHOR_ROLES),
  public: z.boolean(),
  body: z.string(),
  createdAt: isoDate,
  /** Files attached to the message (listed, not downloaded), where the helpdesk reports them. */
  attachments: z.array(z.object({ name: z.string(), contentType: z.string().nullable(), size: z.number().nullable() })).optional(),
});
export type Comment = z.infer<typeof CommentSchema>;

export const RatingSchema = z.object({
  ticketId: z.string(),
  kind: z.enum(RATING_KINDS),
  /** For CSAT on a good/bad helpdesk: good = 1, bad = 0 with scale {min:0,max:1}. */
  score: z.number(),
  scale: z.object({ min: z.number(), max: z.number() }),
  comment: z.string().nullish(),
  createdAt: isoDate,
  agentId: z.string().nullish(),
});
export type Rating = z.infer<typeof RatingSchema>;

export interface Group {
  id: string;
  name: string;
}

/** A change to a ticket. Only the fields present are changed. */
export interface TicketPatch {
  status?: Status;
  priority?: Priority;
  /** Agent id, or null to unassign. Callers resolve names/emails/"me" first (see resolveAgent). */
  assigneeId?: string | null;
  /** Group name, or null to clear. */
  group?: string | null;
  addTags?: string[];
  removeTags?: string[];
  customFields?: Record<string, unknown>;
}

export interface NewComment {
  body: string;
  public: boolean;
  /** Agent id of the author; the provider's authenticated agent when absent. */
  authorId?: string;
  /**
   * Status to set in the same write as the comment. Only for providers whose capabilities say
   * `statusWithComment`; the others get it as a separate update (see sendPlan in src/tickets/send.ts).
   */
  status?: Status;
}

export interface DateRange {
  since?: Date;
  until?: Date;
}

/** How a person is shown to a human: the name, else the email, else the id (the name itself may be empty when unknown). */
export const displayName = (p: Pick<Person, 'id' | 'name' | 'email'>): string => p.name || p.email || p.id;
