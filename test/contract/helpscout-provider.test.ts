/**
 * Help Scout provider against a fake Mailbox API 2.0 that follows the vendor's documentation
 * (the description in ../shared/api-specs/helpscout is unofficial and minimal: requests are checked
 * against it only for the operations it has). Faults: 429 with X-RateLimit-Retry-After, 500s, resets,
 * malformed JSON, expired tokens (401), a per-minute limit where writes count double.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/config/config-store.js';
import { resolvePaths } from '../../src/config/paths.js';
import type { Profile } from '../../src/config/profile.js';
import { AuthError, ExitCode, NotFoundError, UsageError } from '../../src/errors.js';
import { createIO } from '../../src/output/io.js';
import { collect, type HelpdeskProvider } from '../../src/providers/provider.js';
import { requestTally } from '../support/request-budget.js';
import { findTickets } from '../../src/tickets/service.js';
import { createProvider } from '../../src/providers/registry.js';
import { HelpScoutFake } from '../support/helpscout-fake.js';
import { loadSpec, type SpecValidator } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';

const SECRET = 'hs-contract-secret-456';
const NOW = Date.parse('2026-11-25T09:00:00Z');
let hs: HelpScoutFake;
let spec: SpecValidator;
const SPEC_FILE = 'helpscout/helpscout-openapi.yml';
/** Requests and fake bodies are checked against the vendor's description when it is there. */
const checkSpec = !mustSkip('Help Scout contract tests: checks against the vendor API description', specPrereq(SPEC_FILE));
let home: string;
let stderr: string[];

async function openConfig() {
  const paths = resolvePaths({ DESKCTL_HOME: home });
  return { paths, config: await ConfigStore.open(paths) };
}

async function provider(profileExtra: Partial<Profile> = {}, secret = SECRET): Promise<HelpdeskProvider> {
  const { paths, config } = await openConfig();
  const profile: Profile = { provider: 'helpscout', url: hs.url, clientId: hs.clientId, rateLimit: 60_000, options: { retryBaseMs: 5 }, ...profileExtra };
  await config.setProfile('hs', profile);
  await config.setSecret('hs', 'client_secret', secret);
  const sink = new Writable({ write: (chunk, _enc, cb) => (stderr.push(String(chunk)), cb()) });
  const io = createIO({ stderr: sink, stdout: sink, env: {}, verbose: true });
  return createProvider({ profileName: 'hs', profile, config, paths, clock: { now: () => new Date(NOW) }, io });
}

/**
 * Requests of operations the (minimal, unofficial) description has must match it. Query parameters the
 * vendor documents but the description omits (embed, mailbox, tag, assigned_to, modifiedSince, sortField,
 * sortOrder, query; page on collections other than conversations) are left out of the check.
 */
const DOCUMENTED_ONLY = ['embed', 'mailbox', 'tag', 'assigned_to', 'modifiedSince', 'sortField', 'sortOrder', 'query'];
function assertRequestsMatchSpec(): void {
  if (!checkSpec) return;
  spec.assertRequests(
    hs.server.requests.map((r) => {
      const q = new URLSearchParams(r.query);
      for (const k of DOCUMENTED_ONLY) q.delete(k);
      if (r.path !== '/v2/conversations') q.delete('page');
      return { method: r.method, path: r.path.replace(/^\/v2/, ''), query: q, headers: r.headers as Record<string, string>, body: r.json };
    }),
    { ignore: (r) => !spec.operationId(r.method, r.path) },
  );
}

beforeAll(async () => {
  if (checkSpec) spec = await loadSpec(SPEC_FILE);
  hs = await HelpScoutFake.start({ clientId: 'hs-app-1', clientSecret: SECRET });
});

afterAll(async () => {
  await hs.close();
});

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'deskctl-hs-'));
  stderr = [];
  hs.conversations.clear();
  hs.users.clear();
  hs.customers.clear();
  hs.mailboxes.clear();
  hs.ratings.length = 0;
  hs.tokens.clear();
  hs.tokensIssued = 0;
  hs.tokenTtlSeconds = 7200;
  hs.reportsAvailable = true;
  hs.limitRate(null);
  hs.seedDemo(60, NOW - 86_400_000);
});

afterEach(() => {
  hs.server.clearFaults();
  hs.server.clearLog();
  rmSync(home, { recursive: true, force: true });
});

describe('helpscout: reading', () => {
  it('lists conversations over HAL pages with threads embedded, mapped to the domain', async () => {
    const p = await provider();
    const tickets = await collect(p.listTickets({}));
    const expected = [...hs.conversations.values()].filter((c) => c.status !== 'spam');
    expect(tickets).toHaveLength(expected.length);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(expected.length);
    const pages = hs.server.find('GET', '/v2/conversations');
    expect(pages.map((r) => r.query.get('page'))).toEqual(['1', '2']);
    expect(pages[0]!.query.get('status')).toBe('all');
    expect(pages[0]!.query.get('embed')).toBe('threads');
    const c1 = hs.conversations.get(5001)!;
    const t1 = tickets.find((t) => t.id === '5001')!;
    expect(t1.status).toBe('pending');
    expect(t1.priority).toBe('none');
    expect(t1.channel).toBe('chat');
    expect(t1.group).toBe('Support');
    expect(t1.requester.email).toBe(hs.customers.get(c1.customerId)!.email);
    expect(t1.assignee?.name).toBe('Ben Agent');
    expect(t1.firstResponseAt).toBe(c1.threads.find((t) => t.type === 'message')!.createdAt);
    expect(t1.publicReplyCount).toBe(1);
    const closed = tickets.find((t) => t.id === '5002')!;
    expect(closed.status).toBe('closed');
    expect(closed.solvedAt).toBe(hs.conversations.get(5002)!.closedAt);
    assertRequestsMatchSpec();
  });

  it('pushes status, mailbox, tag, assignee and dates to the API and filters the rest locally', async () => {
    const p = await provider();
    const since = new Date(NOW - 30 * 86_400_000);
    const tickets = await collect(p.listTickets({ status: ['pending'], group: ['support'], tags: ['delivery'], assigneeIds: ['2'], createdSince: since }));
    const expected = [...hs.conversations.values()].filter(
      (c) => c.status === 'pending' && c.mailboxId === 11 && c.tags.includes('delivery') && c.assigneeId === 2 && Date.parse(c.createdAt) >= since.getTime(),
    );
    expect(tickets.map((t) => t.id).sort()).toEqual(expected.map((c) => String(c.id)).sort());
    const q = hs.server.find('GET', '/v2/conversations')[0]!.query;
    expect(q.get('status')).toBe('pending');
    expect(q.get('mailbox')).toBe('11');
    expect(q.get('tag')).toBe('delivery');
    expect(q.get('assigned_to')).toBe('2');
    expect(q.get('modifiedSince')).toBe('2026-10-26T09:00:00Z');
    expect(q.get('query')).toBe('(createdAt:[2026-10-26T09:00:00Z TO *])');
    expect(await collect(p.listTickets({ group: ['no such mailbox'] }))).toEqual([]);
  });

  it('shows a conversation with its threads oldest first; notes private; line items left out', async () => {
    const p = await provider();
    const t = await p.getTicket('5001');
    expect(t.subject).toBe(hs.conversations.get(5001)!.subject);
    const comments = await p.listComments('5001');
    expect(comments.map((c) => c.authorRole)).toEqual(['customer', 'agent', 'agent']);
    expect(comments.find((c) => !c.public)!.body).toBe('called the courier');
    expect(comments[0]!.body).toBe('Where is order 2001?');
    await expect(p.getTicket('1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(p.listComments('1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(p.getTicket('cnv_1')).rejects.toBeInstanceOf(UsageError);
  });

  it('reads happiness ratings (great = satisfied), users as agents, mailboxes as groups, me', async () => {
    const p = await provider();
    const ratings = await collect(p.listRatings({ since: new Date(NOW - 90 * 86_400_000), until: new Date(NOW) }));
    expect(ratings).toHaveLength(hs.ratings.length);
    for (const r of ratings) {
      const src = hs.ratings.find((x) => String(x.conversationId) === r.ticketId)!;
      expect(r.score >= 4).toBe(src.ratingId === 1);
    }
    expect((await p.listAgents()).map((a) => a.email).sort()).toEqual(['ana@acme.test', 'ben@acme.test', 'cleo@acme.test']);
    expect((await p.listGroups()).map((g) => g.name)).toEqual(['Support', 'Billing']);
    expect((await p.currentAgent())?.email).toBe('ana@acme.test');
  });

  it('without reports on the plan, ratings are empty with a warning, not an error', async () => {
    hs.reportsAvailable = false;
    const p = await provider();
    expect(await collect(p.listRatings({}))).toEqual([]);
    expect(stderr.join('')).toMatch(/Plus or Pro plan/);
  });
});

describe('helpscout: writing', () => {
  it('changes status, assignee, mailbox and tags with one PATCH per property and PUT tags', async () => {
    const p = await provider();
    const t = await p.updateTicket('5003', { status: 'solved', assigneeId: '2', group: 'Billing', addTags: ['refund'], removeTags: ['delivery'] });
    const patches = hs.server.find('PATCH', '/v2/conversations/5003').map((r) => r.json);
    expect(patches).toEqual([
      { op: 'move', path: '/mailboxId', value: 12 },
      { op: 'replace', path: '/assignTo', value: 2 },
      { op: 'replace', path: '/status', value: 'closed' },
    ]);
    expect(hs.server.find('PUT', '/v2/conversations/5003/tags')[0]!.json).toEqual({ tags: ['refund'] });
    expect(t.status).toBe('closed');
    expect(t.assignee?.id).toBe('2');
    expect(t.group).toBe('Billing');
    expect(t.tags).toEqual(['refund']);
    await p.updateTicket('5003', { assigneeId: null, status: 'open' });
    expect(hs.conversations.get(5003)!.assigneeId).toBeNull();
    expect(hs.conversations.get(5003)!.status).toBe('active');
    assertRequestsMatchSpec();
  });

  it('refuses priority (no such field) and unknown mailboxes before sending anything', async () => {
    const p = await provider();
    expect(p.capabilities.priority).toBe(false);
    await expect(p.updateTicket('5003', { priority: 'high' })).rejects.toThrow(/Help Scout has no priority field/);
    await expect(p.updateTicket('5003', { group: 'Nope' })).rejects.toThrow(/no Help Scout mailbox named 'Nope'/);
    expect(hs.server.find('PATCH')).toHaveLength(0);
  });

  it('replies to the primary customer and adds notes; Resource-ID is the comment id', async () => {
    const p = await provider();
    const reply = await p.addComment('5004', { body: 'Hello,\n\nit ships today.', public: true });
    const note = await p.addComment('5004', { body: 'courier called', public: false, authorId: '3' });
    const conv = hs.conversations.get(5004)!;
    expect(hs.server.find('POST', '/v2/conversations/5004/reply')[0]!.json).toEqual({ customer: { id: conv.customerId }, text: '<p>Hello,</p><p>it ships today.</p>' });
    expect(hs.server.find('POST', '/v2/conversations/5004/notes')[0]!.json).toEqual({ text: '<p>courier called</p>', user: 3 });
    expect(reply.id).toBe(String(conv.threads.find((t) => t.body.includes('it ships today'))!.id));
    expect(reply.public).toBe(true);
    expect(reply.author.email).toBe('ana@acme.test');
    expect(note.public).toBe(false);
    expect(note.author.email).toBe('cleo@acme.test');
    const comments = await p.listComments('5004');
    expect(comments.filter((c) => c.body === 'courier called' && !c.public)).toHaveLength(1);
  });
});

describe('helpscout: tokens and faults', () => {
  it('gets a token with the client-credentials grant, caches it in the profile secrets and reuses it', async () => {
    const p = await provider();
    await p.listGroups();
    await p.close();
    expect(hs.tokensIssued).toBe(1);
    const tokenReq = hs.server.find('POST', '/v2/oauth2/token')[0]!;
    expect(tokenReq.json).toMatchObject({ grant_type: 'client_credentials', client_id: 'hs-app-1', client_secret: SECRET });
    const { config } = await openConfig();
    expect(JSON.parse(config.getSecret('hs', 'oauth_token')!).access_token).toMatch(/^[0-9a-f]{24}$/);
    const again = await provider();
    await again.listAgents();
    expect(hs.tokensIssued).toBe(1);
    // renewed before it expires
    const { config: c2 } = await openConfig();
    const stored = JSON.parse(c2.getSecret('hs', 'oauth_token')!);
    await c2.setSecret('hs', 'oauth_token', JSON.stringify({ ...stored, expires_at: Date.now() + 30_000 }));
    const third = await provider();
    await third.listGroups();
    expect(hs.tokensIssued).toBe(2);
    expect(stderr.join('')).not.toContain(SECRET);
  });

  it('a token that expires in the middle of a batch of writes is renewed; every write lands once', async () => {
    const p = await provider();
    await p.listAgents();
    const ids = ['5000', '5001', '5002', '5003', '5004', '5005', '5006', '5007', '5008', '5009'];
    const results: unknown[] = [];
    for (const [i, id] of ids.entries()) {
      if (i === 4) hs.expireTokens();
      results.push(await p.addComment(id, { body: `bulk reply ${id}`, public: true }));
    }
    expect(results).toHaveLength(10);
    for (const id of ids) expect(hs.conversations.get(Number(id))!.threads.filter((t) => t.body.includes(`bulk reply ${id}`))).toHaveLength(1);
    expect(hs.tokensIssued).toBe(2);
    expect(hs.server.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('waits on 429 using X-RateLimit-Retry-After, counts writes double, and loses or repeats nothing', async () => {
    const p = await provider();
    await p.listAgents();
    await p.listGroups();
    hs.server.inject({ type: 'status', status: 429, headers: { 'x-ratelimit-retry-after': '1' }, json: { message: 'Rate limit exceeded' } }, { method: 'POST', path: '/v2/conversations/5010/notes' });
    const started = Date.now();
    await p.addComment('5010', { body: 'after the wait', public: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(hs.conversations.get(5010)!.threads.filter((t) => t.body.includes('after the wait'))).toHaveLength(1);

    hs.limitRate(8, 1000);
    const ids = ['5011', '5012', '5013', '5014', '5015', '5016'];
    await Promise.all(ids.map((id) => p.addComment(id, { body: `limited note ${id}`, public: false })));
    for (const id of ids) expect(hs.conversations.get(Number(id))!.threads.filter((t) => t.body.includes(`limited note ${id}`))).toHaveLength(1);
    expect(hs.refusedByLimit).toBeGreaterThan(0);
  });

  it('a reply whose answer is lost (reset, 502, malformed) is found on the conversation, not sent again', async () => {
    const p = await provider();
    for (const fault of [{ type: 'reset' }, { type: 'status', status: 502 }, { type: 'malformed' }] as const) {
      hs.server.clearFaults();
      hs.server.inject(fault, { method: 'POST', path: '/v2/conversations/5020/reply', phase: 'after' });
      const body = `once only (${fault.type})`;
      const c = await p.addComment('5020', { body, public: true });
      expect(c.body).toBe(body);
      expect(hs.conversations.get(5020)!.threads.filter((t) => t.body.includes(body))).toHaveLength(1);
    }
  });

  it('reads survive 500s, resets and malformed JSON', async () => {
    const p = await provider();
    hs.server.inject({ type: 'status', status: 500 }, { path: '/v2/conversations', times: 2 });
    hs.server.inject({ type: 'reset' }, { path: '/v2/users' });
    hs.server.inject({ type: 'malformed' }, { path: '/v2/mailboxes', phase: 'after' });
    const tickets = await collect(p.listTickets({}));
    expect(tickets.length).toBeGreaterThan(25);
  });

  it('bad client credentials exit 4 with a clear message and never show the secret', async () => {
    const p = await provider({}, 'wrong-secret-000');
    const err = await p.listGroups().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).message).toMatch(/Help Scout refused the OAuth client_credentials grant/);
    expect((err as AuthError).hint).toMatch(/App ID and App Secret/);
    expect(`${(err as AuthError).message} ${(err as AuthError).detail} ${stderr.join('')}`).not.toContain('wrong-secret-000');
  });

  it('a profile without client id or secret is a config error (exit 4)', async () => {
    await expect(provider({ clientId: undefined })).rejects.toThrow(/no Help Scout client id/);
    const { paths, config } = await openConfig();
    const profile: Profile = { provider: 'helpscout', clientId: 'x', clientSecretEnv: 'DESKCTL_TEST_NO_SUCH_SECRET' };
    const err = await createProvider({ profileName: 'nosecret', profile, config, paths, clock: { now: () => new Date(NOW) }, io: createIO({ env: {} }) }).catch((e: unknown) => e);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).hint).toMatch(/DESKCTL_TEST_NO_SUCH_SECRET/);
  });
});

describe('helpscout: request budgets (docs/request-budgets.md)', () => {
  it('tickets show, reply, update and list --limit 1, after the directory is read', async () => {
    const p = await provider();
    await p.listAgents();
    await p.listGroups();
    await p.currentAgent();
    hs.server.clearLog();
    await p.getTicket('5002');
    await p.listComments('5002');
    expect(requestTally(hs.server.requests)).toEqual({ 'GET /v2/conversations/5002': 1, 'GET /v2/conversations/5002/threads': 1 });
    hs.server.clearLog();
    await p.addComment('5002', { body: 'Budgeted reply.', public: true });
    // the customer to reply to comes from the conversation show just read
    expect(requestTally(hs.server.requests)).toEqual({ 'POST /v2/conversations/5002/reply': 1 });
    hs.server.clearLog();
    await p.getTicket('5002');
    await p.addComment('5002', { body: 'Budgeted reply after show.', public: true });
    expect(requestTally(hs.server.requests)).toEqual({ 'GET /v2/conversations/5002': 1, 'POST /v2/conversations/5002/reply': 1 });
    hs.server.clearLog();
    await p.updateTicket('5002', { status: 'pending', addTags: ['budget'] });
    // the current tags, one PATCH per property, the tags, the read-back
    expect(requestTally(hs.server.requests)).toEqual({ 'GET /v2/conversations/5002': 2, 'PATCH /v2/conversations/5002': 1, 'PUT /v2/conversations/5002/tags': 1 });
    hs.server.clearLog();
    const report = { more: false };
    await findTickets(p, { status: ['open', 'pending'] }, { limit: 1, report });
    // one page of the conversation list (its size is fixed by Help Scout)
    expect(requestTally(hs.server.requests)).toEqual({ 'GET /v2/conversations': 1 });
    await p.close();
  });
});
