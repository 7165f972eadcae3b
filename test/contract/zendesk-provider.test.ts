/**
 * Zendesk provider against a fake Zendesk that follows the OpenAPI description: every request the provider
 * makes is validated against ../shared/api-specs/zendesk/support-oas.yaml (path, method, required parameters,
 * body schema), and the fake's responses are validated against it too.
 */
import { UncertainWriteError } from '../../src/providers/http.js';
import type { Comment } from '../../src/domain/model.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/config/profile.js';
import { collect, type HelpdeskProvider } from '../../src/providers/provider.js';
import { NotFoundError, UsageError } from '../../src/errors.js';
import { FakeZendesk, ZENDESK_DOCUMENTED, zendeskProvider, zendeskSpecRequests } from '../support/fake-zendesk.js';
import { loadSpec, type SpecValidator, type SpecRequest } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';
import { requestTally } from '../support/request-budget.js';
import { findTickets } from '../../src/tickets/service.js';

let zd: FakeZendesk;
let spec: SpecValidator;
const SPEC_FILE = 'zendesk/support-oas.yaml';
/** Requests and fake bodies are checked against the vendor's description when it is there. */
const checkSpec = !mustSkip('Zendesk contract tests: checks against the vendor API description', specPrereq(SPEC_FILE));
let home: string;
let stderr: string[];
const NOW = Date.parse('2026-11-25T09:00:00Z');

/** Endpoints documented by Zendesk but absent from the OAS snapshot. */
const NOT_IN_OAS = (r: SpecRequest) => r.path === '/api/v2/guide/survey_responses' || r.path.startsWith('/oauth/');

const provider = (extra: Partial<Profile> = {}) => zendeskProvider(zd, home, extra, stderr);

/** The same nullable-enum reading for response bodies: tickets without priority carry `priority: null`. */
function withoutNullPriority(body: unknown): unknown {
  const strip = (t: unknown) => {
    if (t && typeof t === 'object' && (t as { priority?: unknown }).priority === null) delete (t as { priority?: unknown }).priority;
  };
  const b = body as { ticket?: unknown; tickets?: unknown[]; results?: unknown[] };
  strip(b.ticket);
  b.tickets?.forEach(strip);
  b.results?.forEach(strip);
  return body;
}

function assertRequestsMatchSpec(): void {
  if (!checkSpec) return;
  spec.assertRequests(zendeskSpecRequests(zd.server.requests), { ignore: NOT_IN_OAS, documented: ZENDESK_DOCUMENTED });
}

beforeAll(async () => {
  if (checkSpec) spec = await loadSpec(SPEC_FILE);
  zd = await FakeZendesk.start({ tickets: 240 });
}, 120_000);

afterAll(async () => {
  await zd.close();
});

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'deskctl-zd-'));
  stderr = [];
  zd.server.clearLog();
  zd.server.clearFaults();
  zd.server.rateLimit(null);
  zd.admin = true;
});

afterEach(() => {
  assertRequestsMatchSpec();
  rmSync(home, { recursive: true, force: true });
});

describe.runIf(checkSpec)('fake responses follow the description', () => {
  it('validates the fake Zendesk bodies against the OAS', async () => {
    const p = await provider();
    await collect(p.listTickets({}), 10);
    await p.getTicket('5');
    await p.listComments('5');
    await p.listAgents();
    await p.currentAgent();
    await collect(p.listTickets({ status: ['open'] }), 5);
    await collect(p.listTickets({ updatedSince: new Date('2026-10-02T00:00:00Z') }), 5);
    await p.updateTicket('6', { status: 'pending', addTags: ['x1'] });
    await collect(p.listRatings({}));
    await p.close();
    // replay each kind of request and validate the body the fake returned
    const seen = new Set<string>();
    for (const r of zd.server.requests) {
      const op = spec.operationId(r.method, r.path);
      if (!op || seen.has(op) || NOT_IN_OAS(r)) continue;
      seen.add(op);
      const res = await fetch(`${zd.url}${r.path}?${r.query}`, {
        method: r.method,
        headers: { authorization: String(r.headers.authorization), 'content-type': 'application/json' },
        body: r.method === 'GET' ? undefined : r.body,
      });
      spec.assertResponse(r.method, r.path, res.status, withoutNullPriority(await res.json()));
    }
    // tag changes ride in the ticket PUT: PutTagsTicket/DeleteTagsTicket (no body declared there) are never used
    expect(seen.has('PutTagsTicket') || seen.has('DeleteTagsTicket')).toBe(false);
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['ListTickets', 'ShowTicket', 'ListTicketComments', 'ListUsers', 'ShowCurrentUser', 'ExportSearchResults', 'IncrementalTicketExportCursor', 'UpdateTicket', 'TicketsShowMany', 'ListSatisfactionRatings', 'ListGroups']),
    );
  });
});

describe('tickets', () => {
  it('lists every ticket with mapped statuses, priorities, channels, people, groups and metrics', async () => {
    const p = await provider();
    const all = await collect(p.listTickets({}));
    expect(all).toHaveLength(240);
    const byId = new Map(all.map((t) => [t.id, t]));
    const t4 = byId.get('4')!; // i=3: status hold, priority urgent, via voice
    expect(t4.status).toBe('on_hold');
    expect(t4.priority).toBe('urgent');
    expect(t4.channel).toBe('phone');
    expect(byId.get('5')!.priority).toBe('none'); // i=4: null priority
    expect(byId.get('1')!.channel).toBe('email');
    expect(byId.get('3')!.channel).toBe('chat');
    expect(byId.get('5')!.channel).toBe('social');
    expect(byId.get('8')!.channel).toBe('other'); // rule
    const t2 = byId.get('2')!; // i=1: assignee 9001 Bob, group Billing, reply after 6 min
    expect(t2.assignee?.name).toBe('Bob Billing');
    expect(t2.group).toBe('Billing');
    expect(t2.requester.email).toBe('customer1@example.org');
    expect(t2.requester.role).toBe('customer');
    expect(Date.parse(t2.firstResponseAt!) - Date.parse(t2.createdAt)).toBe(6 * 60_000);
    const t5 = byId.get('5')!; // i=4: solved
    expect(t5.status).toBe('solved');
    expect(t5.solvedAt).toBe(zd.metrics.get(5)!.solved_at);
    expect(byId.get('1')!.assignee).toBeNull();
    expect(byId.get('10')!.reopenCount).toBe(1); // i=9
    expect(t2.url).toBe(`${zd.url}/agent/tickets/2`);
    expect(t2.customFields).toEqual({ '360001234': 'gold' });
    const lists = zd.server.find('GET', '/api/v2/tickets');
    expect(lists).toHaveLength(3);
    expect(lists[0]!.query.get('include')).toBe('users,groups,metric_sets');
    expect(zd.server.find('GET', '/api/v2/search')).toHaveLength(0);
  });

  it('filters through the search export (filter[type]=ticket), never /api/v2/search', async () => {
    const p = await provider();
    const agents = await p.listAgents();
    const bob = agents.find((a) => a.email === 'bob@acme.test')!;
    const got = await collect(p.listTickets({ status: ['open', 'pending'], tags: ['billing'], assigneeIds: [bob.id] }));
    const expected = [...zd.tickets.values()].filter((t) => ['open', 'pending'].includes(t.status) && t.tags.includes('billing') && t.assignee_id === 9001);
    expect(got.map((t) => t.id).sort()).toEqual(expected.map((t) => String(t.id)).sort());
    const exports = zd.server.find('GET', '/api/v2/search/export');
    expect(exports.length).toBeGreaterThan(0);
    expect(exports[0]!.query.get('filter[type]')).toBe('ticket');
    expect(exports[0]!.query.get('query')).toBe('status>=open status<=pending assignee:9001 tags:billing');
    expect(zd.server.find('GET', '/api/v2/search')).toHaveLength(0);
  });

  it('uses the incremental export for date-bounded lists, and the search export for non-admins', async () => {
    const since = new Date('2026-10-01T20:00:00Z');
    const expected = [...zd.tickets.values()].filter((t) => Date.parse(t.updated_at) >= since.getTime()).length;
    const p = await provider();
    const got = await collect(p.listTickets({ updatedSince: since }));
    expect(got).toHaveLength(expected);
    const inc = zd.server.find('GET', '/api/v2/incremental/tickets/cursor');
    expect(inc[0]!.query.get('start_time')).toBe(String(since.getTime() / 1000));
    expect(inc[0]!.query.get('include')).toBe('users,groups,metric_sets');

    zd.admin = false;
    zd.server.clearLog();
    const p2 = await provider();
    const got2 = await collect(p2.listTickets({ updatedSince: since }));
    expect(got2).toHaveLength(expected);
    expect(zd.server.find('GET', '/api/v2/search/export')[0]!.query.get('query')).toBe(`updated>=${since.toISOString()}`);
    expect(stderr.join('')).toContain('incremental export is not allowed');
  });

  it('shows a ticket, and names a missing one', async () => {
    const p = await provider();
    const t = await p.getTicket('7');
    expect(t.subject).toMatch(/^Ticket 7/);
    await expect(p.getTicket('999999')).rejects.toThrow(NotFoundError);
    await expect(p.getTicket('999999')).rejects.toThrow('ticket 999999 not found');
    await expect(p.getTicket('abc')).rejects.toThrow(/ticket abc not found/);
  });

  it('lists comments with public replies, internal notes and author roles', async () => {
    const p = await provider();
    const cs = await p.listComments('2');
    expect(cs.map((c) => [c.authorRole, c.public])).toEqual([
      ['customer', true],
      ['agent', false],
      ['agent', true],
    ]);
    expect(cs[2]!.author.name).toBe('Bob Billing');
  });

  it('updates status, priority, assignee, group and tags', async () => {
    const p = await provider();
    const t = await p.updateTicket('3', { status: 'on_hold', priority: 'none', assigneeId: '9002', group: 'tier 2', addTags: ['escalated'], removeTags: ['refund'] });
    expect(t.status).toBe('on_hold');
    expect(t.priority).toBe('none');
    expect(t.assignee?.name).toBe('Cy Tier');
    expect(t.group).toBe('Tier 2');
    expect(t.tags).toContain('escalated');
    expect(t.tags).not.toContain('refund');
    // one write: the tag changes ride in the ticket PUT (no separate /tags call)
    const writes = zd.server.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /api/v2/tickets/3']);
    expect(writes[0]!.json).toEqual({ ticket: { status: 'hold', priority: null, assignee_id: 9002, group_id: 360002, additional_tags: ['escalated'], remove_tags: ['refund'] } });
    await expect(p.updateTicket('3', { group: 'Nope' })).rejects.toThrow(UsageError);
    await expect(p.updateTicket('3', { group: 'Nope' })).rejects.toMatchObject({ hint: 'groups: Billing, Support, Tier 2' });
  });

  it('adds public replies and internal notes', async () => {
    const p = await provider();
    const before = zd.bodies(11).length;
    const reply = await p.addComment('11', { body: 'Your parcel left today.', public: true });
    const note = await p.addComment('11', { body: 'Checked with the carrier.', public: false });
    expect(reply.public).toBe(true);
    expect(reply.authorRole).toBe('agent');
    expect(reply.author.name).toBe('Ada Agent');
    expect(note.public).toBe(false);
    expect(zd.bodies(11).length).toBe(before + 2);
    expect(zd.server.find('PUT', '/api/v2/tickets/11')[0]!.json).toEqual({ ticket: { comment: { body: 'Your parcel left today.', public: true } } });
  });

  it('a reply with a status is one PUT (comment and status together)', async () => {
    const p = await provider();
    zd.server.clearLog();
    const reply = await p.addComment('12', { body: 'Replacement on its way.', public: true, status: 'pending' });
    expect(reply.body).toBe('Replacement on its way.');
    const writes = zd.server.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /api/v2/tickets/12']);
    expect(writes[0]!.json).toEqual({ ticket: { comment: { body: 'Replacement on its way.', public: true }, status: 'pending' } });
    expect(zd.tickets.get(12)!.status).toBe('pending');
  });
});

const SHOW_BUDGET = { 'GET /api/v2/tickets/12': 1, 'GET /api/v2/tickets/12/comments': 1 };
/** The reply is a comment in one ticket PUT (a lost response is checked against the latest comments, not repeated). */
const REPLY_BUDGET = { 'PUT /api/v2/tickets/12': 1 };
/** One PUT (status, tags and the rest together), then the ticket read back with its sideloads. */
const REPLY_BUDGET_14 = { 'PUT /api/v2/tickets/14': 1 };
const UPDATE_BUDGET = { 'PUT /api/v2/tickets/12': 1, 'GET /api/v2/tickets/12': 1 };

describe('request budgets (docs/request-budgets.md)', () => {
  it('tickets list --limit 1 asks the search export for 2 (one more says whether there are more), then hydrates those 2', async () => {
    const p = await provider();
    await p.listAgents();
    await p.listGroups();
    zd.server.clearLog();
    const report = { more: false };
    const got = await findTickets(p, { status: ['open', 'pending'] }, { limit: 1, report });
    expect(got).toHaveLength(1);
    expect(report.more).toBe(true);
    const exports = zd.server.find('GET', '/api/v2/search/export');
    expect(exports.map((r) => r.query.get('page[size]'))).toEqual(['2']);
    expect(zd.server.find('GET', '/api/v2/tickets/show_many').map((r) => r.query.get('ids')!.split(',').length)).toEqual([2]);
    const tally = requestTally(zd.server.requests);
    expect(tally['GET /api/v2/search/export']).toBe(1);
    expect(tally['GET /api/v2/tickets/show_many']).toBe(1);
  });

  it('tickets show, reply and update, after the directory is read', async () => {
    const p = await provider();
    await p.listAgents();
    await p.listGroups();
    await p.currentAgent();
    zd.server.clearLog();
    await p.getTicket('12');
    await p.listComments('12');
    expect(requestTally(zd.server.requests)).toEqual(SHOW_BUDGET);
    zd.server.clearLog();
    await p.addComment('12', { body: 'Budgeted reply.', public: true });
    expect(requestTally(zd.server.requests)).toEqual(REPLY_BUDGET);
    zd.server.clearLog();
    await p.updateTicket('12', { status: 'pending', addTags: ['budget'] });
    expect(requestTally(zd.server.requests)).toEqual(UPDATE_BUDGET);
  });

  it('a reply and its ticket changes (the status and tags of a template) are one PUT', async () => {
    const p = await provider();
    await p.listAgents();
    await p.currentAgent();
    zd.server.clearLog();
    await p.addComment('14', { body: 'Budgeted reply with changes.', public: true, changes: { status: 'pending', addTags: ['budget-one-put'] } });
    expect(requestTally(zd.server.requests)).toEqual(REPLY_BUDGET_14);
    const put = zd.server.find('PUT', '/api/v2/tickets/14')[0]!.json as { ticket: Record<string, unknown> };
    expect(put.ticket).toMatchObject({ status: 'pending', additional_tags: ['budget-one-put'], comment: { body: 'Budgeted reply with changes.', public: true } });
    const t = await p.getTicket('14');
    expect(t.status).toBe('pending');
    expect(t.tags).toContain('budget-one-put');
  });

  it('after a small first page the cursor goes on in full pages, missing and repeating nothing', async () => {
    const p = await provider();
    const all = await collect(p.listTickets({}));
    zd.server.clearLog();
    const got = await collect(p.listTickets({}, { wanted: 7 }));
    expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id));
    expect(zd.server.find('GET', '/api/v2/tickets').map((r) => r.query.get('page[size]'))).toEqual(['7', '100', '100', '100']); // 240 tickets: 7 + 100 + 100 + 33
  });
});

describe('satisfaction, people, account', () => {
  it('reads legacy satisfaction ratings when there are no survey responses, and says so in --verbose', async () => {
    zd.surveyResponses = false;
    const p = await provider();
    const ratings = await collect(p.listRatings({ since: new Date('2026-10-01T00:00:00Z') }));
    expect(ratings).toHaveLength(zd.satisfaction.length);
    const good = zd.satisfaction.filter((r) => r.score === 'good').length;
    expect(ratings.filter((r) => r.score === 1)).toHaveLength(good);
    expect(ratings[0]!.scale).toEqual({ min: 0, max: 1 });
    expect(stderr.join('')).toContain('CSAT from legacy satisfaction ratings');
  });

  it('prefers the current CSAT survey responses where the account has them', async () => {
    zd.surveyResponses = true;
    try {
      const p = await provider();
      const ratings = await collect(p.listRatings({ since: new Date('2026-10-01T00:00:00Z') }));
      expect(ratings).toHaveLength(zd.surveys.length);
      expect(ratings[0]!.scale).toEqual({ min: 1, max: 5 });
      expect(ratings.some((r) => r.comment === 'Great help')).toBe(true);
      expect(stderr.join('')).toContain('CSAT from CSAT survey responses');
      expect(zd.server.find('GET', '/api/v2/satisfaction_ratings')).toHaveLength(0);
    } finally {
      zd.surveyResponses = false;
    }
  });

  it('lists agents and groups, knows who "me" is and describes the account', async () => {
    const p = await provider();
    const agents = await p.listAgents();
    expect(agents.map((a) => a.name).sort()).toEqual(['Ada Agent', 'Bob Billing', 'Cy Tier']);
    expect(agents.find((a) => a.name === 'Bob Billing')!.group).toBe('Billing');
    expect((await p.listGroups()).map((g) => g.name)).toEqual(['Billing', 'Support', 'Tier 2']);
    expect((await p.currentAgent())!.email).toBe(zd.agentEmail);
    const info = await p.describeAccount();
    expect(info.account).toBe(`Zendesk ${new URL(zd.url).host}`);
    expect(info.user).toContain('Ada Agent <ada@acme.test> (admin, API token)');
    expect(info.rateLimit).toContain('700/min');
  });
});

describe('faults', () => {
  it('lists completely through 429 (Retry-After), 500s, resets, slow and malformed pages, without duplicates', async () => {
    // faults are taken in order by the matching requests: 429, 500, reset, slow, malformed, 503, then success
    for (const fault of [
      { type: '429', retryAfter: 0 },
      { type: 'status', status: 500 },
      { type: 'reset' },
      { type: 'slow', ms: 800 },
      { type: 'malformed' },
      { type: 'status', status: 503 },
    ] as const) {
      zd.server.inject(fault, { path: '/api/v2/tickets' });
    }
    const p = await provider({ options: { retryBaseMs: 5, timeoutMs: 300, maxRetries: 6 } });
    const all = await collect(p.listTickets({}));
    expect(all).toHaveLength(240);
    expect(new Set(all.map((t) => t.id)).size).toBe(240);
    const faults = zd.server.requests.map((r) => r.fault).filter(Boolean);
    expect(faults).toEqual(expect.arrayContaining(['429', '500', 'reset', 'slow', 'malformed', '503']));
  });

  it('never duplicates a reply: lost responses are checked against the latest comments, an unknown outcome is never re-sent', async () => {
    const p = await provider({ options: { retryBaseMs: 5, timeoutMs: 400, settleMs: 100, settleChecks: 3 } });
    const cases: [string, Parameters<typeof zd.server.inject>[0], 'before' | 'after', 'once' | 'unknown'][] = [
      ['reset after it landed', { type: 'reset' }, 'after', 'once'],
      ['500 after it landed', { type: 'status', status: 500 }, 'after', 'once'],
      ['timeout after it landed', { type: 'slow', ms: 900 }, 'after', 'once'],
      ['malformed answer after it landed', { type: 'malformed' }, 'after', 'once'],
      ['504, applied 300 ms later', { type: 'late', respond: 504, applyAfterMs: 300 }, 'before', 'once'],
      ['timeout, applied 300 ms later', { type: 'late', respond: 'hang', applyAfterMs: 300 }, 'before', 'once'],
      ['reset before it landed', { type: 'reset' }, 'before', 'unknown'],
      ['503 without Retry-After before it landed', { type: 'status', status: 503 }, 'before', 'unknown'],
      ['503 with Retry-After before it landed', { type: 'status', status: 503, headers: { 'retry-after': '0' } }, 'before', 'once'],
      ['429 before it landed', { type: '429', retryAfter: 0 }, 'before', 'once'],
    ];
    for (const [name, fault, phase, outcome] of cases) {
      const id = 20;
      const body = `Reply for case: ${name}`;
      zd.server.inject(fault, { method: 'PUT', path: `/api/v2/tickets/${id}`, phase });
      const c = await p.addComment(String(id), { body, public: true }).catch((e: unknown) => e);
      if (outcome === 'once') {
        expect((c as Comment).body, name).toBe(body);
        expect(zd.bodies(id).filter((b) => b === body), name).toHaveLength(1);
      } else {
        expect(c, name).toBeInstanceOf(UncertainWriteError);
        expect(zd.bodies(id).filter((b) => b === body), name).toHaveLength(0);
      }
      expect(zd.server.find('PUT', `/api/v2/tickets/${id}`).filter((r) => (r.json as { ticket?: { comment?: { body?: string } } })?.ticket?.comment?.body === body), name).toHaveLength(
        fault.type === '429' || fault.type === 'status' && fault.headers ? 2 : 1,
      );
    }
  });

  it('keeps concurrent replies under an enforced rate limit with no lost or duplicated writes', async () => {
    zd.server.rateLimited = 0;
    zd.server.rateLimit({ limit: 8, windowMs: 1000 });
    try {
      const p = await provider({ rateLimit: 60_000 });
      const ids = Array.from({ length: 12 }, (_, i) => 100 + i);
      await Promise.all(ids.map((id) => p.addComment(String(id), { body: `bulk ${id}`, public: true })));
      for (const id of ids) expect(zd.bodies(id).filter((b) => b === `bulk ${id}`)).toHaveLength(1);
      expect(zd.server.rateLimited).toBeGreaterThan(0);
    } finally {
      zd.server.rateLimit(null);
    }
  });

  it('paces requests with the client-side limiter so an enforced limit is never hit', async () => {
    zd.server.rateLimited = 0;
    zd.server.rateLimit({ limit: 6, windowMs: 1000 });
    try {
      // 60/min: a burst of 1, then about one a second - never more than 6 in any second
      const p = await provider({ rateLimit: 60 });
      const ids = Array.from({ length: 8 }, (_, i) => 130 + i);
      await Promise.all(ids.map((id) => p.getTicket(String(id))));
      expect(zd.server.rateLimited).toBe(0);
    } finally {
      zd.server.rateLimit(null);
    }
  });
});
