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
import { WriteLandedError, type HttpClient, type RequestOptions } from '../http.js';
import type { Capabilities, HelpdeskProvider } from '../provider.js';
import {
  adminToPerson,
  buildSearch,
  conversationRating,
  conversationThread,
  conversationToTicket,
  domainStatusToIntercom,
  nameIndex,
  partToComment,
  secondsFromDate,
  textToHtml,
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
  IcTagListSchema,
  IcTagSchema,
  IcTeamListSchema,
  type IcConversation,
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
  now: () => Date;
}

function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ApiError(`Intercom returned an unexpected ${what}: ${issue?.path.join('.') || 'body'}: ${issue?.message}`, {
    hint: 'run again with --verbose to see the request',
  });
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const enc = encodeURIComponent;

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
  };
  readonly http: HttpClient;
  private adminsP?: Promise<Person[]>;
  private teamsP?: Promise<Group[]>;
  private tagsP?: Promise<Group[]>;
  private meP?: Promise<{ person: Person | null; appId: string | null }>;

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

  private me(): Promise<{ person: Person | null; appId: string | null }> {
    return this.once(
      () => this.meP,
      (p) => (this.meP = p),
      async () => {
        const me = parse(IcMeSchema, await this.http.get('/me'), 'admin (GET /me)');
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
    const res = await this.http.request({ method: 'GET', path: '/me' });
    const me = parse(IcMeSchema, res.body, 'admin (GET /me)');
    const limit = res.headers['x-ratelimit-limit'];
    const agent = await this.currentAgent();
    const app = me.app as { name?: string | null; region?: string | null; id_code?: string | null } | null | undefined;
    return {
      account: `Intercom: ${app?.name ?? app?.id_code ?? 'workspace'}${app?.region ? ` (${app.region})` : ''}`,
      user: agent ? `${agent.name} <${agent.email ?? agent.id}>` : undefined,
      rateLimit: limit ? `${Array.isArray(limit) ? limit[0] : limit} requests/minute` : undefined,
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

  async *listTickets(query: TicketQuery): AsyncIterable<Ticket[]> {
    yield* filterTickets(this.listUnfiltered(query), query);
  }

  private async *listUnfiltered(query: TicketQuery): AsyncGenerator<Ticket[]> {
    const dir = await this.directory();
    const plan = buildSearch(query, {
      teamIdByName: query.group?.length ? nameIndex(await this.listGroups()) : new Map(),
      tagIdByName: query.tags?.length ? nameIndex(await this.tags()) : new Map(),
    });
    if (plan.empty) return;
    for await (const page of this.conversationPages(plan.query)) yield page.map((c) => conversationToTicket(c, dir));
  }

  /** Pages of conversations: searched (POST /conversations/search) or listed (GET /conversations). */
  private async *conversationPages(filter: SingleFilter | CompoundFilter | null): AsyncGenerator<IcConversation[]> {
    let after: string | null = null;
    const seen = new Set<string>();
    for (;;) {
      const req: RequestOptions = filter
        ? {
            method: 'POST',
            path: '/conversations/search',
            json: { query: filter, pagination: { per_page: INTERCOM_PAGE_SIZE, ...(after ? { starting_after: after } : {}) } },
            // a search changes nothing: safe to repeat
            idempotent: true,
          }
        : { method: 'GET', path: '/conversations', query: { per_page: INTERCOM_PAGE_SIZE, starting_after: after ?? undefined } };
      const res = await this.http.request(req);
      const list = parse(IcConversationListSchema, res.body, 'conversation list');
      if (list.conversations.length) yield list.conversations;
      const next = list.pages?.next?.starting_after ?? null;
      if (!next || seen.has(next) || !list.conversations.length) return;
      seen.add(next);
      after = next;
    }
  }

  private async conversation(id: string): Promise<IcConversation> {
    if (!/^\d+$/.test(id)) {
      throw new NotFoundError('ticket', id, 'Intercom conversation ids are numbers');
    }
    const body = await this.http.get(`/conversations/${enc(id)}`, { display_as: 'plaintext' }, {
      notFound: { what: 'ticket', id, hint: `list conversations with 'deskctl tickets list'` },
    });
    return parse(IcConversationSchema, body, 'conversation');
  }

  async getTicket(id: string): Promise<Ticket> {
    const conv = await this.conversation(id);
    return conversationToTicket(conv, await this.directory());
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    const conv = await this.conversation(ticketId);
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

  private async part(id: string, body: Record<string, unknown>): Promise<void> {
    await this.http.post(`/conversations/${enc(id)}/parts`, body, { idempotent: true, notFound: { what: 'ticket', id } });
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    if (patch.priority !== undefined) {
      throw new UsageError('Intercom API 2.14 cannot set priority (the priority flag is read-only)', 'leave out --priority for Intercom profiles');
    }
    const conv = await this.conversation(id);
    const adminId = await this.adminId();
    let group: string | null | undefined;
    if (patch.group !== undefined && patch.group !== null) {
      const teams = await this.listGroups();
      const team = teams.find((t) => t.name.toLowerCase() === patch.group!.toLowerCase() || t.id === patch.group);
      if (!team) throw new UsageError(`no Intercom team named '${patch.group}'`, `teams: ${teams.map((t) => t.name).join(', ') || '(none)'}`);
      group = team.id;
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
    if (patch.addTags?.length || patch.removeTags?.length) await this.changeTags(conv, adminId, patch.addTags ?? [], patch.removeTags ?? []);
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
    const conv = await this.conversation(ticketId);
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
    try {
      const body = await this.http.post(
        `/conversations/${enc(conv.id)}/reply`,
        { message_type: messageType, type: 'admin', admin_id: adminId, body: textToHtml(comment.body) },
        { verifyNotLanded: async () => !(await findLanded()), notFound: { what: 'ticket', id: ticketId } },
      );
      const after = parse(IcConversationSchema, body, 'conversation');
      const parts = after.conversation_parts?.conversation_parts ?? [];
      const mine = [...parts].reverse().find(isOurs) ?? parts[parts.length - 1];
      if (mine) return partToComment(mine, conv.id, admins);
    } catch (err) {
      if (!(err instanceof WriteLandedError)) throw err;
      const landed = await findLanded();
      if (!landed) throw err;
      return partToComment(landed, conv.id, admins);
    }
    throw new ApiError(`Intercom accepted the ${messageType} on conversation ${conv.id} but returned no conversation part`);
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
