/**
 * Request Tracker 5 (REST2) JSON <-> deskctl's domain model. Pure: no I/O.
 *
 * Shapes were taken from a real RT 5.0.3 (Debian's request-tracker5) and RT's REST2 documentation:
 * - `/tickets?query=<TicketSQL>&fields=...&fields[Owner]=Name,...` returns collections
 *   `{ page, per_page, total, pages, count, items: [...] }` (per_page at most 100);
 * - users are referenced by login name (`{ id: "root", type: "user", _url }`), the unassigned owner is "Nobody";
 * - dates are ISO UTC strings, and "1970-01-01T00:00:00Z" means "not set";
 * - custom fields come as `[{ id, name, values: [...] }]` (an empty string when the ticket has none);
 * - the conversation is the transaction log: Create (the first message), Correspond (public reply),
 *   Comment (internal note); Status transactions record every status change.
 *
 * Mapping (documented in the README, section rt):
 *   status   new -> new, open -> open, stalled -> pending, resolved -> solved, rejected/deleted -> closed;
 *            writes: pending and on_hold -> stalled, solved -> resolved, closed -> rejected.
 *   priority RT's number: 0-24 low, 25-74 normal, 75-99 high, 100+ urgent;
 *            writes: none/low -> 0, normal -> 50, high -> 75, urgent -> 100.
 *   channel  everything is email unless a custom field (profile option channelField) says otherwise.
 *   tags     only when a multi-value custom field is configured (profile option tagsField).
 */
import { z } from 'zod';
import { CHANNELS, type Channel, type Comment, type Person, type Priority, type Status, type Ticket, type TicketPatch } from '../../domain/model.js';
import type { TicketQuery } from '../../domain/query.js';
import { UNASSIGNED } from '../../domain/query.js';
import { UsageError } from '../../errors.js';
import { htmlToText } from '../html.js';

// ---------------------------------------------------------------------------------------------
// Vendor bodies (zod). Loose: RT adds fields by configuration; the whole item stays in `raw`.

const str = z.union([z.string(), z.number()]).transform((v) => String(v));

export const RtUserRefSchema = z.looseObject({
  id: str,
  type: z.string().optional(),
  _url: z.string().optional(),
  Name: z.string().nullish(),
  RealName: z.string().nullish(),
  EmailAddress: z.string().nullish(),
});
export type RtUserRef = z.infer<typeof RtUserRefSchema>;

export const RtCustomFieldValueSchema = z.looseObject({
  id: str,
  name: z.string(),
  values: z.array(z.unknown()).nullish(),
  /** Present when asked for (fields[CustomFields]=MaxValues): 1 = one value, 0 = unlimited. */
  MaxValues: str.nullish(),
});

export const RtTicketSchema = z.looseObject({
  id: str,
  Subject: z.string().nullish(),
  Status: z.string(),
  Priority: str.nullish(),
  Queue: z.looseObject({ id: str, Name: z.string().nullish() }).nullish(),
  Owner: RtUserRefSchema.nullish(),
  Requestor: z.union([z.array(RtUserRefSchema), RtUserRefSchema]).nullish(),
  Created: z.string(),
  LastUpdated: z.string().nullish(),
  Resolved: z.string().nullish(),
  // "" when the ticket has no custom field values in a search result
  CustomFields: z.union([z.array(RtCustomFieldValueSchema), z.literal(''), z.record(z.string(), z.unknown())]).nullish(),
});
export type RtTicket = z.infer<typeof RtTicketSchema>;

export const RtTransactionSchema = z.looseObject({
  id: str,
  Type: z.string(),
  Field: z.string().nullish(),
  OldValue: z.string().nullish(),
  NewValue: z.string().nullish(),
  ObjectId: str.nullish(),
  ObjectType: z.string().nullish(),
  Created: z.string(),
  Creator: RtUserRefSchema.nullish(),
});
export type RtTransaction = z.infer<typeof RtTransactionSchema>;

export const RtAttachmentSchema = z.looseObject({
  id: str,
  TransactionId: str.nullish(),
  ContentType: z.string().nullish(),
  Content: z.string().nullish(),
  Filename: z.string().nullish(),
  ContentLength: str.nullish(),
});

export const RtCustomFieldSchema = z.looseObject({ id: str, Name: z.string().nullish(), MaxValues: str.nullish() });
export type RtAttachment = z.infer<typeof RtAttachmentSchema>;

const makeCollectionSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    page: z.coerce.number().nullish(),
    per_page: z.coerce.number().nullish(),
    total: z.coerce.number().nullish(),
    pages: z.coerce.number().nullish(),
    count: z.coerce.number().nullish(),
    items: z.array(item),
  });
const collectionSchemas = new WeakMap<z.ZodType, z.ZodType>();

/** A REST2 collection of items (one schema per item schema, built once: every page of a long list uses it). */
export const rtCollectionSchema = <T extends z.ZodType>(item: T): ReturnType<typeof makeCollectionSchema<T>> => {
  let schema = collectionSchemas.get(item);
  if (!schema) collectionSchemas.set(item, (schema = makeCollectionSchema(item)));
  return schema as ReturnType<typeof makeCollectionSchema<T>>;
};

export const RtQueueSchema = z.looseObject({ id: str, Name: z.string().nullish(), Disabled: str.nullish() });
export const RtUserSchema = z.looseObject({
  id: str,
  Name: z.string().nullish(),
  RealName: z.string().nullish(),
  EmailAddress: z.string().nullish(),
  Privileged: z.union([z.number(), z.string()]).nullish(),
  Disabled: str.nullish(),
});
export type RtUser = z.infer<typeof RtUserSchema>;

/** Parses a vendor body; a shape mismatch is an error naming the endpoint, not a crash deep in mapping. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`unexpected Request Tracker response for ${what}: ${issue?.path.join('.') || 'body'}: ${issue?.message}`);
  }
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// Statuses and priorities

/** RT's default lifecycle. */
export const RT_STATUSES = ['new', 'open', 'stalled', 'resolved', 'rejected', 'deleted'] as const;
/** RT's inactive statuses: leaving one for an active status is a reopen. */
export const RT_INACTIVE_STATUSES = ['resolved', 'rejected', 'deleted'] as const;
const INACTIVE = new Set<string>(RT_INACTIVE_STATUSES);

export function statusFromRt(status: string): Status {
  switch (status.toLowerCase()) {
    case 'new':
      return 'new';
    case 'open':
      return 'open';
    case 'stalled':
      return 'pending';
    case 'resolved':
      return 'solved';
    case 'rejected':
    case 'deleted':
      return 'closed';
    default:
      // statuses of custom lifecycles: treat as work in progress
      return 'open';
  }
}

/** RT statuses a domain status filter matches (for TicketSQL). */
export function rtStatusesFor(status: Status): string[] {
  switch (status) {
    case 'new':
      return ['new'];
    case 'open':
      return ['open'];
    case 'pending':
      return ['stalled'];
    case 'on_hold':
      return [];
    case 'solved':
      return ['resolved'];
    case 'closed':
      return ['rejected', 'deleted'];
  }
}

export function statusToRt(status: Status): string {
  switch (status) {
    case 'new':
      return 'new';
    case 'open':
      return 'open';
    case 'pending':
    case 'on_hold':
      return 'stalled';
    case 'solved':
      return 'resolved';
    case 'closed':
      return 'rejected';
  }
}

export const isInactiveRtStatus = (s: string | null | undefined): boolean => INACTIVE.has((s ?? '').toLowerCase());

export function priorityFromRt(raw: string | number | null | undefined): Priority {
  const n = Number(raw);
  if (raw === null || raw === undefined || raw === '' || !Number.isFinite(n)) return 'none';
  if (n >= 100) return 'urgent';
  if (n >= 75) return 'high';
  if (n >= 25) return 'normal';
  return 'low';
}

export function priorityToRt(p: Priority): number {
  switch (p) {
    case 'none':
    case 'low':
      return 0;
    case 'normal':
      return 50;
    case 'high':
      return 75;
    case 'urgent':
      return 100;
  }
}

/** TicketSQL condition for a domain priority (the inverse of priorityFromRt). */
function priorityCondition(p: Priority): string {
  switch (p) {
    case 'none':
    case 'low':
      return 'Priority < 25';
    case 'normal':
      return '(Priority >= 25 AND Priority < 75)';
    case 'high':
      return '(Priority >= 75 AND Priority < 100)';
    case 'urgent':
      return 'Priority >= 100';
  }
}

// ---------------------------------------------------------------------------------------------
// People

export const NOBODY = 'Nobody';
export const RT_SYSTEM = 'RT_System';

const unsetDate = (s: string | null | undefined): boolean => !s || s.startsWith('1970-01-01') || Number.isNaN(Date.parse(s));
export const rtDate = (s: string | null | undefined): string | null => (unsetDate(s) ? null : new Date(Date.parse(s!)).toISOString());

const userName = (u: RtUserRef | RtUser): string => u.Name || String(u.id);

export function personFromRt(u: RtUserRef | RtUser, role: Person['role']): Person {
  const login = userName(u);
  const email = u.EmailAddress || (login.includes('@') ? login : null);
  return { id: login, name: u.RealName || login, email, role };
}

export const isNobody = (u: RtUserRef | null | undefined): boolean => !u || userName(u) === NOBODY;

function requestorsOf(t: RtTicket): RtUserRef[] {
  const r = t.Requestor;
  if (!r) return [];
  return Array.isArray(r) ? r : [r];
}

/** Keys by which a person is recognised in transactions (login name and email, lower case). */
export function identityKeys(u: RtUserRef | RtUser): string[] {
  const keys = [userName(u).toLowerCase()];
  if (u.EmailAddress) keys.push(u.EmailAddress.toLowerCase());
  return keys;
}

export function requestorKeys(t: RtTicket): Set<string> {
  return new Set(requestorsOf(t).flatMap(identityKeys));
}

const UNKNOWN_REQUESTER: Person = { id: 'unknown', name: '(no requestor)', email: null, role: 'customer' };

// ---------------------------------------------------------------------------------------------
// Tickets

export interface RtMapOptions {
  /** Web UI base (no trailing slash), for ticket URLs. */
  webBase: string;
  /** Name of the multi-value custom field holding tags, if any. */
  tagsField?: string;
  /** Name of the custom field holding the channel, if any. */
  channelField?: string;
  /** Ids and names of the custom fields that take several values (MaxValues 0 or > 1): always arrays. */
  multiValueFields?: ReadonlySet<string>;
}

/** What only the transaction log can tell (derived by deriveFromTransactions). */
export interface RtDerived {
  firstResponseAt: string | null;
  reopenCount: number;
  publicReplyCount: number;
  lastCustomerMessageAt: string | null;
}

/**
 * Custom field values by name. A multi-value field is always an array (empty when unset), whatever the
 * count; a single-value field is its value or null. Without the field definitions (RT refused to list
 * them), several values still make an array.
 */
export function customFieldsFromRt(t: RtTicket, multiValueFields?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cfs = t.CustomFields;
  if (!cfs) return out;
  if (Array.isArray(cfs)) {
    for (const cf of cfs) {
      const values = (cf.values ?? []).map((v) => (typeof v === 'object' && v !== null ? v : String(v)));
      const multi = cf.MaxValues !== undefined && cf.MaxValues !== null ? Number(cf.MaxValues) !== 1 : multiValueFields?.has(String(cf.id)) || multiValueFields?.has(cf.name);
      out[cf.name] = multi ? values : values.length === 0 ? null : values.length === 1 ? values[0] : values;
    }
  } else if (typeof cfs === 'object') {
    Object.assign(out, cfs);
  }
  return out;
}

const asList = (v: unknown): string[] => (v === null || v === undefined || v === '' ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function channelFrom(value: unknown): Channel {
  const v = asList(value)[0]?.trim().toLowerCase();
  if (!v) return 'email';
  if ((CHANNELS as readonly string[]).includes(v)) return v as Channel;
  if (v === 'mail' || v === 'e-mail') return 'email';
  if (v === 'telephone' || v === 'call') return 'phone';
  if (v === 'form' || v === 'portal' || v === 'web form') return 'web';
  return 'other';
}

export function ticketFromRt(t: RtTicket, opts: RtMapOptions, derived?: RtDerived): Ticket {
  const status = statusFromRt(t.Status);
  const cfs = customFieldsFromRt(t, opts.multiValueFields);
  const req = requestorsOf(t)[0];
  const tags = opts.tagsField ? asList(cfs[opts.tagsField]) : [];
  const created = rtDate(t.Created) ?? new Date(0).toISOString();
  return {
    id: String(t.id),
    url: `${opts.webBase}/Ticket/Display.html?id=${t.id}`,
    subject: t.Subject ?? '',
    status,
    priority: priorityFromRt(t.Priority),
    channel: opts.channelField ? channelFrom(cfs[opts.channelField]) : 'email',
    requester: req ? personFromRt(req, 'customer') : UNKNOWN_REQUESTER,
    assignee: isNobody(t.Owner) ? null : personFromRt(t.Owner!, 'agent'),
    group: t.Queue?.Name ?? null,
    tags,
    createdAt: created,
    updatedAt: rtDate(t.LastUpdated) ?? created,
    firstResponseAt: derived?.firstResponseAt ?? null,
    solvedAt: status === 'solved' || status === 'closed' ? rtDate(t.Resolved) : null,
    reopenCount: derived?.reopenCount ?? 0,
    publicReplyCount: derived ? derived.publicReplyCount : null,
    lastCustomerMessageAt: derived ? derived.lastCustomerMessageAt : null,
    customFields: cfs,
    raw: t,
  };
}

// ---------------------------------------------------------------------------------------------
// Transactions -> derived ticket facts and the conversation

export const CONVERSATION_TYPES = ['Create', 'Correspond', 'Comment'] as const;

/**
 * Who wrote a transaction, relative to the ticket's requestors. The first message (Create) is the
 * creator's: a requestor's (mail gateway, self-service) or an agent's who opened the ticket for them.
 */
export function authorRoleOf(txn: RtTransaction, requestors: Set<string>): 'customer' | 'agent' | 'system' {
  const c = txn.Creator;
  if (txn.Type === 'Create' && (!c || userName(c) === RT_SYSTEM)) return 'customer';
  if (!c || userName(c) === RT_SYSTEM) return 'system';
  if (identityKeys(c).some((k) => requestors.has(k))) return 'customer';
  return 'agent';
}

/**
 * First public agent reply, reopen count, number of public agent replies and the latest customer
 * message, from a ticket's transactions (any order; other types ignored).
 */
export function deriveFromTransactions(txns: RtTransaction[], requestors: Set<string>): RtDerived {
  const sorted = [...txns].sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || Number(a.id) - Number(b.id));
  let firstResponseAt: string | null = null;
  let reopenCount = 0;
  let publicReplyCount = 0;
  let lastCustomerMessageAt: string | null = null;
  for (const t of sorted) {
    const at = rtDate(t.Created);
    if (t.Type === 'Status' || (t.Type === 'Set' && t.Field === 'Status')) {
      if (isInactiveRtStatus(t.OldValue) && !isInactiveRtStatus(t.NewValue)) reopenCount++;
      continue;
    }
    if (t.Type !== 'Create' && t.Type !== 'Correspond') continue;
    const role = authorRoleOf(t, requestors);
    if (role === 'customer') lastCustomerMessageAt = at;
    else if (role === 'agent' && t.Type === 'Correspond') {
      publicReplyCount++;
      firstResponseAt ??= at;
    }
  }
  return { firstResponseAt, reopenCount, publicReplyCount, lastCustomerMessageAt };
}

/** The readable body of a transaction from its attachments: first text/plain part, else text/html as text. */
export function bodyFromAttachments(parts: RtAttachment[]): string {
  const content = (p: RtAttachment) => p.Content ?? '';
  const inline = parts.filter((p) => !p.Filename);
  const plain = inline.find((p) => (p.ContentType ?? '').toLowerCase().startsWith('text/plain') && content(p).trim());
  if (plain) return content(plain).replace(/\r\n/g, '\n').trimEnd();
  const html = inline.find((p) => (p.ContentType ?? '').toLowerCase().startsWith('text/html') && content(p).trim());
  if (html) return htmlToText(content(html));
  return '';
}

/**
 * The conversation: Create (the requestor's first message), Correspond (public) and Comment (internal),
 * oldest first, bodies from the ticket's attachments.
 */
export function commentsFromRt(ticket: RtTicket, txns: RtTransaction[], attachments: RtAttachment[], files: RtAttachment[] = []): Comment[] {
  const filesByTxn = new Map<string, NonNullable<Comment['attachments']>>();
  for (const f of files) {
    if (!f.Filename || !f.TransactionId) continue;
    const list = filesByTxn.get(String(f.TransactionId)) ?? [];
    const size = f.ContentLength === null || f.ContentLength === undefined || f.ContentLength === '' ? null : Number(f.ContentLength);
    list.push({ name: f.Filename, contentType: f.ContentType || null, size: Number.isFinite(size) ? size : null });
    filesByTxn.set(String(f.TransactionId), list);
  }
  const requestors = requestorKeys(ticket);
  const byTxn = new Map<string, RtAttachment[]>();
  for (const a of attachments) {
    const key = String(a.TransactionId ?? '');
    if (!key) continue;
    const list = byTxn.get(key) ?? [];
    list.push(a);
    byTxn.set(key, list);
  }
  const req = requestorsOf(ticket)[0];
  return txns
    .filter((t) => (CONVERSATION_TYPES as readonly string[]).includes(t.Type))
    .sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || Number(a.id) - Number(b.id))
    .map((t) => {
      const role = authorRoleOf(t, requestors);
      let author: Person;
      if (t.Type === 'Create' && role === 'customer') author = req ? personFromRt(req, 'customer') : t.Creator && userName(t.Creator) !== RT_SYSTEM ? personFromRt(t.Creator, 'customer') : UNKNOWN_REQUESTER;
      else if (t.Creator) author = personFromRt(t.Creator, role === 'customer' ? 'customer' : role === 'system' ? 'system' : 'agent');
      else author = { id: RT_SYSTEM, name: 'The RT System itself', email: null, role: 'system' };
      const attached = filesByTxn.get(String(t.id));
      return {
        id: String(t.id),
        ticketId: String(ticket.id),
        author,
        authorRole: role,
        public: t.Type !== 'Comment',
        body: bodyFromAttachments(byTxn.get(String(t.id)) ?? []),
        createdAt: rtDate(t.Created) ?? new Date(0).toISOString(),
        ...(attached ? { attachments: attached } : {}),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// TicketSQL

/** A quoted TicketSQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A TicketSQL date literal (UTC). RT reads dates in the user's time zone, so callers widen ranges. */
export function sqlDate(d: Date): string {
  return sqlString(d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, ''));
}

const DAY_MS = 86_400_000;
const orJoin = (parts: string[]) => (parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`);

/** RT custom field reference in TicketSQL: 'CF.{Name}'. */
const cfRef = (name: string) => `'CF.{${name.replace(/[{}']/g, '')}}'`;

export interface TicketSqlResult {
  /** The TicketSQL. */
  sql: string;
  /** True when a filter can match nothing (e.g. on_hold only, or a channel other than email without a channel field). */
  empty: boolean;
}

/**
 * The shared filters that TicketSQL can express. Dates are widened by a day on each side (RT interprets
 * them in the user's time zone); every ticket is filtered again locally with matchesQuery, so the result
 * is exact whatever the server's interpretation.
 */
export function toTicketSql(q: TicketQuery, opts: Pick<RtMapOptions, 'tagsField' | 'channelField'> = {}): TicketSqlResult {
  const where: string[] = [];
  let empty = false;
  if (q.ids?.length) {
    const ids = q.ids.filter((id) => /^\d+$/.test(id));
    if (!ids.length) empty = true;
    else where.push(orJoin(ids.map((id) => `id = ${id}`)));
  }
  if (q.status?.length) {
    const statuses = [...new Set(q.status.flatMap(rtStatusesFor))];
    if (!statuses.length) empty = true;
    else where.push(orJoin(statuses.map((s) => `Status = ${sqlString(s)}`)));
  }
  if (q.priority?.length) where.push(orJoin([...new Set(q.priority.map(priorityCondition))]));
  if (q.group?.length) where.push(orJoin(q.group.map((g) => `Queue = ${sqlString(g)}`)));
  if (q.assigneeIds?.length) where.push(orJoin(q.assigneeIds.map((a) => `Owner = ${sqlString(a === UNASSIGNED ? NOBODY : a)}`)));
  if (q.tags?.length) {
    if (opts.tagsField) for (const tag of q.tags) where.push(`${cfRef(opts.tagsField)} = ${sqlString(tag)}`);
    else empty = true;
  }
  if (q.channel?.length) {
    if (opts.channelField) {
      // values are free text: filter precisely locally, but skip the server round trip when only email is wanted
    } else if (!q.channel.includes('email')) empty = true;
  }
  const range = (field: string, since?: Date, until?: Date) => {
    if (since) where.push(`${field} >= ${sqlDate(new Date(since.getTime() - DAY_MS))}`);
    if (until) where.push(`${field} < ${sqlDate(new Date(until.getTime() + DAY_MS))}`);
  };
  range('Created', q.createdSince, q.createdUntil);
  range('LastUpdated', q.updatedSince, q.updatedUntil);
  range('Resolved', q.solvedSince, q.solvedUntil);
  if (q.text) {
    const v = sqlString(q.text);
    where.push(`(Subject LIKE ${v} OR Requestor.EmailAddress LIKE ${v} OR Requestor.RealName LIKE ${v} OR Requestor.Name LIKE ${v})`);
  }
  return { sql: where.length ? where.join(' AND ') : 'id > 0', empty };
}

// ---------------------------------------------------------------------------------------------
// Updates

/**
 * The PUT /ticket/:id body for a patch. `current` is the ticket before the change (for tag edits,
 * which RT takes as the complete list of values).
 */
/** What to do about tags on RT, which has none of its own. */
export const RT_TAGS_HINT = "RT has no tags of its own: create a multi-value custom field and name it with 'deskctl profile add rt ... --option tagsField=NAME'";

export function patchToRt(patch: TicketPatch, current: Ticket, opts: Pick<RtMapOptions, 'tagsField'>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (patch.status) body.Status = statusToRt(patch.status);
  if (patch.priority) body.Priority = priorityToRt(patch.priority);
  if (patch.assigneeId !== undefined) body.Owner = patch.assigneeId === null || patch.assigneeId === UNASSIGNED ? NOBODY : patch.assigneeId;
  if (patch.group !== undefined) {
    if (patch.group === null) throw new UsageError('a Request Tracker ticket is always in a queue', 'move it to another queue with --group NAME');
    body.Queue = patch.group;
  }
  const cfs: Record<string, unknown> = { ...(patch.customFields ?? {}) };
  if (patch.addTags?.length || patch.removeTags?.length) {
    if (!opts.tagsField) {
      throw new UsageError('this Request Tracker profile has no tags', RT_TAGS_HINT);
    }
    const remove = new Set(patch.removeTags ?? []);
    const next = [...new Set([...current.tags, ...(patch.addTags ?? [])])].filter((t) => !remove.has(t));
    cfs[opts.tagsField] = next;
  }
  if (Object.keys(cfs).length) body.CustomFields = cfs;
  return body;
}

/** Which patched fields the ticket read back after an update does not show (RT reports failures as 200 + messages). */
export function unappliedFields(patch: TicketPatch, after: Ticket): string[] {
  const missing: string[] = [];
  if (patch.status && statusToRt(patch.status) !== statusToRt(after.status)) missing.push(`status ${patch.status}`);
  if (patch.priority && priorityFromRt(priorityToRt(patch.priority)) !== after.priority) missing.push(`priority ${patch.priority}`);
  if (patch.assigneeId !== undefined) {
    const want = patch.assigneeId === null || patch.assigneeId === UNASSIGNED ? null : patch.assigneeId.toLowerCase();
    const have = after.assignee ? [after.assignee.id.toLowerCase(), (after.assignee.email ?? '').toLowerCase()] : null;
    if (want === null ? have !== null : !have?.includes(want)) missing.push(`assignee ${patch.assigneeId ?? 'none'}`);
  }
  if (patch.group && (after.group ?? '').toLowerCase() !== patch.group.toLowerCase()) missing.push(`queue ${patch.group}`);
  return missing;
}

/**
 * Why RT did not set the status asked for with a reply (its answer to POST correspond with Status), or
 * undefined when it did (or the ticket already had it).
 */
export function rtStatusRefusal(messages: string[]): string | undefined {
  const about = messages.slice(1); // the first message is the reply's own ("Correspondence added")
  if (about.some((m) => /^(Ticket \d+: )?Status changed\b/i.test(m) || /already the current value/i.test(m))) return undefined;
  const complaints = rtComplaints(about);
  return complaints.length ? complaints.join('; ') : 'Request Tracker did not report the status change';
}

/** RT answers PUT/POST with a list of messages; the ones that do not report a change are the complaints. */
export function rtComplaints(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  return messages
    .map(String)
    .filter((m) => !/\b(changed|added|set to|deleted|created|recorded|is no longer|taken|stolen|untaken|moved)\b/i.test(m))
    .map((m) => m.replace(/^Ticket \d+: /, ''));
}
