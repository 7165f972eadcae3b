/**
 * Front Core API provider: conversations as tickets, messages (public) and comments (internal notes)
 * as comments, teammates as agents, inboxes as groups, tags, status with snooze.
 *
 * Listing walks the company's inboxes (GET /inboxes/{id}/conversations, cursor pages of 100 through
 * `_pagination.next` -> `page_token`), so every ticket knows its inbox (group) and the inbox's channel type
 * (channel); statuses are pushed down as `q[statuses][]`. Everything else is filtered locally.
 *
 * Writes go through the shared HTTP layer. Replies (POST .../messages, answered 202) and notes
 * (POST .../comments) are not idempotent: after an ambiguous failure the conversation is read back and the
 * write is repeated only when it did not land, so nothing is sent twice.
 */
import type { z } from 'zod';
import type { Channel, Comment, DateRange, Group, NewComment, Person, Rating, Ticket, TicketPatch } from '../../domain/model.js';
import { filterTickets, type TicketQuery } from '../../domain/query.js';
import { ApiError, ConfigError, NotFoundError, UsageError } from '../../errors.js';
import { paginate, type HttpClient, type Query } from '../http.js';
import { firstPageSize, type Capabilities, type HelpdeskProvider, type ListOptions } from '../provider.js';
import { normalizeText } from '../html.js';
import { vendorParser } from '../vendor-json.js';
import { ReadHandoff } from '../read-handoff.js';
import { writeOnce } from '../write-once.js';
import {
  conversationToTicket,
  domainStatusToFront,
  frontCommentToComment,
  frontStatusPlan,
  htmlToText,
  inboxChannel,
  isoFromSeconds,
  mergeThread,
  messageFacts,
  messageToComment,
  pageTokenOf,
  secondsFromDate,
  teammateToPerson,
  textToHtml,
} from './map.js';
import {
  FrontChannelSchema,
  FrontCommentSchema,
  FrontConversationSchema,
  FrontIdentitySchema,
  FrontInboxSchema,
  FrontMessageSchema,
  frontPage,
  FrontReplyAcceptedSchema,
  FrontTagSchema,
  FrontTeammateSchema,
  type FrontComment,
  type FrontConversation,
  type FrontMessage,
  type FrontTag,
} from './schemas.js';

/** Front caps list pages at 100. */
export const FRONT_PAGE_SIZE = 100;
/** Snoozing (pending/on_hold) reopens the conversation after this many hours unless profile.options.snoozeHours says. */
export const DEFAULT_SNOOZE_HOURS = 24;
/** Tolerance when matching a write that may have landed against the server's clock. */
const LANDED_SKEW_S = 120;

export interface FrontOptions {
  http: HttpClient;
  /** The profile's `agent` (teammate id or email): "me", and the author of replies and notes. */
  agentRef?: string;
  snoozeHours?: number;
  /** When listTickets reads each conversation's messages (first response, reply count); default windowed. */
  messageFacts?: 'windowed' | 'always' | 'never';
  now: () => Date;
}

/** Message listings in flight at once when enriching a page (the shared rate limiter still applies). */
const MESSAGE_FACTS_CONCURRENCY = 4;

interface InboxInfo {
  id: string;
  name: string;
  channel: Channel;
}

const parse = vendorParser('Front');

/** What to do instead of setting a priority on Front. */
const PRIORITY_HINT = 'leave out --priority for Front profiles (use a tag instead)';

const norm = normalizeText;
const enc = encodeURIComponent;

/** A listed ticket completed with the facts only its messages tell. */
const withFacts = (t: Ticket, messages: FrontMessage[]): Ticket => {
  const facts = messageFacts(messages);
  return { ...t, firstResponseAt: facts.firstResponseAt, publicReplyCount: facts.publicReplyCount, lastCustomerMessageAt: facts.lastCustomerMessageAt ?? t.lastCustomerMessageAt };
};

export class FrontProvider implements HelpdeskProvider {
  readonly kind = 'front';
  readonly displayName = 'Front';
  readonly capabilities: Capabilities = {
    priority: false,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: [],
    serverFilters: ['status', 'group', 'ids'],
    defaultConcurrency: 2,
    hints: { priority: PRIORITY_HINT },
  };
  readonly http: HttpClient;
  private inboxesP?: Promise<InboxInfo[]>;
  private teammatesP?: Promise<Person[]>;
  private tagsP?: Promise<FrontTag[]>;
  private meP?: Promise<Person | null>;
  /**
   * getTicket's reads, for the listComments and reply that follow (`tickets show` and `tickets reply` need
   * both): the conversation while recent, its messages once (a second look after a lost write reads them
   * again). Every write forgets them first.
   */
  private readonly conversations = new ReadHandoff<FrontConversation>();
  private readonly messageLists = new ReadHandoff<FrontMessage[]>();

  constructor(private readonly opts: FrontOptions) {
    this.http = opts.http;
  }

  private nowMs(): number {
    return this.opts.now().getTime();
  }

  // ---- directory ------------------------------------------------------------------------------

  /**
   * Every page of a Front list. `limit` is sent only to the endpoints that take it (conversations, messages,
   * tags); the others answer in one go but `_pagination.next` is still followed when present.
   */
  private async *pages<S extends z.ZodType>(path: string, item: S, what: string, query: Query = {}, paged = false, firstPage = FRONT_PAGE_SIZE): AsyncGenerator<z.infer<S>[]> {
    const schema = frontPage(item);
    const first = { method: 'GET' as const, path, query: paged ? { limit: firstPage, ...query } : query };
    // a first page sized to what the caller wants; the following ones full size
    const following = paged ? { ...first.query, limit: FRONT_PAGE_SIZE } : first.query;
    for await (const page of paginate<unknown, z.infer<S>>(this.http, first, (body) => {
      const parsed = parse(schema, body, what);
      const token = pageTokenOf(parsed._pagination?.next);
      return { items: parsed._results as z.infer<S>[], next: token ? { ...first, query: { ...following, page_token: token } } : null };
    })) {
      yield page;
    }
  }

  private async all<S extends z.ZodType>(path: string, item: S, what: string, paged = false): Promise<z.infer<S>[]> {
    const out: z.infer<S>[] = [];
    for await (const page of this.pages(path, item, what, {}, paged)) out.push(...page);
    return out;
  }

  /** Inboxes with the channel type of each (one request per inbox, once per run). */
  private inboxes(): Promise<InboxInfo[]> {
    return (this.inboxesP ??= (async () => {
      const list = await this.all('/inboxes', FrontInboxSchema, 'inbox list');
      const out: InboxInfo[] = [];
      for (const inbox of list) {
        const body = await this.http.get(`/inboxes/${enc(inbox.id)}/channels`);
        const channels = parse(frontPage(FrontChannelSchema), body, 'channel list')._results;
        out.push({ id: inbox.id, name: inbox.name, channel: inboxChannel(channels) });
      }
      return out;
    })().catch((err) => {
      this.inboxesP = undefined;
      throw err;
    }));
  }

  private tags(refresh = false): Promise<FrontTag[]> {
    if (refresh) this.tagsP = undefined;
    return (this.tagsP ??= this.all('/tags', FrontTagSchema, 'tag list', true).catch((err) => {
      this.tagsP = undefined;
      throw err;
    }));
  }

  async listAgents(): Promise<Person[]> {
    return (this.teammatesP ??= this.all('/teammates', FrontTeammateSchema, 'teammate list')
      .then((list) => list.filter((t) => !t.is_blocked).map(teammateToPerson))
      .catch((err) => {
        this.teammatesP = undefined;
        throw err;
      }));
  }

  async listGroups(): Promise<Group[]> {
    return (await this.inboxes()).map((i) => ({ id: i.id, name: i.name }));
  }

  /**
   * Front API tokens belong to the company, not to a teammate (GET /me names the company), so "me" is
   * the profile's `agent` setting, resolved against the teammates.
   */
  currentAgent(): Promise<Person | null> {
    return (this.meP ??= (async () => {
      const ref = this.opts.agentRef?.trim();
      if (!ref) return null;
      const agents = await this.listAgents();
      const lower = ref.toLowerCase();
      const me = agents.find((a) => a.id === ref || (a.email ?? '').toLowerCase() === lower);
      if (!me) {
        throw new ConfigError(`the profile's agent '${ref}' is not a Front teammate`, `set it to a teammate's email or id (tea_...)`);
      }
      return me;
    })());
  }

  /** For `deskctl profile test`: one cheap authenticated call (GET /me names the company) and the plan's rate limit. */
  async describeAccount(): Promise<{ account: string; user?: string; rateLimit?: string }> {
    const res = await this.http.request({ method: 'GET', path: '/me' });
    const me = parse(FrontIdentitySchema, res.body, 'identity (GET /me)');
    const limit = res.headers['x-ratelimit-limit'];
    const agent = await this.currentAgent();
    return {
      account: `Front: ${me.name ?? me.id}`,
      user: agent ? `${agent.name} <${agent.email ?? agent.id}>` : undefined,
      rateLimit: limit ? `${Array.isArray(limit) ? limit[0] : limit} requests/minute` : undefined,
    };
  }

  // ---- reading --------------------------------------------------------------------------------

  /**
   * Front conversations carry no first-response time or reply count: those come from the messages, one
   * request per conversation. They are read for time-windowed queries (created/updated/solved since, which
   * is what metrics asks), for every query with options.messageFacts=always, and never with =never.
   */
  /** Front's inbox (its web app has no URL for a filtered list). */
  async webListUrl(): Promise<{ url: string; filtered: boolean }> {
    return { url: 'https://app.frontapp.com/', filtered: false };
  }

  async *listTickets(query: TicketQuery, opts?: ListOptions): AsyncIterable<Ticket[]> {
    const mode = this.opts.messageFacts ?? 'windowed';
    const windowed = Boolean(query.createdSince || query.updatedSince || query.solvedSince);
    const enrich = !opts?.conversationsFollow && (mode === 'always' || (mode === 'windowed' && windowed));
    for await (const page of filterTickets(this.listUnfiltered(query, firstPageSize(FRONT_PAGE_SIZE, opts)), query)) {
      yield enrich ? await this.withMessageFacts(page) : page;
    }
  }

  private async withMessageFacts(page: Ticket[]): Promise<Ticket[]> {
    const out = new Array<Ticket>(page.length);
    let next = 0;
    const worker = async () => {
      while (next < page.length) {
        const i = next++;
        const t = page[i]!;
        out[i] = withFacts(t, await this.messages(t.id));
      }
    };
    await Promise.all(Array.from({ length: Math.min(MESSAGE_FACTS_CONCURRENCY, page.length) }, worker));
    return out;
  }

  private async *listUnfiltered(query: TicketQuery, firstPage: number): AsyncGenerator<Ticket[]> {
    if (query.ids?.length) {
      for (const id of query.ids) {
        try {
          yield [await this.getTicket(id)];
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      return;
    }
    const plan = frontStatusPlan(query.status);
    if (plan.list?.length === 0 && !plan.snoozed) return;
    const q: Query = plan.list ? { 'q[statuses][]': plan.list } : {};
    const now = this.nowMs();
    const inboxes = await this.inboxes();
    let targets = inboxes;
    if (query.group?.length) {
      const wanted = new Set(query.group.map((g) => g.toLowerCase()));
      targets = inboxes.filter((i) => wanted.has(i.name.toLowerCase()));
      if (!targets.length) {
        throw new UsageError(`no Front inbox named ${query.group.map((g) => `'${g}'`).join(' or ')}`, `inboxes: ${inboxes.map((i) => i.name).join(', ') || '(none)'}`);
      }
    }
    // each inbox in turn, so every ticket knows its inbox; a token that sees no inbox gets the company-wide list
    const scopes = inboxes.length
      ? targets.map((i) => ({ list: `/inboxes/${enc(i.id)}/conversations`, snoozed: `inbox:${i.id} is:snoozed`, inboxName: i.name, channel: i.channel }))
      : [{ list: '/conversations', snoozed: 'is:snoozed', inboxName: null, channel: undefined }];
    const seen = new Set<string>();
    for (const scope of scopes) {
      const sources = [
        ...(plan.list?.length !== 0 ? [() => this.pages(scope.list, FrontConversationSchema, 'conversation list', q, true, firstPage)] : []),
        ...(plan.snoozed ? [() => this.search(scope.snoozed)] : []),
      ];
      for (const source of sources) {
        for await (const page of source()) {
          const fresh = page.filter((c) => !seen.has(c.id));
          fresh.forEach((c) => seen.add(c.id));
          if (fresh.length) yield fresh.map((c) => conversationToTicket(c, { nowMs: now, inboxName: scope.inboxName, channel: scope.channel }));
        }
      }
    }
  }

  /** GET /conversations/search/{query} (Front's search syntax), 100 per page. */
  private search(text: string): AsyncGenerator<FrontConversation[]> {
    return this.pages(`/conversations/search/${enc(text)}`, FrontConversationSchema, 'search result', {}, true);
  }

  /** Before a write: nothing read before it is used after it. */
  private forget(...ids: string[]): void {
    for (const id of ids) {
      this.conversations.forget(id);
      this.messageLists.forget(id);
    }
  }

  private async conversation(id: string): Promise<FrontConversation> {
    const body = await this.http.get(`/conversations/${enc(id)}`, undefined, {
      notFound: { what: 'ticket', id, hint: `Front conversation ids look like cnv_abc123; list them with 'deskctl tickets list'` },
    });
    return parse(FrontConversationSchema, body, 'conversation');
  }

  private async messages(id: string): Promise<FrontMessage[]> {
    return this.all(`/conversations/${enc(id)}/messages`, FrontMessageSchema, 'message list', true);
  }

  private async comments(id: string): Promise<FrontComment[]> {
    return this.all(`/conversations/${enc(id)}/comments`, FrontCommentSchema, 'comment list');
  }

  /** The conversation, its inbox (group, channel) and its messages (first response, reply count). */
  async getTicket(id: string): Promise<Ticket> {
    const conv = await this.conversations.read(id, () => this.conversation(id));
    const inboxBody = await this.http.get(`/conversations/${enc(conv.id)}/inboxes`);
    const convInboxes = parse(frontPage(FrontInboxSchema), inboxBody, 'inbox list')._results;
    const known = await this.inboxes();
    const inbox = convInboxes.length ? known.find((i) => i.id === convInboxes[0]!.id) : undefined;
    const messages = await this.messageLists.read(conv.id, () => this.messages(conv.id));
    return conversationToTicket(conv, {
      nowMs: this.nowMs(),
      inboxName: inbox?.name ?? convInboxes[0]?.name ?? null,
      channel: inbox?.channel,
      messages,
    });
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    const conv = await this.conversations.reuse(ticketId, () => this.conversation(ticketId));
    // the messages getTicket just read, once: a second look (after a lost write) reads them again
    const [messages, comments] = [await this.messageLists.take(conv.id, () => this.messages(conv.id)), await this.comments(conv.id)];
    return mergeThread(conv.id, messages, comments);
  }

  /** Two requests (messages, comments): the listed conversation is not read again. */
  async ticketWithConversation(ticket: Ticket): Promise<{ ticket: Ticket; comments: Comment[] }> {
    const [messages, comments] = await Promise.all([this.messages(ticket.id), this.comments(ticket.id)]);
    return { ticket: withFacts(ticket, messages), comments: mergeThread(ticket.id, messages, comments) };
  }

  /** Front keeps ratings inside its analytics (aggregates only): there is nothing per conversation to list. */
  async *listRatings(_range: DateRange): AsyncIterable<Rating[]> {
    return;
  }

  // ---- writing --------------------------------------------------------------------------------

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    if (patch.priority !== undefined) {
      throw new UsageError('Front has no priority field', PRIORITY_HINT);
    }
    let status: ReturnType<typeof domainStatusToFront> | undefined;
    if (patch.status !== undefined) {
      status = domainStatusToFront(patch.status);
      if (!status) throw new UsageError(`Front cannot set a conversation to '${patch.status}'`, 'use open, pending (snooze), solved or closed (archive)');
    }
    if (patch.group === null) throw new UsageError('a Front conversation always lives in an inbox', 'move it to another inbox with --group NAME');
    this.forget(id);
    const changesTags = Boolean(patch.addTags?.length || patch.removeTags?.length);
    const me = status?.kind === 'snooze' ? await this.currentAgent() : null;
    // read first only for what the write needs from it: the current tags, or whom to snooze it for
    const needsConv = changesTags || (status?.kind === 'snooze' && !me?.id && !patch.assigneeId);
    const conv: Pick<FrontConversation, 'id' | 'tags' | 'assignee'> = needsConv ? await this.conversation(id) : { id };
    const path = `/conversations/${enc(conv.id)}`;

    const body: Record<string, unknown> = {};
    if (status?.kind === 'status') body.status = status.status;
    if (patch.group !== undefined && patch.group !== null) {
      const inboxes = await this.inboxes();
      const inbox = inboxes.find((i) => i.name.toLowerCase() === patch.group!.toLowerCase() || i.id === patch.group);
      if (!inbox) throw new UsageError(`no Front inbox named '${patch.group}'`, `inboxes: ${inboxes.map((i) => i.name).join(', ')}`);
      body.inbox_id = inbox.id;
    }
    if (patch.customFields && Object.keys(patch.customFields).length) body.custom_fields = patch.customFields;

    if (patch.assigneeId !== undefined) {
      // PUT is idempotent; `null` unassigns (Front's documented convention)
      await this.http.put(`${path}/assignee`, { assignee_id: patch.assigneeId }, { notFound: { what: 'ticket', id } });
    }
    if (Object.keys(body).length) await this.http.patch(path, body, { idempotent: true, notFound: { what: 'ticket', id } });
    if (status?.kind === 'snooze') {
      const teammate = me?.id ?? (patch.assigneeId || null) ?? conv.assignee?.id ?? null;
      if (!teammate) {
        throw new ConfigError('Front snoozes a conversation for a teammate, and this one has none', `set the profile's agent (deskctl profile add front ... --agent EMAIL) or assign the conversation first`);
      }
      const hours = this.opts.snoozeHours ?? DEFAULT_SNOOZE_HOURS;
      await this.http.patch(
        `${path}/reminders`,
        { teammate_id: teammate, scheduled_at: secondsFromDate(this.opts.now()) + Math.round(hours * 3600) },
        { idempotent: true, notFound: { what: 'ticket', id } },
      );
    }
    if (changesTags) await this.changeTags(conv, patch.addTags ?? [], patch.removeTags ?? []);
    this.forget(id);
    return this.getTicket(conv.id);
  }

  private async changeTags(conv: Pick<FrontConversation, 'id' | 'tags'>, add: string[], remove: string[]): Promise<void> {
    const have = new Set((conv.tags ?? []).map((t) => t.name.toLowerCase()));
    const toAdd = add.filter((t) => !have.has(t.toLowerCase()));
    const toRemove = remove.filter((t) => have.has(t.toLowerCase()));
    const path = `/conversations/${enc(conv.id)}/tags`;
    if (toAdd.length) {
      const ids: string[] = [];
      for (const name of toAdd) ids.push((await this.tagByName(name)).id);
      await this.http.post(path, { tag_ids: ids }, { idempotent: true });
    }
    if (toRemove.length) {
      const ids = (conv.tags ?? []).filter((t) => toRemove.some((r) => r.toLowerCase() === t.name.toLowerCase())).map((t) => t.id);
      await this.http.request({ method: 'DELETE', path, json: { tag_ids: ids } });
    }
  }

  /** The tag with this name, created when missing (a lost response is checked before creating it again). */
  private async tagByName(name: string): Promise<FrontTag> {
    const find = (list: FrontTag[]) => list.find((t) => t.name.toLowerCase() === name.toLowerCase());
    const hit = find(await this.tags());
    if (hit) return hit;
    return writeOnce(
      async () => find(await this.tags(true)),
      async (verifyNotLanded) => {
        const body = await this.http.post('/tags', { name }, { verifyNotLanded });
        const tag = parse(FrontTagSchema, body, 'tag');
        this.tagsP = undefined;
        return tag;
      },
      (landed) => landed,
    );
  }

  async addComment(ticketId: string, comment: NewComment): Promise<Comment> {
    if (!comment.body.trim()) throw new UsageError('the comment is empty', 'give some text');
    const me = await this.currentAgent();
    const authorId = comment.authorId ?? me?.id;
    // the conversation as getTicket just read it, if it did (its id is all the reply needs)
    const conv = await this.conversations.reuse(ticketId, () => this.conversation(ticketId));
    this.forget(ticketId, conv.id);
    const sinceS = secondsFromDate(this.opts.now()) - LANDED_SKEW_S;
    return comment.public ? this.reply(conv.id, comment.body, authorId, sinceS) : this.note(conv.id, comment.body, authorId, sinceS);
  }

  private async reply(id: string, text: string, authorId: string | undefined, sinceS: number): Promise<Comment> {
    const findLanded = async (): Promise<FrontMessage | undefined> =>
      (await this.messages(id)).find(
        (m) => !m.is_inbound && !m.draft_mode && (m.created_at ?? 0) >= sinceS && norm(m.text ?? htmlToText(m.body ?? '')) === norm(text),
      );
    const body: Record<string, unknown> = { body: textToHtml(text) };
    if (authorId) body.author_id = authorId;
    return writeOnce(
      findLanded,
      async (verifyNotLanded): Promise<Comment> => {
        const res = await this.http.post(`/conversations/${enc(id)}/messages`, body, { verifyNotLanded, notFound: { what: 'ticket', id } });
        const uid = parse(FrontReplyAcceptedSchema, res ?? {}, 'reply').message_uid;
        // Front queues the message (202); it is sent moments later. Describe what was accepted.
        const author = authorId ? (await this.listAgents()).find((a) => a.id === authorId) : undefined;
        return {
          id: uid ? `alt:uid:${uid}` : `${id}-reply`,
          ticketId: id,
          author: author ?? { id: authorId ?? 'api', name: authorId ?? 'Front API', email: null, role: 'agent' },
          authorRole: 'agent',
          public: true,
          body: text,
          createdAt: isoFromSeconds(secondsFromDate(this.opts.now())),
        };
      },
      (landed) => messageToComment(landed, id),
    );
  }

  private async note(id: string, text: string, authorId: string | undefined, sinceS: number): Promise<Comment> {
    const findLanded = async (): Promise<FrontComment | undefined> =>
      (await this.comments(id)).find((c) => (c.posted_at ?? 0) >= sinceS && norm(c.body ?? '') === norm(text) && (!authorId || c.author?.id === authorId));
    const body: Record<string, unknown> = { body: text };
    if (authorId) body.author_id = authorId;
    return writeOnce(
      findLanded,
      async (verifyNotLanded) => {
        const res = await this.http.post(`/conversations/${enc(id)}/comments`, body, { verifyNotLanded, notFound: { what: 'ticket', id } });
        return frontCommentToComment(parse(FrontCommentSchema, res, 'comment'), id);
      },
      (landed) => frontCommentToComment(landed, id),
    );
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
