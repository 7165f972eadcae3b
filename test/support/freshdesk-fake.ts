/**
 * A fake Freshdesk v2 (https://DOMAIN.freshdesk.com/api/v2) on top of FakeServer: in-memory tickets,
 * contacts, agents, groups, conversations and satisfaction ratings, with the documented behaviour deskctl
 * relies on: basic auth with the API key as user, Link-header pagination (per_page <= 100, at most
 * `maxListPages` pages), `updated_since` (without it only tickets created in the last 30 days), the filter
 * endpoint's query language (30 results a page, 10 pages), `include=requester,stats`, X-RateLimit-* headers.
 *
 *   const fd = await FreshdeskFake.start({ apiKey: 'key' });
 *   fd.seedDemo(40);
 *   fd.server.inject({ type: '429', retryAfter: 1 });
 */
import { type FakeServer, type FakeReply, type FakeRequest, VendorFake } from './fake-server.js';

export interface FdFakeTicket {
  id: number;
  subject: string;
  description_text: string;
  status: number;
  priority: number;
  source: number;
  requester_id: number;
  responder_id: number | null;
  group_id: number | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  stats: {
    first_responded_at: string | null;
    agent_responded_at: string | null;
    requester_responded_at: string | null;
    resolved_at: string | null;
    closed_at: string | null;
    reopened_at: string | null;
    status_updated_at: string | null;
    pending_since: string | null;
  };
}

export interface FdFakeConversation {
  id: number;
  ticket_id: number;
  body: string;
  body_text: string;
  incoming: boolean;
  private: boolean;
  user_id: number;
  source: number;
  created_at: string;
  updated_at: string;
}

export interface FdFakeAgent {
  id: number;
  name: string;
  email: string;
  group_ids: number[];
}

export interface FdFakeRating {
  id: number;
  ticket_id: number;
  user_id: number;
  agent_id: number | null;
  group_id: number | null;
  default_question: number;
  feedback: string | null;
  created_at: string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class FreshdeskFake extends VendorFake {
  readonly tickets = new Map<number, FdFakeTicket>();
  readonly contacts = new Map<number, { id: number; name: string; email: string }>();
  readonly agents = new Map<number, FdFakeAgent>();
  readonly groups = new Map<number, { id: number; name: string }>();
  readonly conversations: FdFakeConversation[] = [];
  readonly ratings: FdFakeRating[] = [];
  apiKey: string;
  /** The agent the API key belongs to. */
  meId = 1;
  /** GET /tickets serves this many pages at most (Freshdesk: 300). */
  maxListPages = 300;
  /** "Now" for the 30-day default window and for new records. */
  now: () => number = () => Date.now();
  private nextId = 100_000;

  private constructor(server: FakeServer, apiKey: string) {
    super(server);
    this.apiKey = apiKey;
  }

  static start(opts: { apiKey?: string } = {}): Promise<FreshdeskFake> {
    return VendorFake.launch((server) => new FreshdeskFake(server, opts.apiKey ?? 'fd-test-key'));
  }

  conversationsOf(ticketId: number): FdFakeConversation[] {
    return this.conversations.filter((c) => c.ticket_id === ticketId);
  }

  // --------------------------------------------------------------------------------------------
  // seeding

  addTicket(t: Partial<FdFakeTicket> & { id: number; created_at: string }): FdFakeTicket {
    const ticket: FdFakeTicket = {
      subject: `Ticket ${t.id}`,
      description_text: `Help with ${t.id}`,
      status: 2,
      priority: 1,
      source: 1,
      requester_id: [...this.contacts.keys()][0] ?? 0,
      responder_id: null,
      group_id: null,
      tags: [],
      custom_fields: {},
      updated_at: t.created_at,
      stats: { first_responded_at: null, agent_responded_at: null, requester_responded_at: null, resolved_at: null, closed_at: null, reopened_at: null, status_updated_at: null, pending_since: null },
      ...t,
    };
    this.tickets.set(ticket.id, ticket);
    return ticket;
  }

  /** Agents 1-3, groups 10/11, contacts 501.., `n` tickets over the last 60 days with replies, notes and ratings. */
  seedDemo(n = 30, base = Date.parse('2026-11-20T12:00:00Z')): this {
    this.groups.set(10, { id: 10, name: 'Billing' });
    this.groups.set(11, { id: 11, name: 'Shipping' });
    this.agents.set(1, { id: 1, name: 'Ana Agent', email: 'ana@acme.test', group_ids: [10] });
    this.agents.set(2, { id: 2, name: 'Ben Agent', email: 'ben@acme.test', group_ids: [11] });
    this.agents.set(3, { id: 3, name: 'Cleo Agent', email: 'cleo@acme.test', group_ids: [10, 11] });
    for (let i = 0; i < Math.max(3, Math.ceil(n / 3)); i++) this.contacts.set(501 + i, { id: 501 + i, name: `Customer ${i}`, email: `customer${i}@example.com` });
    const sources = [1, 2, 3, 7, 9, 10];
    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const created = base - (n - i) * (60 * DAY / Math.max(n, 1));
      const status = [2, 3, 4, 5, 2, 6][i % 6]!;
      const responder = i % 4 === 3 ? null : ((i % 3) + 1);
      const replied = i % 5 !== 0;
      const first = replied ? created + (1 + (i % 7)) * 3_600_000 : null;
      const solved = status === 4 || status === 5 ? created + 2 * DAY : null;
      this.addTicket({
        id,
        subject: `Order ${1000 + i} ${i % 2 ? 'late' : 'damaged'}`,
        description_text: `My order ${1000 + i} has a problem`,
        status,
        priority: (i % 4) + 1,
        source: sources[i % sources.length]!,
        requester_id: 501 + (i % this.contacts.size),
        responder_id: responder,
        group_id: i % 3 === 0 ? null : i % 3 === 1 ? 10 : 11,
        tags: i % 2 ? ['delivery'] : ['damage', 'vip'].slice(0, (i % 4) === 0 ? 2 : 1),
        created_at: iso(created),
        updated_at: iso(solved ?? first ?? created),
        stats: {
          first_responded_at: first ? iso(first) : null,
          agent_responded_at: first ? iso(first) : null,
          requester_responded_at: null,
          resolved_at: solved ? iso(solved) : null,
          closed_at: status === 5 && solved ? iso(solved) : null,
          reopened_at: i % 9 === 0 ? iso(created + DAY) : null,
          status_updated_at: null,
          pending_since: null,
        },
      });
      if (first && responder) {
        this.conversations.push({ id: this.nextId++, ticket_id: id, body: `<p>Looking into order ${1000 + i}</p>`, body_text: `Looking into order ${1000 + i}`, incoming: false, private: false, user_id: responder, source: 0, created_at: iso(first), updated_at: iso(first) });
      }
      if (i % 4 === 1) {
        this.conversations.push({ id: this.nextId++, ticket_id: id, body: '<p>checked the warehouse</p>', body_text: 'checked the warehouse', incoming: false, private: true, user_id: 2, source: 2, created_at: iso(created + 600_000), updated_at: iso(created + 600_000) });
      }
      if (solved && i % 2 === 0) {
        this.ratings.push({ id: this.nextId++, ticket_id: id, user_id: 501 + (i % this.contacts.size), agent_id: responder, group_id: null, default_question: [103, 102, 101, 100, -101, -103][i % 6]!, feedback: i % 3 ? 'thanks' : null, created_at: iso(solved + 3_600_000) });
      }
    }
    return this;
  }

  // --------------------------------------------------------------------------------------------
  // JSON shapes (documented fields)

  ticketJson(t: FdFakeTicket, include: string[] = []): Record<string, unknown> {
    const { stats, ...rest } = t;
    const out: Record<string, unknown> = {
      ...rest,
      type: null,
      company_id: null,
      product_id: null,
      email_config_id: null,
      cc_emails: [],
      fwd_emails: [],
      reply_cc_emails: [],
      to_emails: null,
      fr_escalated: false,
      spam: false,
      is_escalated: false,
      due_by: iso(Date.parse(t.created_at) + 3 * DAY),
      fr_due_by: iso(Date.parse(t.created_at) + DAY),
      description: `<div>${t.description_text}</div>`,
    };
    if (include.includes('requester')) {
      const c = this.contacts.get(t.requester_id);
      const a = this.agents.get(t.requester_id);
      out.requester = c ? { id: c.id, name: c.name, email: c.email, mobile: null, phone: null } : a ? { id: a.id, name: a.name, email: a.email, mobile: null, phone: null } : null;
    }
    if (include.includes('stats')) out.stats = stats;
    return out;
  }

  agentJson(a: FdFakeAgent): Record<string, unknown> {
    return {
      id: a.id,
      available: true,
      occasional: false,
      signature: `<div>${a.name}<br>Acme support</div>`,
      ticket_scope: 1,
      group_ids: a.group_ids,
      role_ids: [1],
      type: 'support_agent',
      contact: { id: a.id + 9000, name: a.name, email: a.email, active: true, job_title: null, language: 'en', time_zone: 'UTC' },
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
    };
  }

  ratingJson(r: FdFakeRating): Record<string, unknown> {
    return {
      id: r.id,
      survey_id: 1,
      ticket_id: r.ticket_id,
      user_id: r.user_id,
      agent_id: r.agent_id,
      group_id: r.group_id,
      feedback: r.feedback,
      ratings: { default_question: r.default_question },
      created_at: r.created_at,
      updated_at: r.created_at,
    };
  }

  // --------------------------------------------------------------------------------------------
  // routes

  private listReply<I>(req: FakeRequest, items: I[], maxPages = Infinity, toJson: (item: I) => unknown = (x) => x): FakeReply {
    const perPage = Number(req.query.get('per_page') ?? 30);
    const page = Number(req.query.get('page') ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return validation('per_page', 'Has to be less than or equal to 100');
    if (!Number.isInteger(page) || page < 1 || page > maxPages) return validation('page', `It should be a Positive Integer less than or equal to ${maxPages}`);
    const slice = items.slice((page - 1) * perPage, page * perPage).map(toJson);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length && page < maxPages) {
      const next = new URLSearchParams(req.query);
      next.set('page', String(page + 1));
      headers.link = `<${this.url}${req.path}?${next.toString()}>; rel="next"`;
    }
    return { json: slice, headers };
  }

  protected install(): void {
    const srv = this.server;
    srv.auth = (req) => {
      const h = String(req.headers.authorization ?? '');
      if (!h.startsWith('Basic ')) return false;
      const [user] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      return user === this.apiKey;
    };
    srv.unauthorizedBody = { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' };
    srv.notFoundBody = () => ({ code: 'not_found', message: 'The requested resource was not found' });

    // X-RateLimit-* on every answer, like Freshdesk
    const credits = (req: FakeRequest) => 1 + 2 * (req.query.get('include')?.split(',').filter(Boolean).length ?? 0);
    let used = 0;
    const withLimits = (h: RouteHandlerLike) => async (req: FakeRequest) => {
      const reply = await h(req);
      used += credits(req);
      return { ...reply, headers: { 'x-ratelimit-total': '700', 'x-ratelimit-remaining': String(Math.max(0, 700 - used)), 'x-ratelimit-used-currentrequest': String(credits(req)), ...(reply.headers ?? {}) } };
    };
    const route = (method: string, path: string, h: RouteHandlerLike) => srv.route(method, `/api/v2${path}`, withLimits(h));

    route('GET', '/tickets', (req) => {
      const include = (req.query.get('include') ?? '').split(',').filter(Boolean);
      const since = req.query.get('updated_since');
      const orderBy = req.query.get('order_by') ?? 'created_at';
      const orderType = req.query.get('order_type') ?? 'desc';
      let list = [...this.tickets.values()];
      if (since) list = list.filter((t) => Date.parse(t.updated_at) >= Date.parse(since));
      else list = list.filter((t) => Date.parse(t.created_at) >= this.now() - 30 * DAY);
      const key = orderBy === 'updated_at' ? 'updated_at' : 'created_at';
      list.sort((a, b) => (Date.parse(a[key]) - Date.parse(b[key]) || a.id - b.id) * (orderType === 'asc' ? 1 : -1));
      return this.listReply(req, list, this.maxListPages, (t) => this.ticketJson(t, include));
    });
    route('GET', '/tickets/:id', (req) => {
      const t = this.tickets.get(Number(req.params.id));
      if (!t) return notFound();
      return { json: this.ticketJson(t, (req.query.get('include') ?? '').split(',')) };
    });
    route('PUT', '/tickets/:id', (req) => {
      const t = this.tickets.get(Number(req.params.id));
      if (!t) return notFound();
      const b = (req.json ?? {}) as Record<string, unknown>;
      const allowed = ['status', 'priority', 'responder_id', 'group_id', 'tags', 'custom_fields', 'subject', 'type'];
      const bad = Object.keys(b).find((k) => !allowed.includes(k));
      if (bad) return validation(bad, 'Unexpected/invalid field in request');
      if (b.status !== undefined && ![2, 3, 4, 5, 6, 7].includes(b.status as number)) return validation('status', 'It should be one of these values: 2,3,4,5');
      if (b.priority !== undefined && ![1, 2, 3, 4].includes(b.priority as number)) return validation('priority', 'It should be one of these values: 1,2,3,4');
      if (b.group_id != null && !this.groups.has(b.group_id as number)) return validation('group_id', 'There is no group matching the given group_id');
      if (b.responder_id != null && !this.agents.has(b.responder_id as number)) return validation('responder_id', 'There is no agent matching the given responder_id');
      const now = iso(this.now());
      if (b.status !== undefined && b.status !== t.status) {
        if ((b.status === 4 || b.status === 5) && !t.stats.resolved_at) t.stats.resolved_at = now;
        if (b.status === 5) t.stats.closed_at = now;
        if ((b.status === 2 || b.status === 3) && (t.status === 4 || t.status === 5)) {
          t.stats.reopened_at = now;
          t.stats.resolved_at = null;
          t.stats.closed_at = null;
        }
        t.stats.status_updated_at = now;
      }
      Object.assign(t, b, { updated_at: now });
      return { json: this.ticketJson(t) };
    });
    route('GET', '/tickets/:id/conversations', (req) => {
      const id = Number(req.params.id);
      if (!this.tickets.has(id)) return notFound();
      return this.listReply(req, this.conversationsOf(id).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)));
    });
    const addConversation = (req: FakeRequest, isPrivate: boolean): FakeReply => {
      const id = Number(req.params.id);
      const t = this.tickets.get(id);
      if (!t) return notFound();
      const b = (req.json ?? {}) as { body?: unknown; private?: unknown; user_id?: unknown };
      if (typeof b.body !== 'string' || !b.body) return validation('body', 'It should be a/an String');
      const userId = typeof b.user_id === 'number' ? b.user_id : this.meId;
      if (!this.agents.has(userId)) return validation('user_id', 'There is no agent matching the given user_id');
      const now = iso(this.now());
      const priv = isPrivate ? b.private !== false : false;
      const c: FdFakeConversation = {
        id: this.nextId++,
        ticket_id: id,
        body: b.body,
        body_text: b.body.replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>/gi, '\n\n').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim(),
        incoming: false,
        private: priv,
        user_id: userId,
        source: isPrivate ? 2 : 0,
        created_at: now,
        updated_at: now,
      };
      this.conversations.push(c);
      if (!isPrivate) {
        t.stats.first_responded_at ??= now;
        t.stats.agent_responded_at = now;
      }
      t.updated_at = now;
      return { status: 201, json: { ...c, attachments: [], to_emails: isPrivate ? [] : [this.contacts.get(t.requester_id)?.email ?? 'x@example.com'], cc_emails: [], bcc_emails: [], support_email: null } };
    };
    route('POST', '/tickets/:id/reply', (req) => addConversation(req, false));
    route('POST', '/tickets/:id/notes', (req) => addConversation(req, true));
    route('GET', '/agents', (req) => this.listReply(req, [...this.agents.values()].map((a) => this.agentJson(a))));
    route('GET', '/agents/me', () => {
      const me = this.agents.get(this.meId);
      return me ? { json: this.agentJson(me) } : notFound();
    });
    route('GET', '/groups', (req) =>
      this.listReply(req, [...this.groups.values()].map((g) => ({ ...g, description: null, escalate_to: null, unassigned_for: null, business_hour_id: null, agent_ids: [...this.agents.values()].filter((a) => a.group_ids.includes(g.id)).map((a) => a.id) }))),
    );
    route('GET', '/contacts/:id', (req) => {
      const c = this.contacts.get(Number(req.params.id));
      return c ? { json: { ...c, phone: null, mobile: null, active: true } } : notFound();
    });
    route('GET', '/surveys/satisfaction_ratings', (req) => {
      const since = req.query.get('created_since');
      const list = this.ratings.filter((r) => !since || Date.parse(r.created_at) >= Date.parse(since)).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
      return this.listReply(req, list.map((r) => this.ratingJson(r)));
    });
    route('GET', '/search/tickets', (req) => {
      const raw = req.query.get('query');
      if (!raw || !/^".*"$/.test(raw)) return validation('query', 'It should be a/an String enclosed in double quotes');
      if (raw.length > 512) return validation('query', 'It should not be longer than 512 characters');
      const page = Number(req.query.get('page') ?? 1);
      if (!Number.isInteger(page) || page < 1 || page > 10) return validation('page', 'It should be a Positive Integer less than or equal to 10');
      let predicate: (t: FdFakeTicket) => boolean;
      try {
        predicate = compileQuery(raw.slice(1, -1));
      } catch (err) {
        return validation('query', (err as Error).message);
      }
      const hits = [...this.tickets.values()].filter(predicate).sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      return { json: { total: hits.length, results: hits.slice((page - 1) * 30, page * 30).map((t) => this.ticketJson(t)) } };
    });
  }
}

type RouteHandlerLike = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

const notFound = (): FakeReply => ({ status: 404, json: { code: 'not_found', message: 'The requested resource was not found' } });
const validation = (field: string, message: string): FakeReply => ({
  status: 400,
  json: { description: 'Validation failed', errors: [{ field, message, code: 'invalid_value' }] },
});

// ---------------------------------------------------------------------------------------------
// A small evaluator for the filter query language: field:value, field:>'date', field:<'date',
// field:null, AND, OR, parentheses.

type Tok = { t: 'lp' } | { t: 'rp' } | { t: 'and' } | { t: 'or' } | { t: 'term'; field: string; op: ':' | ':>' | ':<'; value: string | null };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(\(|\)|AND\b|OR\b|([a-z_]+)(:>|:<|:)('(?:[^'\\]|\\.)*'|[^\s()]+))/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < q.length) {
    re.lastIndex = pos;
    m = re.exec(q);
    if (!m) {
      if (/^\s*$/.test(q.slice(pos))) break;
      throw new Error(`could not parse the query near '${q.slice(pos, pos + 20)}'`);
    }
    pos = re.lastIndex;
    if (m[1] === '(') out.push({ t: 'lp' });
    else if (m[1] === ')') out.push({ t: 'rp' });
    else if (m[1] === 'AND') out.push({ t: 'and' });
    else if (m[1] === 'OR') out.push({ t: 'or' });
    else {
      const rawVal = m[4]!;
      const value = rawVal === 'null' ? null : rawVal.startsWith("'") ? rawVal.slice(1, -1).replace(/\\'/g, "'") : rawVal;
      out.push({ t: 'term', field: m[2]!, op: m[3] as ':' | ':>' | ':<', value });
    }
  }
  return out;
}

function compileQuery(q: string): (t: FdFakeTicket) => boolean {
  const toks = tokenize(q);
  let i = 0;
  const term = (): ((t: FdFakeTicket) => boolean) => {
    const tok = toks[i++];
    if (!tok) throw new Error('unexpected end of query');
    if (tok.t === 'lp') {
      const e = expr();
      if (toks[i++]?.t !== 'rp') throw new Error('missing )');
      return e;
    }
    if (tok.t !== 'term') throw new Error('expected a condition');
    const { field, op, value } = tok;
    const get = (t: FdFakeTicket): unknown =>
      field === 'agent_id' ? t.responder_id : field === 'tag' ? t.tags : (t as unknown as Record<string, unknown>)[field];
    if (!['status', 'priority', 'agent_id', 'group_id', 'tag', 'created_at', 'updated_at', 'requester_id'].includes(field)) throw new Error(`unsupported field ${field}`);
    if (op === ':>' || op === ':<') {
      if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new Error(`invalid date ${value}`);
      const day = Date.parse(`${value}T00:00:00Z`);
      return (t) => {
        const v = Date.parse(String(get(t)));
        return op === ':>' ? v >= day : v < day + DAY;
      };
    }
    if (field === 'tag') return (t) => (value === null ? t.tags.length === 0 : t.tags.includes(value));
    return (t) => {
      const v = get(t);
      return value === null ? v == null : String(v) === value;
    };
  };
  const conj = (): ((t: FdFakeTicket) => boolean) => {
    let left = term();
    while (toks[i]?.t === 'and') {
      i++;
      const l = left;
      const r = term();
      left = (t) => l(t) && r(t);
    }
    return left;
  };
  const expr = (): ((t: FdFakeTicket) => boolean) => {
    let left = conj();
    while (toks[i]?.t === 'or') {
      i++;
      const l = left;
      const r = conj();
      left = (t) => l(t) || r(t);
    }
    return left;
  };
  const e = expr();
  if (i < toks.length) throw new Error('unexpected token');
  return e;
}
