/**
 * Request Tracker REST2 calls, on the shared HTTP layer (auth, retries, rate limit, --verbose trace).
 * Returns RT JSON (validated with the schemas of map.ts); the provider turns it into the domain model.
 */
import type { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { HttpClient, Query } from '../http.js';
import {
  parseBody,
  rtCollectionSchema,
  RtAttachmentSchema,
  RtCustomFieldSchema,
  RtQueueSchema,
  RtTicketSchema,
  RtTransactionSchema,
  RtUserSchema,
  sqlString,
  RT_INACTIVE_STATUSES,
  type RtAttachment,
  type RtTicket,
  type RtTransaction,
  type RtUser,
} from './map.js';

/** RT's largest page. */
export const RT_PAGE_SIZE = 100;

/** A ticket search asked for the custom field values only. */
const RtTicketCustomFieldsSchema = RtTicketSchema.pick({ id: true, CustomFields: true });

/** Tickets per request when a page of tickets is asked in parts. */
const TICKET_PART = 25;

/** Tickets per transaction search: their Create, replies and reopens fit in one page of 100, as a rule. */
const TXN_GROUP = 25;

const USER_FIELDS = 'Name,RealName,EmailAddress';

/**
 * `fields=` for ticket searches: everything the domain ticket needs, in the same call. Custom field values
 * are RT's most expensive expansion (more than half of a search's time), so they are left out on an RT
 * that has no ticket custom fields.
 */
export function ticketFields(withCustomFields: boolean): Query {
  return {
    fields: `Subject,Status,Priority,Queue,Owner,Requestor,Created,LastUpdated,Resolved${withCustomFields ? ',CustomFields' : ''}`,
    'fields[Queue]': 'Name',
    'fields[Owner]': USER_FIELDS,
    'fields[Requestor]': USER_FIELDS,
    // each value list says whether its field takes several values: no separate custom field search needed
    ...(withCustomFields ? { 'fields[CustomFields]': 'MaxValues' } : {}),
  };
}

/** Transactions shown as messages: the author's name and address come with them. */
const TXN_FIELDS: Query = {
  fields: 'Type,Field,OldValue,NewValue,ObjectId,Created,Creator',
  'fields[Creator]': USER_FIELDS,
};

/** Transactions read only for the derived facts (first response, reopens, replies): the creator's login is enough. */
const DERIVE_TXN_FIELDS: Query = { fields: 'Type,Field,OldValue,NewValue,ObjectId,Created,Creator' };

/** The web root and the REST2 base of a profile URL (which may be either). */
export function rtUrls(raw: string | undefined): { webBase: string; restBase: string } {
  if (!raw) throw new ConfigError('the Request Tracker profile has no URL', "set it with 'deskctl profile add rt --url https://rt.example.org --force ...'");
  const webBase = raw.replace(/\/+$/, '').replace(/\/REST\/2\.0$/i, '');
  return { webBase, restBase: `${webBase}/REST/2.0` };
}

/** Long queries go in a form body (URLs have limits); RT reads parameters from either place. */
const LONG_QUERY = 1500;

export interface SearchPage<T> {
  items: T[];
  page: number;
  pages: number | null;
  total: number | null;
}

export class RtClient {
  private cfP?: Promise<{ any: boolean; multi?: ReadonlySet<string> }>;

  /** `alwaysCustomFields`: the profile maps tags or channels to custom fields, so always ask for them. */
  constructor(
    readonly http: HttpClient,
    private readonly alwaysCustomFields = false,
  ) {}

  /**
   * The ticket custom fields (one search, once per run): whether there are any, and which take several
   * values (MaxValues 0 = unlimited, or > 1). Undefined `multi` when RT would not list them (unsure: fetch values).
   */
  private customFieldDefinitions(): Promise<{ any: boolean; multi?: ReadonlySet<string> }> {
    return (this.cfP ??= this.http
      .request<unknown>({
        method: 'GET',
        path: '/customfields',
        query: { query: JSON.stringify([{ field: 'LookupType', value: 'RT::Queue-RT::Ticket' }]), fields: 'Name,MaxValues', per_page: RT_PAGE_SIZE },
        allowStatus: [400, 403, 404],
      })
      .then((res) => {
        if (res.status !== 200) return { any: true };
        const body = parseBody(rtCollectionSchema(RtCustomFieldSchema), res.body, 'the custom field search');
        const complete = body.items.length >= (body.total ?? body.items.length);
        const multi = new Set<string>();
        for (const cf of body.items) {
          if (cf.MaxValues === null || cf.MaxValues === undefined || Number(cf.MaxValues) === 1) continue;
          multi.add(String(cf.id));
          if (cf.Name) multi.add(cf.Name);
        }
        return { any: body.items.length > 0 || (body.total ?? 0) > 0, multi: complete ? multi : undefined };
      })
      .catch(() => ({ any: true })));
  }

  /** Whether tickets can carry custom fields here (unsure = yes). */
  private async withCustomFields(): Promise<boolean> {
    return this.alwaysCustomFields || (await this.customFieldDefinitions()).any;
  }

  /** Ids and names of the multi-value ticket custom fields (undefined when RT would not say). */
  async multiValueFields(): Promise<ReadonlySet<string> | undefined> {
    return (await this.customFieldDefinitions()).multi;
  }

  /** One page of a collection search (tickets by TicketSQL, transactions by TransactionSQL, or JSON searches). */
  private async searchPage<S extends z.ZodType>(
    path: string,
    params: Query,
    schema: S,
    what: string,
    page: number,
    perPage = RT_PAGE_SIZE,
  ): Promise<SearchPage<z.infer<S>>> {
    const query: Query = { ...params, page, per_page: perPage };
    const long = typeof params.query === 'string' && params.query.length > LONG_QUERY;
    const res = long
      ? await this.http.request({
          method: 'POST',
          path,
          form: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)])),
          idempotent: true,
        })
      : await this.http.request({ method: 'GET', path, query });
    const body = parseBody(rtCollectionSchema(schema), res.body, what);
    return { items: body.items, page: body.page ?? page, pages: body.pages ?? null, total: body.total ?? null };
  }

  /** All pages of a search, one page at a time. */
  async *searchAll<S extends z.ZodType>(path: string, params: Query, schema: S, what: string, maxPages = Infinity): AsyncGenerator<z.infer<S>[]> {
    for (let page = 1; page <= maxPages; page++) {
      const res = await this.searchPage(path, params, schema, what, page);
      if (res.items.length) yield res.items;
      const more = res.pages !== null ? page < res.pages : res.items.length >= RT_PAGE_SIZE;
      if (!more || res.items.length === 0) return;
    }
  }

  /**
   * Tickets matching TicketSQL, newest first, with every field the domain needs. Pages are keyed on the id
   * (`AND id < last`) rather than numbered, so tickets created while a long list is read do not shift pages.
   * `wanted`: the caller stops after that many, so no page asks for more than are still wanted, and the
   * first page's total says when there are no more to ask for.
   */
  async *searchTickets(sql: string, wanted = Infinity): AsyncGenerator<RtTicket[]> {
    let below: number | undefined;
    let fetched = 0;
    let total: number | null = null;
    for (;;) {
      // once `wanted` were given and the caller still reads (it filtered some out locally): full pages
      const size = fetched < wanted ? Math.min(RT_PAGE_SIZE, wanted - fetched) : RT_PAGE_SIZE;
      const query = below === undefined ? sql : `(${sql}) AND id < ${below}`;
      const res = await this.newestTicketsWithFields(query, size);
      total ??= res.total;
      fetched += res.items.length;
      if (res.items.length) yield res.items;
      if (res.items.length < size || (total !== null && fetched >= total)) return;
      const last = Math.min(...res.items.map((t) => Number(t.id)));
      if (!Number.isFinite(last) || (below !== undefined && last >= below)) return;
      below = last;
    }
  }

  /**
   * The newest tickets of a search with every field the domain needs. Before the first search of a run it is
   * not known whether RT has ticket custom fields (their values are the costliest expansion): the tickets are
   * searched without them while RT is asked, and their values fetched afterwards only where there are some.
   */
  private async newestTicketsWithFields(query: string, size: number): Promise<SearchPage<RtTicket>> {
    const search = (withCf: boolean) => this.newestTickets({ query, ...ticketFields(withCf), orderby: 'id', order: 'DESC' }, size);
    if (this.alwaysCustomFields || this.cfP) return search(await this.withCustomFields());
    const [page, defs] = await Promise.all([search(false), this.customFieldDefinitions()]);
    if (!defs.any || !page.items.length) return page;
    const values = await this.searchPage(
      '/tickets',
      { query: page.items.map((t) => `id = ${t.id}`).join(' OR '), fields: 'CustomFields', 'fields[CustomFields]': 'MaxValues' },
      RtTicketCustomFieldsSchema,
      'the custom fields of a page of tickets',
      1,
      page.items.length,
    );
    const byId = new Map(values.items.map((v) => [String(v.id), v.CustomFields]));
    return { ...page, items: page.items.map((t) => ({ ...t, CustomFields: byId.get(String(t.id)) ?? t.CustomFields })) };
  }

  /**
   * The newest `size` tickets of a search. Fifty or more are asked as pages of 25 at once (RT expands each
   * ticket's people and fields one by one: four requests share the work out over its workers). When the
   * pages disagree on the total, tickets came or went between them and they may not join up: the tickets
   * are then asked again in one request.
   */
  private async newestTickets(params: Query, size: number): Promise<SearchPage<RtTicket>> {
    const one = () => this.searchPage('/tickets', params, RtTicketSchema, 'a ticket search', 1, size);
    if (size < 2 * TICKET_PART) return one();
    const parts = await Promise.all(
      Array.from({ length: Math.ceil(size / TICKET_PART) }, (_, i) => this.searchPage('/tickets', params, RtTicketSchema, 'a ticket search', i + 1, TICKET_PART)),
    );
    const total = parts[0]!.total;
    if (total === null || parts.some((p) => p.total !== total)) return one();
    const seen = new Set<string>();
    const items = parts.flatMap((p) => p.items).filter((t) => !seen.has(String(t.id)) && Boolean(seen.add(String(t.id))));
    return { items: items.slice(0, size), page: 1, pages: null, total };
  }

  /** One ticket, always with its custom field values (cheap for one ticket; their definitions come inline). */
  async ticketById(id: string): Promise<RtTicket | undefined> {
    const fields = ticketFields(true);
    const page = await this.searchPage('/tickets', { query: `id = ${id}`, ...fields }, RtTicketSchema, `ticket ${id}`, 1, 1);
    return page.items.find((t) => String(t.id) === id);
  }

  /** Raw GET /ticket/:id, used only to tell "not found" (404) from "not allowed" (403). */
  async probeTicket(id: string): Promise<void> {
    await this.http.request({ method: 'GET', path: `/ticket/${id}`, notFound: { what: 'ticket', id, hint: "list tickets with 'deskctl tickets list'" } });
  }

  /**
   * Transactions of some tickets, of the given types, oldest first (`authors`: with the creators' names and
   * addresses). Of the status changes only reopens are read (from an inactive status): the others tell
   * deskctl nothing. The tickets are searched in groups at once, each group's pages after the first at once
   * too (ordered by id, pages cannot shift): a page of 100 tickets costs one round of requests, not four.
   */
  async ticketTransactions(ticketIds: string[], types: string[], authors = true): Promise<RtTransaction[]> {
    const nums = [...new Set(ticketIds.map(Number))].sort((a, b) => a - b);
    const groups: number[][] = [];
    for (let i = 0; i < nums.length; i += TXN_GROUP) groups.push(nums.slice(i, i + TXN_GROUP));
    const found = await Promise.all(groups.map((g) => this.groupTransactions(g, types, authors)));
    const wanted = new Set(ticketIds);
    return found.flat().filter((t) => wanted.has(String(t.ObjectId)));
  }

  private async groupTransactions(nums: number[], types: string[], authors: boolean): Promise<RtTransaction[]> {
    const min = nums[0]!;
    const max = nums[nums.length - 1]!;
    // a dense id range is a cheaper condition than a long OR list
    const objects = max - min + 1 <= nums.length * 2 ? `ObjectId >= ${min} AND ObjectId <= ${max}` : `(${nums.map((n) => `ObjectId = ${n}`).join(' OR ')})`;
    const reopens = `(Type = 'Status' AND (${RT_INACTIVE_STATUSES.map((v) => `OldValue = ${sqlString(v)}`).join(' OR ')}))`;
    const typeSql = types.map((t) => (t === 'Status' ? reopens : `Type = ${sqlString(t)}`)).join(' OR ');
    const sql = `ObjectType = 'RT::Ticket' AND ${objects} AND (${typeSql})`;
    const params: Query = { query: sql, ...(authors ? TXN_FIELDS : DERIVE_TXN_FIELDS), orderby: 'id', order: 'ASC' };
    const first = await this.searchPage('/transactions', params, RtTransactionSchema, 'a transaction search', 1);
    const pages = [first];
    if (first.pages !== null && first.pages > 1) {
      const rest = Array.from({ length: first.pages - 1 }, (_, i) => i + 2);
      pages.push(...(await Promise.all(rest.map((page) => this.searchPage('/transactions', params, RtTransactionSchema, 'a transaction search', page)))));
    } else if (first.pages === null && first.items.length >= RT_PAGE_SIZE) {
      // no total (RT would not count): one page after another
      for (let page = 2; ; page++) {
        const next = await this.searchPage('/transactions', params, RtTransactionSchema, 'a transaction search', page);
        pages.push(next);
        if (next.items.length < RT_PAGE_SIZE) break;
      }
    }
    return pages.flatMap((p) => p.items);
  }

  /** The newest transactions of a ticket matching a condition (newest first). */
  async latestTransactions(ticketId: string, condition: string, count: number): Promise<RtTransaction[]> {
    const sql = `ObjectType = 'RT::Ticket' AND ObjectId = ${ticketId} AND ${condition}`;
    const page = await this.searchPage('/transactions', { query: sql, ...TXN_FIELDS, orderby: 'id', order: 'DESC' }, RtTransactionSchema, 'a transaction search', 1, count);
    return page.items;
  }

  /** Text parts of a ticket's messages (binary attachments are not downloaded). */
  ticketTextParts(ticketId: string): Promise<RtAttachment[]> {
    return this.attachments(ticketId, { field: 'ContentType', operator: 'LIKE', value: 'text/' }, 'TransactionId,ContentType,Content,Filename', `the messages of ticket ${ticketId}`);
  }

  /** Named files attached to a ticket's messages: name, type and size only (contents are not downloaded). */
  ticketFiles(ticketId: string): Promise<RtAttachment[]> {
    return this.attachments(ticketId, { field: 'Filename', operator: '!=', value: '' }, 'TransactionId,ContentType,Filename,ContentLength', `the attachments of ticket ${ticketId}`);
  }

  private async attachments(ticketId: string, condition: Record<string, string>, fields: string, what: string): Promise<RtAttachment[]> {
    const out: RtAttachment[] = [];
    for await (const page of this.searchAll(`/ticket/${ticketId}/attachments`, { query: JSON.stringify([condition]), fields }, RtAttachmentSchema, what)) out.push(...page);
    return out;
  }

  /**
   * Posts a reply or note (and a status, applied by RT right after it). Returns RT's messages and the new
   * transaction's id, which RT gives in the Location header (/REST/2.0/transaction/ID).
   */
  async correspond(
    ticketId: string,
    body: string,
    kind: 'correspond' | 'comment',
    verifyNotLanded: () => Promise<boolean>,
    status?: string,
  ): Promise<{ messages: string[]; transactionId?: string }> {
    const res = await this.http.request<unknown>({
      method: 'POST',
      path: `/ticket/${ticketId}/${kind}`,
      json: { Content: body, ContentType: 'text/plain', ...(status ? { Status: status } : {}) },
      verifyNotLanded,
    });
    const location = res.headers.location;
    const transactionId = /\/transaction\/(\d+)\/?$/.exec(Array.isArray(location) ? (location[0] ?? '') : (location ?? ''))?.[1];
    return { messages: Array.isArray(res.body) ? res.body.map(String) : [], transactionId };
  }

  async updateTicket(ticketId: string, body: Record<string, unknown>): Promise<string[]> {
    const res = await this.http.request<unknown>({ method: 'PUT', path: `/ticket/${ticketId}`, json: body, notFound: { what: 'ticket', id: ticketId } });
    return Array.isArray(res.body) ? res.body.map(String) : [];
  }

  async user(ref: string): Promise<RtUser> {
    const body = await this.http.get(`/user/${encodeURIComponent(ref)}`, undefined, { notFound: { what: 'RT user', id: ref } });
    return parseBody(RtUserSchema, body, `user ${ref}`);
  }

  async *queues(): AsyncGenerator<z.infer<typeof RtQueueSchema>[]> {
    yield* this.searchAll('/queues/all', { fields: 'Name,Disabled' }, RtQueueSchema, 'the queue list');
  }

  /** User ids (numeric) of the members of RT's "Privileged" system group, or null when this user may not see it. */
  async privilegedUserIds(): Promise<string[] | null> {
    const groups = await this.http.request<unknown>({
      method: 'GET',
      path: '/groups',
      query: { query: JSON.stringify([{ field: 'Name', value: 'Privileged' }, { field: 'Domain', value: 'SystemInternal', entry_aggregator: 'AND' }]), fields: 'Name,Domain' },
      allowStatus: [403],
    });
    if (groups.status === 403) return null;
    const found = parseBody(rtCollectionSchema(RtQueueSchema), groups.body, 'the group search').items[0];
    if (!found) return null;
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const res = await this.http.request<unknown>({
        method: 'GET',
        path: `/group/${found.id}/members`,
        query: { groups: 0, recursively: 1, page, per_page: RT_PAGE_SIZE },
        allowStatus: [403],
      });
      if (res.status === 403) return ids.length ? ids : null;
      const body = parseBody(rtCollectionSchema(RtQueueSchema), res.body, 'the members of Privileged');
      ids.push(...body.items.map((i) => String(i.id)));
      if (body.items.length < RT_PAGE_SIZE || (body.pages !== null && body.pages !== undefined && page >= body.pages)) return ids;
    }
  }

  /** Owners of recently updated tickets (to find agents when the Privileged group is not visible). */
  async recentOwners(maxPages: number): Promise<RtUser[]> {
    const seen = new Map<string, RtUser>();
    const params: Query = { query: "Owner != 'Nobody'", fields: 'Owner', 'fields[Owner]': USER_FIELDS, orderby: 'LastUpdated', order: 'DESC' };
    for await (const page of this.searchAll('/tickets', params, RtTicketSchema.pick({ id: true, Owner: true }), 'an owner search', maxPages)) {
      for (const t of page) if (t.Owner?.Name && !seen.has(t.Owner.Name)) seen.set(t.Owner.Name, { ...t.Owner, id: t.Owner.Name });
    }
    return [...seen.values()];
  }
}
