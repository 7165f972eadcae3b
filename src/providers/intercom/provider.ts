/**
 * Intercom REST API 2.14 provider: conversations as tickets, conversation parts as comments (replies with
 * message_type comment or note), admins as agents, teams as groups, tags, state open/closed/snoozed,
 * conversation_rating as CSAT, statistics for first response and resolution times.
 *
 * Listing: a query Intercom can search on becomes one POST /conversations/search (filters in one AND group,
 * at most 15, per_page 150, `starting_after` cursor); anything else walks GET /conversations. The shared
 * local filter applies the rest (and the exact half-open date ranges, since Intercom's > and < include the bound).
 *
 * Writes: state changes and assignments are conversation parts (POST .../parts, idempotent in effect);
 * replies and notes (POST .../reply) are not idempotent: after an ambiguous failure the conversation is read
 * back and the reply repeated only when it did not land.
 */
import type { z } from 'zod';
import type { Comment, DateRange, Group, NewComment, Person, Rating, Ticket, TicketPatch } from '../../domain/model.js';
import { filterTickets, type TicketQuery } from '../../domain/query.js';
import { ApiError, ConfigError, NotFoundError, UsageError } from '../../errors.js';
import type { HttpClient, RequestOptions } from '../http.js';
import { firstPageSize, type Capabilities, type HelpdeskProvider, type ListOptions } from '../provider.js';
import { normalizeText } from '../html.js';
import { vendorParser } from '../vendor-json.js';
import { writeOnce } from '../write-once.js';
import { ReadHandoff } from '../read-handoff.js';
import {
  adminToPerson,
  buildSearch,
  buildTicketSearch,
  conversationRating,
  conversationThread,
  conversationToTicket,
  domainStatusToIntercom,
  intercomTicketId,
  intercomTicketToTicket,
  isIntercomTicketRef,
  nameIndex,
  partToComment,
  secondsFromDate,
  statusToTicketCategory,
  textToHtml,
  ticketThread,
  type CompoundFilter,
  type IntercomDirectory,
  type SingleFilter,
} from './map.js';
import { htmlToText } from '../front/map.js';
import {
  IcAdminListSchema,
  IcConversationListSchema,
  IcConversationSchema,
  IcMeSchema,
  IcPartSchema,
  IcTagListSchema,
  IcTagSchema,
  IcTeamListSchema,
  IcTicketListSchema,
  IcTicketSchema,
  IcTicketStateListSchema,
  IcTicketTypeListSchema,
  type IcConversation,
  type IcPart,
  type IcTicket,
} from './schemas.js';

/** Intercom's largest page for listing and searching conversations. */
export const INTERCOM_PAGE_SIZE = 150;
export const DEFAULT_SNOOZE_HOURS = 24;
const LANDED_SKEW_S = 120;

export interface IntercomOptions {
  http: HttpClient;
  /** The profile's `agent` (admin id or email): "me" and the admin_id of writes; default: the token's admin (GET /me). */
  agentRef?: string;
  snoozeHours?: number;
  /** Intercom Tickets in listings: auto (when the workspace has a customer ticket type), on, off. */
  tickets?: 'auto' | 'on' | 'off';
  now: () => Date;
}

const parse = vendorParser('Intercom');

/** What to do instead of setting a priority on Intercom (API 2.14 reads the flag but cannot set it). */
const PRIORITY_HINT = 'leave out --priority for Intercom profiles';

const norm = normalizeText;
const enc = encodeURIComponent;

/** A search request body (conversations and tickets alike): the filter and a cursor page of 150. */
const searchBody = (query: SingleFilter | CompoundFilter, after: string | null, perPage = INTERCOM_PAGE_SIZE) => ({
  query,
  pagination: { per_page: perPage, ...(after ? { starting_after: after } : {}) },
});

function checkConversationId(id: string): void {
  if (!/^\d+$/.test(id)) throw new NotFoundError('ticket', id, 'Intercom conversation ids are numbers');
}

export class IntercomProvider implements HelpdeskProvider {
  readonly kind = 'intercom';
  readonly displayName = 'Intercom';
  readonly capabilities: Capabilities = {
    // the `priority` flag is readable (priority -> high) but API 2.14 has no way to set it
    priority: false,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: ['csat'],
    serverFilters: ['ids', 'status', 'channel', 'assigneeIds', 'group', 'tags', 'createdSince', 'createdUntil', 'updatedSince', 'updatedUntil', 'solvedSince', 'solvedUntil'],
    defaultConcurrency: 4,
    hints: { priority: PRIORITY_HINT },
  };
  readonly http: HttpClient;
  private adminsP?: Promise<Person[]>;
  private teamsP?: Promise<Group[]>;
  private tagsP?: Promise<Group[]>;
  private meP?: Promise<{ person: Person | null; appId: string | null }>;
  private meResP?: Promise<{ me: z.infer<typeof IcMeSchema>; rateLimit?: string }>;
  private ticketsP?: Promise<boolean>;
  private ticketStatesP?: Promise<Map<string, string>>;
  /** getTicket's read of a conversation (it holds the thread too), handed to the listComments that follows. */
  private readonly handoff = new ReadHandoff<IcConversation>();

  constructor(private readonly opts: IntercomOptions) {
    this.http = opts.http;
  }

  // ---- directory ------------------------------------------------------------------------------

  private once<T>(get: () => Promise<T> | undefined, set: (p: Promise<T> | undefined) => void, load: () => Promise<T>): Promise<T> {
    const have = get();
    if (have) return have;
    const p = load().catch((err) => {
      set(undefined);
      throw err;
    });
    set(p);
    return p;
  }

  listGroups(): Promise<Group[]> {
    return this.once(
      () => this.teamsP,
      (p) => (this.teamsP = p),
      async () => parse(IcTeamListSchema, await this.http.get('/teams'), 'team list').teams.map((t) => ({ id: t.id, name: t.name })),
    );
  }

  listAgents(): Promise<Person[]> {
    return this.once(
      () => this.adminsP,
      (p) => (this.adminsP = p),
      async () => {
        const admins = parse(IcAdminListSchema, await this.http.get('/admins'), 'admin list').admins;
        const teams = new Map((await this.listGroups()).map((t) => [t.id, t.name]));
        return admins.map((a) => adminToPerson(a, teams));
      },
    );
  }

  private tags(refresh = false): Promise<Group[]> {
    if (refresh) this.tagsP = undefined;
    return this.once(
      () => this.tagsP,
      (p) => (this.tagsP = p),
      async () => parse(IcTagListSchema, await this.http.get('/tags'), 'tag list').data.map((t) => ({ id: t.id, name: t.name })),
    );
  }

  /** GET /me, once: the token's admin, its workspace, and the app's rate limit (X-RateLimit-Limit). */
  private meResponse(): Promise<{ me: z.infer<typeof IcMeSchema>; rateLimit?: string }> {
    return this.once(
      () => this.meResP,
      (p) => (this.meResP = p),
      async () => {
        const res = await this.http.request({ method: 'GET', path: '/me' });
        const limit = res.headers['x-ratelimit-limit'];
        return { me: parse(IcMeSchema, res.body, 'admin (GET /me)'), rateLimit: Array.isArray(limit) ? limit[0] : limit };
      },
    );
  }

  private me(): Promise<{ person: Person | null; appId: string | null }> {
    return this.once(
      () => this.meP,
      (p) => (this.meP = p),
      async () => {
        const { me } = await this.meResponse();
        const appId = me.app?.id_code ?? null;
        const ref = this.opts.agentRef?.trim();
        if (!ref) return { person: adminToPerson(me), appId };
        const lower = ref.toLowerCase();
        const agent = (await this.listAgents()).find((a) => a.id === ref || (a.email ?? '').toLowerCase() === lower);
        if (!agent) throw new ConfigError(`the profile's agent '${ref}' is not an Intercom admin`, `set it to an admin's email or id`);
        return { person: agent, appId };
      },
    );
  }

  /** For `deskctl profile test`: GET /me names the admin and the workspace; X-RateLimit-Limit the app's budget. */
  async describeAccount(): Promise<{ account: string; user?: string; rateLimit?: string }> {
    const { me, rateLimit: limit } = await this.meResponse();
    const agent = await this.currentAgent();
    const app = me.app as { name?: string | null; region?: string | null; id_code?: string | null } | null | undefined;
    return {
      account: `Intercom: ${app?.name ?? app?.id_code ?? 'workspace'}${app?.region ? ` (${app.region})` : ''}`,
      user: agent ? `${agent.name} <${agent.email ?? agent.id}>` : undefined,
      rateLimit: limit ? `${limit} requests/minute` : undefined,
    };
  }

  async currentAgent(): Promise<Person | null> {
    return (await this.me()).person;
  }

  private async adminId(override?: string): Promise<string> {
    if (override) return override;
    const me = await this.currentAgent();
    if (!me) throw new ConfigError('Intercom needs an admin to act as', `set the profile's agent to an admin's email`);
    return me.id;
  }

  private async directory(): Promise<IntercomDirectory> {
    const [admins, teams, me] = [await this.listAgents(), await this.listGroups(), await this.me()];
    return { admins: new Map(admins.map((a) => [a.id, a])), teams: new Map(teams.map((t) => [t.id, t.name])), appId: me.appId };
  }

  // ---- reading --------------------------------------------------------------------------------

  /** The workspace's inbox (Intercom's web app has no URL for a filtered list). */
  async webListUrl(): Promise<{ url: string; filtered: boolean }> {
    const { appId } = await this.me();
    return { url: appId ? `https://app.intercom.com/a/inbox/${appId}/inbox/` : 'https://app.intercom.com/', filtered: false };
  }

  async *listTickets(query: TicketQuery, opts?: ListOptions): AsyncIterable<Ticket[]> {
    yield* filterTickets(this.listUnfiltered(query, firstPageSize(INTERCOM_PAGE_SIZE, opts)), query);
  }

  private async *listUnfiltered(query: TicketQuery, firstPage: number): AsyncGenerator<Ticket[]> {
    const dir = await this.directory();
    const ticketRefs = query.ids?.filter(isIntercomTicketRef) ?? [];
    const convQuery: TicketQuery = query.ids ? { ...query, ids: query.ids.filter((x) => !isIntercomTicketRef(x)) } : query;
    if (!query.ids || convQuery.ids!.length) {
      const plan = buildSearch(convQuery, {
        teamIdByName: query.group?.length ? nameIndex(await this.listGroups()) : new Map(),
        tagIdByName: query.tags?.length ? nameIndex(await this.tags()) : new Map(),
      });
      if (!plan.empty) {
        for await (const page of this.conversationPages(plan.query, firstPage)) yield page.map((c) => conversationToTicket(c, dir));
      }
    }
    if (query.ids) {
      for (const ref of ticketRefs) {
        try {
          yield [await this.getTicket(ref)];
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      return;
    }
    if (!(await this.ticketsEnabled())) return;
    const plan = buildTicketSearch(query, query.group?.length ? nameIndex(await this.listGroups()) : new Map());
    if (plan.empty) return;
    const pages = this.cursorPages(
      (after) => ({ method: 'POST', path: '/tickets/search', json: searchBody(plan.query, after, after === null ? firstPage : INTERCOM_PAGE_SIZE), idempotent: true }),
      (body) => {
        const list = parse(IcTicketListSchema, body, 'ticket list');
        return { items: list.tickets, next: list.pages?.next?.starting_after ?? null };
      },
    );
    for await (const page of pages) yield page.map((t) => intercomTicketToTicket(t, dir));
  }

  /**
   * Whether listings include Intercom Tickets: options.tickets on/off, or (auto, the default) when the
   * workspace has a customer ticket type (GET /ticket_types; a workspace without ticketing answers 403/404).
   */
  private ticketsEnabled(): Promise<boolean> {
    const mode = this.opts.tickets ?? 'auto';
    if (mode !== 'auto') return Promise.resolve(mode === 'on');
    return this.once(
      () => this.ticketsP,
      (p) => (this.ticketsP = p),
      async () => {
        const res = await this.http.request({ method: 'GET', path: '/ticket_types', allowStatus: [403, 404] });
        if (res.status !== 200) return false;
        return parse(IcTicketTypeListSchema, res.body, 'ticket type list').data.some((t) => t.category === 'Customer' && !t.archived);
      },
    );
  }

  /** Pages of conversations: searched (POST /conversations/search) or listed (GET /conversations). */
  /** Pages of conversations: searched (POST /conversations/search) or listed (GET /conversations). */
  private conversationPages(filter: SingleFilter | CompoundFilter | null, firstPage = INTERCOM_PAGE_SIZE): AsyncGenerator<IcConversation[]> {
    // the first page as small as the caller needs, then full pages
    const perPage = (after: string | null) => (after === null ? firstPage : INTERCOM_PAGE_SIZE);
    return this.cursorPages(
      (after) =>
        filter
          ? { method: 'POST', path: '/conversations/search', json: searchBody(filter, after, perPage(after)), idempotent: true }
          : { method: 'GET', path: '/conversations', query: { per_page: perPage(after), starting_after: after ?? undefined } },
      (body) => {
        const list = parse(IcConversationListSchema, body, 'conversation list');
        return { items: list.conversations, next: list.pages?.next?.starting_after ?? null };
      },
    );
  }

  /** Intercom's cursor loop: `pages.next.starting_after` until there is none (or it repeats). */
  private async *cursorPages<T>(request: (after: string | null) => RequestOptions, read: (body: unknown) => { items: T[]; next: string | null }): AsyncGenerator<T[]> {
    let after: string | null = null;
    const seen = new Set<string>();
    for (;;) {
      const page = read((await this.http.request(request(after))).body);
      if (page.items.length) yield page.items;
      if (!page.next || seen.has(page.next) || !page.items.length) return;
      seen.add(page.next);
      after = page.next;
    }
  }

  private async conversation(id: string): Promise<IcConversation> {
    checkConversationId(id);
    const body = await this.http.get(`/conversations/${enc(id)}`, { display_as: 'plaintext' }, {
      notFound: { what: 'ticket', id, hint: `list conversations with 'deskctl tickets list'` },
    });
    return parse(IcConversationSchema, body, 'conversation');
  }

  private async intercomTicket(ref: string): Promise<IcTicket> {
    const body = await this.http.get(`/tickets/${enc(intercomTicketId(ref))}`, undefined, { notFound: { what: 'ticket', id: ref } });
    return parse(IcTicketSchema, body, 'ticket');
  }

  async getTicket(id: string): Promise<Ticket> {
    if (isIntercomTicketRef(id)) return intercomTicketToTicket(await this.intercomTicket(id), await this.directory());
    const conv = await this.handoff.read(id, () => this.conversation(id));
    return conversationToTicket(conv, await this.directory());
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    if (isIntercomTicketRef(ticketId)) return ticketThread(await this.intercomTicket(ticketId), (await this.directory()).admins);
    const conv = await this.handoff.take(ticketId, () => this.conversation(ticketId));
    return conversationThread(conv, (await this.directory()).admins);
  }

  /** Ratings given in the range: a search on conversation_rating.replied_at (or any rated conversation). */
  async *listRatings(range: DateRange): AsyncIterable<Rating[]> {
    const filters: SingleFilter[] = [];
    if (range.since) filters.push({ field: 'conversation_rating.replied_at', operator: '>', value: secondsFromDate(range.since) });
    if (range.until) filters.push({ field: 'conversation_rating.replied_at', operator: '<', value: secondsFromDate(range.until) });
    if (!filters.length) filters.push({ field: 'conversation_rating.score', operator: 'IN', value: [1, 2, 3, 4, 5] });
    const filter: SingleFilter | CompoundFilter = filters.length === 1 ? filters[0]! : { operator: 'AND', value: filters };
    const since = range.since?.getTime() ?? -Infinity;
    const until = range.until?.getTime() ?? Infinity;
    for await (const page of this.conversationPages(filter)) {
      const ratings = page
        .map(conversationRating)
        .filter((r): r is Rating => r !== null)
        .filter((r) => {
          const t = Date.parse(r.createdAt);
          return t >= since && t < until;
        });
      if (ratings.length) yield ratings;
    }
  }

  // ---- writing --------------------------------------------------------------------------------

  /** The id of the team named (or with the id) `ref`; a usage error listing the teams otherwise. */
  private async teamId(ref: string): Promise<string> {
    const teams = await this.listGroups();
    const team = teams.find((t) => t.name.toLowerCase() === ref.toLowerCase() || t.id === ref);
    if (!team) throw new UsageError(`no Intercom team named '${ref}'`, `teams: ${teams.map((t) => t.name).join(', ') || '(none)'}`);
    return team.id;
  }

  private async part(id: string, body: Record<string, unknown>): Promise<void> {
    await this.http.post(`/conversations/${enc(id)}/parts`, body, { idempotent: true, notFound: { what: 'ticket', id } });
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    if (patch.priority !== undefined) {
      throw new UsageError('Intercom API 2.14 cannot set priority (the priority flag is read-only)', PRIORITY_HINT);
    }
    if (isIntercomTicketRef(id)) return this.updateIntercomTicket(id, patch);
    checkConversationId(id);
    this.handoff.forget(id);
    // the conversation is read first only for its current tags
    const changesTags = Boolean(patch.addTags?.length || patch.removeTags?.length);
    const conv = changesTags ? await this.conversation(id) : { id };
    const adminId = await this.adminId();
    let group: string | null | undefined;
    if (patch.group !== undefined && patch.group !== null) {
      group = await this.teamId(patch.group);
    } else if (patch.group === null) group = null;

    if (patch.assigneeId !== undefined) {
      await this.part(conv.id, { message_type: 'assignment', type: 'admin', admin_id: adminId, assignee_id: patch.assigneeId ?? '0' });
    }
    if (group !== undefined) {
      await this.part(conv.id, { message_type: 'assignment', type: 'team', admin_id: adminId, assignee_id: group ?? '0' });
    }
    if (patch.customFields && Object.keys(patch.customFields).length) {
      await this.http.put(`/conversations/${enc(conv.id)}`, { custom_attributes: patch.customFields }, { notFound: { what: 'ticket', id } });
    }
    if (changesTags) await this.changeTags(conv as IcConversation, adminId, patch.addTags ?? [], patch.removeTags ?? []);
    if (patch.status !== undefined) {
      const state = domainStatusToIntercom(patch.status);
      if (state === 'close') await this.part(conv.id, { message_type: 'close', type: 'admin', admin_id: adminId });
      else if (state === 'open') await this.part(conv.id, { message_type: 'open', admin_id: adminId });
      else {
        const hours = this.opts.snoozeHours ?? DEFAULT_SNOOZE_HOURS;
        await this.part(conv.id, { message_type: 'snoozed', admin_id: adminId, snoozed_until: secondsFromDate(this.opts.now()) + Math.round(hours * 3600) });
      }
    }
    return this.getTicket(conv.id);
  }

  private async changeTags(conv: IcConversation, adminId: string, add: string[], remove: string[]): Promise<void> {
    const have = conv.tags?.tags ?? [];
    const has = (name: string) => have.some((t) => t.name.toLowerCase() === name.toLowerCase());
    for (const name of add.filter((t) => !has(t))) {
      const tag = await this.tagByName(name);
      await this.http.post(`/conversations/${enc(conv.id)}/tags`, { id: tag.id, admin_id: adminId }, { idempotent: true });
    }
    for (const name of remove) {
      const tag = have.find((t) => t.name.toLowerCase() === name.toLowerCase());
      if (!tag) continue;
      await this.http.request({ method: 'DELETE', path: `/conversations/${enc(conv.id)}/tags/${enc(tag.id)}`, json: { admin_id: adminId } });
    }
  }

  /** The tag with this name, created when missing (POST /tags creates or returns the existing one by name). */
  private async tagByName(name: string): Promise<Group> {
    const find = (list: Group[]) => list.find((t) => t.name.toLowerCase() === name.toLowerCase());
    const hit = find(await this.tags());
    if (hit) return hit;
    // create-or-update by name: repeating it is harmless
    const tag = parse(IcTagSchema, await this.http.post('/tags', { name }, { idempotent: true }), 'tag');
    this.tagsP = undefined;
    return { id: tag.id, name: tag.name };
  }

  async addComment(ticketId: string, comment: NewComment): Promise<Comment> {
    if (!comment.body.trim()) throw new UsageError('the comment is empty', 'give some text');
    const adminId = await this.adminId(comment.authorId);
    if (isIntercomTicketRef(ticketId)) return this.replyToIntercomTicket(ticketId, comment, adminId);
    checkConversationId(ticketId);
    this.handoff.forget(ticketId);
    // nothing is read first: the reply's answer is the conversation, and a missing one is a 404
    const conv = { id: ticketId };
    const sinceS = secondsFromDate(this.opts.now()) - LANDED_SKEW_S;
    const messageType = comment.public ? 'comment' : 'note';
    const admins = (await this.directory()).admins;
    const isOurs = (p: NonNullable<NonNullable<IcConversation['conversation_parts']>['conversation_parts']>[number]) =>
      (p.part_type ?? '') === messageType &&
      p.author?.id === adminId &&
      (p.created_at ?? 0) >= sinceS &&
      norm(htmlToText(p.body ?? '')) === norm(comment.body);
    const findLanded = async () => {
      const fresh = await this.conversation(conv.id);
      return [...(fresh.conversation_parts?.conversation_parts ?? [])].reverse().find(isOurs);
    };
    return writeOnce(
      findLanded,
      async (verifyNotLanded) => {
        const body = await this.http.post(
          `/conversations/${enc(conv.id)}/reply`,
          { message_type: messageType, type: 'admin', admin_id: adminId, body: textToHtml(comment.body) },
          { verifyNotLanded, notFound: { what: 'ticket', id: ticketId } },
        );
        const after = parse(IcConversationSchema, body, 'conversation');
        const parts = after.conversation_parts?.conversation_parts ?? [];
        const mine = [...parts].reverse().find(isOurs) ?? parts[parts.length - 1];
        if (mine) return partToComment(mine, conv.id, admins);
        throw new ApiError(`Intercom accepted the ${messageType} on conversation ${conv.id} but returned no conversation part`);
      },
      (landed) => partToComment(landed, conv.id, admins),
    );
  }

  // ---- Intercom Tickets: writes ---------------------------------------------------------------

  /** Ticket state ids by category (GET /ticket_states, once). */
  private ticketStates(): Promise<Map<string, string>> {
    return this.once(
      () => this.ticketStatesP,
      (p) => (this.ticketStatesP = p),
      async () => {
        const states = parse(IcTicketStateListSchema, await this.http.get('/ticket_states'), 'ticket state list').data;
        const byCategory = new Map<string, string>();
        for (const st of states) if (st.category && !byCategory.has(st.category)) byCategory.set(st.category, st.id);
        return byCategory;
      },
    );
  }

  private async updateIntercomTicket(ref: string, patch: TicketPatch): Promise<Ticket> {
    const ticket = await this.intercomTicket(ref);
    const adminId = await this.adminId();
    const path = `/tickets/${enc(ticket.id)}`;
    const body: Record<string, unknown> = {};
    if (patch.status !== undefined) {
      const category = statusToTicketCategory(patch.status);
      const stateId = (await this.ticketStates()).get(category);
      if (!stateId) throw new ApiError(`this Intercom workspace has no ticket state in category '${category}'`, { hint: 'see Settings > Tickets > Ticket states' });
      body.ticket_state_id = stateId;
    }
    if (patch.customFields && Object.keys(patch.customFields).length) body.ticket_attributes = patch.customFields;
    if (Object.keys(body).length) await this.http.put(path, body, { notFound: { what: 'ticket', id: ref } });
    if (patch.assigneeId !== undefined) {
      await this.http.put(path, { admin_id: Number(adminId), assignee_id: patch.assigneeId ?? '0' }, { notFound: { what: 'ticket', id: ref } });
    }
    if (patch.group !== undefined) {
      let teamId = '0';
      if (patch.group !== null) {
        teamId = await this.teamId(patch.group);
      }
      await this.http.put(path, { admin_id: Number(adminId), assignee_id: teamId }, { notFound: { what: 'ticket', id: ref } });
    }
    for (const name of patch.addTags ?? []) {
      const tag = await this.tagByName(name);
      await this.http.post(`${path}/tags`, { id: tag.id, admin_id: adminId }, { idempotent: true });
    }
    for (const name of patch.removeTags ?? []) {
      const tag = (await this.tags()).find((t) => t.name.toLowerCase() === name.toLowerCase());
      if (!tag) continue;
      // tickets do not list their tags: a tag that is not on the ticket answers 404, which is fine
      await this.http.request({ method: 'DELETE', path: `${path}/tags/${enc(tag.id)}`, json: { admin_id: adminId }, allowStatus: [404] });
    }
    return this.getTicket(ref);
  }

  private async replyToIntercomTicket(ref: string, comment: NewComment, adminId: string): Promise<Comment> {
    const ticket = await this.intercomTicket(ref);
    const sinceS = secondsFromDate(this.opts.now()) - LANDED_SKEW_S;
    const messageType = comment.public ? 'comment' : 'note';
    const admins = (await this.directory()).admins;
    const isOurs = (p: IcPart) =>
      (p.part_type ?? '') === messageType && p.author?.id === adminId && (p.created_at ?? 0) >= sinceS && norm(htmlToText(p.body ?? '')) === norm(comment.body);
    const findLanded = async () => [...((await this.intercomTicket(ref)).ticket_parts?.ticket_parts ?? [])].reverse().find(isOurs);
    return writeOnce(
      findLanded,
      async (verifyNotLanded) => {
        const body = await this.http.post(
          `/tickets/${enc(ticket.id)}/reply`,
          { message_type: messageType, type: 'admin', admin_id: adminId, body: textToHtml(comment.body) },
          { verifyNotLanded, notFound: { what: 'ticket', id: ref } },
        );
        return partToComment(parse(IcPartSchema, body, 'ticket reply'), ref, admins);
      },
      (landed) => partToComment(landed, ref, admins),
    );
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
