/**
 * deskctl (the real bin/deskctl.js) against a fake Intercom REST API 2.14: profile, tickets list/show/
 * update/reply/note, and bad credentials. The CLI runs as a child process (startCli: the fake answers from this one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome } from '../support/cli.js';
import { vendorCli } from '../support/vendor-cli.js';
import { IntercomFake } from '../support/intercom-fake.js';
import { loadSpec } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';

const NOW = '2026-11-25T09:00:00Z';
const TOKEN = 'intercom-e2e-token-77c1';
let home: string;
let ic: IntercomFake;

const { run, json } = vendorCli(() => home, { DESKCTL_NOW: NOW, INTERCOM_TOKEN: TOKEN });

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
  ic = await IntercomFake.start({ token: TOKEN });
  ic.seedDemo(60);
  home = makeHome();
  const r = await run(['profile', 'add', 'intercom', '--name', 'ic', '--region', 'eu', '--url', ic.url, '--token-env', 'INTERCOM_TOKEN', '--rate-limit', '6000', '--option', 'retryBaseMs=1', '--use']);
  expect(r.code, r.stderr).toBe(0);
});

const checkSpec = !mustSkip('Intercom CLI tests: requests checked against the vendor API description', specPrereq('intercom/api.intercom.io.v2.14.yaml'));

afterAll(async () => {
  const spec = checkSpec ? await loadSpec('intercom/api.intercom.io.v2.14.yaml') : undefined;
  spec?.assertRequests(ic.server.requests.map((r) => ({ method: r.method, path: r.path, query: r.query, headers: r.headers, body: r.json })));
  await ic.close();
  cleanupHome(home);
});

describe('deskctl on Intercom', () => {
  it('tickets list: every conversation; filters go to the search endpoint', async () => {
    const all = await json<T[]>(['tickets', 'list', '--status', 'all', '--all']);
    expect(all).toHaveLength(60);
    expect(new Set(all.map((t) => t.channel))).toEqual(new Set(['chat', 'email', 'social', 'phone']));
    const searchesBefore = ic.server.find('POST', '/conversations/search').length;
    const billing = await json<T[]>(['tickets', 'list', '--all', '--status', 'solved', '--group', 'Billing', '--tag', 'vip']);
    expect(billing.length).toBeGreaterThan(0);
    expect(billing.every((t) => t.status === 'solved' && t.group === 'Billing' && t.tags.includes('vip'))).toBe(true);
    expect(ic.server.find('POST', '/conversations/search').length).toBeGreaterThan(searchesBefore);
  });

  it('tickets show: statistics and the thread with notes', async () => {
    const shown = await json<{ ticket: T & { firstResponseAt: string }; comments: { public: boolean; authorRole: string }[] }>(['tickets', 'show', '1005']);
    expect(shown.ticket).toMatchObject({ id: '1005', status: 'open', group: 'Tech' });
    expect(shown.ticket.firstResponseAt).toBeTruthy();
    expect(shown.comments.map((c) => [c.authorRole, c.public])).toEqual([
      ['customer', true],
      ['agent', false],
      ['agent', true],
    ]);
  });

  it('tickets update: close, assign by email, team, tag', async () => {
    const r = await run(['tickets', 'update', '1001', '--status', 'solved', '--assignee', 'cho@acme.test', '--group', 'Billing', '--add-tag', 'bug']);
    expect(r.code, r.stderr).toBe(0);
    const t = (await json<{ ticket: T }>(['tickets', 'show', '1001'])).ticket;
    expect(t).toMatchObject({ status: 'solved', assignee: { id: '993' }, group: 'Billing' });
    expect(t.tags).toContain('bug');
    expect(ic.conversations.get('1001')).toMatchObject({ state: 'closed', admin_assignee_id: 993, team_assignee_id: 55 });
  });

  it('tickets update --priority: read-only in API 2.14 (exit 2, nothing sent)', async () => {
    const before = ic.server.requests.filter((x) => x.method !== 'GET').length;
    const r = await run(['tickets', 'update', '1001', '--priority', 'urgent']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: Intercom has no priority field/);
    expect(ic.server.requests.filter((x) => x.method !== 'GET').length).toBe(before);
  });

  it('tickets reply and note, as the token\'s admin', async () => {
    const reply = await run(['tickets', 'reply', '1002', '--body', 'Your refund is on its way.', '--status', 'pending']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(ic.addedParts('1002', 'comment').map((p) => [p.body, p.author.id])).toEqual([['<p>Your refund is on its way.</p>', '991']]);
    expect(ic.conversations.get('1002')!.state).toBe('snoozed');
    const note = await run(['tickets', 'note', '1002', '--body', 'refund issued in stripe']);
    expect(note.code, note.stderr).toBe(0);
    expect(ic.addedParts('1002', 'note')).toHaveLength(1);
  });

  it('metrics summary: CSAT from conversation ratings, first response from statistics', async () => {
    interface Summary {
      metrics: { csat: { n: number; satisfied: number }; firstResponse: { n: number; mean: number | null }; resolution: { n: number } };
    }
    const convs = [...ic.conversations.values()];
    const m = (await json<Summary>(['metrics', 'summary', '--since', '60d', '--no-compare'])).metrics;
    const rated = convs.filter((c) => c.rating);
    expect(m.csat.n).toBe(rated.length);
    expect(m.csat.satisfied).toBe(rated.filter((c) => c.rating!.rating >= 4).length);
    const answered = convs.filter((c) => c.first_admin_reply_at);
    expect(m.firstResponse.n).toBe(answered.length);
    const mean = answered.reduce((a, c) => a + c.first_admin_reply_at! - c.created_at, 0) / answered.length;
    expect(m.firstResponse.mean).toBeCloseTo(mean, 0);
    // the period ends (exclusive) at DESKCTL_NOW: a conversation closed by an earlier test at that instant is not in it
    expect(m.resolution.n).toBe(convs.filter((c) => c.state === 'closed' && c.last_close_at! < Date.parse(NOW) / 1000).length);
  });

  it('bulk reply: one comment part per conversation, even when a response is lost', async () => {
    ic.server.inject({ type: 'reset' }, { method: 'POST', path: '/conversations/1012/reply', phase: 'after' });
    const r = await run(['bulk', 'reply', '--template', 'acknowledgement', '--ids', '1011,1012,1013', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout) as { counts: { done: number; failed: number } };
    expect(job.counts).toMatchObject({ done: 3, failed: 0 });
    for (const id of ['1011', '1012', '1013']) {
      const sent = ic.addedParts(id, 'comment');
      expect(sent, id).toHaveLength(1);
      expect(sent[0]!.body).toContain('Thank you for getting in touch');
    }
  });

  it('profile test: one authenticated call naming the account', async () => {
    const info = await json<{ profile: string; helpdesk: string; account: string; user?: string; rateLimit?: string }>(['profile', 'test']);
    expect(info).toMatchObject({ profile: 'ic', helpdesk: 'intercom', account: 'Intercom: Acme (US)', user: 'Ana Silva <ana@acme.test>', rateLimit: '10000 requests/minute' });
  });

  it('bad credentials exit 4 with a clear message and no token in the output', async () => {
    const r = await run(['tickets', 'list'], { INTERCOM_TOKEN: 'nope-nope-nope-1' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: Intercom refused the credentials \(401 Unauthorized\): Access Token Invalid/);
    expect(r.stderr).toMatch(/hint: .*access token of profile 'ic'.*INTERCOM_TOKEN/);
    expect(r.stderr + r.stdout).not.toContain('nope-nope-nope-1');
  });

  it('--verbose traces requests without the token', async () => {
    const r = await run(['--verbose', 'tickets', 'list', '--limit', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/HTTP GET http:\/\/127\.0\.0\.1:\d+\/\S+ -> 200/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('a missing token exits 4 naming the variable', async () => {
    const r = await run(['tickets', 'list'], { INTERCOM_TOKEN: undefined });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: no Intercom access token for profile 'ic'/);
  });
});

describe('deskctl on Intercom with Tickets', () => {
  beforeAll(() => {
    ic.seedTickets(4);
  });

  it('tickets list shows customer tickets as t<id>; show, update and reply work on them', async () => {
    const rows = await json<T[]>(['tickets', 'list', '--all', '--status', 'pending,new']);
    expect(rows.filter((t) => t.id.startsWith('t')).map((t) => [t.id, t.status])).toEqual(
      expect.arrayContaining([
        ['t7002', 'pending'],
        ['t7004', 'new'],
      ]),
    );
    const shown = await json<{ ticket: T; comments: { body: string }[] }>(['tickets', 'show', 't7002']);
    expect(shown.comments.map((c) => c.body)).toEqual(['Login fails for user 2', 'Reset link sent (2)']);
    const upd = await run(['tickets', 'update', 't7004', '--status', 'open', '--assignee', 'me']);
    expect(upd.code, upd.stderr).toBe(0);
    expect(ic.tickets.get('7004')).toMatchObject({ state: 'in_progress', admin_assignee_id: '991' });
    const reply = await run(['tickets', 'reply', 't7004', '--body', 'Fixed on our side.']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(ic.addedTicketParts('7004', 'comment').map((p) => p.body)).toEqual(['<p>Fixed on our side.</p>']);
  });
});
