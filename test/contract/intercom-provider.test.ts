/**
 * Intercom provider against a fake Intercom REST API 2.14. Every request deskctl makes is checked against
 * the vendor's own description (../shared/api-specs/intercom/api.intercom.io.v2.14.yaml), and so is every
 * fake response.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../../src/providers/provider.js';
import { HttpClient, bearerAuth } from '../../src/providers/http.js';
import { intercomBaseUrl, intercomHooks } from '../../src/providers/intercom/index.js';
import { IntercomProvider } from '../../src/providers/intercom/provider.js';
import { AuthError, ConfigError, ExitCode, NotFoundError, UsageError } from '../../src/errors.js';
import { CommentSchema, TicketSchema } from '../../src/domain/schemas.js';
import { IntercomFake } from '../support/intercom-fake.js';
import { requestTally } from '../support/request-budget.js';
import { findTickets } from '../../src/tickets/service.js';
import { loadSpec, type SpecValidator } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';
import { injectWriteFaults, inParallel } from '../support/write-faults.js';
import { UncertainWriteError } from '../../src/providers/http.js';

const NOW = new Date('2026-11-25T09:00:00Z');
let spec: SpecValidator;
const SPEC_FILE = 'intercom/api.intercom.io.v2.14.yaml';
/** Requests and fake bodies are checked against the vendor's description when it is there. */
const checkSpec = !mustSkip('Intercom contract tests: checks against the vendor API description', specPrereq(SPEC_FILE));
let ic: IntercomFake;
let sleeps: number[];

function provider(opts: { token?: string; agent?: string; tickets?: 'auto' | 'on' | 'off' } = {}): IntercomProvider {
  sleeps = [];
  const http = new HttpClient({
    vendor: 'Intercom',
    baseUrl: ic.url,
    auth: bearerAuth(opts.token ?? ic.token),
    headers: { 'intercom-version': '2.14' },
    hooks: intercomHooks('test'),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return new IntercomProvider({ http, agentRef: opts.agent, tickets: opts.tickets, now: () => NOW });
}

function checkTraffic(): void {
  if (!checkSpec) {
    ic.replies.length = 0;
    return;
  }
  spec.assertRequests(ic.server.requests.map((r) => ({ method: r.method, path: r.path, query: r.query, headers: r.headers, body: r.json })));
  for (const r of ic.replies) if (r.status < 400 && r.json !== undefined) spec.assertResponse(r.method, r.path, r.status, r.json);
  ic.replies.length = 0;
}

beforeAll(async () => {
  if (checkSpec) spec = await loadSpec(SPEC_FILE);
});

beforeEach(async () => {
  ic = await IntercomFake.start();
  ic.seedDemo(400);
});

afterEach(async () => {
  checkTraffic();
  await ic.close();
});

describe('Intercom: reading', () => {
  it('lists every conversation through starting_after pages of 150, with Intercom-Version', async () => {
    const tickets = await collect(provider().listTickets({}));
    expect(tickets).toHaveLength(400);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(400);
    for (const t of tickets) TicketSchema.parse(t);
    const lists = ic.server.find('GET', '/conversations');
    expect(lists).toHaveLength(3);
    expect(lists.every((r) => r.query.get('per_page') === '150')).toBe(true);
    expect(lists.filter((r) => r.query.get('starting_after')).length).toBe(2);
    expect(ic.server.requests.every((r) => r.headers['intercom-version'] === '2.14')).toBe(true);
    const t = tickets.find((x) => x.id === '1006')!;
    expect(t).toMatchObject({ priority: 'high', group: 'Billing', channel: 'whatsapp' === 'whatsapp' ? 'social' : 'other', tags: ['vip'], url: 'https://app.intercom.com/a/inbox/acmeapp/inbox/conversation/1006' });
  });

  it('filters become one search (AND group) and the rest is filtered locally', async () => {
    const since = new Date('2026-11-10T00:00:00Z');
    const found = await collect(provider().listTickets({ status: ['solved'], group: ['billing'], assigneeIds: ['992'], createdSince: since, text: 'order' }));
    expect(found.length).toBeGreaterThan(0);
    for (const t of found) {
      expect(t).toMatchObject({ status: 'solved', group: 'Billing', assignee: { id: '992' } });
      expect(Date.parse(t.createdAt)).toBeGreaterThanOrEqual(since.getTime());
    }
    const search = ic.server.find('POST', '/conversations/search');
    expect(search.length).toBeGreaterThan(0);
    expect((search[0]!.json as { query: unknown }).query).toEqual({
      operator: 'AND',
      value: [
        { field: 'state', operator: 'IN', value: ['closed'] },
        { field: 'admin_assignee_id', operator: 'IN', value: [992] },
        { field: 'team_assignee_id', operator: 'IN', value: [55] },
        { field: 'created_at', operator: '>', value: since.getTime() / 1000 },
      ],
    });
    expect(ic.server.find('GET', '/conversations')).toHaveLength(0);
  });

  it('unassigned, tags, channel and unknown tags', async () => {
    const p = provider();
    const none = await collect(p.listTickets({ assigneeIds: ['none'], tags: ['bug'] }));
    expect(none.length).toBeGreaterThan(0);
    expect(none.every((t) => t.assignee === null && t.tags.includes('bug'))).toBe(true);
    const chat = await collect(p.listTickets({ channel: ['chat'] }));
    expect(chat.length).toBe(100);
    expect(await collect(p.listTickets({ tags: ['no-such-tag'] }))).toEqual([]);
  });

  it('shows a conversation with statistics and the thread with notes', async () => {
    const p = provider();
    const t = await p.getTicket('1005');
    expect(t).toMatchObject({ id: '1005', status: 'open', firstResponseAt: new Date((Date.parse('2026-11-01T08:00:00Z') / 1000 + 5 * 5 * 3600 + 600 + 150) * 1000).toISOString(), publicReplyCount: 1 });
    const thread = await p.listComments('1005');
    for (const c of thread) CommentSchema.parse(c);
    expect(thread.map((c) => [c.authorRole, c.public, c.body])).toEqual([
      ['customer', true, 'Help with order 5'],
      ['agent', false, 'checked logs'],
      ['agent', true, 'Looking at order 5'],
    ]);
    await expect(p.getTicket('999999')).rejects.toBeInstanceOf(NotFoundError);
    await expect(p.getTicket('abc')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('ratings as CSAT from a search on conversation_rating', async () => {
    const p = provider();
    const all = await collect(p.listRatings({}));
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((r) => r.kind === 'csat' && r.scale.min === 1 && r.scale.max === 5 && r.score >= 1 && r.score <= 5)).toBe(true);
    const since = new Date('2026-11-20T00:00:00Z');
    const recent = await collect(p.listRatings({ since }));
    expect(recent.length).toBeLessThan(all.length);
    expect(recent.every((r) => Date.parse(r.createdAt) >= since.getTime())).toBe(true);
  });

  it('agents, teams and "me"', async () => {
    const p = provider();
    expect((await p.listAgents()).map((a) => [a.id, a.group])).toEqual([
      ['991', 'Billing'],
      ['992', 'Billing'],
      ['993', 'Tech'],
    ]);
    expect(await p.listGroups()).toEqual([
      { id: '55', name: 'Billing' },
      { id: '56', name: 'Tech' },
    ]);
    expect((await p.currentAgent())?.email).toBe('ana@acme.test');
    expect((await provider({ agent: 'cho@acme.test' }).currentAgent())?.id).toBe('993');
  });
});

describe('Intercom: request budgets (docs/request-budgets.md)', () => {
  it('profile test: one GET /me names the workspace, the admin and the rate limit', async () => {
    const p = provider();
    ic.server.clearLog();
    const info = await p.describeAccount();
    expect(info.user).toContain('ana@acme.test');
    expect(info.rateLimit).toBe('10000 requests/minute');
    expect(requestTally(ic.server.requests)).toEqual({ 'GET /me': 1 });
    await p.currentAgent();
    expect(requestTally(ic.server.requests)).toEqual({ 'GET /me': 1 });
  });
});

describe('Intercom: --limit reads only what it needs', () => {
  it('tickets list --limit 1 searches 2 conversations (one more says whether there are more), and nothing else', async () => {
    const p = provider({ tickets: 'off' });
    await p.listGroups();
    ic.server.clearLog();
    const report = { more: false };
    const got = await findTickets(p, { status: ['open', 'pending'] }, { limit: 1, report });
    expect(got).toHaveLength(1);
    expect(report.more).toBe(true);
    // the directory (admins, the token's workspace) once per process, then one search
    expect(requestTally(ic.server.requests)).toEqual({ 'GET /admins': 1, 'GET /me': 1, 'POST /conversations/search': 1 });
    const search = ic.server.find('POST', '/conversations/search');
    expect((search[0]!.json as { pagination: { per_page: number } }).pagination.per_page).toBe(2);
  });

  it('after a small first page the cursor goes on in full pages, missing and repeating nothing', async () => {
    const all = await collect(provider({ tickets: 'off' }).listTickets({}));
    ic.server.clearLog();
    const got = await collect(provider({ tickets: 'off' }).listTickets({}, { wanted: 5 }));
    expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id));
    expect(ic.server.find('GET', '/conversations').map((r) => r.query.get('per_page'))).toEqual(['5', '150', '150', '150']); // 400 = 5 + 150 + 150 + 95
  });
});

describe('Intercom: writing', () => {
  it('close, reopen, snooze, assign, team, tags', async () => {
    const p = provider();
    let t = await p.updateTicket('1001', { status: 'solved', assigneeId: '993', group: 'Tech', addTags: ['vip', 'fresh'] });
    expect(t).toMatchObject({ status: 'solved', assignee: { id: '993' }, group: 'Tech' });
    expect(t.tags.sort()).toEqual(['fresh', 'vip']);
    t = await p.updateTicket('1001', { status: 'pending', assigneeId: null, group: null, removeTags: ['vip'] });
    expect(t).toMatchObject({ status: 'pending', assignee: null, group: null, tags: ['fresh'] });
    t = await p.updateTicket('1001', { status: 'open', customFields: { plan: 'pro' } });
    expect(t).toMatchObject({ status: 'open', customFields: { plan: 'pro' } });
    const parts = ic.server.find('POST', '/conversations/1001/parts').map((r) => r.json as Record<string, unknown>);
    expect(parts).toContainEqual({ message_type: 'snoozed', admin_id: '991', snoozed_until: NOW.getTime() / 1000 + 86400 });
    expect(parts).toContainEqual({ message_type: 'assignment', type: 'admin', admin_id: '991', assignee_id: '0' });
    expect(parts).toContainEqual({ message_type: 'close', type: 'admin', admin_id: '991' });
  });

  it('refuses priority and unknown teams before changing anything', async () => {
    const p = provider();
    await expect(p.updateTicket('1001', { priority: 'urgent' })).rejects.toBeInstanceOf(UsageError);
    await expect(p.updateTicket('1001', { group: 'Nope' })).rejects.toThrow(/no Intercom team named 'Nope'/);
    expect(ic.server.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('reply is a comment part, note a note part, as the admin', async () => {
    const p = provider();
    const reply = await p.addComment('1002', { body: 'Refund sent.\n\nAnything else?', public: true });
    expect(reply).toMatchObject({ public: true, authorRole: 'agent', body: 'Refund sent.\nAnything else?', author: { id: '991', name: 'Ana Silva' } });
    expect(ic.server.find('POST', '/conversations/1002/reply')[0]!.json).toEqual({ message_type: 'comment', type: 'admin', admin_id: '991', body: '<p>Refund sent.</p><p>Anything else?</p>' });
    const note = await p.addComment('1002', { body: 'internal only', public: false, authorId: '992' });
    expect(note).toMatchObject({ public: false, author: { id: '992' } });
    expect(ic.addedParts('1002', 'comment')).toHaveLength(1);
    expect(ic.addedParts('1002', 'note')).toHaveLength(1);
  });
});

describe('Intercom: faults', () => {
  it('429 waits for Retry-After, or X-RateLimit-Reset when there is none', async () => {
    ic.server.inject({ type: '429', retryAfter: 3 }, { path: '/admins' });
    expect(await provider().listAgents()).toHaveLength(3);
    expect(sleeps).toContain(3000);
    const now = Date.parse('2026-11-25T09:00:00Z');
    expect(intercomHooks('x').rateLimitWait!({ 'x-ratelimit-reset': String(now / 1000 + 8) }, now)).toBe(8000);
    expect(intercomHooks('x').quotaExhaustedUntil!({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 8) }, now)).toBe(now + 8000);
  });

  it('5xx, resets and malformed JSON on reads and searches are retried', async () => {
    ic.server.inject({ type: 'status', status: 503 }, { path: '/conversations/search' });
    ic.server.inject({ type: 'reset' }, { path: '/conversations/search' });
    ic.server.inject({ type: 'malformed' }, { path: '/teams', phase: 'after' });
    const found = await collect(provider().listTickets({ status: ['pending'] }));
    expect(found.length).toBe(80);
    expect(ic.server.find('POST', '/conversations/search').length).toBe(3 + 0);
  });

  it('a reply whose response is lost is found, not sent again', async () => {
    ic.server.inject({ type: 'reset' }, { method: 'POST', path: '/conversations/1003/reply', phase: 'after' });
    const c = await provider().addComment('1003', { body: 'Shipped today', public: true });
    expect(c.body).toBe('Shipped today');
    expect(ic.addedParts('1003', 'comment')).toHaveLength(1);
  });

  it('a reply refused with 503 + Retry-After is sent once more; a 500 is never repeated; a malformed answer after landing is found', async () => {
    ic.server.inject({ type: 'status', status: 500 }, { method: 'POST', path: '/conversations/1004/reply' });
    expect(await provider().addComment('1004', { body: 'maybe', public: true }).catch((e: unknown) => e)).toBeInstanceOf(UncertainWriteError);
    expect(ic.addedParts('1004', 'comment')).toHaveLength(0);
    ic.server.inject({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { method: 'POST', path: '/conversations/1004/reply' });
    await provider().addComment('1004', { body: 'try again', public: true });
    expect(ic.addedParts('1004', 'comment')).toHaveLength(1);
    ic.server.inject({ type: 'malformed' }, { method: 'POST', path: '/conversations/1004/reply', phase: 'after' });
    const n = await provider().addComment('1004', { body: 'note text', public: false });
    expect(n.public).toBe(false);
    expect(ic.addedParts('1004', 'note')).toHaveLength(1);
  });

  it('30 replies, 4 at a time, through every kind of fault: each conversation gets one, or none with the outcome reported unknown', async () => {
    const ids = [...ic.conversations.keys()].slice(0, 30);
    const expected = injectWriteFaults(ic.server, ids, (id) => `/conversations/${id}/reply`);
    const p = provider();
    const results = await inParallel(ids, 4, (id) => p.addComment(id, { body: `Bulk notice for ${id}`, public: true }).catch((e: unknown) => e));
    ids.forEach((id, i) => {
      const sent = ic.addedParts(id, 'comment').map((x) => x.body);
      if (expected.get(id) === 'once') {
        expect((results[i] as { ticketId?: string }).ticketId, id).toBe(id);
        expect(sent, id).toEqual([`<p>Bulk notice for ${id}</p>`]);
      } else {
        expect(results[i], id).toBeInstanceOf(UncertainWriteError);
        expect(sent, id).toEqual([]);
      }
    });
  });

  it('bad credentials: AuthError with exit code 4 and a hint', async () => {
    const err = await provider({ token: 'bad-token-xyz' })
      .getTicket('1001')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).message).toMatch(/Intercom refused the credentials \(401 Unauthorized\): Access Token Invalid/);
    expect((err as AuthError).hint).toMatch(/access token of profile 'test'/);
  });
});

describe('Intercom: regions', () => {
  it('picks the API host from the region; url overrides; unknown regions are config errors', () => {
    expect(intercomBaseUrl(undefined, undefined, 'p')).toBe('https://api.intercom.io');
    expect(intercomBaseUrl('eu', undefined, 'p')).toBe('https://api.eu.intercom.io');
    expect(intercomBaseUrl('AU', undefined, 'p')).toBe('https://api.au.intercom.io');
    expect(intercomBaseUrl('eu', 'http://127.0.0.1:9', 'p')).toBe('http://127.0.0.1:9');
    expect(() => intercomBaseUrl('mars', undefined, 'p')).toThrow(ConfigError);
  });
});

describe('Intercom: Tickets (workspaces with ticketing)', () => {
  beforeEach(() => {
    ic.seedTickets(8);
  });

  it('are listed beside conversations as t<id> when the workspace has customer tickets', async () => {
    const all = await collect(provider().listTickets({}));
    const tickets = all.filter((t) => t.id.startsWith('t'));
    expect(tickets.map((t) => t.id).sort()).toEqual(['t7001', 't7002', 't7003', 't7004', 't7005', 't7006', 't7007', 't7008']);
    for (const t of tickets) TicketSchema.parse(t);
    expect(tickets.find((t) => t.id === 't7002')).toMatchObject({ subject: 'Ticket 2: cannot log in', status: 'pending', assignee: { id: '992' }, priority: 'none' });
    expect(tickets.find((t) => t.id === 't7003')).toMatchObject({ status: 'solved', group: 'Tech', assignee: null });
    expect(tickets.find((t) => t.id === 't7004')!.status).toBe('new');
    expect((ic.server.find('POST', '/tickets/search')[0]!.json as { query: unknown }).query).toEqual({ field: 'category', operator: '=', value: 'request' });
  });

  it('filters: searched by assignee and dates, status locally; a tag filter leaves tickets out', async () => {
    const p = provider();
    const pending = await collect(p.listTickets({ status: ['pending'], assigneeIds: ['992'] }));
    expect(pending.filter((t) => t.id.startsWith('t')).map((t) => t.id).sort()).toEqual(['t7002', 't7006']);
    const search = ic.server.find('POST', '/tickets/search').at(-1)!.json as { query: { value: unknown[] } };
    expect(search.query.value).toContainEqual({ field: 'admin_assignee_id', operator: 'IN', value: ['992'] });
    const before = ic.server.find('POST', '/tickets/search').length;
    const tagged = await collect(p.listTickets({ tags: ['vip'] }));
    expect(tagged.some((t) => t.id.startsWith('t'))).toBe(false);
    expect(ic.server.find('POST', '/tickets/search')).toHaveLength(before);
  });

  it('tickets=off leaves them out without asking', async () => {
    const all = await collect(provider({ tickets: 'off' }).listTickets({}));
    expect(all.some((t) => t.id.startsWith('t'))).toBe(false);
    expect(ic.server.find('GET', '/ticket_types')).toHaveLength(0);
  });

  it('show: description and parts', async () => {
    const p = provider();
    const t = await p.getTicket('t7002');
    expect(t.firstResponseAt).toBe(new Date((Date.parse('2026-11-10T08:00:00Z') / 1000 + 2 * 3600 + 900) * 1000).toISOString());
    expect((await p.listComments('t7002')).map((c) => [c.authorRole, c.public, c.body])).toEqual([
      ['customer', true, 'Login fails for user 2'],
      ['agent', true, 'Reset link sent (2)'],
    ]);
    await expect(p.getTicket('t9999')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('update: state by category, admin and team assignment, tags', async () => {
    const p = provider();
    const t = await p.updateTicket('t7001', { status: 'solved', assigneeId: '993', group: 'Billing', addTags: ['vip'] });
    expect(t).toMatchObject({ id: 't7001', status: 'solved', assignee: { id: '993' }, group: 'Billing' });
    const puts = ic.server.find('PUT', '/tickets/7001').map((r) => r.json);
    expect(puts).toEqual([{ ticket_state_id: '8004' }, { admin_id: 991, assignee_id: '993' }, { admin_id: 991, assignee_id: '55' }]);
    expect(ic.tickets.get('7001')!.tagIds).toEqual(['7']);
    await p.updateTicket('t7001', { status: 'pending', removeTags: ['vip', 'bug'] });
    expect(ic.tickets.get('7001')).toMatchObject({ state: 'waiting_on_customer', tagIds: [] });
  });

  it('reply and note; a lost response is not sent twice', async () => {
    ic.server.inject({ type: 'reset' }, { method: 'POST', path: '/tickets/7005/reply', phase: 'after' });
    const p = provider();
    const reply = await p.addComment('t7005', { body: 'We reset your password.', public: true });
    expect(reply).toMatchObject({ ticketId: 't7005', public: true, body: 'We reset your password.', author: { id: '991' } });
    const note = await p.addComment('t7005', { body: 'customer on old app', public: false });
    expect(note).toMatchObject({ public: false, body: 'customer on old app' });
    expect(ic.addedTicketParts('7005', 'comment')).toHaveLength(1);
    expect(ic.addedTicketParts('7005', 'note')).toHaveLength(1);
  });
});

describe('Intercom: request budgets of show, reply and update (docs/request-budgets.md)', () => {
  it('tickets show, reply and update, after the directory is read', async () => {
    const p = provider();
    await p.listAgents();
    await p.listGroups();
    await p.currentAgent();
    const id = [...ic.conversations.keys()][5]!;
    ic.server.clearLog();
    await p.getTicket(String(id));
    await p.listComments(String(id));
    // the conversation holds its thread: one read serves both
    expect(requestTally(ic.server.requests)).toEqual({ [`GET /conversations/${id}`]: 1 });
    ic.server.clearLog();
    await p.addComment(String(id), { body: 'Budgeted reply.', public: true });
    expect(requestTally(ic.server.requests)).toEqual({ [`POST /conversations/${id}/reply`]: 1 });
    ic.server.clearLog();
    await p.updateTicket(String(id), { status: 'solved' });
    expect(requestTally(ic.server.requests)).toEqual({ [`POST /conversations/${id}/parts`]: 1, [`GET /conversations/${id}`]: 1 });
    ic.server.clearLog();
    await p.updateTicket(String(id), { status: 'pending', addTags: ['budget'] });
    // the current tags, the tag directory (once) and the new tag, the tag, the status, the read-back
    expect(requestTally(ic.server.requests)).toEqual({ [`GET /conversations/${id}`]: 2, 'GET /tags': 1, 'POST /tags': 1, [`POST /conversations/${id}/tags`]: 1, [`POST /conversations/${id}/parts`]: 1 });
  });
});
