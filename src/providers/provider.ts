import type {
  Comment,
  DateRange,
  Group,
  NewComment,
  Person,
  Rating,
  RatingKind,
  Ticket,
  TicketPatch,
} from '../domain/model.js';
import type { TicketQuery } from '../domain/query.js';
import type { MetricsRequest, PerTicketRequest, PerTicketRow, SummaryResult } from '../metrics/engine.js';

/**
 * What a helpdesk can and cannot do, so that commands can say so plainly
 * ("Help Scout has no priority field") instead of failing oddly.
 */
export interface Capabilities {
  /** The helpdesk has a priority field that can be read and set. */
  priority: boolean;
  /** Tickets carry a real channel (email, chat, ...); false means everything maps to one channel. */
  channels: boolean;
  /** Groups/teams/queues exist and tickets can be moved between them. */
  groups: boolean;
  /** Internal notes (private comments) exist. */
  internalNotes: boolean;
  /** Tags exist. */
  tags: boolean;
  /** Rating kinds the helpdesk records. */
  ratings: RatingKind[];
  /** Query fields the provider filters on server-side (the rest are filtered locally). */
  serverFilters: (keyof TicketQuery)[];
  /** A comment and a status change can go in one write (NewComment.status), e.g. Zendesk's ticket PUT. */
  statusWithComment?: boolean;
  /** Every ticket change can go in the comment's write too (NewComment.changes): one write for a reply and its template's actions. */
  changesWithComment?: boolean;
  /** Suggested number of concurrent write requests for bulk operations. */
  defaultConcurrency: number;
  /** What to do instead when a capability above is missing, e.g. RT's tags: "--option tagsField=NAME". */
  hints?: Partial<Record<CapabilityHint, string>>;
}

/** The capabilities a command can be refused for. */
export type CapabilityHint = 'priority' | 'groups' | 'tags' | 'internalNotes';

/** How the caller will read a ticket list. */
export interface ListOptions {
  /** It stops after this many matching tickets: the first page asks for no more (later pages are full size). */
  wanted?: number;
  /**
   * It reads the conversation of each ticket it keeps through `ticketWithConversation` (sync): the
   * listing need not read conversations for facts itself.
   */
  conversationsFollow?: boolean;
  /**
   * The ticket fields it reads (column keys such as `requester.email`); absent = every field. A provider may
   * leave out what costs extra requests when none of it is read (RT's facts from the transaction log).
   */
  fields?: readonly string[];
}

/** The first page's size: what the caller wants, within the API's maximum. */
export const firstPageSize = (max: number, opts?: ListOptions): number => Math.max(1, Math.min(max, opts?.wanted ?? max));

/** A comment as addComment sent it; `statusRefused` says why the status asked for with it was not set (the message itself was sent). */
export type AddedComment = Comment & { statusRefused?: string };

export interface HelpdeskProvider {
  /** Registry name: local, zendesk, freshdesk, helpscout, front, intercom, rt. */
  readonly kind: string;
  /** Human name for messages, e.g. "Help Scout". */
  readonly displayName: string;
  readonly capabilities: Capabilities;

  /** Streams tickets matching the query, one page at a time. Order is provider-defined. */
  listTickets(query: TicketQuery, opts?: ListOptions): AsyncIterable<Ticket[]>;
  /** Throws NotFoundError naming the id when it does not exist. */
  getTicket(id: string): Promise<Ticket>;
  /** The conversation, oldest first, internal notes included (public=false). */
  listComments(ticketId: string): Promise<Comment[]>;
  /** Optional: getTicket and listComments in one go, where the helpdesk can read both at once (`tickets show`). */
  getTicketWithComments?(id: string): Promise<{ ticket: Ticket; comments: Comment[] }>;
  updateTicket(id: string, patch: TicketPatch): Promise<Ticket>;
  addComment(ticketId: string, comment: NewComment): Promise<AddedComment>;
  /** Ratings created in the range, one page at a time. */
  listRatings(range: DateRange): AsyncIterable<Rating[]>;
  listAgents(): Promise<Person[]>;
  listGroups(): Promise<Group[]>;
  /** The agent the credentials belong to (or the profile's configured agent). */
  currentAgent(): Promise<Person | null>;
  /** Optional: one cheap authenticated call for `profile test` - the account, the signed-in user, the rate limit. */
  describeAccount?(): Promise<{ account: string; user?: string; rateLimit?: string }>;
  /**
   * Optional: tickets changed since a cursor (or, without one, since a time), in change order, each page
   * with the cursor that resumes after it; the last page may be empty and still move the cursor. Only
   * helpdesks with a resumable incremental listing have it (Zendesk); `deskctl sync` falls back to
   * listTickets({ updatedSince }) elsewhere. `removed`: ids of tickets the listing reports deleted.
   */
  changedTickets?(from: { cursor?: string; since: Date }): AsyncIterable<{ tickets: Ticket[]; cursor: string; removed?: string[] }>;
  /**
   * Optional: the metrics summary computed where the data lives (the embedded helpdesk does it in SQL),
   * with the same definitions and results as streaming tickets through src/metrics (the reference).
   */
  summarizeMetrics?(req: MetricsRequest): Promise<SummaryResult>;
  /** Optional: the rows of `metrics export --per-ticket` computed where the data lives, in pages. */
  perTicketMetrics?(req: PerTicketRequest): AsyncIterable<PerTicketRow[]>;
  /**
   * Optional: the helpdesk's web UI for a list of tickets (`tickets list --web`), with the filters
   * where its URLs can carry them. The embedded helpdesk has no web UI.
   */
  webListUrl?(query: TicketQuery): Promise<{ url: string; filtered: boolean }>;
  /** Optional: how many tickets match, counted where the data lives (for "showing 30 of 412"). */
  countTickets?(query: TicketQuery): Promise<number>;
  /**
   * Optional: comments added since a time, from a change feed (Zendesk's ticket-event export), one page at
   * a time with the time the next page starts from (inclusive: the events of that second may come again,
   * with the same ids), and the edits of older comments (redacted, made private) whose tickets are to be
   * read again whole.
   */
  changedComments?(since: Date): AsyncIterable<{ comments: Comment[]; edits: CommentEdit[]; next: Date }>;
  /**
   * Optional: a listed ticket's conversation, with the ticket completed by what only the conversation
   * tells (Front: first response, replies, last customer message), in the fewest requests. `deskctl sync`
   * uses it where a provider has it, listComments elsewhere.
   */
  ticketWithConversation?(ticket: Ticket): Promise<{ ticket: Ticket; comments: Comment[] }>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}

/** A change to a comment already there (redacted, made private), from a comment feed. */
export interface CommentEdit {
  ticketId: string;
  eventId: string;
  at: Date;
}

/** Collects a paged iterator, stopping after `limit` items when given. */
export async function collect<T>(pages: AsyncIterable<T[]>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  for await (const page of pages) {
    for (const item of page) {
      out.push(item);
      if (out.length >= limit) return out;
    }
  }
  return out;
}
