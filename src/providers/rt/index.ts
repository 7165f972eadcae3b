/**
 * Request Tracker 5 (REST2) as a deskctl helpdesk.
 *
 * Auth: basic (profile user + password from passwordEnv or the secret 'password') or an RT auth token
 * (`Authorization: token ...`, from tokenEnv or the secret 'token'; chosen when profile.auth is 'token'
 * or tokenEnv is set). Profile options: tagsField (a multi-value ticket custom field used as tags),
 * channelField (a ticket custom field holding the channel).
 *
 * Requests per operation: a page of 100 tickets costs one ticket search plus one transaction search
 * (first response, reopens and reply counts come from the transaction log); show = 3 requests
 * (ticket, transactions, text parts); update = 4 (read, PUT, read back with its transactions); reply/note =
 * 2 (POST, find the new transaction). Basic auth adds one request per run (login, or a check of the saved
 * session; see session.ts).
 */
import { join } from 'node:path';
import { profileDataDir } from '../../config/paths.js';
import type { Comment, Group, NewComment, Person, Rating, Ticket, TicketPatch } from '../../domain/model.js';
import { matchesQuery, type TicketQuery } from '../../domain/query.js';
import { ApiError, AuthError, ConfigError, NotFoundError } from '../../errors.js';
import { decimalId } from '../../domain/parse.js';
import { createHttpClient, type AuthStrategy, type HttpBackedProvider, type HttpClient } from '../http.js';
import { basicAuth, headerAuth } from '../http.js';
import { registerSecret } from '../../output/redact.js';
import { type AddedComment, type Capabilities, type HelpdeskProvider, type ListOptions } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { RT_PAGE_SIZE, RtClient, rtUrls } from './client.js';
import { rtSessionAuth, type RtSessionAuth } from './session.js';
import {
  commentsFromRt,
  deriveFromTransactions,
  identityKeys,
  patchToRt,
  personFromRt,
  requestorKeys,
  rtComplaints,
  rtStatusRefusal,
  statusToRt,
  RT_SYSTEM,
  RT_TAGS_HINT,
  NOBODY,
  sqlString,
  ticketFromRt,
  toTicketSql,
  unappliedFields,
  type RtMapOptions,
  type RtTicket,
  type RtTransaction,
  type RtUser,
} from './map.js';

export * from './map.js';
export { RtClient, rtUrls } from './client.js';

const DERIVE_TYPES = ['Create', 'Correspond', 'Status'];
const CONVERSATION = ['Create', 'Correspond', 'Comment'];
const ALL_TYPES = [...DERIVE_TYPES, 'Comment'];
/** Ticket fields only the transaction log knows. */
const LOG_FIELDS = new Set(['firstResponseAt', 'reopenCount', 'publicReplyCount', 'lastCustomerMessageAt']);
/**
 * How long a ticket and its transactions read by getTicket serve a following listComments: a bulk reply
 * reads its 50 tickets, then their conversations (the repeat check), which takes more than a few seconds.
 */
const RECENT_MS = 30_000;
/** How many concurrent requests to use when fetching several users. */
const USER_FETCH_CONCURRENCY = 6;

const FORBIDDEN_HINT =
  'the RT user lacks the right for this (ShowTicket, ModifyTicket, ReplyToTicket, CommentOnTicket, OwnTicket...): ask an RT admin to grant it, or use another --profile';

export interface RtProviderOptions extends RtMapOptions {
  /** Login of the authenticated user, when known (basic auth, or given with a token). */
  user?: string;
  /** The numeric user id carried in an RT auth token ("1-35-..." -> 35). */
  tokenUserId?: string;
  /** Basic auth through a web session: knows the logged-in user without a request. */
  session?: RtSessionAuth;
}

/** Stands in for the ticket when only the shape of a patch is checked. */
const EMPTY_TICKET: Ticket = {
  id: '0', subject: '', status: 'new', priority: 'none', channel: 'email', requester: { id: '0', name: '', role: 'customer' },
  tags: [], createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), reopenCount: 0, customFields: {},
};

export class RtProvider implements HelpdeskProvider, HttpBackedProvider {
  readonly kind = 'rt';
  readonly displayName = 'Request Tracker';
  readonly capabilities: Capabilities;
  readonly client: RtClient;
  private meP?: Promise<Person | null>;
  private meUserP?: Promise<RtUser | null>;
  private agentsP?: Promise<Person[]>;

  constructor(
    readonly http: HttpClient,
    private readonly opts: RtProviderOptions,
  ) {
    this.client = new RtClient(http, Boolean(opts.tagsField || opts.channelField));
    this.capabilities = {
      priority: true,
      channels: Boolean(opts.channelField),
      groups: true,
      internalNotes: true,
      tags: Boolean(opts.tagsField),
      ratings: [],
      serverFilters: ['ids', 'status', 'priority', 'group', 'assigneeIds', 'createdSince', 'createdUntil', 'updatedSince', 'updatedUntil', 'solvedSince', 'solvedUntil', 'text', ...(opts.tagsField ? (['tags'] as const) : [])],
      defaultConcurrency: 4,
      statusWithComment: true,
      hints: opts.tagsField ? undefined : { tags: RT_TAGS_HINT },
    };
  }

  // ------------------------------------------------------------------------------------------
  // tickets

  /** Domain tickets for a page of RT tickets, with the facts only the transaction log knows. */
  private async withHistory(raw: RtTicket[]): Promise<Ticket[]> {
    const txns = await this.client.ticketTransactions(
      raw.map((t) => String(t.id)),
      DERIVE_TYPES,
      false,
    );
    return this.ticketsWith(raw, txns);
  }

  /** Domain tickets from RT tickets and their transactions (null: not read, the log's facts left unset). */
  private async ticketsWith(raw: RtTicket[], txns: RtTransaction[] | null): Promise<Ticket[]> {
    const opts = await this.mapOptions(raw);
    if (!txns) return raw.map((t) => ticketFromRt(t, opts));
    const byTicket = new Map<string, RtTransaction[]>();
    for (const t of txns) {
      const key = String(t.ObjectId);
      const list = byTicket.get(key) ?? [];
      list.push(t);
      byTicket.set(key, list);
    }
    return raw.map((t) => ticketFromRt(t, opts, deriveFromTransactions(byTicket.get(String(t.id)) ?? [], requestorKeys(t))));
  }

  async webListUrl(query: TicketQuery): Promise<{ url: string; filtered: boolean }> {
    const { sql } = toTicketSql(query, this.opts);
    return { url: `${this.opts.webBase}/Search/Results.html?Query=${encodeURIComponent(sql)}`, filtered: true };
  }

  async *listTickets(query: TicketQuery, opts?: ListOptions): AsyncIterable<Ticket[]> {
    const { sql, empty } = toTicketSql(query, this.opts);
    if (empty) return;
    let first = true;
    // The next page of tickets is fetched while this page's transactions are read, when the caller will
    // want it: it reads all, or has not had as many as it wants (unknown: from the second page on).
    const wanted = opts?.wanted;
    // the transaction log is read only when a fact it alone knows is wanted
    const readsLog = !opts?.fields || opts.fields.some((f) => LOG_FIELDS.has(f.split('.')[0]!));
    const pages = this.client.searchTickets(sql, wanted);
    let given = 0;
    try {
      let pending: Promise<IteratorResult<RtTicket[], void>> | undefined = pages.next();
      for (let index = 0; ; index++) {
        const r: IteratorResult<RtTicket[], void> = await (pending ?? pages.next());
        if (r.done) break;
        given += r.value.length;
        const more = wanted === undefined ? index >= 1 : given < wanted;
        pending = more ? pages.next() : undefined;
        pending?.catch(() => undefined);
        first = false;
        const tickets = readsLog ? await this.withHistory(r.value) : await this.ticketsWith(r.value, null);
        const kept = tickets.filter((t) => matchesQuery(t, query));
        if (kept.length) yield kept;
      }
    } finally {
      await pages.return(undefined).catch(() => undefined);
    }
    if (first) await this.explainEmptySearch();
  }

  /** RT answers an unprivileged user's searches with nothing at all: say why instead of showing an empty list. */
  private async explainEmptySearch(): Promise<void> {
    const me = await this.currentUser().catch(() => null);
    if (me && (me.Privileged === 0 || me.Privileged === '0')) {
      throw new AuthError(
        `RT user '${me.Name}' is not privileged: Request Tracker shows unprivileged users no tickets through REST2`,
        'use an agent account (a privileged user with ShowTicket on the queues), or ask an RT admin to make this one privileged',
      );
    }
  }

  /**
   * Map options with the multi-value custom fields, so that such a field is an array whatever its count.
   * Tickets read with their custom fields carry the definitions inline; only the others need the search.
   */
  private async mapOptions(raw: RtTicket[]): Promise<RtProviderOptions> {
    const unknownArity = raw.some((t) => Array.isArray(t.CustomFields) && t.CustomFields.some((cf) => cf.MaxValues === undefined || cf.MaxValues === null));
    if (!unknownArity) return this.opts;
    const multiValueFields = await this.client.multiValueFields();
    return multiValueFields ? { ...this.opts, multiValueFields } : this.opts;
  }

  private checkId(id: string): string {
    const clean = id.trim().replace(/^#/, '');
    if (decimalId(clean) === undefined) throw new NotFoundError('ticket', id, 'Request Tracker ticket ids are whole decimal numbers');
    return clean;
  }

  /** Tickets (and their conversation transactions) read in the last few seconds: a reply reads a ticket, then its conversation. Writes forget them. */
  private readonly recent = new Map<string, { at: number; ticket: RtTicket }>();
  private readonly recentTxns = new Map<string, { at: number; txns: RtTransaction[] }>();

  /** The RT ticket, or NotFoundError / AuthError (403) explaining why it cannot be read. */
  private async rawTicket(id: string, fresh = false): Promise<RtTicket> {
    const clean = this.checkId(id);
    const cached = this.recent.get(clean);
    if (!fresh && cached && Date.now() - cached.at < RECENT_MS) return cached.ticket;
    const t = await this.client.ticketById(clean);
    if (t) {
      this.recent.set(clean, { at: Date.now(), ticket: t });
      return t;
    }
    // the search hides both missing and forbidden tickets: ask the ticket itself which it is
    await this.client.probeTicket(clean);
    throw new NotFoundError('ticket', id, "it may have been merged or deleted; list tickets with 'deskctl tickets list'");
  }

  /** A ticket's transactions of every type the ticket and its conversation need, with their authors (kept for a following listComments). */
  private async conversationTxns(id: string): Promise<RtTransaction[]> {
    const txns = await this.client.ticketTransactions([id], ALL_TYPES);
    this.recentTxns.set(id, { at: Date.now(), txns });
    return txns;
  }

  async getTicket(id: string): Promise<Ticket> {
    const clean = this.checkId(id);
    // the ticket and its transaction log at once; the log also serves a following listComments
    const [raw, txns] = await settled([this.rawTicket(clean, true), this.conversationTxns(clean)] as const);
    const [ticket] = await this.ticketsWith([raw], txns);
    return ticket!;
  }

  /** `tickets show`: the ticket, its transactions and its messages' text parts and files, all four requests at once. */
  async getTicketWithComments(id: string): Promise<{ ticket: Ticket; comments: Comment[] }> {
    const clean = this.checkId(id);
    const [raw, txns, parts, files] = await settled([
      this.rawTicket(clean, true),
      this.conversationTxns(clean),
      this.client.ticketTextParts(clean),
      this.client.ticketFiles(clean),
    ] as const);
    const [ticket] = await this.ticketsWith([raw], txns);
    return { ticket: ticket!, comments: commentsFromRt(raw, txns.filter((t) => CONVERSATION.includes(t.Type)), parts, files) };
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    const id = this.checkId(ticketId);
    const cached = this.recentTxns.get(id);
    const fresh = cached && Date.now() - cached.at < RECENT_MS;
    const [raw, txns, parts, files] = await settled([
      this.rawTicket(id),
      fresh ? Promise.resolve(cached.txns) : this.client.ticketTransactions([id], CONVERSATION),
      this.client.ticketTextParts(id),
      this.client.ticketFiles(id),
    ] as const);
    return commentsFromRt(raw, txns.filter((t) => CONVERSATION.includes(t.Type)), parts, files);
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    // refuse what RT cannot do before any request
    if ((patch.addTags?.length || patch.removeTags?.length || patch.group === null) && !this.opts.tagsField) patchToRt(patch, EMPTY_TICKET, this.opts);
    const clean = this.checkId(id);
    // RT takes a multi-value field as its complete list of values: only a tag change needs the ticket first
    const needsCurrent = Boolean(patch.addTags?.length || patch.removeTags?.length);
    const current = needsCurrent ? await this.rawTicket(clean, true) : undefined;
    const before = current ? ticketFromRt(current, await this.mapOptions([current])) : EMPTY_TICKET;
    const body = patchToRt(patch, before, this.opts);
    if (!Object.keys(body).length) return this.getTicket(clean);
    this.recent.delete(clean);
    this.recentTxns.delete(clean);
    const messages = await this.client.updateTicket(clean, body);
    const after = await this.getTicket(clean);
    const missing = unappliedFields(patch, after);
    for (const [name, value] of Object.entries((body.CustomFields as Record<string, unknown> | undefined) ?? {})) {
      const want = (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]).map(String).sort();
      const got = after.customFields[name];
      const have = (Array.isArray(got) ? got : got === null || got === undefined ? [] : [got]).map(String).sort();
      if (want.join('\u0000') !== have.join('\u0000')) missing.push(name === this.opts.tagsField ? 'tags' : `custom field ${name}`);
    }
    if (missing.length) {
      const complaints = rtComplaints(messages);
      throw new ApiError(
        `Request Tracker did not apply ${missing.join(', ')} to ticket ${clean}${complaints.length ? `: ${complaints.join('; ')}` : ''}`,
        {
          hint: patch.status
            ? "RT's lifecycle may forbid that status change (e.g. back to new), or the user lacks the right; check the ticket in RT"
            : 'check the names (queue, owner, custom field) and the RT user\'s rights',
        },
      );
    }
    return after;
  }

  /**
   * One POST: the message and, when asked, the status (RT applies it right after the message). RT's answer
   * names the new transaction; a status RT refused is reported with the comment, the message stays sent.
   */
  async addComment(ticketId: string, comment: NewComment): Promise<AddedComment> {
    const id = this.checkId(ticketId);
    const kind = comment.public ? 'correspond' : 'comment';
    const type = comment.public ? 'Correspond' : 'Comment';
    const me = await this.currentAgent();
    const condition = `Type = ${sqlString(type)}${me ? ` AND Creator = ${sqlString(me.id)}` : ''}`;
    const started = Date.now();
    /** After an ambiguous failure: did a message with this body land on the ticket since we started? */
    const findLanded = async (): Promise<RtTransaction | undefined> => {
      const recent = (await this.client.latestTransactions(id, condition, 10)).filter((t) => Date.parse(t.Created) >= started - 120_000);
      if (!recent.length) return undefined;
      const [raw, parts] = await Promise.all([this.rawTicket(id), this.client.ticketTextParts(id)]);
      const hit = commentsFromRt(raw, recent, parts).find((c) => c.body.trim() === comment.body.trim());
      return hit ? recent.find((t) => String(t.id) === hit.id) : undefined;
    };
    const status = comment.status ? statusToRt(comment.status) : undefined;
    let landed: { id: string; createdAt: string } | undefined;
    let statusRefused: string | undefined;
    this.recent.delete(id);
    this.recentTxns.delete(id);
    try {
      const res = await this.client.correspond(id, comment.body, kind, async () => !(await findLanded()), status);
      if (res.transactionId) landed = { id: res.transactionId, createdAt: new Date().toISOString() };
      if (status) statusRefused = rtStatusRefusal(res.messages);
    } catch (err) {
      if ((err as Error).name === 'WriteLandedError') {
        const found = await findLanded();
        if (found) landed = { id: String(found.id), createdAt: found.Created };
        // the status went with the lost answer: look at the ticket itself
        if (status && statusToRt((await this.getTicket(id)).status) !== status) statusRefused = 'not seen on the ticket after the reply';
      } else if (err instanceof ApiError && err.status === 400) {
        // RT answers 400 "Message could not be recorded" for a missing ticket: say which it is
        await this.rawTicket(id);
        throw err;
      } else throw err;
    }
    if (!landed) {
      // an RT that does not name the new transaction: the newest of ours is it
      const found = (await this.client.latestTransactions(id, condition, 1))[0];
      if (!found) throw new ApiError(`Request Tracker accepted the ${comment.public ? 'reply' : 'note'} on ticket ${id} but it is not in the ticket's history`, { hint: 'check the ticket in RT' });
      landed = { id: String(found.id), createdAt: found.Created };
    }
    return {
      id: landed.id,
      ticketId: id,
      author: me ?? { id: RT_SYSTEM, name: 'The RT System itself', email: null, role: 'agent' },
      authorRole: 'agent',
      public: comment.public,
      body: comment.body,
      createdAt: new Date(Date.parse(landed.createdAt)).toISOString(),
      ...(statusRefused ? { statusRefused } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // people and queues

  async *listRatings(): AsyncIterable<Rating[]> {
    // Request Tracker records no satisfaction ratings
  }

  private currentUser(): Promise<RtUser | null> {
    return (this.meUserP ??= (async () => {
      const fromLogin = await this.opts.session?.loggedInUser();
      if (fromLogin) return fromLogin;
      const ref = this.opts.user ?? this.opts.tokenUserId;
      if (!ref) return null;
      return this.client.user(ref);
    })());
  }

  currentAgent(): Promise<Person | null> {
    return (this.meP ??= this.currentUser().then((u) => (u ? personFromRt(u, 'agent') : null)));
  }

  listAgents(): Promise<Person[]> {
    return (this.agentsP ??= (async () => {
      let users: RtUser[];
      const ids = await this.client.privilegedUserIds();
      if (ids) {
        users = [];
        for (let i = 0; i < ids.length; i += USER_FETCH_CONCURRENCY) {
          users.push(...(await Promise.all(ids.slice(i, i + USER_FETCH_CONCURRENCY).map((uid) => this.client.user(uid)))));
        }
        users = users.filter((u) => !(u.Disabled === '1'));
      } else {
        // this user may not see the Privileged group: owners of recent tickets, and ourselves
        users = await this.client.recentOwners(5);
        const me = await this.currentUser().catch(() => null);
        if (me && !users.some((u) => identityKeys(u).includes((me.Name ?? '').toLowerCase()))) users.push(me);
      }
      return users
        .filter((u) => u.Name !== RT_SYSTEM && u.Name !== NOBODY)
        .map((u) => personFromRt(u, 'agent'))
        .sort((a, b) => a.name.localeCompare(b.name));
    })());
  }

  async listGroups(): Promise<Group[]> {
    const out: Group[] = [];
    for await (const page of this.client.queues()) {
      for (const q of page) if (q.Disabled !== '1') out.push({ id: String(q.id), name: q.Name ?? String(q.id) });
    }
    return out;
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/**
 * Promise.all that waits for every request and then throws the first failure in the order given (the
 * ticket's own read goes first: "ticket 42 not found" rather than its attachments' 404).
 */
async function settled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** "1-35-0123abcd..." -> "35": RT auth tokens carry the numeric id of their user. */
export function tokenUserId(token: string): string | undefined {
  return /^\d+-(\d+)-[0-9a-f]+$/i.exec(token.trim())?.[1];
}

/** The profile's credentials as an auth strategy. */
export function rtAuth(ctx: ProviderContext, webBase: string): { auth: AuthStrategy; user?: string; tokenUserId?: string; session?: RtSessionAuth } {
  const { profile, profileName, config } = ctx;
  const useToken = profile.auth === 'token' || Boolean(profile.tokenEnv);
  if (useToken) {
    const token = config.getSecret(profileName, 'token', profile.tokenEnv);
    if (!token) {
      throw new ConfigError(
        profile.tokenEnv ? `the environment variable ${profile.tokenEnv} (RT auth token of profile '${profileName}') is not set` : `profile '${profileName}' has no RT auth token`,
        profile.tokenEnv ? `export ${profile.tokenEnv}=... (create a token in RT under Settings > Auth Tokens)` : `add one: deskctl profile add rt --name ${profileName} --force --url ... --token-env VAR`,
      );
    }
    registerSecret(token);
    return { auth: headerAuth({ authorization: `token ${token.trim()}` }, 'RT auth token'), user: profile.user, tokenUserId: tokenUserId(token) };
  }
  if (!profile.user) throw new ConfigError(`profile '${profileName}' has no RT user`, `add it: deskctl profile add rt --name ${profileName} --force --url ... --user NAME --password-env VAR`);
  const password = config.getSecret(profileName, 'password', profile.passwordEnv);
  if (!password) {
    throw new ConfigError(
      profile.passwordEnv ? `the environment variable ${profile.passwordEnv} (RT password of profile '${profileName}') is not set` : `profile '${profileName}' has no RT password`,
      profile.passwordEnv ? `export ${profile.passwordEnv}=...` : `add one: deskctl profile add rt --name ${profileName} --force --url ... --user ${profile.user} --password-env VAR`,
    );
  }
  if (String(profile.options?.session ?? 'true') === 'false') return { auth: basicAuth(profile.user, password, 'RT password'), user: profile.user };
  const session = rtSessionAuth(webBase, profile.user, password, {
    trace: ctx.io.verbose ? (line) => ctx.io.debug(line) : undefined,
    cacheFile: join(profileDataDir(ctx.paths, profileName), 'rt-session.json'),
  });
  return { auth: session, user: profile.user, session };
}

const optionString = (options: Record<string, unknown> | undefined, key: string): string | undefined => {
  const v = options?.[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
};

export async function createRtProvider(ctx: ProviderContext): Promise<RtProvider> {
  const { webBase, restBase } = rtUrls(ctx.profile.url);
  const { auth, user, tokenUserId: tokenUser, session } = rtAuth(ctx, webBase);
  const http = createHttpClient(ctx, {
    kind: 'rt',
    vendor: 'Request Tracker',
    baseUrl: restBase,
    auth,
    // RT runs on the team's own server and sets no rate limit of its own
    defaultRateLimit: 6000,
    hooks: {
      authHint: ctx.profile.tokenEnv || ctx.profile.auth === 'token' ? 'check the RT auth token (RT: Logged in as ... > Settings > Auth Tokens)' : "check the profile's RT user and password with 'deskctl profile test'",
      forbiddenHint: FORBIDDEN_HINT,
    },
  });
  return new RtProvider(http, {
    webBase,
    user,
    tokenUserId: tokenUser,
    session,
    tagsField: optionString(ctx.profile.options, 'tagsField'),
    channelField: optionString(ctx.profile.options, 'channelField'),
  });
}
