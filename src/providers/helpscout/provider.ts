/**
 * Help Scout Mailbox API 2.0 provider: conversations as tickets, threads as comments, customers as
 * requesters, users as agents, mailboxes as groups, tags, assignment, status; happiness ratings from
 * the ratings report where the plan has reports.
 *
 * Auth is OAuth2 client credentials (src/providers/oauth.ts): the token is cached in the profile's
 * secrets, renewed shortly before it expires and when the API answers 401. Writes count double against
 * Help Scout's rate limit, and the limiter is told so (cost 2). Help Scout has no priority field.
 */
import type { z } from 'zod';
import type { Comment, DateRange, Group, NewComment, Person, Rating, Ticket, TicketPatch } from '../../domain/model.js';
import { filterTickets, UNASSIGNED, type TicketQuery } from '../../domain/query.js';
import { ApiError, AuthError, NotFoundError, UsageError } from '../../errors.js';
import { requireDecimalId } from '../../domain/parse.js';
import { htmlToText, textToHtml } from '../html.js';
import { headerValue, vendorParser } from '../vendor-json.js';
import { postCommentOnce } from '../write-once.js';
import { ReadHandoff } from '../read-handoff.js';
import { ticketsByIds } from '../tickets-by-id.js';
import type { HttpClient, Query } from '../http.js';
import type { Capabilities, HelpdeskProvider } from '../provider.js';
import {
  commentFromThread,
  HsConversationPageSchema,
  HsConversationSchema,
  HsMailboxPageSchema,
  HsRatingReportSchema,
  HsThreadPageSchema,
  HsUserPageSchema,
  HsUserSchema,
  personFromUser,
  planUpdate,
  priorityUnsupported,
  PRIORITY_HINT,
  ratingsFromReport,
  statusToHelpScout,
  ticketFromConversation,
  type HsConversation,
  type HsLookups,
  type HsThread,
} from './map.js';

/** Writes (POST, PUT, PATCH, DELETE) count as two requests against Help Scout's limit. */
export const WRITE_COST = 2;

export interface HelpScoutOptions {
  http: HttpClient;
  /** The profile's `agent` setting (id or email), used for "me" when set. */
  agentRef?: string;
  now: () => Date;
  warn?: (message: string) => void;
  /** Embed threads when listing (first response, reply count, reopens); default true. */
  embedThreads?: boolean;
}

const parse = vendorParser('Help Scout');

/** Help Scout conversation ids are numbers. */
export function conversationNumber(id: string): number {
  return requireDecimalId(id, 'Help Scout conversation', '2391938111');
}

/** A Help Scout advanced-search date literal. */
const hsDate = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Tickets fetched at once when a query names ids. */
const ID_FETCH_CONCURRENCY = 4;

export class HelpScoutProvider implements HelpdeskProvider {
  readonly kind = 'helpscout';
  readonly displayName = 'Help Scout';
  readonly capabilities: Capabilities = {
    priority: false,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: ['csat'],
    serverFilters: ['ids', 'status', 'group', 'tags', 'assigneeIds', 'createdSince', 'createdUntil', 'updatedSince'],
    defaultConcurrency: 2,
    hints: { priority: PRIORITY_HINT },
  };
  readonly http: HttpClient;
  private readonly opts: HelpScoutOptions;
  private usersP?: Promise<Map<number, Person>>;
  private mailboxesP?: Promise<Group[]>;
  /** getTicket's read of a conversation, handed to a reply that follows (it needs the customer). */
  private readonly handoff = new ReadHandoff<HsConversation>();
  private meP?: Promise<Person | null>;
  private ratingsUnavailable = false;

  constructor(opts: HelpScoutOptions) {
    this.opts = opts;
    this.http = opts.http;
  }

  // ------------------------------------------------------------------------------------------
  // HAL pagination and lookups

  /** Pages of a HAL collection: `_embedded[key]`, following `page.number` up to `page.totalPages`. */
  private async *halPages<T>(path: string, query: Query, read: (body: unknown) => { items: T[]; number?: number | null; totalPages?: number | null }): AsyncGenerator<T[]> {
    for (let page = 1; ; page++) {
      const body = await this.http.get(path, { ...query, page });
      const { items, number, totalPages } = read(body);
      if (items.length) yield items;
      const current = number ?? page;
      if (!items.length || totalPages == null || current >= totalPages) return;
      page = current;
    }
  }

  private usersById(): Promise<Map<number, Person>> {
    return (this.usersP ??= (async () => {
      const map = new Map<number, Person>();
      for await (const page of this.halPages('/users', {}, (b) => {
        const p = parse(HsUserPageSchema, b, 'user list');
        return { items: p._embedded?.users ?? [], number: p.page?.number, totalPages: p.page?.totalPages };
      })) {
        for (const u of page) map.set(u.id, personFromUser(u));
      }
      return map;
    })().catch((err) => {
      this.usersP = undefined;
      throw err;
    }));
  }

  private async lookups(): Promise<HsLookups> {
    const [users, mailboxes] = await Promise.all([this.usersById(), this.listGroups()]);
    return {
      user: (id) => users.get(id),
      mailboxName: (id) => mailboxes.find((m) => m.id === String(id))?.name,
    };
  }

  private async mailboxId(name: string): Promise<number | undefined> {
    const boxes = await this.listGroups();
    const m = boxes.find((b) => b.name.toLowerCase() === name.toLowerCase() || b.id === name);
    return m ? Number(m.id) : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // tickets

  /** The mailboxes (Help Scout's web app has no URL for a filtered list). */
  async webListUrl(): Promise<{ url: string; filtered: boolean }> {
    return { url: 'https://secure.helpscout.net/', filtered: false };
  }

  listTickets(query: TicketQuery): AsyncIterable<Ticket[]> {
    // Help Scout has one "done" state, shown as closed: asking for solved tickets means those
    const q = query.status?.includes('solved') && !query.status.includes('closed') ? { ...query, status: [...query.status, 'closed' as const] } : query;
    return filterTickets(this.serverSide(q), q);
  }

  /** Query parameters of GET /conversations for a TicketQuery; undefined when nothing can match. */
  private async conversationQuery(q: TicketQuery): Promise<Query | undefined> {
    const query: Query = { status: 'all', sortField: 'createdAt', sortOrder: 'desc' };
    if (this.opts.embedThreads !== false) query.embed = 'threads';
    if (q.status?.length) {
      const hs = [...new Set(q.status.map(statusToHelpScout))];
      if (hs.length === 1) query.status = hs[0];
      else if (hs.length === 2 && hs.includes('active') && hs.includes('pending')) query.status = 'open';
    }
    if (q.group?.length) {
      const ids = (await Promise.all(q.group.map((g) => this.mailboxId(g)))).filter((x): x is number => x !== undefined);
      if (!ids.length) return undefined;
      query.mailbox = ids.join(',');
    }
    // the API matches ANY of several tags; the local filter then requires all of them
    if (q.tags?.length) query.tag = q.tags[0]!;
    if (q.assigneeIds?.length === 1 && q.assigneeIds[0] !== UNASSIGNED && /^\d+$/.test(q.assigneeIds[0]!)) query.assigned_to = q.assigneeIds[0]!;
    const lower = [q.updatedSince, q.createdSince, q.solvedSince].filter((d): d is Date => Boolean(d)).sort((a, b) => b.getTime() - a.getTime())[0];
    if (lower) query.modifiedSince = hsDate(lower);
    if (q.createdSince || q.createdUntil) {
      query.query = `(createdAt:[${q.createdSince ? hsDate(q.createdSince) : '*'} TO ${q.createdUntil ? hsDate(q.createdUntil) : '*'}])`;
    }
    return query;
  }

  private async *serverSide(q: TicketQuery): AsyncGenerator<Ticket[]> {
    if (q.ids?.length) {
      yield* ticketsByIds(q.ids, (id) => this.getTicket(id), { concurrency: ID_FETCH_CONCURRENCY, isMissing: (err) => err instanceof UsageError });
      return;
    }
    const query = await this.conversationQuery(q);
    if (!query) return;
    const lookups = await this.lookups();
    // newest first: conversations created while paging push older ones down a page, so ids are de-duplicated
    const seen = new Set<number>();
    for await (const page of this.halPages('/conversations', query, (b) => {
      const p = parse(HsConversationPageSchema, b, 'conversation list');
      return { items: p._embedded?.conversations ?? [], number: p.page?.number, totalPages: p.page?.totalPages };
    })) {
      const fresh = page.filter((c) => !seen.has(c.id));
      for (const c of fresh) seen.add(c.id);
      if (fresh.length) yield fresh.map((c) => ticketFromConversation(c, lookups));
    }
  }

  private async rawConversation(id: string, embed = true): Promise<HsConversation> {
    const n = conversationNumber(id);
    const body = await this.http.get(`/conversations/${n}`, embed ? { embed: 'threads' } : {}, { notFound: { what: 'conversation', id } });
    return parse(HsConversationSchema, body, 'conversation');
  }

  async getTicket(id: string): Promise<Ticket> {
    const [c, lookups] = await Promise.all([this.handoff.read(id, () => this.rawConversation(id)), this.lookups()]);
    return ticketFromConversation(c, lookups);
  }

  private async threads(id: number): Promise<HsThread[]> {
    const out: HsThread[] = [];
    for await (const page of this.halPages(`/conversations/${id}/threads`, {}, (b) => {
      const p = parse(HsThreadPageSchema, b, 'thread list');
      return { items: p._embedded?.threads ?? [], number: p.page?.number, totalPages: p.page?.totalPages };
    })) {
      out.push(...page);
    }
    return out;
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    const n = conversationNumber(ticketId);
    const [threads, lookups] = await Promise.all([
      this.threads(n).catch((err) => {
        if (err instanceof NotFoundError) throw new NotFoundError('conversation', ticketId);
        throw err;
      }),
      this.lookups(),
    ]);
    return threads
      .map((t) => commentFromThread(t, String(n), lookups))
      .filter((c): c is Comment => c !== null)
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || Number(a.id) - Number(b.id));
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    const n = conversationNumber(id);
    if (patch.priority !== undefined) throw priorityUnsupported();
    let unknownMailbox: string | undefined;
    const boxId = patch.group ? await this.mailboxId(patch.group) : undefined;
    if (patch.group && boxId === undefined) unknownMailbox = patch.group;
    if (unknownMailbox) {
      const names = (await this.listGroups()).map((g) => g.name);
      throw new UsageError(`no Help Scout mailbox named '${unknownMailbox}'`, names.length ? `mailboxes: ${names.join(', ')}` : 'this account has no mailboxes');
    }
    this.handoff.forget(id);
    const needTags = Boolean(patch.addTags?.length || patch.removeTags?.length);
    const current = needTags ? await this.rawConversation(id, false) : undefined;
    const plan = planUpdate(patch, current?.tags?.map((t) => t.tag), () => boxId!);
    if (patch.status === 'on_hold') this.opts.warn?.(`Help Scout has no on-hold status: conversation ${id} set to pending`);
    for (const op of plan.ops) {
      // setting a property to a value is idempotent: repeating it after a lost answer is harmless
      await this.http.request({ method: 'PATCH', path: `/conversations/${n}`, json: op, cost: WRITE_COST, idempotent: true, notFound: { what: 'conversation', id } });
    }
    if (plan.tags) {
      await this.http.request({ method: 'PUT', path: `/conversations/${n}/tags`, json: { tags: plan.tags }, cost: WRITE_COST, notFound: { what: 'conversation', id } });
    }
    return this.getTicket(id);
  }

  async addComment(ticketId: string, comment: NewComment): Promise<Comment> {
    const n = conversationNumber(ticketId);
    if (!comment.body.trim()) throw new UsageError('the comment body is empty', 'give the text to send');
    const userId = comment.authorId !== undefined ? Number(comment.authorId) : undefined;
    if (userId !== undefined && !(Number.isInteger(userId) && userId > 0)) {
      throw new UsageError(`invalid Help Scout user id '${comment.authorId}'`, 'Help Scout user ids are numbers');
    }
    const text = textToHtml(comment.body);
    let json: Record<string, unknown>;
    let path: string;
    if (comment.public) {
      // a reply goes to a customer: the conversation's primary customer (as getTicket just read it, if it did)
      const conv = await this.handoff.take(ticketId, () => this.rawConversation(ticketId, false));
      const customerId = conv.primaryCustomer?.id ?? (conv.createdBy?.type === 'customer' ? conv.createdBy.id : undefined);
      if (customerId === undefined) throw new ApiError(`Help Scout conversation ${ticketId} has no customer to reply to`, { hint: 'add a note instead, or set the customer in Help Scout' });
      json = { customer: { id: customerId }, text, ...(userId ? { user: userId } : {}) };
      path = `/conversations/${n}/reply`;
    } else {
      json = { text, ...(userId ? { user: userId } : {}) };
      path = `/conversations/${n}/notes`;
    }
    this.handoff.forget(ticketId);
    return postCommentOnce(comment, () => this.listComments(ticketId), async (verifyNotLanded) => {
      const res = await this.http.request({ method: 'POST', path, json, cost: WRITE_COST, notFound: { what: 'conversation', id: ticketId }, verifyNotLanded });
      const author = userId ? ((await this.usersById()).get(userId) ?? null) : await this.currentAgent();
      return {
        // Help Scout answers 201 with the new thread's id in Resource-ID and no body
        id: headerValue(res.headers, 'resource-id') ?? `${n}-${Date.now()}`,
        ticketId: String(n),
        author: author ?? { id: '', name: 'Help Scout user', email: null, role: 'agent' },
        authorRole: 'agent',
        public: comment.public,
        body: htmlToText(text),
        createdAt: new Date().toISOString(),
      };
    });
  }

  // ------------------------------------------------------------------------------------------
  // ratings, people, groups

  async *listRatings(range: DateRange): AsyncIterable<Rating[]> {
    if (this.ratingsUnavailable) return;
    const start = hsDate(range.since ?? new Date('2011-01-01T00:00:00Z'));
    const end = hsDate(range.until ?? this.opts.now());
    for (let page = 1; ; page++) {
      let body: unknown;
      try {
        body = await this.http.get('/reports/happiness/ratings', { start, end, rating: 'all', page });
      } catch (err) {
        if ((err instanceof AuthError && /403/.test(err.message)) || err instanceof NotFoundError) {
          this.ratingsUnavailable = true;
          this.opts.warn?.('Help Scout: happiness ratings need the reports of the Plus or Pro plan; no ratings read');
          return;
        }
        throw err;
      }
      const report = parse(HsRatingReportSchema, body, 'ratings report');
      const ratings = ratingsFromReport(report).filter((r) => {
        const t = Date.parse(r.createdAt);
        return (!range.since || t >= range.since.getTime()) && (!range.until || t < range.until.getTime());
      });
      if (ratings.length) yield ratings;
      const pages = report.pages ?? 1;
      const current = report.page ?? page;
      if (!report.results.length || current >= pages) return;
      page = current;
    }
  }

  async listAgents(): Promise<Person[]> {
    return [...(await this.usersById()).values()];
  }

  listGroups(): Promise<Group[]> {
    return (this.mailboxesP ??= (async () => {
      const out: Group[] = [];
      for await (const page of this.halPages('/mailboxes', {}, (b) => {
        const p = parse(HsMailboxPageSchema, b, 'mailbox list');
        return { items: p._embedded?.mailboxes ?? [], number: p.page?.number, totalPages: p.page?.totalPages };
      })) {
        for (const m of page) out.push({ id: String(m.id), name: m.name });
      }
      return out;
    })().catch((err) => {
      this.mailboxesP = undefined;
      throw err;
    }));
  }

  currentAgent(): Promise<Person | null> {
    return (this.meP ??= (async () => {
      const users = await this.usersById();
      const ref = this.opts.agentRef?.trim().toLowerCase();
      if (ref) {
        const found = [...users.values()].find((a) => a.id === ref || (a.email ?? '').toLowerCase() === ref);
        if (found) return found;
      }
      const res = await this.http.request({ path: '/users/me', allowStatus: [404] });
      if (res.status === 404 || !res.body) return null;
      const me = parse(HsUserSchema, res.body, 'user');
      return users.get(me.id) ?? personFromUser(me);
    })().catch((err) => {
      this.meP = undefined;
      throw err;
    }));
  }

  /** For `deskctl profile test`: one cheap authenticated call (users/me), the account and its rate limit. */
  async describeAccount(): Promise<{ account: string; user?: string; rateLimit?: string }> {
    const res = await this.http.request({ path: '/users/me' });
    const me = parse(HsUserSchema, res.body, 'user');
    const h = (name: string) => headerValue(res.headers, name);
    const limit = h('x-ratelimit-limit-minute');
    const remaining = h('x-ratelimit-remaining-minute');
    const pace = this.http.limiter?.perMinute;
    const parts = [limit ? `${limit}/min (writes count 2)` : undefined, remaining ? `${remaining} left` : undefined, pace ? `deskctl paces at ${pace}/min` : undefined].filter(Boolean);
    const person = personFromUser(me);
    return {
      account: `Help Scout (${this.http.baseUrl.host})`,
      user: `${person.name}${person.email ? ` <${person.email}>` : ''} (OAuth client credentials)`,
      rateLimit: parts.length ? parts.join(', ') : undefined,
    };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
