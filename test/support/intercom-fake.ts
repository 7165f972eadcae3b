/**
 * A fake Intercom REST API 2.14 on top of FakeServer: in-memory conversations with parts, admins, teams,
 * tags; list (starting_after cursor) and search (the filter language with its limits: at most 15 filters
 * per AND/OR group, 2 levels of nesting, per_page <= 150). Bodies follow
 * ../shared/api-specs/intercom/api.intercom.io.v2.14.yaml so contract tests can validate them.
 */
import { type FakeServer, type FakeReply, type FakeRequest, VendorFake } from './fake-server.js';

export interface IcFakePart {
  id: string;
  part_type: string;
  body: string | null;
  created_at: number;
  author: { type: string; id: string; name?: string | null; email?: string };
}
export interface IcFakeConversation {
  id: string;
  title: string | null;
  created_at: number;
  updated_at: number;
  state: 'open' | 'closed' | 'snoozed';
  snoozed_until: number | null;
  priority: 'priority' | 'not_priority';
  admin_assignee_id: number | null;
  team_assignee_id: number | null;
  tagIds: string[];
  sourceType: string;
  subject: string;
  body: string;
  contact: { id: string; name: string; email: string };
  rating: { rating: number; remark: string; created_at: number; adminId: string } | null;
  first_admin_reply_at: number | null;
  last_close_at: number | null;
  count_reopens: number;
  custom_attributes: Record<string, string | number>;
  parts: IcFakePart[];
}

type Filter = { field?: string; operator?: string; value?: unknown };

export type IcFakeTicketCategory = 'submitted' | 'in_progress' | 'waiting_on_customer' | 'resolved';
export interface IcFakeTicket {
  id: string;
  title: string;
  description: string;
  state: IcFakeTicketCategory;
  admin_assignee_id: string;
  team_assignee_id: string;
  contactId: string;
  created_at: number;
  updated_at: number;
  tagIds: string[];
  parts: IcFakePart[];
}

const TICKET_STATES: { id: string; category: IcFakeTicketCategory; label: string }[] = [
  { id: '8001', category: 'submitted', label: 'Submitted' },
  { id: '8002', category: 'in_progress', label: 'In progress' },
  { id: '8003', category: 'waiting_on_customer', label: 'Waiting on customer' },
  { id: '8004', category: 'resolved', label: 'Resolved' },
];

const s = (iso: string) => Date.parse(iso) / 1000;

export class IntercomFake extends VendorFake {
  admins: { id: string; name: string; email: string; team_ids: number[] }[] = [];
  teams: { id: string; name: string }[] = [];
  tags: { id: string; name: string }[] = [];
  conversations = new Map<string, IcFakeConversation>();
  /** Intercom Tickets: /ticket_types lists a customer ticket type only when there are some (seedTickets). */
  tickets = new Map<string, IcFakeTicket>();
  now = s('2026-11-25T09:00:00Z');
  /** The admin the token belongs to (GET /me). */
  meId = '991';
  readonly replies: { method: string; path: string; status: number; json: unknown }[] = [];
  /** Ids of the parts written through the API (not seeded). */
  readonly added = new Set<string>();
  private seq = 5000;

  private constructor(
    server: FakeServer,
    readonly token: string,
  ) {
    super(server);
  }

  static start(opts: { token?: string } = {}): Promise<IntercomFake> {
    return VendorFake.launch((server) => new IntercomFake(server, opts.token ?? 'intercom-test-token'));
  }

  seedDemo(n = 12): this {
    this.admins = [
      { id: '991', name: 'Ana Silva', email: 'ana@acme.test', team_ids: [55] },
      { id: '992', name: 'Ben Okafor', email: 'ben@acme.test', team_ids: [55] },
      { id: '993', name: 'Cho Min', email: 'cho@acme.test', team_ids: [56] },
    ];
    this.teams = [
      { id: '55', name: 'Billing' },
      { id: '56', name: 'Tech' },
    ];
    this.tags = [
      { id: '7', name: 'vip' },
      { id: '8', name: 'bug' },
    ];
    const states: IcFakeConversation['state'][] = ['open', 'closed', 'snoozed', 'open', 'closed'];
    const sources = ['conversation', 'email', 'whatsapp', 'phone_call'];
    for (let i = 1; i <= n; i++) {
      const created = s('2026-11-01T08:00:00Z') + i * 3600 * 5;
      const state = states[i % states.length]!;
      const admin = i % 4 === 0 ? null : Number(this.admins[i % 3]!.id);
      const replied = admin !== null;
      const id = String(1000 + i);
      const contact = { id: `c${i}`, name: `Customer ${i}`, email: `customer${i}@example.com` };
      const parts: IcFakePart[] = [];
      if (replied) {
        parts.push({ id: `${id}01`, part_type: 'comment', body: `<p>Looking at order ${i}</p>`, created_at: created + 600 + i * 30, author: { type: 'admin', id: String(admin), name: this.admins.find((a) => Number(a.id) === admin)!.name } });
      }
      if (i % 5 === 0) parts.push({ id: `${id}02`, part_type: 'note', body: '<p>checked logs</p>', created_at: created + 300, author: { type: 'admin', id: '992', name: 'Ben Okafor' } });
      if (state === 'closed') parts.push({ id: `${id}03`, part_type: 'close', body: null, created_at: created + 7200, author: { type: 'admin', id: String(admin ?? 991) } });
      this.conversations.set(id, {
        id,
        title: i % 3 === 0 ? null : `Order ${i} problem`,
        created_at: created,
        updated_at: created + 7200,
        state,
        snoozed_until: state === 'snoozed' ? this.now + 86400 : null,
        priority: i % 6 === 0 ? 'priority' : 'not_priority',
        admin_assignee_id: admin,
        team_assignee_id: i % 2 === 0 ? 55 : 56,
        tagIds: i % 3 === 0 ? ['7'] : i % 4 === 0 ? ['8'] : [],
        sourceType: sources[i % sources.length]!,
        subject: i % 3 === 0 ? '' : `Order ${i} problem`,
        body: `<p>Help with order ${i}</p>`,
        contact,
        rating: state === 'closed' && replied ? { rating: (i % 5) + 1, remark: i % 2 ? 'thanks' : '', created_at: created + 9000, adminId: String(admin) } : null,
        first_admin_reply_at: replied ? created + 600 + i * 30 : null,
        last_close_at: state === 'closed' ? created + 7200 : null,
        count_reopens: i % 7 === 0 ? 1 : 0,
        custom_attributes: {},
        parts,
      });
    }
    return this;
  }

  /** `n` customer tickets (ids 7001...), in every state. */
  seedTickets(n = 8): this {
    const states: IcFakeTicketCategory[] = ['submitted', 'in_progress', 'waiting_on_customer', 'resolved'];
    for (let i = 1; i <= n; i++) {
      const created = s('2026-11-10T08:00:00Z') + i * 3600;
      const id = String(7000 + i);
      const replied = i % 2 === 0;
      this.tickets.set(id, {
        id,
        title: `Ticket ${i}: cannot log in`,
        description: `<p>Login fails for user ${i}</p>`,
        state: states[i % states.length]!,
        admin_assignee_id: replied ? '992' : '0',
        team_assignee_id: i % 3 === 0 ? '56' : '0',
        contactId: `c${i}`,
        created_at: created,
        updated_at: created + 1800,
        tagIds: [],
        parts: replied ? [{ id: `${id}01`, part_type: 'comment', body: `<p>Reset link sent (${i})</p>`, created_at: created + 900, author: { type: 'admin', id: '992', name: 'Ben Okafor' } }] : [],
      });
    }
    return this;
  }

  ticketJson(t: IcFakeTicket) {
    const state = TICKET_STATES.find((x) => x.category === t.state)!;
    return {
      type: 'ticket',
      id: t.id,
      ticket_id: String(Number(t.id) - 7000),
      category: 'Customer',
      ticket_attributes: { _default_title_: t.title, _default_description_: t.description },
      ticket_state: { type: 'ticket_state', id: state.id, category: state.category, internal_label: state.label, external_label: state.label },
      ticket_type: { type: 'ticket_type', id: '990', category: 'Customer', name: 'Bug report', description: 'A bug', icon: 'bug', workspace_id: 'acmeapp', archived: false, created_at: 1600000000, updated_at: 1600000000 },
      contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: t.contactId, external_id: null }] },
      admin_assignee_id: t.admin_assignee_id,
      team_assignee_id: t.team_assignee_id,
      created_at: t.created_at,
      updated_at: t.updated_at,
      open: t.state !== 'resolved',
      ticket_parts: {
        type: 'ticket_part.list',
        ticket_parts: t.parts.map((p) => this.ticketPartJson(p)),
        total_count: t.parts.length,
      },
      is_shared: true,
    };
  }

  ticketPartJson(p: IcFakePart) {
    const admin = this.admins.find((a) => a.id === p.author.id);
    return {
      type: 'ticket_part',
      id: p.id,
      part_type: p.part_type,
      body: p.body,
      created_at: p.created_at,
      updated_at: p.created_at,
      author: { type: p.author.type, id: p.author.id, name: p.author.name ?? admin?.name ?? null, email: p.author.email ?? admin?.email ?? 'someone@example.com' },
      attachments: [],
      redacted: false,
    };
  }

  nextId(): string {
    return String(this.seq++);
  }

  // ---- JSON -----------------------------------------------------------------------------------

  tagJson(id: string) {
    const t = this.tags.find((x) => x.id === id)!;
    return { type: 'tag', id: t.id, name: t.name, applied_at: this.now - 3600, applied_by: { type: 'admin', id: '991' } };
  }

  conversationJson(c: IcFakeConversation, withParts: boolean) {
    const json: Record<string, unknown> = {
      type: 'conversation',
      id: c.id,
      title: c.title,
      created_at: c.created_at,
      updated_at: c.updated_at,
      waiting_since: c.state === 'open' ? c.updated_at : null,
      snoozed_until: c.snoozed_until,
      open: c.state !== 'closed',
      state: c.state,
      read: true,
      priority: c.priority,
      admin_assignee_id: c.admin_assignee_id,
      team_assignee_id: c.team_assignee_id,
      tags: { type: 'tag.list', tags: c.tagIds.map((t) => this.tagJson(t)) },
      source: {
        type: c.sourceType,
        id: `src${c.id}`,
        delivered_as: 'customer_initiated',
        subject: c.subject,
        body: c.body,
        author: { type: 'user', id: c.contact.id, name: c.contact.name, email: c.contact.email },
        attachments: [],
        url: null,
        redacted: false,
      },
      contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: c.contact.id, external_id: null }] },
      teammates: { type: 'admin.list', teammates: c.admin_assignee_id ? [{ type: 'admin', id: String(c.admin_assignee_id) }] : [] },
      custom_attributes: c.custom_attributes,
      first_contact_reply: { created_at: c.created_at, type: 'conversation', url: null },
      statistics: {
        type: 'conversation_statistics',
        ...(c.first_admin_reply_at ? { first_admin_reply_at: c.first_admin_reply_at, time_to_admin_reply: c.first_admin_reply_at - c.created_at } : {}),
        ...(c.last_close_at ? { last_close_at: c.last_close_at, first_close_at: c.last_close_at, time_to_last_close: c.last_close_at - c.created_at } : {}),
        last_contact_reply_at: c.created_at,
        count_reopens: c.count_reopens,
        count_assignments: 1,
        count_conversation_parts: c.parts.length,
      },
      ai_agent_participated: false,
    };
    if (c.rating) {
      json.conversation_rating = {
        rating: c.rating.rating,
        remark: c.rating.remark,
        created_at: c.rating.created_at,
        contact: { type: 'contact', id: c.contact.id, external_id: null },
        teammate: { type: 'admin', id: c.rating.adminId },
      };
    }
    if (withParts) {
      json.conversation_parts = {
        type: 'conversation_part.list',
        conversation_parts: c.parts.map((p) => ({
          type: 'conversation_part',
          id: p.id,
          part_type: p.part_type,
          body: p.body,
          created_at: p.created_at,
          updated_at: p.created_at,
          notified_at: p.created_at,
          author: { type: p.author.type, id: p.author.id, name: p.author.name ?? this.admins.find((a) => a.id === p.author.id)?.name ?? null, email: p.author.email ?? this.admins.find((a) => a.id === p.author.id)?.email ?? '' },
          attachments: [],
          redacted: false,
        })),
        total_count: c.parts.length,
      };
    }
    return json;
  }

  // ---- search ---------------------------------------------------------------------------------

  private fieldValue(c: IcFakeConversation, field: string): unknown {
    switch (field) {
      case 'id':
        return c.id;
      case 'state':
        return c.state;
      case 'open':
        return c.state !== 'closed';
      case 'priority':
        return c.priority;
      case 'source.type':
        return c.sourceType;
      case 'admin_assignee_id':
        return c.admin_assignee_id ?? 0;
      case 'team_assignee_id':
        return c.team_assignee_id ?? 0;
      case 'tag_ids':
        return c.tagIds;
      case 'created_at':
        return c.created_at;
      case 'updated_at':
        return c.updated_at;
      case 'statistics.last_close_at':
        return c.last_close_at;
      case 'conversation_rating.replied_at':
        return c.rating?.created_at ?? null;
      case 'conversation_rating.score':
        return c.rating?.rating ?? null;
      default:
        throw new Error(`unsupported search field ${field}`);
    }
  }

  private ticketFieldValue(t: IcFakeTicket, field: string): unknown {
    switch (field) {
      case 'category':
        return 'request';
      case 'admin_assignee_id':
        return t.admin_assignee_id;
      case 'team_assignee_id':
        return t.team_assignee_id;
      case 'created_at':
        return t.created_at;
      case 'updated_at':
        return t.updated_at;
      case 'state':
        return t.state;
      default:
        throw new Error(`unsupported ticket search field ${field}`);
    }
  }

  private test(c: IcFakeConversation, f: Filter, depth: number): boolean {
    return this.matchFilter((field) => this.fieldValue(c, field), f, depth);
  }

  private matchFilter(value: (field: string) => unknown, f: Filter, depth: number): boolean {
    if (f.operator === 'AND' || f.operator === 'OR') {
      const list = f.value as Filter[];
      if (!Array.isArray(list)) throw new Error('AND/OR needs a list');
      if (list.length > 15) throw new Error('a maximum of 15 filters per AND/OR group');
      if (depth >= 2 && list.some((x) => x.operator === 'AND' || x.operator === 'OR')) throw new Error('a maximum of 2 nested filters');
      return f.operator === 'AND' ? list.every((x) => this.matchFilter(value, x, depth + 1)) : list.some((x) => this.matchFilter(value, x, depth + 1));
    }
    const actual = value(String(f.field));
    const eq = (a: unknown, b: unknown) => (Array.isArray(a) ? a.map(String).includes(String(b)) : String(a) === String(b));
    switch (f.operator) {
      case '=':
        return eq(actual, f.value);
      case '!=':
        return !eq(actual, f.value);
      case 'IN':
        return (f.value as unknown[]).some((v) => eq(actual, v));
      case 'NIN':
        return !(f.value as unknown[]).some((v) => eq(actual, v));
      case '>':
        return typeof actual === 'number' && actual >= Number(f.value);
      case '<':
        return typeof actual === 'number' && actual <= Number(f.value);
      default:
        throw new Error(`unsupported operator ${f.operator}`);
    }
  }

  private page(list: IcFakeConversation[], perPage: number, after: string | null | undefined) {
    const start = after ? Number(Buffer.from(after, 'base64url').toString()) : 0;
    const items = list.slice(start, start + perPage);
    const more = start + perPage < list.length;
    return {
      type: 'conversation.list',
      conversations: items.map((c) => this.conversationJson(c, false)),
      total_count: list.length,
      pages: {
        type: 'pages',
        page: Math.floor(start / perPage) + 1,
        per_page: perPage,
        total_pages: Math.max(1, Math.ceil(list.length / perPage)),
        ...(more ? { next: { per_page: perPage, starting_after: Buffer.from(String(start + perPage)).toString('base64url') } } : {}),
      },
    };
  }

  private sorted(): IcFakeConversation[] {
    return [...this.conversations.values()].sort((a, b) => b.updated_at - a.updated_at || Number(a.id) - Number(b.id));
  }

  // ---- routes ---------------------------------------------------------------------------------

  protected install(): void {
    const fake = this;
    const err = (status: number, code: string, message: string): FakeReply => ({
      status,
      json: { type: 'error.list', request_id: 'b3a1e7c2-1111-4222-8333-944455556666', errors: [{ code, message }] },
    });
    const ok = (json: unknown, status = 200): FakeReply => ({
      status,
      json,
      headers: { 'x-ratelimit-limit': '10000', 'x-ratelimit-remaining': '9999', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 10) },
    });
    const route = (method: string, pattern: string, handler: (req: FakeRequest) => FakeReply | Promise<FakeReply>) => {
      fake.server.route(method, pattern, async (req) => {
        const reply = req.headers['intercom-version'] === '2.14' ? await handler(req) : err(400, 'intercom_version_invalid', 'Requested resource is not available in current API version.');
        fake.replies.push({ method, path: req.path, status: reply.status ?? 200, json: reply.json });
        return reply;
      });
    };
    this.server.auth = (req) => req.headers.authorization === `Bearer ${this.token}`;
    this.server.unauthorizedBody = { type: 'error.list', request_id: 'b3a1e7c2-1111-4222-8333-944455556666', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] };
    this.server.notFoundBody = () => ({ type: 'error.list', request_id: null, errors: [{ code: 'not_found', message: 'Resource Not Found' }] });
    const conv = (req: FakeRequest): IcFakeConversation | FakeReply =>
      this.conversations.get(req.params.id!) ?? err(404, 'conversation_not_found', 'Conversation not found');
    const adminJson = (a: (typeof this.admins)[number]) => ({
      type: 'admin',
      id: a.id,
      name: a.name,
      email: a.email,
      job_title: 'Support',
      away_mode_enabled: false,
      away_mode_reassign: false,
      has_inbox_seat: true,
      team_ids: a.team_ids,
      avatar: null,
    });

    route('GET', '/me', () => {
      const a = this.admins.find((x) => x.id === this.meId)!;
      return ok({ ...adminJson(a), avatar: { type: 'avatar', image_url: null }, email_verified: true, app: { type: 'app', id_code: 'acmeapp', name: 'Acme', region: 'US', timezone: 'Europe/Lisbon', created_at: 1600000000, identity_verification: false } });
    });
    route('GET', '/admins', () => ok({ type: 'admin.list', admins: this.admins.map(adminJson) }));
    route('GET', '/teams', () =>
      ok({ type: 'team.list', teams: this.teams.map((t) => ({ type: 'team', id: t.id, name: t.name, admin_ids: this.admins.filter((a) => a.team_ids.includes(Number(t.id))).map((a) => Number(a.id)) })) }),
    );
    route('GET', '/tags', () => ok({ type: 'list', data: this.tags.map((t) => this.tagJson(t.id)) }));
    route('POST', '/tags', (req) => {
      const name = String((req.json as { name?: string })?.name ?? '');
      let tag = this.tags.find((t) => t.name === name);
      if (!tag) {
        tag = { id: this.nextId(), name };
        this.tags.push(tag);
      }
      return ok({ type: 'tag', id: tag.id, name: tag.name });
    });
    route('GET', '/conversations', (req) => {
      const per = Number(req.query.get('per_page') ?? 20);
      if (per > 150) return err(400, 'parameter_invalid', 'per_page must be <= 150');
      return ok(this.page(this.sorted(), per, req.query.get('starting_after')));
    });
    route('POST', '/conversations/search', (req) => {
      const body = req.json as { query: Filter; pagination?: { per_page?: number; starting_after?: string | null } };
      const per = body.pagination?.per_page ?? 20;
      if (per > 150) return err(400, 'parameter_invalid', 'per_page must be <= 150');
      try {
        const list = this.sorted().filter((c) => this.test(c, body.query, 1));
        return ok(this.page(list, per, body.pagination?.starting_after));
      } catch (e) {
        return err(400, 'query_invalid', (e as Error).message);
      }
    });
    route('GET', '/conversations/:id', (req) => {
      const c = conv(req);
      return 'parts' in c ? ok(this.conversationJson(c, true)) : c;
    });
    route('PUT', '/conversations/:id', (req) => {
      const c = conv(req);
      if (!('parts' in c)) return c;
      const body = req.json as { custom_attributes?: Record<string, string | number> };
      c.custom_attributes = { ...c.custom_attributes, ...(body.custom_attributes ?? {}) };
      c.updated_at = this.now;
      return ok(this.conversationJson(c, true));
    });
    route('POST', '/conversations/:id/reply', (req) => {
      const c = conv(req);
      if (!('parts' in c)) return c;
      const body = req.json as { message_type: string; type: string; admin_id?: string; body?: string };
      if (body.type !== 'admin' || !this.admins.some((a) => a.id === body.admin_id)) return err(400, 'parameter_invalid', 'admin_id not found');
      const part = { id: this.nextId(), part_type: body.message_type, body: body.body ?? '', created_at: this.now, author: { type: 'admin', id: body.admin_id! } };
      c.parts.push(part);
      this.added.add(part.id);
      if (body.message_type === 'comment' && !c.first_admin_reply_at) c.first_admin_reply_at = this.now;
      c.updated_at = this.now;
      return ok(this.conversationJson(c, true));
    });
    route('POST', '/conversations/:id/parts', (req) => {
      const c = conv(req);
      if (!('parts' in c)) return c;
      const body = req.json as { message_type: string; type?: string; admin_id: string; assignee_id?: string; snoozed_until?: number };
      if (!this.admins.some((a) => a.id === body.admin_id)) return err(400, 'parameter_invalid', 'admin_id not found');
      const part = (type: string) => c.parts.push({ id: this.nextId(), part_type: type, body: null, created_at: this.now, author: { type: 'admin', id: body.admin_id } });
      switch (body.message_type) {
        case 'close':
          c.state = 'closed';
          c.snoozed_until = null;
          c.last_close_at = this.now;
          part('close');
          break;
        case 'open':
          if (c.state === 'closed') c.count_reopens++;
          c.state = 'open';
          c.snoozed_until = null;
          part('open');
          break;
        case 'snoozed':
          c.state = 'snoozed';
          c.snoozed_until = body.snoozed_until ?? null;
          part('snoozed');
          break;
        case 'assignment': {
          const to = body.assignee_id === '0' ? null : Number(body.assignee_id);
          if (body.type === 'team') c.team_assignee_id = to;
          else c.admin_assignee_id = to;
          part('assignment');
          break;
        }
        default:
          return err(400, 'parameter_invalid', `unknown message_type ${body.message_type}`);
      }
      c.updated_at = this.now;
      return ok(this.conversationJson(c, true));
    });
    route('POST', '/conversations/:id/tags', (req) => {
      const c = conv(req);
      if (!('parts' in c)) return c;
      const body = req.json as { id: string; admin_id: string };
      if (!this.tags.some((t) => t.id === body.id)) return err(404, 'tag_not_found', 'Tag not found');
      if (!c.tagIds.includes(body.id)) c.tagIds.push(body.id);
      c.updated_at = this.now;
      return ok(this.tagJson(body.id));
    });
    route('DELETE', '/conversations/:id/tags/:tag', (req) => {
      const c = conv(req);
      if (!('parts' in c)) return c;
      c.tagIds = c.tagIds.filter((t) => t !== req.params.tag);
      c.updated_at = this.now;
      return ok(this.tagJson(req.params.tag!));
    });
    this.installTickets(route, ok, err);
  }

  private installTickets(route: (method: string, pattern: string, handler: (req: FakeRequest) => FakeReply | Promise<FakeReply>) => void, ok: (json: unknown, status?: number) => FakeReply, err: (status: number, code: string, message: string) => FakeReply): void {
    const ticket = (req: FakeRequest): IcFakeTicket | FakeReply => this.tickets.get(req.params.id!) ?? err(404, 'ticket_not_found', 'Ticket not found');
    route('GET', '/ticket_types', () =>
      ok({
        type: 'list',
        data: this.tickets.size
          ? [{ type: 'ticket_type', id: '990', category: 'Customer', name: 'Bug report', description: 'A bug', icon: 'bug', workspace_id: 'acmeapp', archived: false, created_at: 1600000000, updated_at: 1600000000 }]
          : [],
      }),
    );
    route('GET', '/ticket_states', () =>
      ok({ type: 'list', data: TICKET_STATES.map((st) => ({ type: 'ticket_state', id: st.id, category: st.category, internal_label: st.label, external_label: st.label, archived: false })) }),
    );
    route('POST', '/tickets/search', (req) => {
      const body = req.json as { query: Filter; pagination?: { per_page?: number; starting_after?: string | null } };
      const per = body.pagination?.per_page ?? 20;
      if (per > 150) return err(400, 'parameter_invalid', 'per_page must be <= 150');
      try {
        const all = [...this.tickets.values()].sort((a, b) => b.updated_at - a.updated_at).filter((t) => this.matchFilter((f) => this.ticketFieldValue(t, f), body.query, 1));
        const start = body.pagination?.starting_after ? Number(Buffer.from(body.pagination.starting_after, 'base64url').toString()) : 0;
        const more = start + per < all.length;
        return ok({
          type: 'ticket.list',
          tickets: all.slice(start, start + per).map((t) => this.ticketJson(t)),
          total_count: all.length,
          pages: { type: 'pages', page: Math.floor(start / per) + 1, per_page: per, total_pages: Math.max(1, Math.ceil(all.length / per)), ...(more ? { next: { per_page: per, starting_after: Buffer.from(String(start + per)).toString('base64url') } } : {}) },
        });
      } catch (e) {
        return err(400, 'query_invalid', (e as Error).message);
      }
    });
    route('GET', '/tickets/:id', (req) => {
      const t = ticket(req);
      return 'parts' in t ? ok(this.ticketJson(t)) : t;
    });
    route('PUT', '/tickets/:id', (req) => {
      const t = ticket(req);
      if (!('parts' in t)) return t;
      const body = req.json as { ticket_state_id?: string; admin_id?: number; assignee_id?: string; ticket_attributes?: Record<string, unknown> };
      if (body.ticket_state_id) {
        const st = TICKET_STATES.find((x) => x.id === body.ticket_state_id);
        if (!st) return err(400, 'parameter_invalid', 'unknown ticket state');
        t.state = st.category;
      }
      if (body.assignee_id !== undefined) {
        if (!this.admins.some((a) => Number(a.id) === body.admin_id)) return err(400, 'parameter_invalid', 'admin_id not found');
        if (body.assignee_id === '0') t.admin_assignee_id = '0';
        else if (this.teams.some((x) => x.id === body.assignee_id)) t.team_assignee_id = body.assignee_id;
        else if (this.admins.some((a) => a.id === body.assignee_id)) t.admin_assignee_id = body.assignee_id;
        else return err(400, 'parameter_invalid', 'unknown assignee');
      }
      t.updated_at = this.now;
      return ok(this.ticketJson(t));
    });
    route('POST', '/tickets/:id/reply', (req) => {
      const t = ticket(req);
      if (!('parts' in t)) return t;
      const body = req.json as { message_type: string; type: string; admin_id?: string; body?: string };
      if (body.type !== 'admin' || !this.admins.some((a) => a.id === body.admin_id)) return err(400, 'parameter_invalid', 'admin_id not found');
      const part: IcFakePart = { id: this.nextId(), part_type: body.message_type, body: body.body ?? '', created_at: this.now, author: { type: 'admin', id: body.admin_id! } };
      t.parts.push(part);
      this.added.add(part.id);
      t.updated_at = this.now;
      const { previous_ticket_state: _p, ticket_state: _s, ...reply } = { ...this.ticketPartJson(part), previous_ticket_state: undefined, ticket_state: undefined };
      return ok(reply);
    });
    route('POST', '/tickets/:id/tags', (req) => {
      const t = ticket(req);
      if (!('parts' in t)) return t;
      const body = req.json as { id: string };
      if (!this.tags.some((x) => x.id === body.id)) return err(404, 'tag_not_found', 'Tag not found');
      if (!t.tagIds.includes(body.id)) t.tagIds.push(body.id);
      return ok(this.tagJson(body.id));
    });
    route('DELETE', '/tickets/:id/tags/:tag', (req) => {
      const t = ticket(req);
      if (!('parts' in t)) return t;
      if (!t.tagIds.includes(req.params.tag!)) return err(404, 'tag_not_found', 'Tag not attached');
      t.tagIds = t.tagIds.filter((x) => x !== req.params.tag);
      return ok(this.tagJson(req.params.tag!));
    });
  }

  /** Parts deskctl added with /tickets/{id}/reply (comment or note). */
  addedTicketParts(id: string, type: string): IcFakePart[] {
    return (this.tickets.get(id)?.parts ?? []).filter((p) => p.part_type === type && this.added.has(p.id));
  }

  /** Parts deskctl added with /reply (comment or note). */
  addedParts(id: string, type: string): IcFakePart[] {
    return (this.conversations.get(id)?.parts ?? []).filter((p) => p.part_type === type && this.added.has(p.id));
  }
}
