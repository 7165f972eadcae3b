/**
 * Zendesk Support over its REST API (v2).
 *
 * Listing never uses /api/v2/search (capped at 1,000 results): unfiltered lists use the cursor-paginated
 * /api/v2/tickets, date-bounded lists the incremental export (/api/v2/incremental/tickets/cursor, admins)
 * and other filtered lists the search export (/api/v2/search/export with filter[type]=ticket). Every page is
 * mapped and yielded before the next one is fetched, so memory stays flat however many tickets there are.
 * Ticket metrics (first reply, solve time, reopens, replies) come with the tickets via include=metric_sets.
 */
import { NotFoundError, UsageError } from '../../errors.js';
import { decimalId } from '../../domain/parse.js';
import type { Comment, DateRange, Group, NewComment, Person, Rating, Ticket, TicketPatch } from '../../domain/model.js';
import { filterTickets, UNASSIGNED, type TicketQuery } from '../../domain/query.js';
import type { IO } from '../../output/io.js';
import {
  RateLimiter,
  WriteLandedError,
  type HttpClient,
  type HttpResponse,
  type Query,
} from '../http.js';
import { firstPageSize, type Capabilities, type CommentEdit, type HelpdeskProvider, type ListOptions } from '../provider.js';
import type { ZendeskAuth } from './auth.js';
import {
  commentFromZendesk,
  personFromZendesk,
  priorityToZendesk,
  ratingFromLegacy,
  ratingFromSurveyResponse,
  searchValue,
  STATUS_TO_ZD,
  ticketFromZendesk,
  COMMENT_EDIT_EVENTS,
  COMMENT_EVENTS,
  ZdCommentSchema,
  ZdGroupSchema,
  ZdTicketEventSchema,
  ZdMetricSetSchema,
  ZdSatisfactionRatingSchema,
  ZdSurveyResponseSchema,
  ZdTicketSchema,
  ZdUserSchema,
  type ZdComment,
  type ZdMetricSet,
  type ZdTicket,
  type ZdUser,
} from './map.js';
import { STATUSES, PRIORITIES } from '../../domain/model.js';
import { ApiError, AuthError } from '../../errors.js';

export const TICKET_INCLUDE = 'users,groups,metric_sets';
const PAGE_SIZE = 100;
const SHOW_MANY_MAX = 100;
const USER_CACHE_MAX = 20_000;

export interface ZendeskProviderOptions {
  http: HttpClient;
  auth: ZendeskAuth;
  io: IO;
  /** https://acme.zendesk.com */
  baseUrl: string;
  /** The incremental export's own limit (10/min; 30 with the High Volume add-on). */
  incrementalLimiter: RateLimiter;
  /** The search export's own limit (100/min). */
  searchExportLimiter: RateLimiter;
  /** Scale assumed for CSAT survey answers whose question carries no options. */
  csatScale?: 2 | 5;
  /** Page size for cursor lists (default 100, the maximum). */
  pageSize?: number;
  /** Configured agent ("me") when the credentials cannot tell. */
  agent?: string;
  now: () => Date;
}

type Sideloads = { users?: unknown[]; groups?: unknown[]; metric_sets?: unknown[] };

const num = (id: string, what = 'ticket'): string => {
  if (decimalId(id) === undefined) throw new NotFoundError(what, id, `Zendesk ${what} ids are whole decimal numbers`);
  return id;
};

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);
const normalize = (s: string) => s.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

/** A small LRU so that a long listing does not keep every requester in memory. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  has(k: K): boolean {
    return this.map.has(k);
  }
  get size(): number {
    return this.map.size;
  }
}

export class ZendeskProvider implements HelpdeskProvider {
  readonly kind = 'zendesk';
  readonly displayName = 'Zendesk';
  readonly capabilities: Capabilities = {
    priority: true,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: ['csat'],
    serverFilters: ['ids', 'status', 'priority', 'assigneeIds', 'group', 'tags', 'createdSince', 'createdUntil', 'updatedSince', 'updatedUntil', 'solvedSince', 'solvedUntil'],
    statusWithComment: true,
    changesWithComment: true,
    defaultConcurrency: 4,
  };
  readonly http: HttpClient;
  private readonly users = new Lru<string, ZdUser>(USER_CACHE_MAX);
  private groupsById?: Map<string, string>;
  private groupsP?: Promise<Map<string, string>>;
  private agentsP?: Promise<Person[]>;
  private meP?: Promise<ZdUser>;
  private meHeaders?: HttpResponse['headers'];
  private incrementalDenied = false;
  private ratingsSourceLogged = false;

  constructor(private readonly opts: ZendeskProviderOptions) {
    this.http = opts.http;
  }

  private get pageSize(): number {
    return this.opts.pageSize ?? PAGE_SIZE;
  }

  // ----------------------------------------------------------------------------------------------
  // lookups

  private absorb(body: Sideloads): Map<string, ZdMetricSet> {
    for (const u of body.users ?? []) {
      const p = ZdUserSchema.safeParse(u);
      if (p.success && p.data.id !== null && p.data.id !== undefined) this.users.set(String(p.data.id), p.data);
    }
    if (body.groups?.length) {
      const map = (this.groupsById ??= new Map());
      for (const g of body.groups) {
        const p = ZdGroupSchema.safeParse(g);
        if (p.success) map.set(p.data.id, p.data.name);
      }
    }
    const metrics = new Map<string, ZdMetricSet>();
    for (const m of body.metric_sets ?? []) {
      const p = ZdMetricSetSchema.safeParse(m);
      if (p.success && p.data.ticket_id) metrics.set(p.data.ticket_id, p.data);
    }
    return metrics;
  }

  private async groups(): Promise<Map<string, string>> {
    this.groupsP ??= (async () => {
      const map = this.groupsById ?? new Map<string, string>();
      for await (const page of this.cursorList('/api/v2/groups', {}, 'groups')) {
        for (const g of page) {
          const p = ZdGroupSchema.safeParse(g);
          if (p.success && !p.data.deleted) map.set(p.data.id, p.data.name);
        }
      }
      this.groupsById = map;
      return map;
    })();
    return this.groupsP;
  }

  /** Loads users the cache does not know (show_many, 100 at a time). */
  private async ensureUsers(ids: Iterable<string | null | undefined>): Promise<void> {
    const missing = [...new Set([...ids].filter((x): x is string => Boolean(x) && x !== '-1' && !this.users.has(x!)))];
    for (let i = 0; i < missing.length; i += SHOW_MANY_MAX) {
      const chunk = missing.slice(i, i + SHOW_MANY_MAX);
      const body = await this.http.get<{ users?: unknown[] }>('/api/v2/users/show_many', { ids: chunk.join(',') });
      this.absorb({ users: body?.users });
    }
  }

  private lookups(metrics: Map<string, ZdMetricSet>) {
    return {
      users: (id: string) => this.users.get(id),
      groups: this.groupsById ?? new Map<string, string>(),
      metrics: (id: string) => metrics.get(id),
      baseUrl: this.opts.baseUrl,
    };
  }

  /** Maps a page of tickets after making sure their people and groups are known. */
  private async mapTickets(raw: unknown[], body: Sideloads): Promise<Ticket[]> {
    const metrics = this.absorb(body);
    const tickets: ZdTicket[] = [];
    for (const r of raw) {
      const p = ZdTicketSchema.safeParse(r);
      if (!p.success) {
        throw new ApiError(`Zendesk returned a ticket deskctl cannot read: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`);
      }
      if (p.data.status === 'deleted') continue; // the incremental export lists deleted tickets too
      tickets.push(p.data);
    }
    await this.ensureUsers(tickets.flatMap((t) => [t.requester_id, t.assignee_id]));
    if (tickets.some((t) => t.group_id && !this.groupsById?.has(t.group_id))) await this.groups();
    const look = this.lookups(metrics);
    return tickets.map((t) => ticketFromZendesk(t, look));
  }

  // ----------------------------------------------------------------------------------------------
  // pagination

  /** Cursor pagination (`page[size]`, links.next while meta.has_more). */
  private async *cursorList(path: string, query: Query, key: string, opts: { limiter?: RateLimiter; firstPage?: number } = {}): AsyncGenerator<unknown[], void, undefined> {
    const firstPage = opts.firstPage ?? this.pageSize;
    let next: { path: string; query?: Query } | null = { path, query: { ...query, 'page[size]': firstPage } };
    const seen = new Set<string>();
    while (next) {
      const k = `${next.path}?${JSON.stringify(next.query ?? {})}`;
      if (seen.has(k)) return;
      seen.add(k);
      if (opts.limiter) await opts.limiter.acquire();
      const res: HttpResponse<Record<string, unknown>> = await this.http.request({ path: next.path, query: next.query });
      const body = res.body ?? {};
      const items = (body[key] as unknown[] | undefined) ?? [];
      yield items;
      const meta = body.meta as { has_more?: boolean } | undefined;
      const links = body.links as { next?: string | null } | undefined;
      next = meta?.has_more && links?.next ? { path: links.next, query: this.fullPages(firstPage) } : null;
    }
  }

  /** After a first page sized to what the caller wants, the cursor goes on in full pages. */
  private fullPages(firstPage: number): Query | undefined {
    return firstPage < this.pageSize ? { 'page[size]': this.pageSize } : undefined;
  }

  // ----------------------------------------------------------------------------------------------
  // tickets

  listTickets(query: TicketQuery, opts?: ListOptions): AsyncIterable<Ticket[]> {
    return filterTickets(this.serverSide(query, firstPageSize(this.pageSize, opts)), query);
  }

  private async *serverSide(q: TicketQuery, firstPage: number): AsyncGenerator<Ticket[], void, undefined> {
    if (q.ids?.length) {
      yield* this.showMany(q.ids);
      return;
    }
    const lower = [q.createdSince, q.updatedSince, q.solvedSince].filter((d): d is Date => Boolean(d));
    const since = lower.length ? new Date(Math.max(...lower.map((d) => d.getTime()))) : undefined;
    if (since && !this.incrementalDenied && since.getTime() < this.opts.now().getTime() - 90_000) {
      const it = this.incremental(since, q);
      try {
        const first = await it.next();
        if (!first.done) yield first.value;
        if (!first.done) yield* it;
        return;
      } catch (err) {
        // the incremental export is for admins; agents fall back to the search export
        if (!(err instanceof AuthError && /\(403 Forbidden\)/.test(err.message))) throw err;
        this.incrementalDenied = true;
        this.opts.io.debug('zendesk: the incremental export is not allowed for these credentials (admins only); using the search export');
      }
    }
    const search = await this.searchQuery(q);
    if (search) {
      yield* this.searchExport(search, firstPage);
      return;
    }
    for await (const raw of this.ticketPages('/api/v2/tickets', { include: TICKET_INCLUDE }, firstPage)) yield raw;
  }

  private async *ticketPages(path: string, query: Query, firstPage = this.pageSize): AsyncGenerator<Ticket[], void, undefined> {
    let next: { path: string; query?: Query } | null = { path, query: { ...query, 'page[size]': firstPage } };
    while (next) {
      const res: HttpResponse<Record<string, unknown> & Sideloads> = await this.http.request({ path: next.path, query: next.query });
      const body = res.body ?? {};
      const tickets = await this.mapTickets((body.tickets as unknown[]) ?? [], body);
      if (tickets.length) yield tickets;
      const meta = body.meta as { has_more?: boolean } | undefined;
      const links = body.links as { next?: string | null } | undefined;
      const following: string | null | undefined = meta?.has_more ? links?.next : null;
      next = following && following !== next.path ? { path: following, query: this.fullPages(firstPage) } : null;
    }
  }

  private async *showMany(ids: string[]): AsyncGenerator<Ticket[], void, undefined> {
    const wanted = ids.filter((id) => /^\d+$/.test(id));
    for (let i = 0; i < wanted.length; i += SHOW_MANY_MAX) {
      const chunk = wanted.slice(i, i + SHOW_MANY_MAX);
      const body = await this.http.get<Record<string, unknown> & Sideloads>('/api/v2/tickets/show_many', { ids: chunk.join(','), include: TICKET_INCLUDE });
      const tickets = await this.mapTickets((body?.tickets as unknown[]) ?? [], body ?? {});
      const order = new Map(chunk.map((id, n) => [id, n]));
      tickets.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      if (tickets.length) yield tickets;
    }
  }

  /** Incremental cursor export from `since`, metric sets and people sideloaded; stops at end_of_stream. */
  private async *incremental(since: Date, q: TicketQuery): AsyncGenerator<Ticket[], void, undefined> {
    let query: Query | undefined = { start_time: epoch(since), include: TICKET_INCLUDE };
    let path = '/api/v2/incremental/tickets/cursor';
    for (;;) {
      await this.opts.incrementalLimiter.acquire();
      const body = await this.http.get<Record<string, unknown> & Sideloads>(path, query);
      const tickets = await this.mapTickets((body?.tickets as unknown[]) ?? [], body ?? {});
      if (tickets.length) yield tickets;
      const after = body?.after_url as string | null | undefined;
      if (body?.end_of_stream !== false || !after) return;
      // tickets come in update order: once past an upper bound on updates, nothing later can match
      if (q.updatedUntil && tickets.length && tickets.every((t) => Date.parse(t.updatedAt) >= q.updatedUntil!.getTime())) return;
      path = after;
      query = undefined;
    }
  }

  /**
   * The incremental cursor export for `deskctl sync`: from a saved cursor, or from a time on the first
   * sync. Each page comes with its after_cursor (also the empty last page), so a sync resumes where it
   * stopped and a sync with nothing new costs one request.
   */
  async *changedTickets(from: { cursor?: string; since: Date }): AsyncGenerator<{ tickets: Ticket[]; cursor: string; removed: string[] }, void, undefined> {
    let query: Query = from.cursor ? { cursor: from.cursor, include: TICKET_INCLUDE } : { start_time: epoch(from.since), include: TICKET_INCLUDE };
    const path = '/api/v2/incremental/tickets/cursor';
    for (;;) {
      await this.opts.incrementalLimiter.acquire();
      const body = await this.http.get<Record<string, unknown> & Sideloads>(path, query);
      const raw = (body?.tickets as unknown[]) ?? [];
      const tickets = await this.mapTickets(raw, body ?? {});
      // the export lists deleted tickets (and spam, which Zendesk deletes) with status "deleted"
      const removed = raw.filter((r) => (r as { status?: unknown }).status === 'deleted').map((r) => String((r as { id: unknown }).id));
      const cursor = typeof body?.after_cursor === 'string' ? body.after_cursor : (from.cursor ?? '');
      if (!cursor) throw new ApiError('Zendesk returned an incremental export page without after_cursor');
      yield { tickets, cursor, removed };
      if (body?.end_of_stream !== false) return;
      query = { cursor, include: TICKET_INCLUDE };
    }
  }

  /**
   * Comments added since a time, from the incremental ticket-event export with the comment_events
   * sideload (1,000 events a request, time-based, under the incremental export's limit). Each page comes
   * with the time the next one starts from, and the edits of older comments (redacted, made private: the
   * ticket is read again whole). Pages may repeat the events of their last second: ids tell.
   */
  async *changedComments(since: Date): AsyncGenerator<{ comments: Comment[]; edits: CommentEdit[]; next: Date }, void, undefined> {
    let path = '/api/v2/incremental/ticket_events';
    let query: Query | undefined = { start_time: epoch(since), include: 'comment_events' };
    for (;;) {
      await this.opts.incrementalLimiter.acquire();
      const body = await this.http.get<Record<string, unknown>>(path, query);
      const found: { ticketId: string; comment: ZdComment }[] = [];
      const edits: CommentEdit[] = [];
      for (const raw of (body?.ticket_events as unknown[]) ?? []) {
        const event = ZdTicketEventSchema.parse(raw);
        for (const child of event.child_events ?? []) {
          const type = child.event_type ?? child.type ?? '';
          if (COMMENT_EVENTS.has(type)) found.push({ ticketId: event.ticket_id, comment: ZdCommentSchema.parse({ ...child, created_at: child.created_at ?? event.created_at }) });
          else if (COMMENT_EDIT_EVENTS.has(type)) edits.push({ ticketId: event.ticket_id, eventId: child.id ?? `${event.ticket_id}@${event.created_at}`, at: new Date(child.created_at ?? event.created_at ?? 0) });
        }
      }
      await this.ensureUsers(found.map((f) => f.comment.author_id));
      const comments = found.map((f) => commentFromZendesk(f.comment, f.ticketId, (uid) => this.users.get(uid)));
      const endTime = Number(body?.end_time);
      if (!Number.isFinite(endTime)) throw new ApiError('Zendesk returned a ticket-event export page without end_time');
      yield { comments, edits, next: new Date(endTime * 1000) };
      const following = body?.next_page as string | null | undefined;
      if (body?.end_of_stream !== false || !following) return;
      path = following;
      query = undefined;
    }
  }

  /** The search-export query for the filters Zendesk search can express (null when there are none). */
  async webListUrl(q: TicketQuery): Promise<{ url: string; filtered: boolean }> {
    const base = this.opts.baseUrl.replace(/\/+$/, '');
    const search = await this.searchQuery(q);
    // the agent UI's search takes the same query language as the search API
    return search ? { url: `${base}/agent/search/1?type=ticket&q=${encodeURIComponent(search)}`, filtered: true } : { url: `${base}/agent/filters`, filtered: false };
  }

  async searchQuery(q: TicketQuery): Promise<string | null> {
    const terms: string[] = [];
    const range = <T extends string>(values: T[] | undefined, order: readonly T[], field: string, map: (v: T) => string) => {
      if (!values?.length) return;
      const idx = [...new Set(values.map((v) => order.indexOf(v)))].sort((a, b) => a - b);
      if (idx.length === 1) terms.push(`${field}:${map(order[idx[0]!]!)}`);
      else if (idx[idx.length - 1]! - idx[0]! === idx.length - 1) {
        // contiguous: a range; Zendesk orders statuses new < open < pending < hold < solved < closed
        if (idx[0]! > 0) terms.push(`${field}>=${map(order[idx[0]!]!)}`);
        if (idx[idx.length - 1]! < order.length - 1) terms.push(`${field}<=${map(order[idx[idx.length - 1]!]!)}`);
      }
    };
    range(q.status, STATUSES, 'status', (s) => STATUS_TO_ZD[s]);
    if (q.priority?.length && !q.priority.includes('none')) range(q.priority, PRIORITIES.filter((p) => p !== 'none'), 'priority', (p) => p);
    if (q.assigneeIds?.length === 1) terms.push(`assignee:${q.assigneeIds[0] === UNASSIGNED ? 'none' : q.assigneeIds[0]}`);
    if (q.group?.length === 1) {
      const groups = await this.groups();
      const wanted = q.group[0]!.toLowerCase();
      const id = [...groups].find(([, name]) => name.toLowerCase() === wanted)?.[0];
      if (id) terms.push(`group:${id}`);
    }
    if (q.tags?.length) terms.push(`tags:${searchValue(q.tags[0]!)}`);
    if (q.createdSince) terms.push(`created>=${q.createdSince.toISOString()}`);
    if (q.createdUntil) terms.push(`created<${q.createdUntil.toISOString()}`);
    if (q.updatedSince) terms.push(`updated>=${q.updatedSince.toISOString()}`);
    if (q.updatedUntil) terms.push(`updated<${q.updatedUntil.toISOString()}`);
    if (q.solvedSince) terms.push(`solved>=${q.solvedSince.toISOString()}`);
    if (q.solvedUntil) terms.push(`solved<${q.solvedUntil.toISOString()}`);
    return terms.length ? terms.join(' ') : null;
  }

  /** /api/v2/search/export (no 1,000-result cap); each page is hydrated with show_many + sideloads. */
  private async *searchExport(search: string, firstPage?: number): AsyncGenerator<Ticket[], void, undefined> {
    this.opts.io.debug(`zendesk: search export: ${search}`);
    for await (const results of this.cursorList('/api/v2/search/export', { query: search, 'filter[type]': 'ticket' }, 'results', { limiter: this.opts.searchExportLimiter, firstPage })) {
      const ids = results.map((r) => (r as { id?: unknown }).id).filter((x) => x !== undefined && x !== null).map(String);
      if (!ids.length) continue;
      yield* this.showMany(ids);
    }
  }

  async getTicket(id: string): Promise<Ticket> {
    num(id);
    const body = await this.http.get<Record<string, unknown> & Sideloads>(`/api/v2/tickets/${id}`, { include: TICKET_INCLUDE }, { notFound: { what: 'ticket', id } });
    const [t] = await this.mapTickets(body?.ticket ? [body.ticket] : [], body ?? {});
    if (!t) throw new NotFoundError('ticket', id);
    return t;
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    num(ticketId);
    const out: Comment[] = [];
    let next: { path: string; query?: Query } | null = { path: `/api/v2/tickets/${ticketId}/comments`, query: { include: 'users', 'page[size]': PAGE_SIZE } };
    while (next) {
      const res: HttpResponse<Record<string, unknown> & Sideloads> = await this.http.request({ path: next.path, query: next.query, notFound: { what: 'ticket', id: ticketId } });
      const body = res.body ?? {};
      this.absorb(body);
      const comments = ((body.comments as unknown[]) ?? []).map((c) => ZdCommentSchema.parse(c));
      await this.ensureUsers(comments.map((c) => c.author_id));
      for (const c of comments) out.push(commentFromZendesk(c, ticketId, (id) => this.users.get(id)));
      const meta = body.meta as { has_more?: boolean } | undefined;
      const links = body.links as { next?: string | null } | undefined;
      next = meta?.has_more && links?.next ? { path: links.next } : null;
    }
    return out.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  }

  private async resolveGroupId(name: string): Promise<number> {
    const groups = await this.groups();
    const found = [...groups].find(([gid, gname]) => gname.toLowerCase() === name.toLowerCase() || gid === name);
    if (!found) {
      throw new UsageError(`Zendesk has no group '${name}'`, `groups: ${[...groups.values()].sort().join(', ') || '(none)'}`);
    }
    return Number(found[0]);
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    num(id);
    const ticket = await this.ticketFields(patch);
    // absolute values and set-like tag edits: repeating this PUT after a lost answer changes nothing
    if (Object.keys(ticket).length) await this.http.put(`/api/v2/tickets/${id}`, { ticket }, { notFound: { what: 'ticket', id } });
    return this.getTicket(id);
  }

  /** A patch as the fields of a ticket PUT. */
  private async ticketFields(patch: TicketPatch): Promise<Record<string, unknown>> {
    const ticket: Record<string, unknown> = {};
    if (patch.status) ticket.status = STATUS_TO_ZD[patch.status];
    if (patch.priority) ticket.priority = priorityToZendesk(patch.priority);
    if (patch.assigneeId !== undefined) {
      if (patch.assigneeId !== null && !/^\d+$/.test(patch.assigneeId)) throw new UsageError(`'${patch.assigneeId}' is not a Zendesk agent id`, 'give the agent by name or email and let deskctl resolve it');
      ticket.assignee_id = patch.assigneeId === null ? null : Number(patch.assigneeId);
    }
    if (patch.group !== undefined) ticket.group_id = patch.group === null ? null : await this.resolveGroupId(patch.group);
    if (patch.customFields && Object.keys(patch.customFields).length) {
      ticket.custom_fields = Object.entries(patch.customFields).map(([k, value]) => {
        if (!/^\d+$/.test(k)) throw new UsageError(`Zendesk custom fields are set by field id, not '${k}'`, 'use the numeric id of the ticket field');
        return { id: Number(k), value };
      });
    }
    // tags go in the same PUT (additional_tags / remove_tags add and remove without replacing the list), so
    // an update is one write that is applied whole or not at all
    if (patch.addTags?.length) ticket.additional_tags = patch.addTags;
    if (patch.removeTags?.length) ticket.remove_tags = patch.removeTags;
    return ticket;
  }

  /** The newest comments, newest first (offset pagination, sort_order=desc). */
  private async latestComments(ticketId: string, count = 10): Promise<Comment[]> {
    const body = await this.http.get<Record<string, unknown> & Sideloads>(`/api/v2/tickets/${ticketId}/comments`, { sort_order: 'desc', per_page: count, include: 'users' });
    this.absorb(body ?? {});
    return ((body?.comments as unknown[]) ?? []).map((c) => commentFromZendesk(ZdCommentSchema.parse(c), ticketId, (id) => this.users.get(id)));
  }

  private async findLanded(ticketId: string, c: NewComment, sentAt: number): Promise<Comment | undefined> {
    const want = normalize(c.body);
    const recent = await this.latestComments(ticketId);
    return recent.find(
      (x) =>
        x.public === c.public &&
        normalize(x.body) === want &&
        Date.parse(x.createdAt) >= sentAt - 5 * 60_000 &&
        (!c.authorId || x.author.id === c.authorId),
    );
  }

  /**
   * A reply or note is a PUT that appends a comment: not idempotent. After an ambiguous failure the
   * ticket's latest comments are checked; the comment is sent again only when it is not there.
   */
  async addComment(ticketId: string, c: NewComment): Promise<Comment> {
    num(ticketId);
    if (!c.body.trim()) throw new UsageError('the comment is empty', 'give a body');
    const comment: Record<string, unknown> = { body: c.body, public: c.public };
    if (c.authorId) comment.author_id = Number(c.authorId);
    // a reply's status and other changes go in the same PUT: one write, applied with the comment or not at all
    const ticket: Record<string, unknown> = { ...(c.changes ? await this.ticketFields(c.changes) : {}), comment };
    if (c.status) ticket.status = STATUS_TO_ZD[c.status];
    const sentAt = Date.now();
    let landed: Comment | undefined;
    try {
      const res = await this.http.put<{ audit?: { id?: unknown; created_at?: string; author_id?: unknown; events?: unknown[] }; ticket?: unknown }>(
        `/api/v2/tickets/${ticketId}`,
        { ticket },
        {
          idempotent: false,
          notFound: { what: 'ticket', id: ticketId },
          verifyNotLanded: async () => {
            landed = await this.findLanded(ticketId, c, sentAt);
            return !landed;
          },
        },
      );
      const ev = (res?.audit?.events ?? []).find((e) => (e as { type?: string }).type === 'Comment') as
        | { id?: unknown; body?: string; plain_body?: string; public?: boolean; author_id?: unknown; created_at?: string }
        | undefined;
      if (ev?.id !== undefined) {
        const authorId = ev.author_id ?? res.audit?.author_id;
        await this.ensureUsers([authorId === undefined || authorId === null ? null : String(authorId)]);
        return commentFromZendesk(
          ZdCommentSchema.parse({ ...ev, created_at: ev.created_at ?? res.audit?.created_at ?? new Date().toISOString(), author_id: authorId }),
          ticketId,
          (id) => this.users.get(id),
        );
      }
      // no audit in the answer: the newest matching comment is ours
      const found = await this.findLanded(ticketId, c, sentAt);
      if (found) return found;
      throw new ApiError(`Zendesk accepted the comment on ticket ${ticketId} but did not show it`, { hint: `check with 'deskctl tickets show ${ticketId}'` });
    } catch (err) {
      if (err instanceof WriteLandedError) {
        landed ??= await this.findLanded(ticketId, c, sentAt);
        if (landed) {
          this.opts.io.debug(`zendesk: the comment on ticket ${ticketId} had landed; not sent again`);
          return landed;
        }
      }
      throw err;
    }
  }

  // ----------------------------------------------------------------------------------------------
  // ratings

  /**
   * CSAT: the current survey responses (/api/v2/guide/survey_responses) where the account has them,
   * else the legacy /api/v2/satisfaction_ratings. --verbose says which one was used.
   */
  async *listRatings(range: DateRange): AsyncIterable<Rating[]> {
    const filter: Query = {};
    if (range.since) filter['filter[created_at_start]'] = epoch(range.since);
    if (range.until) filter['filter[created_at_end]'] = epoch(range.until);
    const probe = await this.http.request<Record<string, unknown>>({ path: '/api/v2/guide/survey_responses', query: { ...filter, 'page[size]': PAGE_SIZE }, allowStatus: [400, 403, 404] });
    const surveyItems = (probe.body?.survey_responses as unknown[] | undefined) ?? [];
    if (probe.status === 200 && surveyItems.length) {
      this.logSource('CSAT survey responses (/api/v2/guide/survey_responses)');
      const scale = this.opts.csatScale ?? 5;
      const mapPage = (items: unknown[]) =>
        items
          .map((s) => ZdSurveyResponseSchema.safeParse(s))
          .filter((p) => p.success)
          .map((p) => ratingFromSurveyResponse(p.data!, scale))
          .filter((r): r is Rating => r !== null);
      const first = mapPage(surveyItems);
      if (first.length) yield first;
      const meta = probe.body?.meta as { has_more?: boolean } | undefined;
      const links = probe.body?.links as { next?: string | null } | undefined;
      let next = meta?.has_more && links?.next ? links.next : null;
      while (next) {
        const body = await this.http.get<Record<string, unknown>>(next);
        const page = mapPage((body?.survey_responses as unknown[]) ?? []);
        if (page.length) yield page;
        const m = body?.meta as { has_more?: boolean } | undefined;
        const l = body?.links as { next?: string | null } | undefined;
        next = m?.has_more && l?.next && l.next !== next ? l.next : null;
      }
      return;
    }
    this.logSource(
      probe.status === 200
        ? 'legacy satisfaction ratings (/api/v2/satisfaction_ratings): no CSAT survey responses in this period'
        : `legacy satisfaction ratings (/api/v2/satisfaction_ratings): survey responses unavailable (${probe.status})`,
    );
    const q: Query = { score: 'received' };
    if (range.since) q.start_time = epoch(range.since);
    if (range.until) q.end_time = epoch(range.until);
    for await (const page of this.cursorList('/api/v2/satisfaction_ratings', q, 'satisfaction_ratings')) {
      const ratings = page
        .map((r) => ZdSatisfactionRatingSchema.safeParse(r))
        .filter((p) => p.success)
        .map((p) => ratingFromLegacy(p.data!))
        .filter((r): r is Rating => r !== null)
        .filter((r) => (!range.since || Date.parse(r.createdAt) >= range.since.getTime()) && (!range.until || Date.parse(r.createdAt) < range.until.getTime()));
      if (ratings.length) yield ratings;
    }
  }

  private logSource(text: string): void {
    if (this.ratingsSourceLogged) return;
    this.ratingsSourceLogged = true;
    this.opts.io.debug(`zendesk: CSAT from ${text}`);
  }

  // ----------------------------------------------------------------------------------------------
  // people

  listAgents(): Promise<Person[]> {
    this.agentsP ??= (async () => {
      const groups = await this.groups();
      const out: Person[] = [];
      // one list per role (the OAS declares `role` as a single string)
      for (const role of ['agent', 'admin']) {
        for await (const page of this.cursorList('/api/v2/users', { role }, 'users')) {
          for (const u of page) {
            const p = ZdUserSchema.safeParse(u);
            if (!p.success || p.data.id === null || p.data.id === undefined || p.data.active === false) continue;
            this.users.set(String(p.data.id), p.data);
            out.push(personFromZendesk(p.data, String(p.data.id), groups));
          }
        }
      }
      return out;
    })();
    return this.agentsP;
  }

  async listGroups(): Promise<Group[]> {
    const groups = await this.groups();
    return [...groups].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }

  private me(): Promise<ZdUser> {
    this.meP ??= (async () => {
      const res = await this.http.request<{ user?: unknown }>({ path: '/api/v2/users/me' });
      const p = ZdUserSchema.safeParse(res.body?.user);
      if (!p.success || p.data.id === null || p.data.id === undefined) {
        throw new AuthError('Zendesk treated these credentials as an anonymous user', `check the profile with 'deskctl profile test'`);
      }
      this.users.set(String(p.data.id), p.data);
      this.meHeaders = res.headers;
      return p.data;
    })();
    return this.meP;
  }

  async currentAgent(): Promise<Person | null> {
    const me = await this.me();
    const groups = this.groupsById ?? new Map<string, string>();
    return personFromZendesk(me, String(me.id), groups);
  }

  /** For `deskctl profile test`: one cheap authenticated call (users/me), the account and its rate limit. */
  async describeAccount(): Promise<{ account: string; user?: string; rateLimit?: string; auth?: string }> {
    const me = await this.me();
    const h = this.meHeaders ?? {};
    const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const limit = first(h['x-rate-limit']);
    const remaining = first(h['x-rate-limit-remaining']);
    const client = this.http.limiter?.perMinute;
    const parts = [limit ? `${limit}/min` : undefined, remaining ? `${remaining} left` : undefined, client ? `deskctl paces at ${client}/min` : undefined].filter(Boolean);
    return {
      account: `Zendesk ${new URL(this.opts.baseUrl).host}`,
      user: `${me.name ?? 'unknown'}${me.email ? ` <${me.email}>` : ''} (${me.role ?? 'unknown role'}, ${this.opts.auth.label})`,
      rateLimit: parts.length ? parts.join(', ') : undefined,
      auth: this.opts.auth.label,
    };
  }

  async close(): Promise<void> {
    this.http.close();
    this.opts.auth.tokens?.close();
  }
}
