import { z } from 'zod';
import { AUTHOR_ROLES, CHANNELS, PERSON_ROLES, PRIORITIES, RATING_KINDS, STATUSES } from './model.js';

// The domain model (src/domain/model.ts) as zod schemas, for code that validates a ticket, comment or
// rating at a boundary. A module of its own: building these schemas costs start-up time that a command
// which only reads the types should not pay.

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
