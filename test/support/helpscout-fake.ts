/**
 * A fake Help Scout Mailbox API 2.0 (https://api.helpscout.net/v2) on top of FakeServer, following the
 * vendor's documentation: OAuth2 client-credentials tokens (POST /v2/oauth2/token) that expire,
 * HAL collections (`_embedded`, `page`, 25 a page), conversations with embedded threads, replies and
 * notes answering 201 with a Resource-ID header, one-operation PATCH, PUT tags, users, mailboxes, the
 * happiness ratings report, and a per-minute limit where writes count double (429 with
 * X-RateLimit-Retry-After, X-RateLimit-*-Minute headers on every answer).
 *
 *   const hs = await HelpScoutFake.start({ clientId: 'app', clientSecret: 'secret' });
 *   hs.seedDemo(30);
 *   hs.expireTokens();                // every issued token now answers 401
 */
import { randomBytes } from 'node:crypto';
import { type FakeServer, type FakeReply, type FakeRequest, VendorFake } from './fake-server.js';

export interface HsFakeThread {
  id: number;
  type: 'customer' | 'message' | 'note' | 'lineitem' | 'chat' | 'phone';
  status: 'nochange' | 'active' | 'pending' | 'closed';
  body: string;
  createdBy: { id: number; type: 'user' | 'customer' };
  createdAt: string;
  action?: { type: string; text: string };
}

export interface HsFakeConversation {
  id: number;
  number: number;
  type: 'email' | 'chat' | 'phone';
  status: 'active' | 'pending' | 'closed' | 'spam';
  subject: string;
  mailboxId: number;
  assigneeId: number | null;
  customerId: number;
  tags: string[];
  createdAt: string;
  closedAt: string | null;
  userUpdatedAt: string;
  sourceType: string;
  threads: HsFakeThread[];
}

export interface HsFakeRating {
  conversationId: number;
  threadId: number;
  ratingId: 1 | 2 | 3;
  comments: string | null;
  createdAt: string;
  userId: number;
  customerId: number;
}

const PAGE_SIZE = 25;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class HelpScoutFake extends VendorFake {
  readonly conversations = new Map<number, HsFakeConversation>();
  readonly users = new Map<number, { id: number; firstName: string; lastName: string; email: string; role: string }>();
  readonly customers = new Map<number, { id: number; firstName: string; lastName: string; email: string }>();
  readonly mailboxes = new Map<number, { id: number; name: string; email: string }>();
  readonly ratings: HsFakeRating[] = [];
  /** Issued tokens -> expiry (epoch ms). */
  readonly tokens = new Map<string, number>();
  tokenTtlSeconds = 7200;
  tokensIssued = 0;
  meId = 1;
  /** Reports need the Plus or Pro plan; false answers 403. */
  reportsAvailable = true;
  now: () => number = () => Date.now();
  /** Per-minute budget in units (reads 1, writes 2); null = unlimited. */
  private budget: { limit: number; windowMs: number; used: number; start: number } | null = null;
  refusedByLimit = 0;
  private nextId = 900_000;

  private constructor(
    server: FakeServer,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {
    super(server);
  }

  static start(opts: { clientId?: string; clientSecret?: string } = {}): Promise<HelpScoutFake> {
    return VendorFake.launch((server) => new HelpScoutFake(server, opts.clientId ?? 'hs-app-id', opts.clientSecret ?? 'hs-app-secret'));
  }

  /** Every token issued so far stops working (as if it expired). */
  expireTokens(): void {
    for (const k of this.tokens.keys()) this.tokens.set(k, 0);
  }

  private expireAfter?: number;
  /** After `n` more authenticated API requests, every token issued so far expires (mid-run expiry). */
  expireTokensAfter(n: number): void {
    this.expireAfter = n;
  }

  /** A per-minute limit where writes count double, like Help Scout's. */
  limitRate(limit: number | null, windowMs = 60_000): void {
    this.budget = limit === null ? null : { limit, windowMs, used: 0, start: Date.now() };
  }

  // --------------------------------------------------------------------------------------------
  // seeding

  seedDemo(n = 30, base = Date.parse('2026-11-20T12:00:00Z')): this {
    this.mailboxes.set(11, { id: 11, name: 'Support', email: 'support@acme.test' });
    this.mailboxes.set(12, { id: 12, name: 'Billing', email: 'billing@acme.test' });
    this.users.set(1, { id: 1, firstName: 'Ana', lastName: 'Agent', email: 'ana@acme.test', role: 'owner' });
    this.users.set(2, { id: 2, firstName: 'Ben', lastName: 'Agent', email: 'ben@acme.test', role: 'user' });
    this.users.set(3, { id: 3, firstName: 'Cleo', lastName: 'Agent', email: 'cleo@acme.test', role: 'user' });
    for (let i = 0; i < Math.max(3, Math.ceil(n / 3)); i++) this.customers.set(700 + i, { id: 700 + i, firstName: 'Customer', lastName: String(i), email: `customer${i}@example.com` });
    const statuses = ['active', 'pending', 'closed', 'active', 'closed', 'spam'] as const;
    const types = ['email', 'chat', 'phone', 'email'] as const;
    for (let i = 0; i < n; i++) {
      const id = 5000 + i;
      const created = base - (n - i) * ((60 * DAY) / Math.max(n, 1));
      const status = statuses[i % statuses.length]!;
      const assigneeId = i % 4 === 3 ? null : (i % 3) + 1;
      const customerId = 700 + (i % this.customers.size);
      const threads: HsFakeThread[] = [{ id: this.nextId++, type: 'customer', status: 'active', body: `<p>Where is order ${2000 + i}?</p>`, createdBy: { id: customerId, type: 'customer' }, createdAt: iso(created) }];
      let last = created;
      if (assigneeId && i % 5 !== 0) {
        last = created + (1 + (i % 6)) * 3_600_000;
        threads.push({ id: this.nextId++, type: 'message', status: status === 'closed' ? 'closed' : 'pending', body: `<p>Order ${2000 + i} ships today.</p>`, createdBy: { id: assigneeId, type: 'user' }, createdAt: iso(last) });
      }
      if (i % 4 === 1) threads.push({ id: this.nextId++, type: 'note', status: 'nochange', body: '<p>called the courier</p>', createdBy: { id: 2, type: 'user' }, createdAt: iso(created + 600_000) });
      threads.push({ id: this.nextId++, type: 'lineitem', status: 'nochange', body: '', createdBy: { id: 1, type: 'user' }, createdAt: iso(created + 1000), action: { type: 'assigned', text: 'Assigned' } });
      this.conversations.set(id, {
        id,
        number: 100 + i,
        type: types[i % types.length]!,
        status,
        subject: `Order ${2000 + i} ${i % 2 ? 'late' : 'damaged'}`,
        mailboxId: i % 3 === 0 ? 12 : 11,
        assigneeId,
        customerId,
        tags: i % 2 ? ['delivery'] : ['damage'],
        createdAt: iso(created),
        closedAt: status === 'closed' ? iso(last + 60_000) : null,
        userUpdatedAt: iso(last),
        sourceType: types[i % types.length] === 'chat' ? 'beacon' : 'email',
        threads,
      });
      if (status === 'closed' && i % 2 === 0 && assigneeId) {
        this.ratings.push({ conversationId: id, threadId: threads[1]?.id ?? threads[0]!.id, ratingId: ([1, 2, 3] as const)[i % 3]!, comments: i % 3 ? null : 'quick answer', createdAt: iso(last + 3_600_000), userId: assigneeId, customerId });
      }
    }
    return this;
  }

  // --------------------------------------------------------------------------------------------
  // JSON shapes (vendor documentation)

  private userRef(id: number) {
    const u = this.users.get(id);
    return u ? { id: u.id, type: 'user', first: u.firstName, last: u.lastName, email: u.email } : { id, type: 'user' };
  }

  private customerRef(id: number) {
    const c = this.customers.get(id);
    return c ? { id: c.id, type: 'customer', first: c.firstName, last: c.lastName, email: c.email } : { id, type: 'customer' };
  }

  threadJson(t: HsFakeThread, c: HsFakeConversation): Record<string, unknown> {
    return {
      id: t.id,
      type: t.type,
      status: t.status,
      state: 'published',
      ...(t.action ? { action: t.action } : {}),
      body: t.body,
      source: { type: 'email', via: t.createdBy.type === 'customer' ? 'customer' : 'user' },
      customer: this.customerRef(c.customerId),
      createdBy: t.createdBy.type === 'user' ? this.userRef(t.createdBy.id) : this.customerRef(t.createdBy.id),
      assignedTo: c.assigneeId ? this.userRef(c.assigneeId) : undefined,
      to: [],
      cc: [],
      bcc: [],
      attachments: [],
      createdAt: t.createdAt,
      _links: {},
    };
  }

  conversationJson(c: HsFakeConversation, embedThreads: boolean): Record<string, unknown> {
    const lastCustomer = [...c.threads].filter((t) => t.type === 'customer').sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    return {
      id: c.id,
      number: c.number,
      threads: c.threads.filter((t) => t.type !== 'lineitem').length,
      type: c.type,
      folderId: 1,
      status: c.status,
      state: 'published',
      subject: c.subject,
      preview: htmlStrip(c.threads[c.threads.length - 1]?.body ?? '').slice(0, 185),
      mailboxId: c.mailboxId,
      ...(c.assigneeId ? { assignee: this.userRef(c.assigneeId) } : {}),
      createdBy: this.customerRef(c.customerId),
      createdAt: c.createdAt,
      ...(c.closedAt ? { closedAt: c.closedAt, closedBy: c.assigneeId ?? 1 } : {}),
      userUpdatedAt: c.userUpdatedAt,
      customerWaitingSince: lastCustomer ? { time: lastCustomer.createdAt, friendly: 'a while ago' } : undefined,
      source: { type: c.sourceType, via: 'customer' },
      tags: c.tags.map((t, i) => ({ id: 40 + i, color: '#929499', tag: t })),
      cc: [],
      bcc: [],
      primaryCustomer: this.customerRef(c.customerId),
      customFields: [],
      _embedded: embedThreads ? { threads: [...c.threads].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).map((t) => this.threadJson(t, c)) } : {},
      _links: { self: { href: `${this.url}/v2/conversations/${c.id}` } },
    };
  }

  private hal(req: FakeRequest, key: string, items: unknown[]): FakeReply {
    const page = Number(req.query.get('page') ?? 1);
    if (!Number.isInteger(page) || page < 1) return badRequest('page', 'must be a positive number');
    const totalPages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
    const slice = items.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    const link = (p: number) => {
      const q = new URLSearchParams(req.query);
      q.set('page', String(p));
      return { href: `${this.url}${req.path}?${q.toString()}` };
    };
    return {
      json: {
        _embedded: { [key]: slice },
        _links: { self: link(page), first: link(1), last: link(totalPages), ...(page < totalPages ? { next: link(page + 1) } : {}), page: { href: `${this.url}${req.path}{?page}`, templated: true } },
        page: { size: PAGE_SIZE, totalElements: items.length, totalPages, number: page },
      },
    };
  }

  // --------------------------------------------------------------------------------------------
  // routes

  protected install(): void {
    const srv = this.server;
    srv.auth = (req) => {
      if (req.path === '/v2/oauth2/token') return true;
      const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      const exp = m ? this.tokens.get(m[1]!) : undefined;
      const ok = exp !== undefined && exp > this.now();
      if (ok && this.expireAfter !== undefined && --this.expireAfter <= 0) {
        this.expireAfter = undefined;
        this.expireTokens();
      }
      return ok;
    };
    srv.unauthorizedBody = { error: 'invalid_token', message: 'The access token is invalid or has expired' };
    srv.notFoundBody = () => ({ message: 'Resource not found', logRef: 'fake' });

    const write = (m: string) => m !== 'GET' && m !== 'HEAD';
    const route = (method: string, path: string, h: (req: FakeRequest) => FakeReply | Promise<FakeReply>) =>
      srv.route(method, `/v2${path}`, async (req) => {
        const b = this.budget;
        const cost = write(req.method) ? 2 : 1;
        if (b) {
          const t = Date.now();
          if (t - b.start >= b.windowMs) {
            b.start = t;
            b.used = 0;
          }
          const retry = Math.max(1, Math.ceil((b.start + b.windowMs - t) / 1000));
          if (b.used + cost > b.limit) {
            this.refusedByLimit++;
            return { status: 429, headers: { 'x-ratelimit-limit-minute': String(b.limit), 'x-ratelimit-remaining-minute': '0', 'x-ratelimit-retry-after': String(retry) }, json: { message: 'Rate limit exceeded' } };
          }
          b.used += cost;
        }
        const reply = await h(req);
        const remaining = b ? b.limit - b.used : 400;
        return { ...reply, headers: { 'x-ratelimit-limit-minute': String(b?.limit ?? 400), 'x-ratelimit-remaining-minute': String(remaining), ...(reply.headers ?? {}) } };
      });

    srv.route('POST', '/v2/oauth2/token', (req) => {
      const p = (req.json ?? Object.fromEntries(req.query)) as Record<string, string>;
      if (p.grant_type !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type' } };
      if (p.client_id !== this.clientId || p.client_secret !== this.clientSecret) return { status: 401, json: { error: 'invalid_client', error_description: 'Bad client credentials' } };
      const token = randomBytes(12).toString('hex');
      this.tokens.set(token, this.now() + this.tokenTtlSeconds * 1000);
      this.tokensIssued++;
      return { json: { token_type: 'bearer', access_token: token, expires_in: this.tokenTtlSeconds } };
    });

    route('GET', '/conversations', (req) => {
      const q = req.query;
      let list = [...this.conversations.values()];
      const status = q.get('status') ?? 'active';
      if (status === 'open') list = list.filter((c) => c.status === 'active' || c.status === 'pending');
      else if (status === 'all') list = list.filter((c) => c.status !== 'spam');
      else list = list.filter((c) => c.status === status);
      const mailbox = q.get('mailbox');
      if (mailbox) list = list.filter((c) => mailbox.split(',').map(Number).includes(c.mailboxId));
      const tag = q.get('tag');
      if (tag) list = list.filter((c) => tag.split(',').some((t) => c.tags.includes(t)));
      const assigned = q.get('assigned_to');
      if (assigned) list = list.filter((c) => String(c.assigneeId) === assigned);
      const since = q.get('modifiedSince');
      if (since) list = list.filter((c) => Date.parse(c.userUpdatedAt) >= Date.parse(since));
      const query = q.get('query');
      if (query) {
        const m = /^\(createdAt:\[(\S+) TO (\S+)\]\)$/.exec(query);
        if (!m) return badRequest('query', 'unsupported query');
        const [from, to] = [m[1]!, m[2]!];
        list = list.filter((c) => (from === '*' || Date.parse(c.createdAt) >= Date.parse(from)) && (to === '*' || Date.parse(c.createdAt) <= Date.parse(to)));
      }
      const field = q.get('sortField') ?? 'createdAt';
      const order = q.get('sortOrder') === 'asc' ? 1 : -1;
      const key = (c: HsFakeConversation) => Date.parse(field === 'modifiedAt' ? c.userUpdatedAt : c.createdAt);
      list.sort((a, b) => (key(a) - key(b) || a.id - b.id) * order);
      const embed = q.get('embed') === 'threads';
      return this.hal(req, 'conversations', list.map((c) => this.conversationJson(c, embed)));
    });
    route('GET', '/conversations/:id', (req) => {
      const c = this.conversations.get(Number(req.params.id));
      return c ? { json: this.conversationJson(c, req.query.get('embed') === 'threads') } : notFound();
    });
    route('PATCH', '/conversations/:id', (req) => {
      const c = this.conversations.get(Number(req.params.id));
      if (!c) return notFound();
      const op = (req.json ?? {}) as { op?: string; path?: string; value?: unknown };
      const now = iso(this.now());
      if (op.path === '/status' && op.op === 'replace') {
        if (!['active', 'pending', 'closed', 'spam'].includes(String(op.value))) return badRequest('value', 'invalid status');
        c.status = op.value as HsFakeConversation['status'];
        c.closedAt = c.status === 'closed' ? now : null;
      } else if (op.path === '/assignTo' && op.op === 'replace') {
        if (!this.users.has(Number(op.value))) return badRequest('value', 'unknown user');
        c.assigneeId = Number(op.value);
      } else if (op.path === '/assignTo' && op.op === 'remove') {
        c.assigneeId = null;
      } else if (op.path === '/mailboxId' && op.op === 'move') {
        if (!this.mailboxes.has(Number(op.value))) return badRequest('value', 'unknown mailbox');
        c.mailboxId = Number(op.value);
      } else return badRequest('path', `unsupported operation ${op.op} ${op.path}`);
      c.userUpdatedAt = now;
      return { status: 204 };
    });
    route('PUT', '/conversations/:id/tags', (req) => {
      const c = this.conversations.get(Number(req.params.id));
      if (!c) return notFound();
      const tags = (req.json as { tags?: unknown })?.tags;
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return badRequest('tags', 'must be a list of strings');
      c.tags = [...new Set(tags as string[])];
      return { status: 204 };
    });
    route('GET', '/conversations/:id/threads', (req) => {
      const c = this.conversations.get(Number(req.params.id));
      if (!c) return notFound();
      return this.hal(req, 'threads', [...c.threads].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).map((t) => this.threadJson(t, c)));
    });
    const addThread = (req: FakeRequest, kind: 'reply' | 'note'): FakeReply => {
      const c = this.conversations.get(Number(req.params.id));
      if (!c) return notFound();
      const b = (req.json ?? {}) as { text?: unknown; customer?: { id?: unknown }; user?: unknown };
      if (typeof b.text !== 'string' || !b.text) return badRequest('text', 'may not be empty');
      if (kind === 'reply' && (typeof b.customer?.id !== 'number' || !this.customers.has(b.customer.id))) return badRequest('customer', 'a customer is required');
      const userId = b.user === undefined ? this.meId : Number(b.user);
      if (!this.users.has(userId)) return badRequest('user', 'unknown user');
      const t: HsFakeThread = { id: this.nextId++, type: kind === 'reply' ? 'message' : 'note', status: 'nochange', body: b.text, createdBy: { id: userId, type: 'user' }, createdAt: iso(this.now()) };
      c.threads.push(t);
      c.userUpdatedAt = t.createdAt;
      return { status: 201, headers: { 'resource-id': String(t.id), location: `${this.url}/v2/conversations/${c.id}/threads/${t.id}` } };
    };
    route('POST', '/conversations/:id/reply', (req) => addThread(req, 'reply'));
    route('POST', '/conversations/:id/notes', (req) => addThread(req, 'note'));
    route('GET', '/users', (req) => this.hal(req, 'users', [...this.users.values()].map((u) => ({ ...u, timezone: 'UTC', type: 'user', mention: u.firstName.toLowerCase() }))));
    route('GET', '/users/me', () => {
      const u = this.users.get(this.meId);
      return u ? { json: { ...u, timezone: 'UTC', type: 'user' } } : notFound();
    });
    route('GET', '/mailboxes', (req) => this.hal(req, 'mailboxes', [...this.mailboxes.values()].map((m) => ({ ...m, slug: m.name.toLowerCase(), createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' }))));
    route('GET', '/reports/happiness/ratings', (req) => {
      if (!this.reportsAvailable) return { status: 403, json: { message: 'Reports are not available on your plan' } };
      const start = req.query.get('start');
      const end = req.query.get('end');
      if (!start || !end) return badRequest('start', 'start and end are required');
      const rating = req.query.get('rating') ?? 'all';
      const wanted = { all: [1, 2, 3], great: [1], ok: [2], 'not-good': [3] }[rating];
      if (!wanted) return badRequest('rating', 'invalid rating');
      const list = this.ratings.filter((r) => wanted.includes(r.ratingId) && Date.parse(r.createdAt) >= Date.parse(start) && Date.parse(r.createdAt) <= Date.parse(end));
      const page = Number(req.query.get('page') ?? 1);
      const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
      return {
        json: {
          facets: {},
          results: list.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((r) => {
            const c = this.conversations.get(r.conversationId)!;
            const u = this.users.get(r.userId)!;
            const cust = this.customers.get(r.customerId)!;
            return { number: c.number, threadid: r.threadId, threadCreatedAt: r.createdAt, id: c.id, type: c.type, ratingId: r.ratingId, ratingCustomerId: r.customerId, ratingComments: r.comments ?? '', ratingCreatedAt: r.createdAt, ratingCustomerName: `${cust.firstName} ${cust.lastName}`, ratingUserId: r.userId, ratingUserName: `${u.firstName} ${u.lastName}` };
          }),
          page,
          pages,
          count: list.length,
        },
      };
    });
  }
}

const htmlStrip = (s: string) => s.replace(/<[^>]+>/g, '');
const notFound = (): FakeReply => ({ status: 404, json: { message: 'Resource not found', logRef: 'fake' } });
const badRequest = (path: string, message: string): FakeReply => ({
  status: 400,
  json: { message: 'Bad request', logRef: 'fake', _embedded: { errors: [{ path, message, source: 'JSON' }] } },
});
