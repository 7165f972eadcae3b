/**
 * A fake Zendesk Support account on FakeServer, following the shapes of the Zendesk OpenAPI description
 * (../shared/api-specs/zendesk/support-oas.yaml) and the CSAT survey-responses documentation.
 *
 *   const zd = await FakeZendesk.start({ tickets: 250 });
 *   zd.url, zd.server (faults, request log), zd.tickets (state), zd.apiToken / zd.issueToken() (credentials)
 *
 * Auth: `email/token:TOKEN` basic with zd.apiToken, or `Bearer` with a token issued by POST /oauth/tokens
 * (client_credentials, authorization_code with PKCE, refresh_token). GET /oauth/authorizations/new answers
 * with a redirect to redirect_uri carrying a code, like a user who clicked "Allow".
 */
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { ConfigStore } from '../../src/config/config-store.js';
import { resolvePaths } from '../../src/config/paths.js';
import type { Profile } from '../../src/config/profile.js';
import { createIO } from '../../src/output/io.js';
import { createProvider } from '../../src/providers/registry.js';
import type { ZendeskProvider } from '../../src/providers/zendesk/provider.js';
import { type FakeReply, type FakeRequest, type FakeServer, VendorFake } from './fake-server.js';
import type { DocumentedParams, SpecRequest } from './openapi.js';

export interface ZdFakeUser {
  id: number;
  name: string;
  email: string;
  role: 'end-user' | 'agent' | 'admin';
  default_group_id?: number | null;
  active: boolean;
}
export interface ZdFakeComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: string;
  attachments: unknown[];
  via: { channel: string };
}
export interface ZdFakeTicket {
  id: number;
  url: string;
  subject: string;
  raw_subject: string;
  description: string;
  status: string;
  priority: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  group_id: number | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  via: { channel: string };
  custom_fields: { id: number; value: unknown }[];
  is_public: boolean;
  generated_timestamp: number;
}
export interface ZdFakeMetric {
  id: number;
  ticket_id: number;
  created_at: string;
  updated_at: string;
  solved_at: string | null;
  reopens: number;
  replies: number;
  reply_time_in_minutes: { calendar: number | null; business: number | null };
  full_resolution_time_in_minutes: { calendar: number | null; business: number | null };
}

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const VIAS = ['email', 'web', 'chat', 'voice', 'twitter', 'api', 'native_messaging', 'rule'];
const TAGS = ['billing', 'delivery', 'refund', 'vip', 'bug', 'howto'];

export interface FakeZendeskOptions {
  tickets?: number;
  /** Start of the generated history. */
  start?: string;
  /** Survey responses (new CSAT) enabled; else /api/v2/guide/survey_responses answers 404. */
  surveyResponses?: boolean;
  /** Tickets per incremental export page (Zendesk: up to 1000). */
  incrementalPageSize?: number;
  /** Seconds an issued OAuth access token lives. */
  tokenLifetime?: number;
  /** The credentials are an admin's (incremental export allowed). */
  admin?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const enc = (n: number) => Buffer.from(`i:${n}`).toString('base64url');
const dec = (s: string | null) => (s ? Number(Buffer.from(s, 'base64url').toString().slice(2)) || 0 : 0);

export class FakeZendesk extends VendorFake {
  readonly users = new Map<number, ZdFakeUser>();
  readonly groups = new Map<number, { id: number; name: string; url: string; created_at: string; updated_at: string; deleted: boolean; default: boolean; description: string; is_public: boolean }>();
  readonly tickets = new Map<number, ZdFakeTicket>();
  readonly comments = new Map<number, ZdFakeComment[]>();
  readonly metrics = new Map<number, ZdFakeMetric>();
  readonly satisfaction: { id: number; url: string; ticket_id: number; assignee_id: number; group_id: number; requester_id: number; score: string; comment: string; created_at: string; updated_at: string }[] = [];
  readonly surveys: unknown[] = [];
  readonly apiToken = 'zd-api-token-' + randomBytes(6).toString('hex');
  readonly agentEmail = 'ada@acme.test';
  readonly clientId = 'deskctl';
  readonly clientSecret = 'zd-client-secret-' + randomBytes(6).toString('hex');
  /** access token -> expiry (ms) */
  readonly accessTokens = new Map<string, number>();
  readonly refreshTokens = new Set<string>();
  private readonly codes = new Map<string, { challenge: string; redirect: string }>();
  surveyResponses: boolean;
  admin: boolean;
  incrementalPageSize: number;
  tokenLifetime: number;
  private nextId = 1_000_000;
  meId = 0;

  private constructor(server: FakeServer, opts: FakeZendeskOptions) {
    super(server);
    this.surveyResponses = opts.surveyResponses ?? false;
    this.admin = opts.admin ?? true;
    this.incrementalPageSize = opts.incrementalPageSize ?? 1000;
    this.tokenLifetime = opts.tokenLifetime ?? 7200;
  }

  static start(opts: FakeZendeskOptions = {}): Promise<FakeZendesk> {
    return VendorFake.launch((server) => {
      const zd = new FakeZendesk(server, opts);
      zd.seed(opts.tickets ?? 30, Date.parse(opts.start ?? '2026-10-01T08:00:00Z'));
      return zd;
    });
  }

  protected install(): void {
    this.routes();
    this.server.unauthorizedBody = { error: "Couldn't authenticate you" };
    this.server.notFoundBody = () => ({ error: 'InvalidEndpoint', description: 'Not found' });
    this.server.auth = (req) => this.authorized(req);
  }


  /** A valid OAuth access token (as if obtained earlier). */
  issueToken(lifetimeSec = this.tokenLifetime): string {
    const t = 'zd-access-' + randomBytes(12).toString('hex');
    this.accessTokens.set(t, Date.now() + lifetimeSec * 1000);
    return t;
  }

  private authorized(req: FakeRequest): boolean {
    if (req.path.startsWith('/oauth/')) return true;
    const h = String(req.headers.authorization ?? '');
    if (h.startsWith('Bearer ')) {
      const exp = this.accessTokens.get(h.slice(7));
      return exp !== undefined && exp > Date.now();
    }
    if (h.startsWith('Basic ')) {
      const [user, pass] = Buffer.from(h.slice(6), 'base64').toString().split(/:(.*)/s);
      return user === `${this.agentEmail}/token` && pass === this.apiToken;
    }
    return false;
  }

  private seed(n: number, start: number): void {
    const groupNames = ['Support', 'Billing', 'Tier 2'];
    groupNames.forEach((name, i) => {
      const id = 360000 + i;
      this.groups.set(id, { id, name, url: `${this.url}/api/v2/groups/${id}.json`, created_at: iso(start), updated_at: iso(start), deleted: false, default: i === 0, description: '', is_public: true });
    });
    const agents: [string, string, 'agent' | 'admin', number][] = [
      ['Ada Agent', this.agentEmail, 'admin', 360000],
      ['Bob Billing', 'bob@acme.test', 'agent', 360001],
      ['Cy Tier', 'cy@acme.test', 'agent', 360002],
    ];
    agents.forEach(([name, email, role, g], i) => {
      const id = 9000 + i;
      this.users.set(id, { id, name, email, role, default_group_id: g, active: true });
    });
    this.meId = 9000;
    for (let i = 0; i < Math.max(5, Math.ceil(n / 5)); i++) {
      const id = 20000 + i;
      this.users.set(id, { id, name: `Customer ${i}`, email: `customer${i}@example.org`, role: 'end-user', active: true });
    }
    const customers = [...this.users.values()].filter((u) => u.role === 'end-user');
    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const created = start + i * 7 * 60_000;
      const status = STATUSES[i % STATUSES.length]!;
      const assignee = i % 4 === 0 ? null : 9000 + (i % 3);
      const requester = customers[i % customers.length]!;
      const solved = status === 'solved' || status === 'closed';
      const replyMin = assignee ? 5 + (i % 50) : null;
      const updated = created + (solved ? 3 * 3600_000 : 3600_000);
      const t: ZdFakeTicket = {
        id,
        url: `${this.url}/api/v2/tickets/${id}.json`,
        subject: `Ticket ${id}: ${['Where is my order', 'Refund please', 'Login broken', 'Invoice question'][i % 4]}`,
        raw_subject: `Ticket ${id}`,
        description: `Description of ticket ${id}`,
        status,
        priority: i % 5 === 4 ? null : PRIORITIES[i % 4]!,
        requester_id: requester.id,
        submitter_id: requester.id,
        assignee_id: assignee,
        group_id: assignee ? this.users.get(assignee)!.default_group_id ?? null : null,
        tags: [TAGS[i % TAGS.length]!, ...(i % 7 === 0 ? ['vip'] : [])].filter((v, k, a) => a.indexOf(v) === k),
        created_at: iso(created),
        updated_at: iso(updated),
        via: { channel: VIAS[i % VIAS.length]! },
        custom_fields: [{ id: 360001234, value: i % 2 ? 'gold' : '' }],
        is_public: true,
        generated_timestamp: Math.floor(updated / 1000),
      };
      this.tickets.set(id, t);
      const cs: ZdFakeComment[] = [this.makeComment(requester.id, `Hello, ticket ${id} here.`, true, created)];
      if (assignee) {
        cs.push(this.makeComment(assignee, `Internal: looking into ${id}`, false, created + 60_000));
        cs.push(this.makeComment(assignee, `We are on it (ticket ${id}).`, true, created + (replyMin ?? 0) * 60_000));
      }
      this.comments.set(id, cs);
      this.metrics.set(id, {
        id: 700000 + id,
        ticket_id: id,
        created_at: iso(created),
        updated_at: iso(updated),
        solved_at: solved ? iso(updated) : null,
        reopens: i % 9 === 0 ? 1 : 0,
        replies: assignee ? 1 : 0,
        reply_time_in_minutes: { calendar: replyMin, business: replyMin },
        full_resolution_time_in_minutes: { calendar: solved ? 180 : null, business: solved ? 180 : null },
      });
      if (solved && i % 2 === 0) {
        this.satisfaction.push({
          id: 800000 + id,
          url: `${this.url}/api/v2/satisfaction_ratings/${800000 + id}.json`,
          ticket_id: id,
          assignee_id: assignee ?? 9000,
          group_id: 360000,
          requester_id: requester.id,
          score: i % 4 === 0 ? 'good' : 'bad',
          comment: i % 4 === 0 ? 'Thanks!' : '',
          created_at: iso(updated + 3600_000),
          updated_at: iso(updated + 3600_000),
        });
        this.surveys.push({
          id: `01J${String(id).padStart(23, '0')}`,
          responder_id: requester.id,
          subject_zrns: [`zen:ticket:${id}`],
          subjects: [{ id: String(id), type: 'ticket', zrn: `zen:ticket:${id}` }],
          survey: { id: '01J58KJ9RAE0D2EK7HRVM7Z8F2', state: 'enabled', version: 3 },
          expires_at: iso(updated + 30 * 86400_000),
          answers: [
            {
              type: 'rating_scale',
              rating: 1 + (i % 5),
              created_at: iso(updated + 3600_000),
              updated_at: iso(updated + 3600_000),
              question: { id: '01GFYBENPDGN1R6NAA4WRDNVFR', type: 'rating_scale_numeric', sub_type: 'customer_satisfaction', headline: { type: 'static', value: 'How would you rate the support you received?' } },
            },
            { type: 'open_ended', value: i % 4 === 0 ? 'Great help' : 'ok', created_at: iso(updated + 3600_000), updated_at: iso(updated + 3600_000), question: { id: 'q2', type: 'open_ended', alias: 'comment' } },
          ],
        });
      }
    }
  }

  makeComment(author: number, body: string, isPublic: boolean, at: number): ZdFakeComment {
    return { id: this.nextId++, type: 'Comment', author_id: author, body, html_body: `<div class="zd-comment"><p>${body}</p></div>`, plain_body: body, public: isPublic, created_at: iso(at), attachments: [], via: { channel: 'api' } };
  }

  /** Comments redacted or made private after the fact: audits of their own in the ticket-event export. */
  readonly commentEdits: { ticketId: number; commentId: number; type: 'CommentRedactionEvent' | 'CommentPrivacyChange'; at: number }[] = [];
  /** Events per ticket-event export page (Zendesk: 1,000). */
  eventsPageSize = 1000;

  /**
   * The ticket-event export's events, oldest first: one audit per comment (the first also creating the
   * ticket), one per comment edit, and one "Change" audit at each ticket's last update.
   */
  private ticketEvents(): { id: number; ticket_id: number; timestamp: number; created_at: string; updater_id: number; via: unknown; event_type: 'Audit'; child_events: Record<string, unknown>[] }[] {
    const out: ReturnType<FakeZendesk['ticketEvents']> = [];
    for (const t of this.tickets.values()) {
      for (const [n, c] of (this.comments.get(t.id) ?? []).entries()) {
        const at = Date.parse(c.created_at);
        out.push({
          id: 3_000_000_000 + c.id, ticket_id: t.id, timestamp: Math.floor(at / 1000), created_at: c.created_at, updater_id: c.author_id, via: c.via, event_type: 'Audit',
          child_events: [
            ...(n === 0 ? [{ id: 4_000_000_000 + c.id, event_type: 'Create', field_name: 'subject', value: t.subject }] : []),
            { id: c.id, type: 'Comment', event_type: 'Comment', author_id: c.author_id, body: c.body, html_body: c.html_body, public: c.public, attachments: [], audit_id: 3_000_000_000 + c.id, created_at: c.created_at, via: c.via },
          ],
        });
      }
      const at = Date.parse(t.updated_at);
      out.push({ id: 5_000_000_000 + t.id, ticket_id: t.id, timestamp: Math.floor(at / 1000), created_at: t.updated_at, updater_id: -1, via: { channel: 'api' }, event_type: 'Audit', child_events: [{ id: 6_000_000_000 + t.id, event_type: 'Change', field_name: 'status', value: t.status }] });
    }
    for (const [n, e] of this.commentEdits.entries()) {
      out.push({ id: 7_000_000_000 + n, ticket_id: e.ticketId, timestamp: Math.floor(e.at / 1000), created_at: iso(e.at), updater_id: this.meId, via: { channel: 'web' }, event_type: 'Audit', child_events: [{ id: 8_000_000_000 + n, event_type: e.type, comment_id: e.commentId }] });
    }
    return out.sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
  }

  /** Comment bodies of a ticket, oldest first. */
  bodies(id: number): string[] {
    return (this.comments.get(id) ?? []).map((c) => c.body);
  }

  private sideloads(req: FakeRequest, tickets: ZdFakeTicket[]): Record<string, unknown> {
    const include = (req.query.get('include') ?? '').split(',').filter(Boolean);
    const out: Record<string, unknown> = {};
    if (include.includes('users')) {
      const ids = new Set(tickets.flatMap((t) => [t.requester_id, t.assignee_id, t.submitter_id]).filter((x): x is number => x !== null));
      out.users = [...ids].map((id) => this.userJson(this.users.get(id)!)).filter(Boolean);
    }
    if (include.includes('groups')) {
      const ids = new Set(tickets.map((t) => t.group_id).filter((x): x is number => x !== null));
      out.groups = [...ids].map((id) => this.groups.get(id)).filter(Boolean);
    }
    if (include.includes('metric_sets')) out.metric_sets = tickets.map((t) => this.metrics.get(t.id)).filter(Boolean);
    return out;
  }

  userJson(u: ZdFakeUser | undefined): unknown {
    if (!u) return undefined;
    return { id: u.id, url: `${this.url}/api/v2/users/${u.id}.json`, name: u.name, email: u.email, role: u.role, default_group_id: u.default_group_id ?? null, active: u.active, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', verified: true, time_zone: 'UTC' };
  }

  /** Cursor pagination over a list (page[size], page[after]). */
  private cursorPage<T>(req: FakeRequest, all: T[], max = 100): { items: T[]; meta: { has_more: boolean; after_cursor: string | null; before_cursor: string | null }; links: { next: string | null; prev: string | null } } {
    const size = Math.min(max, Number(req.query.get('page[size]') ?? 100));
    const from = dec(req.query.get('page[after]'));
    const items = all.slice(from, from + size);
    const more = from + size < all.length;
    const next = new URL(req.path, this.url);
    for (const [k, v] of req.query) if (k !== 'page[after]') next.searchParams.set(k, v);
    next.searchParams.set('page[after]', enc(from + size));
    return { items, meta: { has_more: more, after_cursor: more ? enc(from + size) : null, before_cursor: from ? enc(from) : null }, links: { next: more ? next.href : null, prev: null } };
  }

  /** A subset of Zendesk search syntax, enough for deskctl's queries. */
  matchSearch(t: ZdFakeTicket, query: string): boolean {
    const order = (field: string, v: string) => (field === 'status' ? STATUSES.indexOf(v) : PRIORITIES.indexOf(v));
    for (const term of query.match(/(\w+)(>=|<=|:|<|>)("[^"]*"|\S+)/g) ?? []) {
      const m = /^(\w+)(>=|<=|:|<|>)(.*)$/.exec(term)!;
      const [, field, op, rawV] = m as unknown as [string, string, string, string];
      const v = rawV.replace(/^"|"$/g, '');
      const cmp = (a: number, b: number) => (op === ':' ? a === b : op === '>=' ? a >= b : op === '<=' ? a <= b : op === '<' ? a < b : a > b);
      switch (field) {
        case 'status':
        case 'priority': {
          const tv = field === 'status' ? t.status : t.priority;
          if (tv === null) return false;
          if (!cmp(order(field, tv), order(field, v))) return false;
          break;
        }
        case 'assignee':
          if (v === 'none' ? t.assignee_id !== null : String(t.assignee_id) !== v) return false;
          break;
        case 'group':
          if (String(t.group_id) !== v) return false;
          break;
        case 'tags':
          if (!t.tags.includes(v)) return false;
          break;
        case 'created':
        case 'updated':
        case 'solved': {
          const tv = field === 'created' ? t.created_at : field === 'updated' ? t.updated_at : this.metrics.get(t.id)?.solved_at;
          if (!tv) return false;
          if (!cmp(Date.parse(tv), Date.parse(v))) return false;
          break;
        }
        default:
          break;
      }
    }
    return true;
  }

  /**
   * Deletes a ticket as an agent would: the API no longer shows it, and the incremental export lists it
   * with status "deleted" (Zendesk: "deleted tickets ... appear in the export with a status of deleted").
   */
  deleteTicket(id: number): void {
    const t = this.tickets.get(id)!;
    t.status = 'deleted';
    this.touch(t);
  }

  private live(): ZdFakeTicket[] {
    return [...this.tickets.values()].filter((t) => t.status !== 'deleted');
  }

  /** Marks a ticket changed now (as a write through the API would). */
  touch(t: ZdFakeTicket): void {
    const now = Date.now();
    t.updated_at = iso(Math.max(now, Date.parse(t.updated_at) + 1000));
    t.generated_timestamp = Math.floor(Date.parse(t.updated_at) / 1000);
  }

  private routes(): void {
    const s = this.server;
    const ticketOr404 = (req: FakeRequest): ZdFakeTicket | FakeReply => {
      const t = this.tickets.get(Number(req.params.ticket_id));
      return t && t.status !== 'deleted' ? t : { status: 404, json: { error: 'RecordNotFound', description: 'Not found' } };
    };
    const isReply = (x: unknown): x is FakeReply => typeof x === 'object' && x !== null && !('id' in x);

    s.route('GET', '/api/v2/users/me', () => ({ json: { user: this.userJson(this.users.get(this.meId)) }, headers: { 'x-rate-limit': '700', 'x-rate-limit-remaining': '699' } }));
    s.route('GET', '/api/v2/users/show_many', (req) => {
      const ids = (req.query.get('ids') ?? '').split(',').map(Number);
      return { json: { users: ids.map((id) => this.userJson(this.users.get(id))).filter(Boolean) } };
    });
    s.route('GET', '/api/v2/users', (req) => {
      const roles = req.query.getAll('role[]').concat(req.query.getAll('role'));
      const all = [...this.users.values()].filter((u) => !roles.length || roles.includes(u.role));
      const p = this.cursorPage(req, all);
      return { json: { users: p.items.map((u) => this.userJson(u)), meta: p.meta, links: p.links } };
    });
    s.route('GET', '/api/v2/groups', (req) => {
      const p = this.cursorPage(req, [...this.groups.values()]);
      return { json: { groups: p.items, meta: p.meta, links: p.links } };
    });
    s.route('GET', '/api/v2/tickets', (req) => {
      const p = this.cursorPage(req, this.live());
      return { json: { tickets: p.items, ...this.sideloads(req, p.items), meta: p.meta, links: p.links } };
    });
    s.route('GET', '/api/v2/tickets/show_many', (req) => {
      const ids = (req.query.get('ids') ?? '').split(',').map(Number);
      const list = ids.map((id) => this.tickets.get(id)).filter((t): t is ZdFakeTicket => Boolean(t) && t!.status !== 'deleted');
      return { json: { tickets: list, ...this.sideloads(req, list) } };
    });
    s.route('GET', '/api/v2/tickets/:ticket_id', (req) => {
      const t = ticketOr404(req);
      if (isReply(t)) return t;
      return { json: { ticket: t, ...this.sideloads(req, [t]) } };
    });
    s.route('PUT', '/api/v2/tickets/:ticket_id', (req) => {
      const t = ticketOr404(req);
      if (isReply(t)) return t;
      const body = (req.json as { ticket?: Record<string, unknown> })?.ticket ?? {};
      if (body.status !== undefined && !STATUSES.includes(String(body.status))) {
        return { status: 422, json: { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: `Status: ${String(body.status)} is not valid` }] } } };
      }
      const events: unknown[] = [];
      for (const k of ['status', 'priority', 'assignee_id', 'group_id'] as const) {
        if (k in body) {
          events.push({ id: this.nextId++, type: 'Change', field_name: k, value: body[k], previous_value: (t as unknown as Record<string, unknown>)[k] });
          (t as unknown as Record<string, unknown>)[k] = body[k];
        }
      }
      // additional_tags / remove_tags add to and remove from the list without replacing it (documented for the
      // ticket object of Update Many Tickets, which Update Ticket shares)
      const before = [...t.tags];
      for (const tag of (body.additional_tags as string[] | undefined) ?? []) if (!t.tags.includes(tag)) t.tags.push(tag);
      const drop = new Set((body.remove_tags as string[] | undefined) ?? []);
      if (drop.size) t.tags = t.tags.filter((x) => !drop.has(x));
      if (before.join(' ') !== t.tags.join(' ')) events.push({ id: this.nextId++, type: 'Change', field_name: 'tags', value: t.tags, previous_value: before });
      if (body.status === 'solved') this.metrics.get(t.id)!.solved_at = iso(Date.now());
      const comment = body.comment as { body?: string; public?: boolean; author_id?: number } | undefined;
      const author = comment?.author_id ?? this.meId;
      if (comment?.body) {
        const c = this.makeComment(author, comment.body, comment.public ?? true, Date.now());
        this.comments.get(t.id)!.push(c);
        events.push({ id: c.id, type: 'Comment', body: c.body, html_body: c.html_body, plain_body: c.plain_body, public: c.public, author_id: author, attachments: [] });
        if (c.public && this.users.get(author)?.role !== 'end-user') this.metrics.get(t.id)!.replies++;
      }
      this.touch(t);
      return { json: { ticket: t, audit: { id: this.nextId++, ticket_id: t.id, created_at: t.updated_at, author_id: author, events } } };
    });
    s.route('GET', '/api/v2/tickets/:ticket_id/comments', (req) => {
      const t = ticketOr404(req);
      if (isReply(t)) return t;
      const all = this.comments.get(t.id) ?? [];
      const users = () => {
        const ids = new Set(all.map((c) => c.author_id));
        return (req.query.get('include') ?? '').includes('users') ? { users: [...ids].map((id) => this.userJson(this.users.get(id))).filter(Boolean) } : {};
      };
      if (req.query.has('page[size]') || req.query.has('page[after]')) {
        const p = this.cursorPage(req, all);
        return { json: { comments: p.items, ...users(), meta: p.meta, links: p.links } };
      }
      const per = Number(req.query.get('per_page') ?? 100);
      const page = Number(req.query.get('page') ?? 1);
      const ordered = req.query.get('sort_order') === 'desc' ? [...all].reverse() : all;
      const items = ordered.slice((page - 1) * per, page * per);
      return { json: { comments: items, ...users(), count: all.length, next_page: page * per < all.length ? `${this.url}${req.path}?page=${page + 1}&per_page=${per}` : null, previous_page: null } };
    });
    s.route('GET', '/api/v2/incremental/tickets/cursor', (req) => {
      if (!this.admin) return { status: 403, json: { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' } };
      const sorted = [...this.tickets.values()].sort((a, b) => a.generated_timestamp - b.generated_timestamp || a.id - b.id);
      let from: number;
      const cursor = req.query.get('cursor');
      if (cursor) {
        // like Zendesk's, the cursor is a position in change order (time, id), not an index:
        // a ticket updated after the cursor was issued comes back on the next call
        const [ts, id] = Buffer.from(cursor, 'base64url').toString().slice(2).split(':').map(Number) as [number, number];
        from = sorted.findIndex((t) => t.generated_timestamp > ts || (t.generated_timestamp === ts && t.id > id));
        if (from < 0) from = sorted.length;
      } else {
        const start = Number(req.query.get('start_time'));
        if (!Number.isFinite(start)) return { status: 400, json: { error: 'InvalidPaginationParameter', description: 'start_time is required' } };
        from = sorted.findIndex((t) => t.generated_timestamp >= start);
        if (from < 0) from = sorted.length;
      }
      const page = sorted.slice(from, from + this.incrementalPageSize);
      const end = from + page.length >= sorted.length;
      const last = page.at(-1);
      const after = last ? Buffer.from(`t:${last.generated_timestamp}:${last.id}`).toString('base64url') : (cursor ?? Buffer.from(`t:${Number(req.query.get('start_time')) - 1}:0`).toString('base64url'));
      return {
        json: {
          tickets: page,
          ...this.sideloads(req, page),
          after_cursor: after,
          after_url: `${this.url}/api/v2/incremental/tickets/cursor?cursor=${after}&include=${encodeURIComponent(req.query.get('include') ?? '')}`,
          before_cursor: null,
          before_url: null,
          end_of_stream: end,
        },
      };
    });
    // time-based: from start_time, a page of events; next_page starts at the page's end_time (Zendesk: events
    // of the last second may come again on the next page)
    s.route('GET', '/api/v2/incremental/ticket_events', (req) => {
      if (!this.admin) return { status: 403, json: { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' } };
      const start = Number(req.query.get('start_time'));
      if (!req.query.has('start_time') || !Number.isFinite(start)) return { status: 400, json: { error: 'InvalidPaginationParameter', description: 'start_time is required' } };
      const comments = (req.query.get('include') ?? '').split(',').includes('comment_events');
      const all = this.ticketEvents().filter((e) => e.timestamp >= start);
      const page = all.slice(0, this.eventsPageSize).map((e) => ({
        ...e,
        // without the sideload a comment is only described by comment_present / comment_public
        child_events: comments ? e.child_events : e.child_events.map((c) => (c.event_type === 'Comment' ? { id: c.id, event_type: 'Comment', comment_present: true, comment_public: c.public } : c)),
      }));
      const end = page.length < all.length;
      const endTime = page.length ? page.at(-1)!.timestamp : start;
      return {
        json: {
          ticket_events: page,
          count: page.length,
          end_of_stream: !end,
          end_time: endTime,
          next_page: `${this.url}/api/v2/incremental/ticket_events?start_time=${end && endTime === start ? endTime + 1 : endTime}${comments ? '&include=comment_events' : ''}`,
        },
      };
    });
    s.route('GET', '/api/v2/search/export', (req) => {
      if (req.query.get('filter[type]') !== 'ticket') {
        return { status: 400, json: { error: 'InvalidSearchFilter', description: 'filter[type] is required' } };
      }
      const query = req.query.get('query') ?? '';
      const all = this.live().filter((t) => this.matchSearch(t, query)).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
      const p = this.cursorPage(req, all, 1000);
      return { json: { results: p.items.map((t) => ({ ...t, result_type: 'ticket' })), facets: null, meta: p.meta, links: p.links } };
    });
    // the capped search: deskctl must never need it (here it fails past 1,000 results like Zendesk)
    s.route('GET', '/api/v2/search', (req) => {
      const page = Number(req.query.get('page') ?? 1);
      const per = Number(req.query.get('per_page') ?? 100);
      if (page * per > 1000) return { status: 422, json: { error: 'invalid', description: 'Search results are limited to 1000' } };
      const all = this.live().filter((t) => this.matchSearch(t, (req.query.get('query') ?? '').replace(/type:ticket/, '')));
      return { json: { results: all.slice((page - 1) * per, page * per), count: all.length, next_page: null, previous_page: null } };
    });
    s.route('GET', '/api/v2/satisfaction_ratings', (req) => {
      const start = Number(req.query.get('start_time') ?? 0) * 1000;
      const end = req.query.get('end_time') ? Number(req.query.get('end_time')) * 1000 : Infinity;
      const all = this.satisfaction.filter((r) => Date.parse(r.created_at) >= start && Date.parse(r.created_at) < end);
      const p = this.cursorPage(req, all);
      return { json: { satisfaction_ratings: p.items, meta: p.meta, links: p.links } };
    });
    s.route('GET', '/api/v2/guide/survey_responses', (req) => {
      if (!this.surveyResponses) return { status: 404, json: { errors: [{ code: 'NotFound', title: 'Not Found' }] } };
      const start = Number(req.query.get('filter[created_at_start]') ?? 0) * 1000;
      const end = req.query.get('filter[created_at_end]') ? Number(req.query.get('filter[created_at_end]')) * 1000 : Infinity;
      const all = this.surveys.filter((sr) => {
        const at = Date.parse((sr as { answers: { created_at: string }[] }).answers[0]!.created_at);
        return at >= start && at < end;
      });
      const p = this.cursorPage(req, all);
      return { json: { survey_responses: p.items, meta: p.meta, links: p.links } };
    });

    // --- OAuth (authorization server)
    s.route('GET', '/oauth/authorizations/new', (req) => {
      const redirect = req.query.get('redirect_uri') ?? '';
      if (req.query.get('client_id') !== this.clientId) return { status: 400, body: 'unknown client', headers: { 'content-type': 'text/plain' } };
      if (req.query.get('code_challenge_method') !== 'S256' || !req.query.get('code_challenge')) return { status: 400, body: 'PKCE required', headers: { 'content-type': 'text/plain' } };
      const target = new URL(redirect);
      if (this.denyNextLogin) {
        this.denyNextLogin = false;
        target.searchParams.set('error', 'access_denied');
        target.searchParams.set('error_description', 'The end-user or authorization server denied the request.');
      } else {
        const code = 'code-' + randomBytes(8).toString('hex');
        this.codes.set(code, { challenge: req.query.get('code_challenge')!, redirect });
        target.searchParams.set('code', code);
      }
      target.searchParams.set('state', req.query.get('state') ?? '');
      return { status: 302, headers: { location: target.href } };
    });
    s.route('POST', '/oauth/tokens', (req) => {
      const b = (req.json ?? {}) as Record<string, string>;
      const bad = (description: string, status = 400) => ({ status, json: { error: 'invalid_grant', error_description: description } });
      if (b.client_id !== this.clientId) return bad('unknown client', 401);
      const issue = (): FakeReply => {
        const access = this.issueToken();
        const refresh = 'zd-refresh-' + randomBytes(12).toString('hex');
        this.refreshTokens.add(refresh);
        return { json: { access_token: access, token_type: 'bearer', scope: b.scope ?? 'read write', expires_in: this.tokenLifetime, refresh_token: refresh, refresh_token_expires_in: 30 * 86400 } };
      };
      switch (b.grant_type) {
        case 'client_credentials':
          if (b.client_secret !== this.clientSecret) return bad('client authentication failed', 401);
          return issue();
        case 'authorization_code': {
          const entry = this.codes.get(b.code ?? '');
          if (!entry) return bad('authorization code unknown or used');
          this.codes.delete(b.code!);
          const challenge = createHash('sha256').update(b.code_verifier ?? '').digest('base64url');
          if (challenge !== entry.challenge) return bad('code_verifier does not match the code challenge');
          if (b.redirect_uri !== entry.redirect) return bad('redirect_uri mismatch');
          return issue();
        }
        case 'refresh_token':
          if (!this.refreshTokens.delete(b.refresh_token ?? '')) return bad('refresh token invalid or already used');
          return issue();
        default:
          return bad(`unsupported grant_type ${b.grant_type}`);
      }
    });
  }

  denyNextLogin = false;
}

/** `deskctl profile add` arguments for the fake (API token read from stdin: pass `${zd.apiToken}\n` as input). */
export function zendeskProfileAddArgs(zd: FakeZendesk, name: string, options: string[] = []): string[] {
  return ['profile', 'add', 'zendesk', '--name', name, '--url', zd.url, '--user', zd.agentEmail, '--auth', 'token', '--with-token', '--option', 'retryBaseMs=5', ...options.flatMap((o) => ['--option', o])];
}

// ------------------------------------------------------------------------------------------------
// helpers for tests that drive the provider directly

const NOW = Date.parse('2026-11-25T09:00:00Z');

/** A Zendesk provider for the fake (API token by default; fast retries; limits out of the way unless given). */
export async function zendeskProvider(zdFake: FakeZendesk, dir: string, profileExtra: Partial<Profile> = {}, sink: string[] = []): Promise<ZendeskProvider> {
  const paths = resolvePaths({ DESKCTL_HOME: dir });
  const config = await ConfigStore.open(paths);
  const profile: Profile = {
    provider: 'zendesk',
    url: zdFake.url,
    auth: 'token',
    user: zdFake.agentEmail,
    rateLimit: 60_000,
    options: { retryBaseMs: 5, settleMs: 20, incrementalRateLimit: 6000, searchExportRateLimit: 6000 },
    ...profileExtra,
  };
  await config.setProfile('zd', profile);
  if (profile.auth === 'token') await config.setSecret('zd', 'token', zdFake.apiToken);
  const out = new Writable({ write: (chunk, _enc, cb) => (sink.push(String(chunk)), cb()) });
  const io = createIO({ stderr: out, stdout: out, env: {}, verbose: true });
  return (await createProvider({ profileName: 'zd', profile, config, paths, clock: { now: () => new Date(NOW) }, io })) as ZendeskProvider;
}


/**
 * Parameters the OAS documents only in an operation's text: the legacy ratings filters, and sideloads on the
 * incremental export ("Sideloading: See Tickets sideloads").
 */
export const ZENDESK_DOCUMENTED: DocumentedParams[] = [
  { operationId: 'ListSatisfactionRatings', params: ['score', 'start_time', 'end_time'], evidence: '| start_time | Time of the oldest satisfaction rating' },
  { operationId: 'IncrementalTicketExportCursor', params: ['include'], evidence: '#### Sideloading' },
];

/**
 * `priority: null` clears the priority: TicketObject.priority is `nullable: true`, but its enum lists no null,
 * which a JSON-schema validator reads as "null not allowed". The null is checked here, then the rest of the body.
 */
export function zendeskSpecRequests(requests: FakeZendesk['server']['requests']): SpecRequest[] {
  return requests.map((r) => {
    let body = r.json as { ticket?: Record<string, unknown> } | undefined;
    if (r.method === 'PUT' && body?.ticket && body.ticket.priority === null) {
      const { priority: _p, ...rest } = body.ticket;
      body = { ...body, ticket: rest };
    }
    return { method: r.method, path: r.path, query: r.query, headers: r.headers as Record<string, string>, body };
  });
}

