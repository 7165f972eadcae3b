/**
 * Freshdesk provider against a fake Freshdesk that follows the documented shapes, with every request
 * checked against ../shared/api-specs/freshdesk (unofficial; see the relaxations below) and faults
 * injected: 429 + Retry-After, 500s, connection resets, malformed JSON, 401.
 */
import { UncertainWriteError } from '../../src/providers/http.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/config/config-store.js';
import { resolvePaths } from '../../src/config/paths.js';
import type { Profile } from '../../src/config/profile.js';
import { collect, type HelpdeskProvider } from '../../src/providers/provider.js';
import { createProvider } from '../../src/providers/registry.js';
import { AuthError, ExitCode, NotFoundError, UsageError } from '../../src/errors.js';
import { createIO } from '../../src/output/io.js';
import { redact } from '../../src/output/redact.js';
import { FreshdeskFake } from '../support/freshdesk-fake.js';
import { loadSpec, type SpecValidator } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';
import { requestTally } from '../support/request-budget.js';
import { findTickets } from '../../src/tickets/service.js';

const API_KEY = 'fd-contract-key-123';
let fd: FreshdeskFake;
let spec: SpecValidator;
const SPEC_FILE = 'freshdesk/freshdesk-rest-api-openapi.yml';
/** Requests and fake bodies are checked against the vendor's description when it is there. */
const checkSpec = !mustSkip('Freshdesk contract tests: checks against the vendor API description', specPrereq(SPEC_FILE));
let home: string;
let stderr: string[];

const NOW = Date.parse('2026-11-25T09:00:00Z');

async function provider(profileExtra: Partial<Profile> = {}, key = API_KEY): Promise<HelpdeskProvider> {
  const paths = resolvePaths({ DESKCTL_HOME: home });
  const config = await ConfigStore.open(paths);
  const profile: Profile = { provider: 'freshdesk', url: fd.url, rateLimit: 60_000, options: { retryBaseMs: 5 }, ...profileExtra };
  await config.setProfile('fd', profile);
  await config.setSecret('fd', 'token', key);
  const sink = new Writable({ write: (chunk, _enc, cb) => (stderr.push(String(chunk)), cb()) });
  const io = createIO({ stderr: sink, stdout: sink, env: {}, verbose: true });
  return createProvider({ profileName: 'fd', profile, config, paths, clock: { now: () => new Date(NOW) }, io });
}

/**
 * Every request must match the description, except where the description disagrees with Freshdesk's
 * documentation: `include` takes a comma-separated list; the filter endpoint takes `page` (1-10);
 * `responder_id`/`group_id` null clears the field; GET /agents/me exists.
 */
function assertRequestsMatchSpec(): void {
  if (!checkSpec) return;
  spec.assertRequests(
    fd.server.requests.map((r) => {
      const q = new URLSearchParams(r.query);
      const include = q.get('include');
      if (include?.includes(',')) q.set('include', include.split(',')[0]!);
      if (r.path.endsWith('/search/tickets')) q.delete('page');
      let body = r.json;
      if (r.method === 'PUT' && body && typeof body === 'object') body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
      return { method: r.method, path: r.path.replace(/^\/api\/v2/, ''), query: q, headers: r.headers as Record<string, string>, body };
    }),
    { ignore: (r) => r.path === '/agents/me' },
  );
}

beforeAll(async () => {
  if (checkSpec) spec = await loadSpec(SPEC_FILE);
  fd = await FreshdeskFake.start({ apiKey: API_KEY });
  fd.now = () => NOW;
});

afterAll(async () => {
  await fd.close();
});

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'deskctl-fd-'));
  stderr = [];
  fd.tickets.clear();
  fd.contacts.clear();
  fd.agents.clear();
  fd.groups.clear();
  fd.conversations.length = 0;
  fd.ratings.length = 0;
  fd.maxListPages = 300;
  fd.seedDemo(30, NOW - 86_400_000);
});

afterEach(() => {
  fd.server.clearFaults();
  fd.server.clearLog();
  fd.server.rateLimit(null);
  rmSync(home, { recursive: true, force: true });
});

describe('freshdesk: reading', () => {
  it('lists every ticket by updated_since with requester and stats, mapped to the domain', async () => {
    const p = await provider();
    const tickets = await collect(p.listTickets({}));
    expect(tickets).toHaveLength(30);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(30);
    const t1 = tickets.find((t) => t.id === '1')!;
    const raw = fd.tickets.get(1)!;
    expect(t1.status).toBe('open');
    expect(t1.priority).toBe('low');
    expect(t1.channel).toBe('email');
    expect(t1.requester.email).toBe(fd.contacts.get(raw.requester_id)!.email);
    expect(t1.assignee?.name).toBe('Ana Agent');
    expect(t1.url).toBe(`${fd.url}/a/tickets/1`);
    // status 6 (custom) -> on_hold, 4 -> solved with solvedAt from stats
    expect(tickets.find((t) => t.id === '6')!.status).toBe('on_hold');
    const solved = tickets.find((t) => t.id === '3')!;
    expect(solved.status).toBe('solved');
    expect(solved.solvedAt).toBe(fd.tickets.get(3)!.stats.resolved_at);
    const listCalls = fd.server.find('GET', '/api/v2/tickets');
    expect(listCalls[0]!.query.get('updated_since')).toBe('2000-01-01T00:00:00Z');
    expect(listCalls[0]!.query.get('include')).toBe('requester,stats');
    assertRequestsMatchSpec();
    await p.close();
  });

  it('pushes created-since into updated_since and filters the rest locally', async () => {
    const p = await provider();
    const since = new Date(NOW - 20 * 86_400_000);
    const tickets = await collect(p.listTickets({ createdSince: since, channel: ['phone'] }));
    const expected = [...fd.tickets.values()].filter((t) => Date.parse(t.created_at) >= since.getTime() && t.source === 3);
    expect(tickets.map((t) => t.id).sort()).toEqual(expected.map((t) => String(t.id)).sort());
    expect(fd.server.find('GET', '/api/v2/tickets')[0]!.query.get('updated_since')).toBe(since.toISOString());
  });

  it('restarts from the last updated_at when the list endpoint stops serving pages', async () => {
    fd.tickets.clear();
    for (let i = 1; i <= 450; i++) fd.addTicket({ id: i, requester_id: 501, created_at: new Date(NOW - (500 - i) * 60_000).toISOString() });
    fd.maxListPages = 2;
    const p = await provider({ options: { retryBaseMs: 5, listMaxPages: 2 } });
    const tickets = await collect(p.listTickets({ updatedSince: new Date(NOW - 30 * 86_400_000) }));
    expect(tickets).toHaveLength(450);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(450);
    expect(stderr.join('')).toMatch(/continuing from/);
    // never asked for a page the endpoint refuses
    expect(fd.server.requests.every((r) => r.status !== 400)).toBe(true);
  });

  it('without dates lists newest first, and past the page cap reads the older rest by creation day', async () => {
    fd.tickets.clear();
    // 450 tickets over 45 days, 10 a day
    for (let i = 1; i <= 450; i++) fd.addTicket({ id: i, requester_id: 501, created_at: new Date(NOW - (451 - i) * 2.4 * 3_600_000).toISOString() });
    fd.maxListPages = 2;
    const p = await provider({ options: { retryBaseMs: 5, listMaxPages: 2 } });
    const first = await collect(p.listTickets({}), 5);
    expect(first.map((t) => t.id)).toEqual(['450', '449', '448', '447', '446']);
    const tickets = await collect(p.listTickets({}));
    expect(tickets).toHaveLength(450);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(450);
    expect(stderr.join('')).toMatch(/by day/);
    expect(fd.server.requests.every((r) => r.status !== 400)).toBe(true);
  });

  it('uses the filter endpoint for status/priority/group/tag filters', async () => {
    const p = await provider();
    const tickets = await collect(p.listTickets({ status: ['open', 'pending'], group: ['billing'], tags: ['delivery'] }));
    const expected = [...fd.tickets.values()].filter((t) => [2, 3].includes(t.status) && t.group_id === 10 && t.tags.includes('delivery'));
    expect(tickets.map((t) => t.id).sort()).toEqual(expected.map((t) => String(t.id)).sort());
    expect(expected.length).toBeGreaterThan(0);
    const search = fd.server.find('GET', '/api/v2/search/tickets');
    expect(search.length).toBeGreaterThan(0);
    expect(search[0]!.query.get('query')).toMatch(/^"\(status:2 OR status:3\) AND group_id:10 AND tag:'delivery' AND created_at:>'2010-01-01' AND created_at:<'2026-11-25'"$/);
    // requesters resolved through the contacts endpoint, once per contact
    const contactCalls = fd.server.find('GET', /^\/api\/v2\/contacts\//);
    expect(new Set(contactCalls.map((c) => c.path)).size).toBe(contactCalls.length);
    expect(tickets[0]!.requester.email).toMatch(/@example\.com$/);
    assertRequestsMatchSpec();
  });

  it('splits a filter query by creation day when it matches more than 300 tickets', async () => {
    fd.tickets.clear();
    // 700 open tickets over 70 days, 10 a day
    for (let i = 1; i <= 700; i++) fd.addTicket({ id: i, status: 2, requester_id: 501, created_at: new Date(NOW - Math.ceil(i / 10) * 86_400_000 + 3_600_000).toISOString() });
    const p = await provider();
    const tickets = await collect(p.listTickets({ status: ['open'] }));
    expect(tickets).toHaveLength(700);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(700);
    const search = fd.server.find('GET', '/api/v2/search/tickets');
    expect(search.every((r) => Number(r.query.get('page') ?? 1) <= 10)).toBe(true);
    expect(search.some((r) => /created_at:>'20\d\d-\d\d-\d\d' AND created_at:<'/.test(r.query.get('query')!))).toBe(true);
  });

  it('falls back to the list endpoint for a single day with more than 300 matches', async () => {
    fd.tickets.clear();
    const day = NOW - 3 * 86_400_000;
    for (let i = 1; i <= 320; i++) fd.addTicket({ id: i, status: 3, requester_id: 501, created_at: new Date(day + i * 1000).toISOString() });
    fd.addTicket({ id: 999, status: 3, requester_id: 501, created_at: new Date(NOW - 86_400_000).toISOString() });
    const p = await provider();
    const tickets = await collect(p.listTickets({ status: ['pending'] }));
    expect(tickets.map((t) => Number(t.id)).sort((a, b) => a - b)).toEqual([...Array.from({ length: 320 }, (_, i) => i + 1), 999]);
  });

  it('shows a ticket, its description and conversations in order, notes private', async () => {
    const p = await provider();
    const t = await p.getTicket('2');
    expect(t.subject).toBe(fd.tickets.get(2)!.subject);
    const comments = await p.listComments('2');
    expect(comments[0]!.id).toBe('2-description');
    expect(comments[0]!.authorRole).toBe('customer');
    const note = comments.find((c) => !c.public)!;
    expect(note.body).toBe('checked the warehouse');
    expect(note.author.name).toBe('Ben Agent');
    for (let i = 1; i < comments.length; i++) expect(Date.parse(comments[i]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(comments[i - 1]!.createdAt));
    await expect(p.getTicket('424242')).rejects.toBeInstanceOf(NotFoundError);
    await expect(p.getTicket('abc')).rejects.toBeInstanceOf(UsageError);
    assertRequestsMatchSpec();
  });

  it('reads satisfaction ratings on a 1-5 scale and agents, groups, me', async () => {
    const p = await provider();
    const ratings = await collect(p.listRatings({ since: new Date(NOW - 90 * 86_400_000) }));
    expect(ratings).toHaveLength(fd.ratings.length);
    const byAnswer = new Map(fd.ratings.map((r) => [String(r.ticket_id), r.default_question]));
    for (const r of ratings) {
      const answer = byAnswer.get(r.ticketId)!;
      expect(r.score >= 4).toBe(answer > 100);
      expect(r.scale).toEqual({ min: 1, max: 5 });
    }
    const agents = await p.listAgents();
    expect(agents.map((a) => a.email).sort()).toEqual(['ana@acme.test', 'ben@acme.test', 'cleo@acme.test']);
    expect(agents.find((a) => a.id === '1')!.group).toBe('Billing');
    expect((await p.listGroups()).map((g) => g.name)).toEqual(['Billing', 'Shipping']);
    expect((await p.currentAgent())?.email).toBe('ana@acme.test');
    assertRequestsMatchSpec();
  });
});

describe('freshdesk: --limit reads only what it needs', () => {
  it('tickets list --status all --limit 1 asks the list endpoint for 2 tickets (one more says whether there are more)', async () => {
    const p = await provider();
    fd.server.clearLog();
    const report = { more: false };
    const got = await findTickets(p, {}, { limit: 1, report });
    expect(got).toHaveLength(1);
    expect(report.more).toBe(true);
    expect(requestTally(fd.server.requests)['GET /api/v2/tickets']).toBe(1);
    expect(fd.server.find('GET', '/api/v2/tickets').map((r) => r.query.get('per_page'))).toEqual(['2']);
    assertRequestsMatchSpec();
    await p.close();
  });

  it('reading on after the small first page gives every ticket once, newest first', async () => {
    const p = await provider();
    const all = await collect(p.listTickets({}));
    fd.server.clearLog();
    const got = await collect(p.listTickets({}, { wanted: 4 }));
    expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id));
    expect(fd.server.find('GET', '/api/v2/tickets').map((r) => r.query.get('per_page'))).toEqual(['4', '100']);
    await p.close();
  });
});

describe('freshdesk: writing', () => {
  it('updates status, priority, assignee, group and tags with one PUT', async () => {
    const p = await provider();
    const before = fd.tickets.get(2)!.tags.slice();
    const t = await p.updateTicket('2', { status: 'solved', priority: 'urgent', assigneeId: '3', group: 'shipping', addTags: ['refund'], removeTags: [before[0]!] });
    const puts = fd.server.find('PUT', '/api/v2/tickets/2');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.json).toEqual({ status: 4, priority: 4, responder_id: 3, group_id: 11, tags: [...before.slice(1), 'refund'] });
    expect(t.status).toBe('solved');
    expect(t.priority).toBe('urgent');
    expect(t.assignee?.id).toBe('3');
    expect(t.group).toBe('Shipping');
    expect(t.tags).toContain('refund');
    await p.updateTicket('2', { assigneeId: null });
    expect(fd.tickets.get(2)!.responder_id).toBeNull();
    assertRequestsMatchSpec();
  });

  it('refuses an unknown group and priority none before sending anything', async () => {
    const p = await provider();
    await expect(p.updateTicket('2', { group: 'nope' })).rejects.toThrow(/no Freshdesk group named 'nope'/);
    await expect(p.updateTicket('2', { priority: 'none' })).rejects.toBeInstanceOf(UsageError);
    expect(fd.server.find('PUT')).toHaveLength(0);
  });

  it('replies publicly and adds private notes', async () => {
    const p = await provider();
    const reply = await p.addComment('4', { body: 'Hello,\n\nyour refund is on its way.', public: true });
    const note = await p.addComment('4', { body: 'refund issued', public: false, authorId: '2' });
    expect(reply.public).toBe(true);
    expect(reply.authorRole).toBe('agent');
    expect(reply.body).toContain('your refund is on its way.');
    expect(note.public).toBe(false);
    expect(note.author.email).toBe('ben@acme.test');
    expect(fd.server.find('POST', '/api/v2/tickets/4/reply')[0]!.json).toEqual({ body: '<p>Hello,</p><p>your refund is on its way.</p>' });
    expect(fd.server.find('POST', '/api/v2/tickets/4/notes')[0]!.json).toEqual({ body: '<p>refund issued</p>', private: true, user_id: 2 });
    assertRequestsMatchSpec();
  });
});

describe('freshdesk: faults', () => {
  it('waits out 429 + Retry-After and 500s on reads', async () => {
    const p = await provider();
    fd.server.inject({ type: '429', retryAfter: 1 }, { path: '/api/v2/tickets' });
    fd.server.inject({ type: 'status', status: 500 }, { path: '/api/v2/agents', times: 2 });
    fd.server.inject({ type: 'malformed' }, { path: '/api/v2/groups', phase: 'after' });
    fd.server.inject({ type: 'reset' }, { path: '/api/v2/tickets', skip: 1 });
    const tickets = await collect(p.listTickets({}));
    expect(tickets).toHaveLength(30);
    const first = fd.server.find('GET', '/api/v2/tickets');
    expect(first[0]!.status).toBe(429);
    expect(first[1]!.at - first[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('a reply whose response is lost is not sent twice (reset, 500 and malformed JSON after it landed)', async () => {
    const p = await provider();
    // the landed reply is matched against the wall-clock time of the POST (the helpdesk's clock, not
    // DESKCTL_NOW): the fake stamps it with the real time, as Freshdesk would
    const fixedNow = fd.now;
    fd.now = () => Date.now();
    try {
      for (const fault of [{ type: 'reset' }, { type: 'status', status: 502 }, { type: 'malformed' }] as const) {
        fd.server.clearFaults();
        fd.server.inject(fault, { method: 'POST', path: '/api/v2/tickets/5/reply', phase: 'after' });
        const body = `landed once (${fault.type})`;
        const c = await p.addComment('5', { body, public: true });
        expect(c.body).toBe(body);
        expect(fd.conversationsOf(5).filter((x) => x.body_text === body)).toHaveLength(1);
      }
    } finally {
      fd.now = fixedNow;
    }
  });

  it('a reply refused in a way that proves nothing was applied (503 with Retry-After, 429) is sent again exactly once', async () => {
    const p = await provider();
    for (const fault of [{ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { type: '429', retryAfter: 1 }] as const) {
      fd.server.clearFaults();
      fd.server.inject(fault, { method: 'POST', path: '/api/v2/tickets/7/notes' });
      const body = `sent after ${fault.type}`;
      const c = await p.addComment('7', { body, public: false });
      expect(c.public).toBe(false);
      expect(fd.conversationsOf(7).filter((x) => x.body_text === body)).toHaveLength(1);
    }
  });

  it('a reply whose outcome is unknown (reset before it landed) is not sent again', async () => {
    const p = await provider({ options: { retryBaseMs: 5, settleMs: 10, settleChecks: 2 } });
    fd.server.inject({ type: 'reset' }, { method: 'POST', path: '/api/v2/tickets/7/notes' });
    const err = await p.addComment('7', { body: 'maybe sent', public: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UncertainWriteError);
    expect(fd.conversationsOf(7).filter((x) => x.body_text === 'maybe sent')).toHaveLength(0);
    expect(fd.server.find('POST', '/api/v2/tickets/7/notes')).toHaveLength(1);
  });

  it('bad credentials are an auth error (exit 4) that never shows the key', async () => {
    const p = await provider({}, 'wrong-key-987');
    const err = await p.getTicket('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).message).toMatch(/Freshdesk refused the credentials/);
    expect(redact(`${(err as AuthError).message} ${(err as AuthError).hint} ${(err as AuthError).detail}`)).not.toContain('wrong-key-987');
    expect(stderr.join('')).not.toContain('wrong-key-987');
  });

  it('a profile without URL or key is a config error (exit 4)', async () => {
    await expect(provider({ url: undefined })).rejects.toThrow(/has no Freshdesk URL/);
    const paths = resolvePaths({ DESKCTL_HOME: home });
    const config = await ConfigStore.open(paths);
    const profile: Profile = { provider: 'freshdesk', url: fd.url, tokenEnv: 'DESKCTL_TEST_NO_SUCH_VAR' };
    const io = createIO({ env: {} });
    const err = await createProvider({ profileName: 'nokey', profile, config, paths, clock: { now: () => new Date(NOW) }, io }).catch((e: unknown) => e);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).hint).toMatch(/DESKCTL_TEST_NO_SUCH_VAR/);
    await expect(provider({ url: 'http://acme.freshdesk.com' })).rejects.toThrow(/refusing plain http/);
  });
});

describe.runIf(checkSpec)('freshdesk: the fake follows the description', () => {
  it('fake responses validate against the (unofficial) description', async () => {
    // the description's status enum lacks the account-defined custom statuses (6+) the documentation has
    for (const t of fd.tickets.values()) if (t.status > 5) t.status = 3;
    const p = await provider();
    await collect(p.listTickets({}));
    await collect(p.listTickets({ status: ['open'] }));
    await p.listComments('2');
    await collect(p.listRatings({}));
    await p.listAgents();
    const checked = new Set<string>();
    for (const r of [...fd.server.requests]) {
      if (r.status !== 200 || r.path === '/api/v2/agents/me') continue;
      const res = await fetch(`${fd.url}${r.path}?${r.query.toString()}`, { headers: { authorization: String(r.headers.authorization) } });
      const path = r.path.replace(/^\/api\/v2/, '');
      spec.assertResponse('GET', path, 200, await res.json());
      checked.add(spec.operationId('GET', path)!);
    }
    expect([...checked].sort()).toEqual(['getContact', 'getTicket', 'listAgents', 'listGroups', 'listSatisfactionRatings', 'listTicketConversations', 'listTickets', 'searchTickets'].sort());
  });
});

describe('freshdesk: concurrency under a server rate limit', () => {
  it('concurrent replies beyond the server limit all land exactly once', async () => {
    const p = await provider();
    await p.listAgents();
    fd.server.rateLimit({ limit: 6, windowMs: 1000, headers: (remaining) => ({ 'x-ratelimit-total': '6', 'x-ratelimit-remaining': String(remaining) }) });
    const ids = ['8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19'];
    const results = await Promise.all(ids.map((id) => p.addComment(id, { body: `batch reply ${id}`, public: true })));
    expect(results).toHaveLength(12);
    for (const id of ids) expect(fd.conversationsOf(Number(id)).filter((c) => c.body_text === `batch reply ${id}`)).toHaveLength(1);
    expect(fd.server.rateLimited).toBeGreaterThan(0);
  });
});

describe('freshdesk: request budgets (docs/request-budgets.md)', () => {
  it('tickets show, reply and update, after the directory is read', async () => {
    const p = await provider();
    await p.listAgents();
    await p.listGroups();
    await p.currentAgent();
    fd.server.clearLog();
    // show: the ticket (with its requester) serves listComments too
    await p.getTicket('2');
    await p.listComments('2');
    expect(requestTally(fd.server.requests)).toEqual({ 'GET /api/v2/tickets/2': 1, 'GET /api/v2/tickets/2/conversations': 1 });
    fd.server.clearLog();
    await p.addComment('2', { body: 'Budgeted reply.', public: true });
    expect(requestTally(fd.server.requests)).toEqual({ 'POST /api/v2/tickets/2/reply': 1 });
    fd.server.clearLog();
    await p.updateTicket('2', { status: 'pending', addTags: ['budget'] });
    // the current tags (Freshdesk replaces the list), one PUT with every change, the read-back
    expect(requestTally(fd.server.requests)).toEqual({ 'GET /api/v2/tickets/2': 2, 'PUT /api/v2/tickets/2': 1 });
    await p.close();
  });
});
