/**
 * deskctl (the real bin/deskctl.js) against a fake Front Core API: profile, tickets list/show/update/
 * reply/note, and bad credentials. The CLI runs as a child process (startCli: the fake answers from this one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome } from '../support/cli.js';
import { vendorCli } from '../support/vendor-cli.js';
import { FrontFake } from '../support/front-fake.js';
import { loadSpec } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';

const NOW = '2026-11-25T09:00:00Z';
const TOKEN = 'front-e2e-token-5f2a';
let home: string;
let front: FrontFake;

const { run, json } = vendorCli(() => home, { DESKCTL_NOW: NOW, FRONT_TOKEN: TOKEN });

interface T {
  id: string;
  status: string;
  group: string | null;
  channel: string;
  tags: string[];
  assignee: { id: string; email?: string } | null;
}

beforeAll(async () => {
  front = await FrontFake.start({ token: TOKEN });
  front.seedDemo(40);
  home = makeHome();
  const r = await run(['profile', 'add', 'front', '--name', 'fr', '--url', front.url, '--token-env', 'FRONT_TOKEN', '--agent', 'ana@acme.test', '--rate-limit', '6000', '--option', 'retryBaseMs=1', '--use']);
  expect(r.code, r.stderr).toBe(0);
});

const checkSpec = !mustSkip('Front CLI tests: requests checked against the vendor API description', specPrereq('front/core-api.json'));

afterAll(async () => {
  const spec = checkSpec ? await loadSpec('front/core-api.json') : undefined;
  // Front's q[statuses][] query object and `assignee_id: null` are documented but not in the schema (see the contract test)
  spec?.assertRequests(
    front.server.requests.map((r) => {
      const q = new URLSearchParams([...r.query].filter(([k]) => !k.startsWith('q[')));
      return { method: r.method, path: r.path, query: q, headers: r.headers, body: r.json };
    }),
    { ignore: (r) => r.method === 'PUT' && (r.body as { assignee_id?: unknown })?.assignee_id === null },
  );
  await front.close();
  cleanupHome(home);
});

describe('deskctl on Front', () => {
  it('tickets list: all conversations, with inbox as group and inbox channel', async () => {
    const all = await json<T[]>(['tickets', 'list', '--status', 'all', '--all']);
    expect(all).toHaveLength(40);
    expect(new Set(all.map((t) => t.group))).toEqual(new Set(['Support', 'Chat']));
    expect(all.filter((t) => t.group === 'Chat').every((t) => t.channel === 'chat')).toBe(true);
    const open = await json<T[]>(['tickets', 'list', '--all', '--status', 'open', '--group', 'Support', '--assignee', 'none']);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((t) => t.status === 'open' && t.group === 'Support' && t.assignee === null)).toBe(true);
  });

  it('tickets show: the conversation with messages and notes', async () => {
    const shown = await json<{ ticket: T & { firstResponseAt: string }; comments: { public: boolean; body: string; authorRole: string }[] }>(['tickets', 'show', 'cnv_00a']);
    expect(shown.ticket).toMatchObject({ id: 'cnv_00a', group: 'Support', channel: 'email' });
    expect(shown.ticket.firstResponseAt).toBeTruthy();
    expect(shown.comments.map((c) => [c.authorRole, c.public])).toEqual([
      ['customer', true],
      ['agent', false],
      ['agent', true],
    ]);
  });

  it('tickets update: status, assignee by email, tags', async () => {
    const r = await run(['tickets', 'update', 'cnv_001', '--status', 'solved', '--assignee', 'ben@acme.test', '--add-tag', 'vip']);
    expect(r.code, r.stderr).toBe(0);
    const t = (await json<{ ticket: T }>(['tickets', 'show', 'cnv_001'])).ticket;
    expect(t).toMatchObject({ id: 'cnv_001', status: 'solved', assignee: { id: 'tea_ben' } });
    expect(t.tags).toContain('vip');
    expect(front.conversations.get('cnv_001')).toMatchObject({ status: 'archived', assigneeId: 'tea_ben' });
  });

  it('tickets update --priority: Front has no priority (exit 2, nothing sent)', async () => {
    const before = front.server.requests.filter((x) => x.method !== 'GET').length;
    const r = await run(['tickets', 'update', 'cnv_001', '--priority', 'high']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: Front has no priority field/);
    expect(front.server.requests.filter((x) => x.method !== 'GET').length).toBe(before);
  });

  it('tickets reply and note', async () => {
    const reply = await run(['tickets', 'reply', 'cnv_002', '--body', 'Your refund is on its way.']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(front.sentMessages('cnv_002').map((m) => m.body)).toEqual(['<p>Your refund is on its way.</p>']);
    expect(front.sentMessages('cnv_002')[0]!.authorId).toBe('tea_ana');
    const note = await run(['tickets', 'note', 'cnv_002', '--body', 'refund issued in stripe']);
    expect(note.code, note.stderr).toBe(0);
    expect(front.conversations.get('cnv_002')!.comments.map((c) => c.body)).toContain('refund issued in stripe');
  });

  it('metrics summary: first response and SLA from the messages of each conversation', async () => {
    interface Summary {
      metrics: {
        firstResponse: { n: number; mean: number | null };
        sla: { byChannel: Record<string, { n: number; met: number }> };
        csat: { n: number };
      };
    }
    const m = (await json<Summary>(['metrics', 'summary', '--since', '60d', '--no-compare'])).metrics;
    // seeded: every conversation but the unassigned ones got a reply 1800 + 60*i seconds after it opened
    const answered = [...front.conversations.values()].filter((c) => c.messages.some((x) => !x.is_inbound && x.created_at - c.created_at < 86400 * 30));
    const frts = answered.map((c) => Math.min(...c.messages.filter((x) => !x.is_inbound).map((x) => x.created_at)) - c.created_at);
    expect(m.firstResponse.n).toBe(answered.length);
    expect(m.firstResponse.mean).toBeCloseTo(frts.reduce((a, b) => a + b, 0) / frts.length, 0);
    // email (Support inbox) target 24 h: every answered email conversation met it; chat (60 s) none did
    expect(m.sla.byChannel.email!.met).toBe(answered.filter((c) => c.inboxId === 'inb_sup').length);
    expect(m.sla.byChannel.chat!.met).toBe(0);
    expect(m.csat.n).toBe(0);
  });

  it('bulk reply: one message per conversation, even when a response is lost', async () => {
    front.server.inject({ type: 'reset' }, { method: 'POST', path: '/conversations/cnv_00c/messages', phase: 'after' });
    const r = await run(['bulk', 'reply', '--template', 'acknowledgement', '--ids', 'cnv_00b,cnv_00c,cnv_00d', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout) as { counts: { done: number; failed: number } };
    expect(job.counts).toMatchObject({ done: 3, failed: 0 });
    for (const id of ['cnv_00b', 'cnv_00c', 'cnv_00d']) {
      const sent = front.sentMessages(id);
      expect(sent, id).toHaveLength(1);
      expect(sent[0]!.body).toContain('Thank you for getting in touch');
    }
  });

  it('profile test: one authenticated call naming the account', async () => {
    const info = await json<{ profile: string; helpdesk: string; account: string; user?: string; rateLimit?: string }>(['profile', 'test']);
    expect(info).toMatchObject({ profile: 'fr', helpdesk: 'front', account: 'Front: Acme Inc.', user: 'Ana Silva <ana@acme.test>', rateLimit: '50 requests/minute' });
  });

  it('bad credentials exit 4 with a clear message and no token in the output', async () => {
    const r = await run(['tickets', 'list'], { FRONT_TOKEN: 'not-the-token-1234' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: Front refused the credentials \(401 Unauthorized\)/);
    expect(r.stderr).toMatch(/hint: .*API token of profile 'fr'.*FRONT_TOKEN/);
    expect(r.stderr + r.stdout).not.toContain('not-the-token-1234');
  });

  it('--verbose traces requests without the token', async () => {
    const r = await run(['--verbose', 'tickets', 'list', '--limit', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/HTTP GET http:\/\/127\.0\.0\.1:\d+\/\S+ -> 200/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('a missing token exits 4 naming the variable', async () => {
    const r = await run(['tickets', 'list'], { FRONT_TOKEN: undefined });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: no Front API token for profile 'fr'/);
    expect(r.stderr).toMatch(/hint: set FRONT_TOKEN/);
  });
});
