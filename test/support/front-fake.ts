/**
 * A fake Front Core API (api2.frontapp.com) on top of FakeServer: in-memory conversations, messages,
 * comments, teammates, inboxes (with channels), teams and tags. Response bodies follow
 * ../shared/api-specs/front/core-api.json (every required field present) so contract tests can validate them.
 *
 *   const front = await FrontFake.start({ token: 'tok' });
 *   front.seed(...)                 // or front.seedDemo(n)
 *   front.server.inject({ type: '429', retryAfter: 1 })
 */
import { type FakeServer, type FakeRequest, type FakeReply, VendorFake } from './fake-server.js';

export interface FakeTeammate {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  is_admin?: boolean;
}
export interface FakeInbox {
  id: string;
  name: string;
  channelType: string;
}
export interface FakeMessage {
  id: string;
  is_inbound: boolean;
  created_at: number;
  body: string;
  authorId?: string | null;
  from?: { name: string | null; handle: string };
  draft?: boolean;
}
export interface FakeNote {
  id: string;
  authorId: string;
  body: string;
  posted_at: number;
}
export interface FakeConversation {
  id: string;
  subject: string;
  status: 'archived' | 'unassigned' | 'deleted' | 'assigned';
  assigneeId: string | null;
  inboxId: string;
  recipient: { name: string | null; handle: string };
  tagIds: string[];
  created_at: number;
  updated_at: number;
  reminders: { scheduled_at: number; teammate_id: string }[];
  custom_fields: Record<string, unknown>;
  messages: FakeMessage[];
  comments: FakeNote[];
}

const base = (url: string) => url;
const s = (iso: string) => Date.parse(iso) / 1000;

export class FrontFake extends VendorFake {
  teammates: FakeTeammate[] = [];
  inboxes: FakeInbox[] = [];
  teams: { id: string; name: string; inboxIds: string[] }[] = [];
  tags: { id: string; name: string }[] = [];
  conversations = new Map<string, FakeConversation>();
  /** Unix seconds used for writes (updated_at, created_at of new messages). */
  now = s('2026-11-25T09:00:00Z');
  private seq = 1000;
  rateLimitRemaining = 50;
  /** Every reply the routes produced (before faults), for validation against the API description. */
  readonly replies: { method: string; path: string; status: number; json: unknown }[] = [];

  private constructor(
    server: FakeServer,
    readonly token: string,
  ) {
    super(server);
  }

  static start(opts: { token?: string } = {}): Promise<FrontFake> {
    return VendorFake.launch((server) => new FrontFake(server, opts.token ?? 'front-test-token'));
  }

  nextId(prefix: string): string {
    return `${prefix}_${(this.seq++).toString(36)}`;
  }

  /** A small, fixed company: 3 teammates, 2 inboxes (email, chat), 1 team, tags, `n` conversations. */
  seedDemo(n = 12): this {
    this.teammates = [
      { id: 'tea_ana', email: 'ana@acme.test', first_name: 'Ana', last_name: 'Silva', is_admin: true },
      { id: 'tea_ben', email: 'ben@acme.test', first_name: 'Ben', last_name: 'Okafor' },
      { id: 'tea_cho', email: 'cho@acme.test', first_name: 'Cho', last_name: 'Min' },
    ];
    this.inboxes = [
      { id: 'inb_sup', name: 'Support', channelType: 'gmail' },
      { id: 'inb_chat', name: 'Chat', channelType: 'front_chat' },
    ];
    this.teams = [{ id: 'tim_core', name: 'Core', inboxIds: ['inb_sup', 'inb_chat'] }];
    this.tags = [
      { id: 'tag_billing', name: 'billing' },
      { id: 'tag_bug', name: 'bug' },
      { id: 'tag_vip', name: 'vip' },
    ];
    const statuses: FakeConversation['status'][] = ['unassigned', 'assigned', 'archived', 'assigned', 'deleted', 'unassigned'];
    for (let i = 1; i <= n; i++) {
      const created = s('2026-11-01T08:00:00Z') + i * 3600 * 7;
      const status = statuses[i % statuses.length]!;
      const assigneeId = status === 'unassigned' ? null : this.teammates[i % 3]!.id;
      const id = `cnv_${i.toString(36).padStart(3, '0')}`;
      const customer = { name: `Customer ${i}`, handle: `customer${i}@example.com` };
      const messages: FakeMessage[] = [
        { id: `msg_${id}_1`, is_inbound: true, created_at: created, body: `<p>Help with order ${i}</p>`, from: customer },
      ];
      if (status !== 'unassigned') {
        messages.push({ id: `msg_${id}_2`, is_inbound: false, created_at: created + 1800 + i * 60, body: `<p>On it, order ${i}</p>`, authorId: assigneeId ?? 'tea_ana' });
      }
      this.conversations.set(id, {
        id,
        subject: `Order ${i} problem`,
        status,
        assigneeId,
        inboxId: this.inboxes[i % 2]!.id,
        recipient: customer,
        tagIds: i % 3 === 0 ? ['tag_billing'] : i % 4 === 0 ? ['tag_bug', 'tag_vip'] : [],
        created_at: created,
        updated_at: created + 7200,
        reminders: status === 'archived' && i % 4 === 2 ? [{ scheduled_at: this.now + 86400, teammate_id: 'tea_ana' }] : [],
        custom_fields: {},
        messages,
        comments: i % 5 === 0 ? [{ id: `com_${id}`, authorId: 'tea_ben', body: 'checked the logs', posted_at: created + 600 }] : [],
      });
    }
    return this;
  }

  // ---- JSON in Front's shapes ----------------------------------------------------------------

  teammateJson(id: string) {
    const t = this.teammates.find((x) => x.id === id);
    if (!t) return null;
    return {
      _links: { self: `${base(this.url)}/teammates/${t.id}`, related: { inboxes: `${this.url}/teammates/${t.id}/inboxes`, conversations: `${this.url}/teammates/${t.id}/conversations` } },
      id: t.id,
      email: t.email,
      username: t.email.split('@')[0]!,
      first_name: t.first_name,
      last_name: t.last_name,
      license_type: 'full_seat',
      is_admin: t.is_admin ?? false,
      is_available: true,
      is_blocked: false,
      type: 'user',
      custom_fields: {},
    };
  }

  tagJson(id: string) {
    const t = this.tags.find((x) => x.id === id)!;
    return {
      _links: { self: `${this.url}/tags/${t.id}`, related: { conversations: `${this.url}/tags/${t.id}/conversations`, owner: null, parent_tag: null, children: null } },
      id: t.id,
      name: t.name,
      description: null,
      highlight: null,
      is_private: false,
      is_visible_in_conversation_lists: true,
      created_at: this.now - 86400,
      updated_at: this.now - 86400,
    };
  }

  inboxJson(i: FakeInbox) {
    return {
      _links: { self: `${this.url}/inboxes/${i.id}`, related: { teammates: `${this.url}/inboxes/${i.id}/teammates`, conversations: `${this.url}/inboxes/${i.id}/conversations`, channels: `${this.url}/inboxes/${i.id}/channels` } },
      id: i.id,
      name: i.name,
      is_private: false,
      is_public: true,
      custom_fields: {},
    };
  }

  conversationJson(c: FakeConversation) {
    return {
      _links: {
        self: `${this.url}/conversations/${c.id}`,
        related: {
          events: `${this.url}/conversations/${c.id}/events`,
          followers: `${this.url}/conversations/${c.id}/followers`,
          messages: `${this.url}/conversations/${c.id}/messages`,
          comments: `${this.url}/conversations/${c.id}/comments`,
          inboxes: `${this.url}/conversations/${c.id}/inboxes`,
        },
      },
      id: c.id,
      type: 'conversation',
      subject: c.subject,
      status: c.status,
      ticket_ids: [],
      assignee: c.assigneeId ? this.teammateJson(c.assigneeId) : null,
      recipient: { _links: { related: { contact: null } }, name: c.recipient.name, handle: c.recipient.handle, role: 'from' },
      tags: c.tagIds.map((t) => this.tagJson(t)),
      links: [],
      custom_fields: c.custom_fields,
      created_at: c.created_at,
      updated_at: c.updated_at,
      is_private: false,
      scheduled_reminders: c.reminders.map((r) => ({ _links: { related: { owner: `${this.url}/teammates/${r.teammate_id}` } }, created_at: this.now, scheduled_at: r.scheduled_at, updated_at: this.now })),
      metadata: {},
    };
  }

  messageJson(c: FakeConversation, m: FakeMessage) {
    const author = m.authorId ? this.teammateJson(m.authorId) : undefined;
    const from = m.is_inbound ? (m.from ?? c.recipient) : { name: author ? `${author.first_name} ${author.last_name}` : null, handle: 'support@acme.test' };
    return {
      _links: { self: `${this.url}/messages/${m.id}`, related: { conversation: `${this.url}/conversations/${c.id}` } },
      id: m.id,
      type: 'email',
      is_inbound: m.is_inbound,
      ...(m.draft ? { draft_mode: 'shared' } : {}),
      created_at: m.created_at,
      blurb: m.body.replace(/<[^>]+>/g, '').slice(0, 50),
      ...(author ? { author } : {}),
      recipients: [
        { _links: { related: { contact: null } }, name: from.name, handle: from.handle, role: 'from' },
        { _links: { related: { contact: null } }, name: null, handle: m.is_inbound ? 'support@acme.test' : c.recipient.handle, role: 'to' },
      ],
      body: m.body,
      attachments: [],
      metadata: {},
    };
  }

  commentJson(c: FakeConversation, n: FakeNote) {
    return {
      _links: { self: `${this.url}/comments/${n.id}`, related: { conversation: `${this.url}/conversations/${c.id}`, mentions: `${this.url}/comments/${n.id}/mentions` } },
      id: n.id,
      author: this.teammateJson(n.authorId)!,
      body: n.body,
      posted_at: n.posted_at,
      attachments: [],
      is_pinned: false,
    };
  }

  private page<T>(req: FakeRequest, all: T[], path: string) {
    const limit = Math.min(Number(req.query.get('limit') ?? 50) || 50, 100);
    const start = Number(req.query.get('page_token') ?? 0) || 0;
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    const q = new URLSearchParams(req.query);
    q.set('page_token', String(start + limit));
    return {
      _pagination: { next: more ? `${this.url}${path}?${q.toString()}` : null },
      _links: { self: `${this.url}${path}` },
      _results: items,
    };
  }

  private conv(req: FakeRequest): FakeConversation | FakeReply {
    const c = this.conversations.get(req.params.id!);
    if (!c) return { status: 404, json: { _error: { status: 404, title: 'Not found', message: `Unknown conversation ${req.params.id}` } } };
    return c;
  }

  private filterStatuses(req: FakeRequest, list: FakeConversation[]): FakeConversation[] {
    const statuses = req.query.getAll('q[statuses][]');
    if (!statuses.length) return list;
    return list.filter((c) => statuses.includes(c.status === 'deleted' ? 'trashed' : c.status));
  }

  private sorted(): FakeConversation[] {
    return [...this.conversations.values()].sort((a, b) => b.updated_at - a.updated_at || a.id.localeCompare(b.id));
  }

  protected install(): void {
    const fake = this;
    const srv = {
      route(method: string, pattern: string, handler: (req: FakeRequest) => FakeReply | Promise<FakeReply>) {
        fake.server.route(method, pattern, async (req) => {
          const reply = await handler(req);
          fake.replies.push({ method, path: req.path, status: reply.status ?? 200, json: reply.json });
          return reply;
        });
      },
    };
    this.server.auth = (req) => req.headers.authorization === `Bearer ${this.token}`;
    this.server.unauthorizedBody = { _error: { status: 401, title: 'Unauthenticated', message: 'Invalid token' } };
    this.server.notFoundBody = () => ({ _error: { status: 404, title: 'Not found', message: 'Unknown endpoint' } });
    const ok = (json: unknown, status = 200): FakeReply => ({
      status,
      json,
      headers: { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': String(this.rateLimitRemaining), 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 60) },
    });
    const none = (): FakeReply => ({ status: 204, headers: { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': String(this.rateLimitRemaining) } });
    const touch = (c: FakeConversation) => (c.updated_at = Math.max(c.updated_at + 1, this.now));

    srv.route('GET', '/me', () => ok({ _links: { self: `${this.url}/me` }, id: 'cmp_acme', name: 'Acme Inc.' }));
    srv.route('GET', '/teammates', (req) => ok(this.page(req, this.teammates.map((t) => this.teammateJson(t.id)), '/teammates')));
    srv.route('GET', '/inboxes', (req) => ok(this.page(req, this.inboxes.map((i) => this.inboxJson(i)), '/inboxes')));
    srv.route('GET', '/teams', (req) =>
      ok(this.page(req, this.teams.map((t) => ({ _links: { self: `${this.url}/teams/${t.id}` }, id: t.id, name: t.name })), '/teams')),
    );
    srv.route('GET', '/tags', (req) => ok(this.page(req, this.tags.map((t) => this.tagJson(t.id)), '/tags')));
    srv.route('POST', '/tags', (req) => {
      const name = String((req.json as { name?: string })?.name ?? '');
      const tag = { id: this.nextId('tag'), name };
      this.tags.push(tag);
      return ok(this.tagJson(tag.id), 201);
    });
    srv.route('GET', '/inboxes/:id/channels', (req) => {
      const inbox = this.inboxes.find((i) => i.id === req.params.id);
      if (!inbox) return { status: 404, json: { _error: { status: 404, title: 'Not found', message: 'Unknown inbox' } } };
      return ok({
        _links: { self: `${this.url}/inboxes/${inbox.id}/channels` },
        _results: [
          {
            _links: { self: `${this.url}/channels/cha_${inbox.id}`, related: { inbox: `${this.url}/inboxes/${inbox.id}`, owner: `${this.url}/inboxes/${inbox.id}` } },
            id: `cha_${inbox.id}`,
            name: inbox.name,
            address: `${inbox.id}@acme.test`,
            type: inbox.channelType,
            send_as: `${inbox.id}@acme.test`,
            settings: { undo_send_time: 15, all_teammates_can_reply: false },
            is_private: false,
            is_valid: true,
          },
        ],
      });
    });
    srv.route('GET', '/inboxes/:id/conversations', (req) => {
      const list = this.filterStatuses(req, this.sorted().filter((c) => c.inboxId === req.params.id));
      return ok(this.page(req, list.map((c) => this.conversationJson(c)), `/inboxes/${req.params.id}/conversations`));
    });
    srv.route('GET', '/conversations', (req) => {
      const list = this.filterStatuses(req, this.sorted());
      return ok(this.page(req, list.map((c) => this.conversationJson(c)), '/conversations'));
    });
    // Front's search syntax, the parts deskctl uses: inbox:<id> and is:<state>
    srv.route('GET', '/conversations/search/:query', (req) => {
      let list = this.sorted();
      for (const term of req.params.query!.split(/\s+/).filter(Boolean)) {
        const [key, value] = term.split(':') as [string, string];
        if (key === 'inbox') list = list.filter((c) => c.inboxId === value);
        else if (key === 'is' && value === 'snoozed') list = list.filter((c) => c.status === 'archived' && c.reminders.some((r) => r.scheduled_at > this.now));
        else if (key === 'is' && value === 'open') list = list.filter((c) => c.status === 'assigned' || c.status === 'unassigned');
        else if (key === 'is') list = list.filter((c) => c.status === (value === 'trashed' ? 'deleted' : value));
        else return { status: 400, json: { _error: { status: 400, title: 'Bad request', message: `unsupported search term ${term}` } } };
      }
      const page = this.page(req, list.map((c) => this.conversationJson(c)), `/conversations/search/${encodeURIComponent(req.params.query!)}`);
      return ok({ ...page, _total: list.length });
    });
    srv.route('GET', '/conversations/:id', (req) => {
      const c = this.conv(req);
      return 'id' in c ? ok(this.conversationJson(c)) : c;
    });
    srv.route('GET', '/conversations/:id/inboxes', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      return ok({ _links: { self: `${this.url}/conversations/${c.id}/inboxes` }, _results: this.inboxes.filter((i) => i.id === c.inboxId).map((i) => this.inboxJson(i)) });
    });
    srv.route('PATCH', '/conversations/:id', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const body = (req.json ?? {}) as { status?: string; inbox_id?: string; assignee_id?: string | null; custom_fields?: Record<string, unknown> };
      if (body.status === 'open') {
        c.status = c.assigneeId ? 'assigned' : 'unassigned';
        c.reminders = [];
      } else if (body.status === 'archived') c.status = 'archived';
      else if (body.status === 'deleted') c.status = 'deleted';
      if (body.inbox_id) {
        if (!this.inboxes.some((i) => i.id === body.inbox_id)) return { status: 400, json: { _error: { status: 400, title: 'Bad request', message: 'unknown inbox' } } };
        c.inboxId = body.inbox_id;
      }
      if (body.custom_fields) c.custom_fields = { ...c.custom_fields, ...body.custom_fields };
      touch(c);
      return none();
    });
    srv.route('PUT', '/conversations/:id/assignee', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const id = (req.json as { assignee_id?: string | null })?.assignee_id ?? null;
      if (id && !this.teammates.some((t) => t.id === id)) return { status: 400, json: { _error: { status: 400, title: 'Bad request', message: 'unknown teammate' } } };
      c.assigneeId = id;
      if (c.status === 'assigned' || c.status === 'unassigned') c.status = id ? 'assigned' : 'unassigned';
      touch(c);
      return none();
    });
    srv.route('PATCH', '/conversations/:id/reminders', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const body = req.json as { teammate_id: string; scheduled_at: number };
      c.reminders = [{ teammate_id: body.teammate_id, scheduled_at: body.scheduled_at }];
      c.status = 'archived';
      touch(c);
      return none();
    });
    srv.route('POST', '/conversations/:id/tags', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      for (const t of (req.json as { tag_ids: string[] }).tag_ids) if (!c.tagIds.includes(t)) c.tagIds.push(t);
      touch(c);
      return none();
    });
    srv.route('DELETE', '/conversations/:id/tags', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const drop = (req.json as { tag_ids: string[] }).tag_ids;
      c.tagIds = c.tagIds.filter((t) => !drop.includes(t));
      touch(c);
      return none();
    });
    srv.route('GET', '/conversations/:id/messages', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const list = [...c.messages].sort((a, b) => b.created_at - a.created_at);
      return ok(this.page(req, list.map((m) => this.messageJson(c, m)), `/conversations/${c.id}/messages`));
    });
    srv.route('POST', '/conversations/:id/messages', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const body = req.json as { body: string; author_id?: string };
      const uid = this.nextId('uid');
      c.messages.push({ id: `msg_${uid}`, is_inbound: false, created_at: this.now, body: body.body, authorId: body.author_id ?? null });
      touch(c);
      return ok({ status: 'accepted', message_uid: uid }, 202);
    });
    srv.route('GET', '/conversations/:id/comments', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      return ok(this.page(req, c.comments.map((n) => this.commentJson(c, n)), `/conversations/${c.id}/comments`));
    });
    srv.route('POST', '/conversations/:id/comments', (req) => {
      const c = this.conv(req);
      if (!('id' in c)) return c;
      const body = req.json as { body: string; author_id?: string };
      const note: FakeNote = { id: this.nextId('com'), authorId: body.author_id ?? this.teammates[0]!.id, body: body.body, posted_at: this.now };
      c.comments.push(note);
      touch(c);
      return ok(this.commentJson(c, note), 201);
    });
  }

  /** Messages sent by deskctl (outbound, not seeded) on a conversation. */
  sentMessages(id: string): FakeMessage[] {
    return (this.conversations.get(id)?.messages ?? []).filter((m) => m.id.startsWith('msg_uid_'));
  }
}
