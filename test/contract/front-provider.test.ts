/**
 * Front provider against a fake Front Core API. Every request deskctl makes is checked against the
 * vendor's own description (../shared/api-specs/front/core-api.json), and so is every fake response.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../../src/providers/provider.js';
import { HttpClient, bearerAuth } from '../../src/providers/http.js';
import { frontHooks, resetAtMs } from '../../src/providers/front/index.js';
import { FrontProvider } from '../../src/providers/front/provider.js';
import { AuthError, ExitCode, NotFoundError, UsageError } from '../../src/errors.js';
import { TicketSchema, CommentSchema } from '../../src/domain/schemas.js';
import { FrontFake } from '../support/front-fake.js';
import { fakeTime } from '../support/fake-server.js';
import { requestTally } from '../support/request-budget.js';
import { findTickets } from '../../src/tickets/service.js';
import { loadSpec, type SpecValidator } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';
import { injectWriteFaults, inParallel } from '../support/write-faults.js';
import { UncertainWriteError } from '../../src/providers/http.js';

const NOW = new Date('2026-11-25T09:00:00Z');
let spec: SpecValidator;
const SPEC_FILE = 'front/core-api.json';
/** Requests and fake bodies are checked against the vendor's description when it is there. */
const checkSpec = !mustSkip('Front contract tests: checks against the vendor API description', specPrereq(SPEC_FILE));
let front: FrontFake;
let sleeps: number[];

function provider(opts: { token?: string; agent?: string } = {}): FrontProvider {
  sleeps = [];
  const time = fakeTime();
  const http = new HttpClient({
    vendor: 'Front',
    baseUrl: front.url,
    auth: bearerAuth(opts.token ?? front.token),
    hooks: frontHooks('test'),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    sleep: async (ms) => {
      sleeps.push(ms);
      await time.sleep(0);
    },
  });
  return new FrontProvider({ http, agentRef: opts.agent ?? 'ana@acme.test', now: () => NOW });
}

/** The one documented divergence: Front unassigns with `assignee_id: null`, which its schema types as a string. */
const isUnassign = (r: { method: string; path: string; json?: unknown }) =>
  r.method === 'PUT' && r.path.endsWith('/assignee') && (r.json as { assignee_id?: unknown })?.assignee_id === null;

/**
 * The other one: Front's list endpoints take the status filter as the query object `q[statuses][]=...`
 * (its documentation), which the description declares as a plain string parameter `q`. Those keys are
 * checked here by hand and left out of the schema check.
 */
function withoutQueryObject(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of q) {
    if (k.startsWith('q[')) {
      expect(k).toBe('q[statuses][]');
      expect(['assigned', 'unassigned', 'archived', 'trashed']).toContain(v);
    } else out.append(k, v);
  }
  return out;
}

function checkTraffic(): void {
  if (!checkSpec) {
    front.replies.length = 0;
    return;
  }
  const reqs = front.server.requests
    .filter((r) => !isUnassign(r))
    .map((r) => ({ method: r.method, path: r.path, query: withoutQueryObject(r.query), headers: r.headers, body: r.json }));
  spec.assertRequests(reqs);
  for (const r of front.replies) if (r.status < 400 && r.json !== undefined) spec.assertResponse(r.method, r.path, r.status, r.json);
  front.replies.length = 0;
}

beforeAll(async () => {
  if (checkSpec) spec = await loadSpec(SPEC_FILE);
});

beforeEach(async () => {
  front = await FrontFake.start();
  front.seedDemo(250);
});

afterEach(async () => {
  checkTraffic();
  await front.close();
});

describe('Front: reading', () => {
  it('lists every conversation once, through each inbox, 100 per page', async () => {
    const p = provider();
    const tickets = await collect(p.listTickets({}));
    expect(tickets).toHaveLength(250);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(250);
    for (const t of tickets) TicketSchema.parse(t);
    const support = tickets.filter((t) => t.group === 'Support');
    expect(support.length).toBe(125);
    expect(support.every((t) => t.channel === 'email')).toBe(true);
    expect(tickets.filter((t) => t.group === 'Chat').every((t) => t.channel === 'chat')).toBe(true);
    const pages = front.server.find('GET', /^\/inboxes\/[^/]+\/conversations$/);
    expect(pages.length).toBe(4);
    expect(pages.every((r) => r.query.get('limit') === '100')).toBe(true);
    expect(pages.filter((r) => r.query.get('page_token')).length).toBe(2);
    for (const r of front.server.requests) expect(r.headers.authorization).toBe(`Bearer ${front.token}`);
  });

  it('pushes statuses down as q[statuses][] and filters the rest locally', async () => {
    const p = provider();
    const open = await collect(p.listTickets({ status: ['open'], group: ['Chat'], tags: ['billing'] }));
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((t) => t.status === 'open' && t.group === 'Chat' && t.tags.includes('billing'))).toBe(true);
    const reqs = front.server.find('GET', /^\/inboxes\/[^/]+\/conversations$/);
    expect(reqs.every((r) => r.query.getAll('q[statuses][]').join(',') === 'assigned,unassigned')).toBe(true);
    expect(new Set(reqs.map((r) => r.path))).toEqual(new Set(['/inboxes/inb_chat/conversations']));
    const closed = await collect(p.listTickets({ status: ['closed'] }));
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((t) => t.status === 'closed')).toBe(true);
    expect(await collect(p.listTickets({ status: ['new'] }))).toEqual([]);
  });

  it('time-windowed queries (metrics) read messages for first response and reply counts; plain lists do not', async () => {
    const p = provider();
    await collect(p.listTickets({ status: ['open'] }));
    expect(front.server.find('GET', /\/messages$/)).toHaveLength(0);
    const since = new Date('2026-11-20T00:00:00Z');
    const recent = await collect(p.listTickets({ updatedSince: since }));
    expect(recent.length).toBeGreaterThan(0);
    expect(front.server.find('GET', /\/messages$/)).toHaveLength(recent.length);
    for (const t of recent) {
      const answered = front.conversations.get(t.id)!.status !== 'unassigned';
      expect(t.publicReplyCount).toBe(answered ? 1 : 0);
      expect(t.firstResponseAt === null).toBe(!answered);
    }
  });

  it('unsolved: open conversations listed, snoozed ones searched, the archive not walked', async () => {
    const p = provider();
    const unsolved = await collect(p.listTickets({ status: ['new', 'open', 'pending', 'on_hold'] }));
    const snoozed = [...front.conversations.values()].filter((c) => c.status === 'archived' && c.reminders.length);
    expect(snoozed.length).toBeGreaterThan(0);
    expect(unsolved.filter((t) => t.status === 'pending').map((t) => t.id).sort()).toEqual(snoozed.map((c) => c.id).sort());
    expect(unsolved.filter((t) => t.status === 'open')).toHaveLength([...front.conversations.values()].filter((c) => c.status === 'assigned' || c.status === 'unassigned').length);
    const lists = front.server.find('GET', /^\/inboxes\/[^/]+\/conversations$/);
    expect(lists.every((r) => r.query.getAll('q[statuses][]').join(',') === 'assigned,unassigned')).toBe(true);
    expect(front.server.find('GET', /^\/conversations\/search\//).map((r) => r.path).sort()).toEqual([
      '/conversations/search/inbox:inb_chat is:snoozed',
      '/conversations/search/inbox:inb_sup is:snoozed',
    ]);
  });

  it('an unknown inbox is a usage error naming the inboxes', async () => {
    await expect(collect(provider().listTickets({ group: ['Nope'] }))).rejects.toThrow(/no Front inbox named 'Nope'/);
  });

  it('shows a conversation with its inbox, channel and first response', async () => {
    const t = await provider().getTicket('cnv_003');
    expect(t).toMatchObject({ id: 'cnv_003', status: 'open', group: 'Chat', channel: 'chat', tags: ['billing'], publicReplyCount: 1, priority: 'none' });
    expect(t.firstResponseAt).toBe(new Date((Date.parse('2026-11-01T08:00:00Z') / 1000 + 3 * 3600 * 7 + 1800 + 180) * 1000).toISOString());
    await expect(provider().getTicket('cnv_nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('merges messages and comments into one thread', async () => {
    const thread = await provider().listComments('cnv_00a');
    for (const c of thread) CommentSchema.parse(c);
    expect(thread.map((c) => [c.authorRole, c.public])).toEqual([
      ['customer', true],
      ['agent', false],
      ['agent', true],
    ]);
    expect(thread[0]!.body).toBe('Help with order 10');
    expect(thread[1]!.author).toMatchObject({ id: 'tea_ben', name: 'Ben Okafor' });
  });

  it('agents, groups and "me" from the profile', async () => {
    const p = provider();
    expect((await p.listAgents()).map((a) => a.email)).toEqual(['ana@acme.test', 'ben@acme.test', 'cho@acme.test']);
    expect(await p.listGroups()).toEqual([
      { id: 'inb_sup', name: 'Support' },
      { id: 'inb_chat', name: 'Chat' },
    ]);
    expect((await p.currentAgent())?.id).toBe('tea_ana');
    expect(await collect(p.listRatings({}))).toEqual([]);
  });
});

describe('Front: writing', () => {
  it('status, assignee, inbox and tags', async () => {
    const p = provider();
    let t = await p.updateTicket('cnv_001', { status: 'solved', assigneeId: 'tea_ben', group: 'Support', addTags: ['bug', 'brand-new'], customFields: { plan: 'pro' } });
    expect(t).toMatchObject({ status: 'solved', group: 'Support', assignee: { id: 'tea_ben' } });
    expect(t.tags.sort()).toEqual(['brand-new', 'bug']);
    expect(front.server.find('PATCH', '/conversations/cnv_001')[0]!.json).toEqual({ status: 'archived', inbox_id: 'inb_sup', custom_fields: { plan: 'pro' } });
    expect(front.server.find('POST', '/tags')).toHaveLength(1);
    t = await p.updateTicket('cnv_001', { status: 'open', assigneeId: null, removeTags: ['bug'] });
    expect(t).toMatchObject({ status: 'open', assignee: null, tags: ['brand-new'] });
    expect(front.server.find('DELETE', '/conversations/cnv_001/tags')[0]!.json).toEqual({ tag_ids: ['tag_bug'] });
    const unassign = front.server.find('PUT', '/conversations/cnv_001/assignee')[1]!;
    if (checkSpec) {
      const check = spec.validateRequest({ method: 'PUT', path: unassign.path, body: unassign.json, headers: unassign.headers });
      // the schema types assignee_id as a string; Front documents null as "unassign": the only deviation
      expect(check.errors.join(' ')).toMatch(/assignee_id/);
    }
  });

  it('pending snoozes: archive with a reminder for "me"', async () => {
    const p = provider();
    const t = await p.updateTicket('cnv_002', { status: 'pending' });
    expect(t.status).toBe('pending');
    expect(front.server.find('PATCH', '/conversations/cnv_002/reminders')[0]!.json).toEqual({
      teammate_id: 'tea_ana',
      scheduled_at: NOW.getTime() / 1000 + 24 * 3600,
    });
  });

  it('refuses what Front cannot do, before sending anything', async () => {
    const p = provider();
    await expect(p.updateTicket('cnv_002', { priority: 'high' })).rejects.toBeInstanceOf(UsageError);
    await expect(p.updateTicket('cnv_002', { status: 'new' })).rejects.toThrow(/cannot set a conversation to 'new'/);
    expect(front.server.requests).toHaveLength(0);
  });

  it('reply = message (HTML body, author), note = comment', async () => {
    const p = provider();
    const reply = await p.addComment('cnv_004', { body: 'Hello <Bob>,\n\nfixed.', public: true });
    expect(reply).toMatchObject({ public: true, authorRole: 'agent', body: 'Hello <Bob>,\n\nfixed.', author: { id: 'tea_ana' } });
    expect(front.server.find('POST', '/conversations/cnv_004/messages')[0]!.json).toEqual({ body: '<p>Hello &lt;Bob&gt;,</p><p>fixed.</p>', author_id: 'tea_ana' });
    const note = await p.addComment('cnv_004', { body: 'internal', public: false, authorId: 'tea_cho' });
    expect(note).toMatchObject({ public: false, body: 'internal', author: { id: 'tea_cho' } });
    const thread = await p.listComments('cnv_004');
    expect(thread.filter((c) => c.body.includes('fixed.'))).toHaveLength(1);
  });
});

describe('Front: request budgets (docs/request-budgets.md)', () => {
  it('tickets show: the conversation and each message page once, with its inboxes and comments', async () => {
    const conv = front.conversations.get('cnv_003')!;
    for (let i = 0; i < 150; i++) conv.messages.push({ id: `msg_x${i}`, is_inbound: true, created_at: conv.created_at + 60 * i, body: `<p>more ${i}</p>`, authorId: null });
    const p = provider();
    front.server.clearLog();
    // what `tickets show` does
    await p.getTicket('cnv_003');
    const thread = await p.listComments('cnv_003');
    expect(thread.length).toBeGreaterThan(150);
    expect(requestTally(front.server.requests)).toEqual({
      'GET /conversations/cnv_003': 1,
      'GET /conversations/cnv_003/inboxes': 1,
      // the inbox directory (names, channels), read once per process
      'GET /inboxes': 1,
      'GET /inboxes/inb_sup/channels': 1,
      'GET /inboxes/inb_chat/channels': 1,
      'GET /conversations/cnv_003/messages': 2, // 2 pages of 100
      'GET /conversations/cnv_003/comments': 1,
    });
  });

  it('tickets list --limit 1 lists 2 conversations of the first inbox (one more says whether there are more), and nothing else', async () => {
    const p = provider();
    await p.listGroups();
    front.server.clearLog();
    const report = { more: false };
    const got = await findTickets(p, { status: ['open'] }, { limit: 1, report });
    expect(got).toHaveLength(1);
    expect(report.more).toBe(true);
    expect(requestTally(front.server.requests)).toEqual({ 'GET /inboxes/inb_sup/conversations': 1 });
    expect(front.server.requests[0]!.query.get('limit')).toBe('2');
  });

  it('after a small first page the cursor goes on in full pages, missing and repeating nothing', async () => {
    const all = await collect(provider().listTickets({ status: ['open'] }));
    front.server.clearLog();
    const got = await collect(provider().listTickets({ status: ['open'] }, { wanted: 5 }));
    expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id));
    const limits = front.server.requests.filter((r) => r.path.endsWith('/conversations')).map((r) => r.query.get('limit'));
    expect(limits[0]).toBe('5');
    expect(limits.slice(1).every((l) => l === '100' || l === '5')).toBe(true);
    expect(limits.filter((l) => l === '5')).toHaveLength(2); // the first page of each inbox
  });

  it('reply and update, after the directory is read', async () => {
    const p = provider();
    await p.listAgents();
    await p.listGroups();
    await p.currentAgent();
    front.server.clearLog();
    await p.addComment('cnv_005', { body: 'Budgeted reply.', public: true });
    expect(requestTally(front.server.requests)).toEqual({ 'GET /conversations/cnv_005': 1, 'POST /conversations/cnv_005/messages': 1 });
    front.server.clearLog();
    await p.updateTicket('cnv_005', { status: 'solved', addTags: ['billing'] });
    expect(requestTally(front.server.requests)).toEqual({
      'GET /conversations/cnv_005': 2, // its current tags, and the read-back
      'PATCH /conversations/cnv_005': 1,
      'GET /tags': 1, // the tag directory, once per process
      'POST /conversations/cnv_005/tags': 1,
      'GET /conversations/cnv_005/inboxes': 1, // read-back
      'GET /conversations/cnv_005/messages': 1, // read-back
    });
  });

  it('a second look at a thread reads it again (a reply that landed late is seen), and show still reads it once', async () => {
    const p = provider();
    const conv = front.conversations.get('cnv_004')!;
    expect((await p.listComments('cnv_004')).some((c) => c.body === 'landed late')).toBe(false);
    conv.messages.push({ id: 'msg_late', is_inbound: false, created_at: conv.created_at + 3600, body: '<p>landed late</p>', authorId: null });
    expect((await p.listComments('cnv_004')).some((c) => c.body === 'landed late')).toBe(true);
    front.server.clearLog();
    await p.getTicket('cnv_004');
    await p.listComments('cnv_004');
    expect(requestTally(front.server.requests)['GET /conversations/cnv_004/messages']).toBe(1);
  });

  it('a write is never answered from what was read before it', async () => {
    const p = provider();
    expect((await p.listComments('cnv_004')).some((c) => c.body === 'after')).toBe(false);
    await p.addComment('cnv_004', { body: 'after', public: true });
    expect((await p.listComments('cnv_004')).filter((c) => c.body === 'after')).toHaveLength(1);
    expect((await p.updateTicket('cnv_004', { addTags: ['vip'] })).tags).toContain('vip');
    expect((await p.getTicket('cnv_004')).tags).toContain('vip');
  });
});

describe('Front: faults', () => {
  it('429 with Retry-After waits what the server asked, then succeeds', async () => {
    front.server.inject({ type: '429', retryAfter: 7 }, { path: '/teammates' });
    expect(await provider().listAgents()).toHaveLength(3);
    expect(front.server.find('GET', '/teammates')).toHaveLength(2);
    expect(sleeps).toContain(7000);
  });

  it('429 without Retry-After waits for x-ratelimit-reset', () => {
    const now = Date.parse('2026-11-25T09:00:00Z');
    expect(frontHooks('x').rateLimitWait!({ 'x-ratelimit-reset': String(now / 1000 + 12) }, now)).toBe(12_000);
    expect(resetAtMs('30', now)).toBe(now + 30_000);
    expect(frontHooks('x').quotaExhaustedUntil!({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) }, now)).toBe(now + 5000);
    expect(frontHooks('x').quotaExhaustedUntil!({ 'x-ratelimit-remaining': '3' }, now)).toBeUndefined();
  });

  it('500s and malformed JSON on reads are retried', async () => {
    front.server.inject({ type: 'status', status: 500 }, { path: '/conversations/cnv_006', times: 2 });
    front.server.inject({ type: 'malformed' }, { path: '/conversations/cnv_006/messages', phase: 'after' });
    const t = await provider().getTicket('cnv_006');
    expect(t.id).toBe('cnv_006');
    expect(front.server.find('GET', '/conversations/cnv_006')).toHaveLength(3);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
  });

  it('a reply whose response is lost is not sent twice', async () => {
    front.server.inject({ type: 'reset' }, { method: 'POST', path: '/conversations/cnv_007/messages', phase: 'after' });
    const c = await provider().addComment('cnv_007', { body: 'We shipped it.', public: true });
    expect(c.body).toBe('We shipped it.');
    expect(front.sentMessages('cnv_007')).toHaveLength(1);
    expect(front.server.find('POST', '/conversations/cnv_007/messages')).toHaveLength(1);
  });

  it('a reply whose outcome is unknown (reset, 502 before it landed) is not sent again; 503 with Retry-After is', async () => {
    front.server.inject({ type: 'reset' }, { method: 'POST', path: '/conversations/cnv_008/messages' });
    const err = await provider().addComment('cnv_008', { body: 'Second try', public: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UncertainWriteError);
    expect(front.sentMessages('cnv_008')).toHaveLength(0);
    expect(front.server.find('POST', '/conversations/cnv_008/messages')).toHaveLength(1);
    front.server.inject({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { method: 'POST', path: '/conversations/cnv_008/messages' });
    await provider().addComment('cnv_008', { body: 'Third try', public: true });
    expect(front.sentMessages('cnv_008')).toHaveLength(1);
    expect(front.server.find('POST', '/conversations/cnv_008/messages')).toHaveLength(3);
  });

  it('a note answered with malformed JSON is found, not repeated', async () => {
    front.server.inject({ type: 'malformed' }, { method: 'POST', path: '/conversations/cnv_009/comments', phase: 'after' });
    const before = front.conversations.get('cnv_009')!.comments.length;
    const c = await provider().addComment('cnv_009', { body: 'looked into it', public: false });
    expect(c).toMatchObject({ public: false, body: 'looked into it' });
    expect(front.conversations.get('cnv_009')!.comments.length).toBe(before + 1);
  });

  it('429 on a write is repeated (nothing was processed) without duplicates', async () => {
    front.server.inject({ type: '429', retryAfter: 1 }, { method: 'POST', path: '/conversations/cnv_00a/messages', times: 2 });
    await provider().addComment('cnv_00a', { body: 'rate limited reply', public: true });
    expect(front.sentMessages('cnv_00a')).toHaveLength(1);
    expect(front.server.find('POST', '/conversations/cnv_00a/messages')).toHaveLength(3);
    expect(sleeps.filter((ms) => ms === 1000)).toHaveLength(2);
  });

  it('30 replies, 4 at a time, through every kind of fault: each conversation gets one, or none with the outcome reported unknown', async () => {
    const ids = [...front.conversations.keys()].slice(0, 30);
    const expected = injectWriteFaults(front.server, ids, (id) => `/conversations/${id}/messages`);
    const p = provider();
    const results = await inParallel(ids, 4, (id) => p.addComment(id, { body: `Bulk notice for ${id}`, public: true }).catch((e: unknown) => e));
    ids.forEach((id, i) => {
      const sent = front.sentMessages(id).map((m) => m.body);
      if (expected.get(id) === 'once') {
        expect((results[i] as { ticketId?: string }).ticketId, id).toBe(id);
        expect(sent, id).toEqual([`<p>Bulk notice for ${id}</p>`]);
      } else {
        expect(results[i], id).toBeInstanceOf(UncertainWriteError);
        expect(sent, id).toEqual([]);
      }
    });
  });

  it('bad credentials: AuthError, exit code 4, token not echoed', async () => {
    const err = await provider({ token: 'wrong-token-123' })
      .getTicket('cnv_001')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).message).toMatch(/Front refused the credentials \(401/);
    expect(`${(err as AuthError).message} ${(err as AuthError).hint} ${(err as AuthError).detail}`).not.toContain('wrong-token-123');
  });
});
