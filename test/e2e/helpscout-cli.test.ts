/**
 * deskctl (the real bin/deskctl.js) against a fake Help Scout Mailbox API 2.0: profile add/test, tickets
 * list/show/update/reply/note (and --priority refused), metrics summary, a small bulk reply during which
 * the OAuth token expires, bad credentials. The CLI runs as a child process (startCli).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { HelpScoutFake } from '../support/helpscout-fake.js';

const NOW = '2026-11-25T09:00:00Z';
const SECRET = 'hs-e2e-secret-9b3e';
let home: string;
let hs: HelpScoutFake;

const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  startCli(args, { home, env: { DESKCTL_NOW: NOW, HS_SECRET: SECRET, ...env } }).done;
async function json<T>(args: string[]): Promise<T> {
  const r = await run([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const threadsWith = (id: number, marker: string) => hs.conversations.get(id)!.threads.filter((t) => t.body.includes(marker));

interface T {
  id: string;
  status: string;
  priority: string;
  group: string | null;
  channel: string;
  tags: string[];
  assignee: { id: string; email?: string } | null;
}

beforeAll(async () => {
  hs = await HelpScoutFake.start({ clientId: 'hs-e2e-app', clientSecret: SECRET });
  hs.seedDemo(40, Date.parse(NOW) - 86_400_000);
  home = makeHome('deskctl-hs-e2e-');
  const r = await run(['profile', 'add', 'helpscout', '--name', 'hs', '--url', hs.url, '--client-id', 'hs-e2e-app', '--client-secret-env', 'HS_SECRET', '--rate-limit', '6000', '--option', 'retryBaseMs=1', '--use']);
  expect(r.code, r.stderr).toBe(0);
  mkdirSync(join(home, 'templates'), { recursive: true });
  writeFileSync(join(home, 'templates', 'hs-bulk.liquid'), '---\ndescription: e2e\npublic: true\n---\nHello {{ ticket.requester.name }}, about "{{ ticket.subject }}" [hs-bulk]\n');
});

afterAll(async () => {
  await hs.close();
  cleanupHome(home);
});

describe('deskctl on Help Scout', () => {
  it('profile test reports the account and the user; the token is cached for the next runs', async () => {
    const r = await run(['profile', 'test']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Help Scout/);
    expect(r.stdout + r.stderr).toContain('Ana Agent');
    expect(hs.tokensIssued).toBe(1);
    const secrets = readFileSync(join(home, 'secrets.json'), 'utf8');
    expect(secrets).toContain('oauth_token');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('tickets list: every conversation but spam; filters by status and mailbox', async () => {
    const all = await json<T[]>(['tickets', 'list', '--status', 'all', '--all']);
    expect(all).toHaveLength([...hs.conversations.values()].filter((c) => c.status !== 'spam').length);
    expect(all.every((t) => t.priority === 'none')).toBe(true);
    const pending = await json<T[]>(['tickets', 'list', '--all', '--status', 'pending', '--group', 'Support']);
    const expected = [...hs.conversations.values()].filter((c) => c.status === 'pending' && c.mailboxId === 11).map((c) => String(c.id));
    expect(pending.map((t) => t.id).sort()).toEqual(expected.sort());
    expect(hs.tokensIssued).toBe(1);
  });

  it('tickets show: the conversation with its threads', async () => {
    const shown = await json<{ ticket: T; comments: { public: boolean; body: string; authorRole: string }[] }>(['tickets', 'show', '5001']);
    expect(shown.ticket).toMatchObject({ id: '5001', channel: 'chat', group: 'Support' });
    expect(shown.comments.map((c) => [c.authorRole, c.public])).toEqual([
      ['customer', true],
      ['agent', false],
      ['agent', true],
    ]);
  });

  it('tickets update: status, assignee by email, mailbox and tags', async () => {
    const r = await run(['tickets', 'update', '5003', '--status', 'solved', '--assignee', 'ben@acme.test', '--group', 'Billing', '--add-tag', 'vip']);
    expect(r.code, r.stderr).toBe(0);
    const t = (await json<{ ticket: T }>(['tickets', 'show', '5003'])).ticket;
    expect(t).toMatchObject({ id: '5003', status: 'closed', assignee: { id: '2' }, group: 'Billing' });
    expect(hs.conversations.get(5003)).toMatchObject({ status: 'closed', assigneeId: 2, mailboxId: 12 });
    expect(hs.conversations.get(5003)!.tags).toContain('vip');
  });

  it('tickets update --priority: Help Scout has no priority (exit 2, nothing sent)', async () => {
    const writes = () => hs.server.requests.filter((x) => x.method !== 'GET' && x.path !== '/v2/oauth2/token').length;
    const before = writes();
    const r = await run(['tickets', 'update', '5003', '--priority', 'high']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: Help Scout has no priority field/);
    expect(r.stderr).toMatch(/hint: drop --priority/);
    expect(writes()).toBe(before);
  });

  it('tickets reply and note', async () => {
    const reply = await run(['tickets', 'reply', '5004', '--body', 'Your refund is on its way.', '--status', 'pending']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(threadsWith(5004, 'Your refund is on its way.').map((t) => t.type)).toEqual(['message']);
    expect(hs.conversations.get(5004)!.status).toBe('pending');
    const note = await run(['tickets', 'note', '5004', '--body', 'refund issued in stripe']);
    expect(note.code, note.stderr).toBe(0);
    expect(threadsWith(5004, 'refund issued in stripe').map((t) => t.type)).toEqual(['note']);
  });

  it('metrics summary: CSAT from happiness ratings, first response from threads', async () => {
    const since = Date.parse(NOW) - 30 * 86_400_000;
    const s = await json<{ metrics: { csat: { n: number; satisfied: number }; firstResponse: { n: number } } }>(['metrics', 'summary', '--since', '30d', '--no-compare']);
    const ratings = hs.ratings.filter((r) => Date.parse(r.createdAt) >= since && Date.parse(r.createdAt) < Date.parse(NOW));
    expect(ratings.length).toBeGreaterThan(0);
    expect(s.metrics.csat.n).toBe(ratings.length);
    expect(s.metrics.csat.satisfied).toBe(ratings.filter((r) => r.ratingId === 1).length);
    const answered = [...hs.conversations.values()].filter((c) => c.status !== 'spam' && Date.parse(c.createdAt) >= since && c.threads.some((t) => t.type === 'message'));
    expect(s.metrics.firstResponse.n).toBe(answered.length);
  });

  it('bulk reply: the token expires in the middle of the job; every reply lands exactly once', async () => {
    const issued = hs.tokensIssued;
    hs.expireTokensAfter(6);
    hs.server.inject({ type: 'status', status: 429, headers: { 'x-ratelimit-retry-after': '1' }, json: { message: 'Rate limit exceeded' } }, { method: 'POST', path: '/v2/conversations/5009/reply' });
    const ids = [5006, 5007, 5008, 5009, 5010];
    const r = await run(['bulk', 'reply', '-t', 'hs-bulk', '--ids', ids.join(','), '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const id of ids) {
      const sent = threadsWith(id, '[hs-bulk]');
      expect(sent, `conversation ${id}`).toHaveLength(1);
      expect(sent[0]!.body).toContain(hs.conversations.get(id)!.subject);
    }
    expect(hs.tokensIssued).toBe(issued + 1);
    expect(hs.server.requests.some((x) => x.status === 401)).toBe(true);
  });

  it('bad client credentials exit 4 with a clear message and no secret in the output', async () => {
    hs.tokens.clear(); // the cached token no longer works: deskctl must ask for a new one
    const r = await run(['tickets', 'list'], { HS_SECRET: 'not-the-secret-3141' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: Help Scout refused the OAuth client_credentials grant/);
    expect(r.stderr).toMatch(/hint: check the App ID and App Secret of profile 'hs'/);
    expect(r.stderr + r.stdout).not.toContain('not-the-secret-3141');
  });

  it('a missing secret exits 4 naming the variable', async () => {
    const r = await run(['tickets', 'list'], { HS_SECRET: undefined });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: no Help Scout client secret for profile 'hs'/);
    expect(r.stderr).toMatch(/hint: set HS_SECRET/);
  });
});

describe('an OAuth access token from the environment (CI)', () => {
  it('needs no --client-id: the bearer token is used as it is', async () => {
    const h = makeHome('deskctl-hs-token-');
    try {
      const token = 'hs-ci-token-5c1d';
      hs.tokens.set(token, Date.now() + 3_600_000);
      const cliIn = (args: string[], env: Record<string, string> = {}) => startCli(args, { home: h, env: { DESKCTL_NOW: NOW, ...env } }).done;
      const add = await cliIn(['profile', 'add', 'helpscout', '--name', 'ci', '--url', hs.url, '--token-env', 'HS_ACCESS_TOKEN', '--use']);
      expect(add.code, add.stderr).toBe(0);
      const r = await cliIn(['tickets', 'list', '--limit', '2', '--json'], { HS_ACCESS_TOKEN: token });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveLength(2);
      expect(r.stderr).not.toContain(token);
      const unset = await cliIn(['tickets', 'list']);
      expect(unset.code).toBe(4);
      expect(unset.stderr).toContain('HS_ACCESS_TOKEN');
    } finally {
      cleanupHome(h);
    }
  });
});
