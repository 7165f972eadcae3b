/**
 * Freshdesk v2 provider: tickets, conversations (reply, note), satisfaction ratings, agents, groups.
 *
 * Auth: the API key as the basic-auth user with "X" as the password. Requests go through the shared
 * HTTP layer (rate limiter, retries honouring Retry-After, --verbose trace); `include=` costs two
 * extra API credits each, which the limiter is told.
 *
 * Listing: a query with a lower date bound walks GET /tickets by `updated_since` in ascending order,
 * restarting from the last `updated_at` seen when the endpoint's 300-page cap is reached. Without one,
 * status/priority/assignee/group/tag filters use the filter endpoint (300 results per query: split by
 * creation day until each part fits), and a query with neither lists newest first. The shared local
 * filter applies whatever the server could not.
 */
import type { Comment, DateRange, Group, NewComment, Person, Rating, Ticket, TicketPatch } from '../../domain/model.js';
import { filterTickets, type TicketQuery } from '../../domain/query.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { requireDecimalId } from '../../domain/parse.js';
import { type HttpClient, type HttpResponse, parseLinkHeader } from '../http.js';
import { firstPageSize, type Capabilities, type HelpdeskProvider, type ListOptions } from '../provider.js';
import { textToHtml } from '../html.js';
import { headerValue, vendorParser } from '../vendor-json.js';
import { postCommentOnce } from '../write-once.js';
import { ReadHandoff } from '../read-handoff.js';
import { ticketsByIds } from '../tickets-by-id.js';
import {
  commentFromConversation,
  descriptionComment,
  FdAgentListSchema,
  FdContactSchema,
  FdConversationListSchema,
  FdConversationSchema,
  FdGroupListSchema,
  FdRatingListSchema,
  FdSearchSchema,
  FdTicketListSchema,
  FdTicketSchema,
  personFromAgent,
  personFromContact,
  ratingFromFreshdesk,
  ticketFromFreshdesk,
  updateBodyFromPatch,
  type FdLookups,
  type FdTicket,
} from './map.js';
import { buildFilterPlan, EARLIEST_DAY, filterQuery, SEARCH_CAP, SEARCH_MAX_PAGES, SEARCH_PAGE_SIZE, splitRange, wantsFilterQuery, type DayRange, type FilterPlan } from './search.js';
import type { z } from 'zod';

export const LIST_PAGE_SIZE = 100;
/** GET /tickets serves at most 300 pages per query. */
export const LIST_MAX_PAGES = 300;
/** Each `include=` value costs two more API credits. */
const INCLUDE_COST = 2;
const TICKET_INCLUDE = 'requester,stats';
const TICKET_COST = 1 + TICKET_INCLUDE.split(',').length * INCLUDE_COST;
const EPOCH = '2000-01-01T00:00:00Z';

export interface FreshdeskOptions {
  http: HttpClient;
  /** https://acme.freshdesk.com (where ticket links point). */
  webUrl: string;
  /** The profile's `agent` setting (id or email), used for "me" when set. */
  agentRef?: string;
  now: () => Date;
  warn?: (message: string) => void;
  /** Pages GET /tickets serves per query (Freshdesk: 300); lower only to test the restart. */
  listMaxPages?: number;
}

const parse = vendorParser('Freshdesk');

/** Tickets fetched at once when a query names ids. */
const ID_FETCH_CONCURRENCY = 4;

/** A group's id by name (case-insensitive) or id. */
const groupIdIn = (groups: Group[], name: string): number | undefined => {
  const g = groups.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.id === name);
  return g ? Number(g.id) : undefined;
};

export class FreshdeskProvider implements HelpdeskProvider {
  readonly kind = 'freshdesk';
  readonly displayName = 'Freshdesk';
  readonly capabilities: Capabilities = {
    priority: true,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: ['csat'],
    serverFilters: ['ids', 'status', 'priority', 'assigneeIds', 'group', 'tags', 'createdSince', 'createdUntil', 'updatedSince', 'updatedUntil'],
    defaultConcurrency: 4,
  };
  readonly http: HttpClient;
  private readonly webUrl: string;
  private readonly opts: FreshdeskOptions;
  private agentsP?: Promise<Map<number, Person>>;
  private groupsP?: Promise<Group[]>;
  private readonly contacts = new Map<number, Promise<Person | undefined>>();
  private readonly listMaxPages: number;
  private meP?: Promise<Person | null>;
  /** getTicket's read of a ticket, handed to the listComments that follows (it needs the same object). */
  private readonly handoff = new ReadHandoff<FdTicket>();

  constructor(opts: FreshdeskOptions) {
    this.opts = opts;
    this.http = opts.http;
    this.webUrl = opts.webUrl.replace(/\/+$/, '');
    this.listMaxPages = opts.listMaxPages ?? LIST_MAX_PAGES;
  }

  // ------------------------------------------------------------------------------------------
  // lookups

  private agentsById(): Promise<Map<number, Person>> {
    return (this.agentsP ??= (async () => {
      const groups = await this.listGroups();
      const groupName = (id: number) => groups.find((g) => g.id === String(id))?.name;
      const map = new Map<number, Person>();
      for await (const page of this.pages('/agents', {}, FdAgentListSchema, 'agent list')) {
        for (const a of page) map.set(a.id, personFromAgent(a, groupName));
      }
      return map;
    })().catch((err) => {
      this.agentsP = undefined;
      throw err;
    }));
  }

  private contact(id: number): Promise<Person | undefined> {
    let p = this.contacts.get(id);
    if (!p) {
      p = this.http
        .request({ path: `/contacts/${id}`, allowStatus: [404] })
        .then((res) => (res.status === 404 ? undefined : personFromContact(parse(FdContactSchema, res.body, 'contact'))));
      p.catch(() => this.contacts.delete(id));
      this.contacts.set(id, p);
    }
    return p;
  }

  /** Lookups for mapping, after fetching the contacts `ids` refers to that are not agents. */
  private async lookups(contactIds: Iterable<number> = []): Promise<FdLookups> {
    const [agents, groups] = await Promise.all([this.agentsById(), this.listGroups()]);
    const wanted = [...new Set(contactIds)].filter((id) => !agents.has(id));
    await Promise.all(wanted.map((id) => this.contact(id)));
    const resolved = new Map<number, Person | undefined>();
    for (const id of wanted) resolved.set(id, await this.contacts.get(id));
    return {
      agent: (id) => agents.get(id),
      contact: (id) => resolved.get(id),
      groupName: (id) => groups.find((g) => g.id === String(id))?.name,
    };
  }

  private async groupIdByName(name: string): Promise<number | undefined> {
    return groupIdIn(await this.listGroups(), name);
  }

  /** Link-header pagination of a plain list endpoint. */
  private async *pages<S extends z.ZodType<unknown[]>>(path: string, query: Record<string, string | number>, schema: S, what: string): AsyncGenerator<z.infer<S>> {
    let next: string | undefined = path;
    let q: Record<string, string | number> | undefined = { per_page: LIST_PAGE_SIZE, ...query };
    while (next) {
      const res: HttpResponse = await this.http.request({ path: next, query: q });
      const items = parse(schema, res.body, what);
      if (items.length) yield items;
      next = parseLinkHeader(res.headers.link).next;
      q = undefined;
    }
  }

  private async mapTickets(raw: FdTicket[]): Promise<Ticket[]> {
    const needContacts = raw.filter((t) => !t.requester && t.requester_id != null).map((t) => t.requester_id!);
    const lookups = await this.lookups(needContacts);
    return raw.map((t) => ticketFromFreshdesk(t, lookups, this.webUrl));
  }

  // ------------------------------------------------------------------------------------------
  // tickets

  /** Freshdesk's ticket list; its filter URLs are saved views, so the filters stay here. */
  async webListUrl(): Promise<{ url: string; filtered: boolean }> {
    return { url: `${this.webUrl}/a/tickets`, filtered: false };
  }

  listTickets(query: TicketQuery, opts?: ListOptions): AsyncIterable<Ticket[]> {
    return filterTickets(this.serverSide(query, firstPageSize(LIST_PAGE_SIZE, opts)), query);
  }

  private async *serverSide(q: TicketQuery, firstPage: number): AsyncGenerator<Ticket[]> {
    if (q.ids?.length) {
      yield* ticketsByIds(q.ids, (id) => this.getTicket(id), { concurrency: ID_FETCH_CONCURRENCY });
      return;
    }
    // a lower date bound keeps the list endpoint short and it brings requester and stats along;
    // without one, filters go to the filter endpoint (which needs a contact lookup per requester)
    const lower = [q.createdSince, q.updatedSince, q.solvedSince].filter((d): d is Date => Boolean(d)).sort((a, b) => b.getTime() - a.getTime())[0];
    if (wantsFilterQuery(q) && !lower) {
      const groups = await this.listGroups();
      const plan = buildFilterPlan(q, (name) => groupIdIn(groups, name), this.opts.now());
      if (plan.empty) return;
      yield* this.searchByDay(plan, plan.created);
      return;
    }
    if (lower) yield* this.listUpdatedSince(lower);
    else yield* this.listNewestFirst(firstPage);
  }

  /**
   * Every ticket, newest first (what `tickets list` shows first). Past the list endpoint's page cap,
   * the older rest comes from the filter endpoint by creation day.
   */
  private async *listNewestFirst(firstPage = LIST_PAGE_SIZE): AsyncGenerator<Ticket[]> {
    const seen = new Set<number>();
    let oldest: string | undefined;
    if (firstPage < LIST_PAGE_SIZE) {
      // what the caller wants, in one small page; should it read on, the full pages start again at
      // page 1 (numbered pages cannot change size) and the tickets already given are skipped
      const raw = await this.ticketPage({ updated_since: EPOCH, order_by: 'created_at', order_type: 'desc', page: 1 }, firstPage);
      for (const t of raw) seen.add(t.id);
      if (raw.length) yield await this.mapTickets(raw);
      if (raw.length < firstPage) return;
    }
    for (let page = 1; page <= this.listMaxPages; page++) {
      const raw = await this.ticketPage({ updated_since: EPOCH, order_by: 'created_at', order_type: 'desc', page });
      const fresh = raw.filter((t) => !seen.has(t.id));
      for (const t of raw) seen.add(t.id);
      if (fresh.length) yield await this.mapTickets(fresh);
      if (raw.length < LIST_PAGE_SIZE) return;
      oldest = raw[raw.length - 1]!.created_at;
    }
    if (!oldest) return;
    this.opts.warn?.(`Freshdesk: more than ${this.listMaxPages * LIST_PAGE_SIZE} tickets; reading those created up to ${oldest.slice(0, 10)} by day`);
    const plan = { clauses: [], created: { from: EARLIEST_DAY, to: oldest.slice(0, 10) }, empty: false };
    for await (const page of this.searchByDay(plan, plan.created)) {
      const fresh = page.filter((t) => !seen.has(Number(t.id)));
      for (const t of fresh) seen.add(Number(t.id));
      if (fresh.length) yield fresh;
    }
  }

  /** The filter endpoint over a creation window, halving the window while it holds more than 300 tickets. */
  private async *searchByDay(plan: FilterPlan, whole: DayRange): AsyncGenerator<Ticket[]> {
    const ranges: DayRange[] = [whole];
    while (ranges.length) {
      const range = ranges.shift()!;
      const query = filterQuery(plan, range);
      const first = await this.searchPage(query, 1);
      if (first.total > SEARCH_CAP) {
        const halves = splitRange(range);
        if (halves) {
          // newer half first: results come newest first, like the list endpoint's
          ranges.unshift(halves[1], halves[0]);
          continue;
        }
        // more than 300 matches created on one day: walk that day with the list endpoint instead
        yield* this.listCreatedOn(range.from);
        continue;
      }
      if (first.results.length) yield await this.mapTickets(first.results);
      const pages = Math.min(SEARCH_MAX_PAGES, Math.ceil(first.total / SEARCH_PAGE_SIZE));
      for (let page = 2; page <= pages; page++) {
        const res = await this.searchPage(query, page);
        if (!res.results.length) break;
        yield await this.mapTickets(res.results);
      }
    }
  }

  private async searchPage(query: string, page: number): Promise<z.infer<typeof FdSearchSchema>> {
    const body = await this.http.get('/search/tickets', { query, page });
    return parse(FdSearchSchema, body, 'search result');
  }

  /** Every ticket updated at or after `since`, oldest update first; restarts past the 300-page cap. */
  private async *listUpdatedSince(since: Date | undefined): AsyncGenerator<Ticket[]> {
    let cursor = since ? since.toISOString() : EPOCH;
    const seen = new Set<number>();
    for (;;) {
      let lastUpdated: string | undefined;
      let full = true;
      for (let page = 1; page <= this.listMaxPages; page++) {
        const raw = await this.ticketPage({ updated_since: cursor, order_by: 'updated_at', order_type: 'asc', page });
        const fresh = raw.filter((t) => !seen.has(t.id));
        for (const t of raw) seen.add(t.id);
        if (fresh.length) yield await this.mapTickets(fresh);
        if (raw.length) lastUpdated = raw[raw.length - 1]!.updated_at;
        if (raw.length < LIST_PAGE_SIZE) {
          full = false;
          break;
        }
      }
      if (!full || !lastUpdated || lastUpdated === cursor) return;
      this.opts.warn?.(`Freshdesk: more than ${this.listMaxPages * LIST_PAGE_SIZE} tickets; continuing from ${lastUpdated}`);
      cursor = lastUpdated;
    }
  }

  /** Tickets created on one day (the fallback when a filter query has more than 300 matches that day). */
  private async *listCreatedOn(day: string): AsyncGenerator<Ticket[]> {
    const start = `${day}T00:00:00Z`;
    const end = Date.parse(start) + 86_400_000;
    for (let page = 1; page <= this.listMaxPages; page++) {
      const raw = await this.ticketPage({ updated_since: start, order_by: 'created_at', order_type: 'asc', page });
      const inDay = raw.filter((t) => Date.parse(t.created_at) >= Date.parse(start) && Date.parse(t.created_at) < end);
      if (inDay.length) yield await this.mapTickets(inDay);
      if (raw.length < LIST_PAGE_SIZE || raw.some((t) => Date.parse(t.created_at) >= end)) return;
    }
    this.opts.warn?.(`Freshdesk: could not read every ticket created on ${day} (more than ${this.listMaxPages * LIST_PAGE_SIZE} tickets updated since); narrow the query with dates`);
  }

  private async ticketPage(query: Record<string, string | number>, perPage = LIST_PAGE_SIZE): Promise<FdTicket[]> {
    const body = await this.http.get('/tickets', { ...query, per_page: perPage, include: TICKET_INCLUDE }, { cost: TICKET_COST });
    return parse(FdTicketListSchema, body, 'ticket list');
  }

  private async rawTicket(id: string, include = TICKET_INCLUDE): Promise<FdTicket> {
    const n = ticketNumber(id);
    const includes = include.split(',').filter(Boolean);
    const body = await this.http.get(`/tickets/${n}`, includes.length ? { include } : {}, { cost: 1 + INCLUDE_COST * includes.length, notFound: { what: 'ticket', id } });
    return parse(FdTicketSchema, body, 'ticket');
  }

  async getTicket(id: string): Promise<Ticket> {
    const [t] = await this.mapTickets([await this.handoff.read(id, () => this.rawTicket(id))]);
    return t!;
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    // the ticket getTicket just read (with its requester) serves here too
    const ticket = await this.handoff.take(ticketId, () => this.rawTicket(ticketId, 'requester'));
    const conversations: z.infer<typeof FdConversationListSchema> = [];
    for await (const page of this.pages(`/tickets/${ticket.id}/conversations`, {}, FdConversationListSchema, 'conversation list')) conversations.push(...page);
    const lookups = await this.lookups([...conversations.map((c) => c.user_id).filter((x): x is number => x != null), ...(ticket.requester ? [] : ticket.requester_id != null ? [ticket.requester_id] : [])]);
    const mapped = ticketFromFreshdesk(ticket, lookups, this.webUrl);
    const out: Comment[] = [];
    const first = descriptionComment(ticket, mapped.requester);
    if (first) out.push(first);
    for (const c of conversations) out.push(commentFromConversation(c, String(ticket.id), lookups));
    return out.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    const n = ticketNumber(id);
    this.handoff.forget(id);
    const needTags = Boolean(patch.addTags?.length || patch.removeTags?.length);
    const current = needTags ? await this.rawTicket(id, '') : undefined;
    let unknownGroup: string | undefined;
    const groupId = patch.group ? await this.groupIdByName(patch.group) : undefined;
    if (patch.group && groupId === undefined) unknownGroup = patch.group;
    if (unknownGroup) {
      const names = (await this.listGroups()).map((g) => g.name);
      throw new UsageError(`no Freshdesk group named '${unknownGroup}'`, names.length ? `groups: ${names.join(', ')}` : 'this account has no groups');
    }
    const body = updateBodyFromPatch(patch, current?.tags ?? undefined, () => groupId!);
    if (patch.status === 'on_hold') this.opts.warn?.(`Freshdesk has no built-in on-hold status: ticket ${id} set to pending`);
    if (Object.keys(body).length) {
      await this.http.put(`/tickets/${n}`, body, { notFound: { what: 'ticket', id } });
    }
    return this.getTicket(id);
  }

  async addComment(ticketId: string, comment: NewComment): Promise<Comment> {
    const n = ticketNumber(ticketId);
    if (!comment.body.trim()) throw new UsageError('the comment body is empty', 'give the text to send');
    this.handoff.forget(ticketId);
    const html = textToHtml(comment.body);
    const userId = comment.authorId !== undefined ? Number(comment.authorId) : undefined;
    if (userId !== undefined && !(Number.isInteger(userId) && userId > 0)) {
      throw new UsageError(`invalid Freshdesk agent id '${comment.authorId}'`, 'Freshdesk agent ids are numbers');
    }
    const path = comment.public ? `/tickets/${n}/reply` : `/tickets/${n}/notes`;
    const json = comment.public ? { body: html, ...(userId ? { user_id: userId } : {}) } : { body: html, private: true, ...(userId ? { user_id: userId } : {}) };
    return postCommentOnce(comment, () => this.listComments(ticketId), async (verifyNotLanded) => {
      const res = await this.http.post(path, json, { notFound: { what: 'ticket', id: ticketId }, verifyNotLanded });
      const conv = parse(FdConversationSchema, res, 'conversation');
      const lookups = await this.lookups(conv.user_id != null ? [conv.user_id] : []);
      return commentFromConversation(conv, String(n), lookups);
    });
  }

  // ------------------------------------------------------------------------------------------
  // ratings, people, groups

  async *listRatings(range: DateRange): AsyncIterable<Rating[]> {
    const query: Record<string, string | number> = {};
    if (range.since) query.created_since = range.since.toISOString();
    for await (const page of this.pages('/surveys/satisfaction_ratings', query, FdRatingListSchema, 'satisfaction rating list')) {
      const out: Rating[] = [];
      for (const r of page) {
        const rating = ratingFromFreshdesk(r);
        if (!rating) continue;
        const t = Date.parse(rating.createdAt);
        if (range.since && t < range.since.getTime()) continue;
        if (range.until && t >= range.until.getTime()) continue;
        out.push(rating);
      }
      if (out.length) yield out;
    }
  }

  async listAgents(): Promise<Person[]> {
    return [...(await this.agentsById()).values()];
  }

  listGroups(): Promise<Group[]> {
    return (this.groupsP ??= (async () => {
      const out: Group[] = [];
      for await (const page of this.pages('/groups', {}, FdGroupListSchema, 'group list')) for (const g of page) out.push({ id: String(g.id), name: g.name });
      return out;
    })().catch((err) => {
      this.groupsP = undefined;
      throw err;
    }));
  }

  currentAgent(): Promise<Person | null> {
    return (this.meP ??= this.findMe().catch((err) => {
      this.meP = undefined;
      throw err;
    }));
  }

  private async findMe(): Promise<Person | null> {
    const agents = await this.agentsById();
    const ref = this.opts.agentRef?.trim().toLowerCase();
    if (ref) {
      const found = [...agents.values()].find((a) => a.id === ref || (a.email ?? '').toLowerCase() === ref);
      if (found) return found;
    }
    const res = await this.http.request({ path: '/agents/me', allowStatus: [404] });
    if (res.status === 404 || !res.body) return null;
    const me = parse(FdAgentListSchema.element, res.body, 'agent');
    return agents.get(me.id) ?? personFromAgent(me);
  }

  /** For `deskctl profile test`: one cheap authenticated call (agents/me), the account and its rate limit. */
  async describeAccount(): Promise<{ account: string; user?: string; rateLimit?: string }> {
    const res = await this.http.request({ path: '/agents/me' });
    const me = parse(FdAgentListSchema.element, res.body, 'agent');
    const h = (name: string) => headerValue(res.headers, name);
    const total = h('x-ratelimit-total');
    const remaining = h('x-ratelimit-remaining');
    const pace = this.http.limiter?.perMinute;
    const parts = [total ? `${total}/min` : undefined, remaining ? `${remaining} left` : undefined, pace ? `deskctl paces at ${pace}/min` : undefined].filter(Boolean);
    return {
      account: `Freshdesk ${new URL(this.webUrl).host}`,
      user: `${me.contact?.name ?? `agent ${me.id}`}${me.contact?.email ? ` <${me.contact.email}>` : ''}`,
      rateLimit: parts.length ? parts.join(', ') : undefined,
    };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** Freshdesk ticket ids are numbers; anything else is a usage error before any request. */
export function ticketNumber(id: string): number {
  return requireDecimalId(id, 'Freshdesk ticket', '4211');
}
