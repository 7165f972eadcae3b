import type { z } from 'zod';
// type-only: the zod schemas are built only by the code that validates with them (start-up cost)
import type { CommentSchema, PersonSchema, RatingSchema, TicketSchema } from './schemas.js';

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

export type Person = z.infer<typeof PersonSchema>;
export type Ticket = z.infer<typeof TicketSchema>;
export type Comment = z.infer<typeof CommentSchema>;
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
  /**
   * Ticket changes to make in the same write as the comment (applied with it or not at all). Only for
   * providers whose capabilities say `changesWithComment`.
   */
  changes?: TicketPatch;
}

export interface DateRange {
  since?: Date;
  until?: Date;
}

/** How a person is shown to a human: the name, else the email, else the id (the name itself may be empty when unknown). */
export const displayName = (p: Pick<Person, 'id' | 'name' | 'email'>): string => p.name || p.email || p.id;
