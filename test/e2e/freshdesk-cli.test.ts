/**
 * deskctl (the real bin/deskctl.js) against a fake Freshdesk: profile add/test, tickets
 * list/show/update/reply/note, metrics summary and a small bulk reply, bad credentials. The CLI runs
 * as a child process (startCli) so that the fake in this process can answer it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FreshdeskFake } from '../support/freshdesk-fake.js';

const NOW = '2026-11-25T09:00:00Z';
const KEY = 'fd-e2e-key-7c1d';
let home: string;
let fd: FreshdeskFake;

const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  startCli(args, { home, env: { DESKCTL_NOW: NOW, FD_KEY: KEY, ...env } }).done;
async function json<T>(args: string[]): Promise<T> {
  const r = await run([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

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
  fd = await FreshdeskFake.start({ apiKey: KEY });
  fd.now = () => Date.parse(NOW);
  fd.seedDemo(30, Date.parse(NOW) - 86_400_000);
  home = makeHome('deskctl-fd-e2e-');
  const r = await run(['profile', 'add', 'freshdesk', '--name', 'fd', '--url', fd.url, '--token-env', 'FD_KEY', '--rate-limit', '6000', '--option', 'retryBaseMs=1', '--use']);
  expect(r.code, r.stderr).toBe(0);
  mkdirSync(join(home, 'templates'), { recursive: true });
  writeFileSync(join(home, 'templates', 'fd-bulk.liquid'), '---\ndescription: e2e\npublic: true\n---\nHello {{ ticket.requester.name }}, about "{{ ticket.subject }}" [fd-bulk]\n');
});

afterAll(async () => {
  await fd.close();
  cleanupHome(home);
});

describe('deskctl on Freshdesk', () => {
  it('profile test reports the account, the agent and the rate limit', async () => {
    const r = await run(['profile', 'test']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Freshdesk 127\.0\.0\.1:\d+/);
    expect(r.stdout + r.stderr).toContain('Ana Agent');
  });

  it('tickets list: every ticket; filters through the filter endpoint', async () => {
    const all = await json<T[]>(['tickets', 'list', '--status', 'all', '--all']);
    expect(all).toHaveLength(30);
    const open = await json<T[]>(['tickets', 'list', '--all', '--status', 'open', '--group', 'Billing']);
    const expected = [...fd.tickets.values()].filter((t) => t.status === 2 && t.group_id === 10).map((t) => String(t.id));
    expect(open.map((t) => t.id).sort()).toEqual(expected.sort());
    expect(open.every((t) => t.status === 'open' && t.group === 'Billing')).toBe(true);
    expect(fd.server.find('GET', '/api/v2/search/tickets').length).toBeGreaterThan(0);
  });

  it('tickets show: the ticket with its description, replies and notes', async () => {
    const shown = await json<{ ticket: T; comments: { public: boolean; body: string; authorRole: string }[] }>(['tickets', 'show', '2']);
    expect(shown.ticket).toMatchObject({ id: '2', channel: 'web' });
    expect(shown.comments[0]).toMatchObject({ authorRole: 'customer', body: fd.tickets.get(2)!.description_text });
    expect(shown.comments.some((c) => !c.public && c.body === 'checked the warehouse')).toBe(true);
  });

  it('tickets update: status, priority, assignee by email, group and tags', async () => {
    const r = await run(['tickets', 'update', '2', '--status', 'pending', '--priority', 'urgent', '--assignee', 'ben@acme.test', '--group', 'Shipping', '--add-tag', 'vip']);
    expect(r.code, r.stderr).toBe(0);
    const t = (await json<{ ticket: T }>(['tickets', 'show', '2'])).ticket;
    expect(t).toMatchObject({ id: '2', status: 'pending', priority: 'urgent', assignee: { id: '2' }, group: 'Shipping' });
    expect(fd.tickets.get(2)).toMatchObject({ status: 3, priority: 4, responder_id: 2, group_id: 11 });
    expect(fd.tickets.get(2)!.tags).toContain('vip');
  });

  it('tickets reply and note', async () => {
    const reply = await run(['tickets', 'reply', '4', '--body', 'Your refund is on its way.', '--status', 'pending']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(fd.conversationsOf(4).filter((c) => !c.private && c.body_text === 'Your refund is on its way.')).toHaveLength(1);
    expect(fd.tickets.get(4)!.status).toBe(3);
    const note = await run(['tickets', 'note', '4', '--body', 'refund issued in stripe']);
    expect(note.code, note.stderr).toBe(0);
    expect(fd.conversationsOf(4).filter((c) => c.private && c.body_text === 'refund issued in stripe')).toHaveLength(1);
  });

  it('metrics summary: CSAT and first response from Freshdesk ratings and stats', async () => {
    const since = Date.parse(NOW) - 30 * 86_400_000;
    const s = await json<{ metrics: { csat: { n: number; satisfied: number }; firstResponse: { n: number } } }>(['metrics', 'summary', '--since', '30d', '--no-compare']);
    const ratings = fd.ratings.filter((r) => Date.parse(r.created_at) >= since && Date.parse(r.created_at) < Date.parse(NOW));
    expect(ratings.length).toBeGreaterThan(0);
    expect(s.metrics.csat.n).toBe(ratings.length);
    expect(s.metrics.csat.satisfied).toBe(ratings.filter((r) => r.default_question > 100).length);
    const answered = [...fd.tickets.values()].filter((t) => Date.parse(t.created_at) >= since && t.stats.first_responded_at);
    expect(s.metrics.firstResponse.n).toBe(answered.length);
  });

  it('bulk reply: each selected ticket gets the reply exactly once, through a 429 and a lost answer', async () => {
    fd.server.inject({ type: '429', retryAfter: 1 }, { method: 'POST', path: '/api/v2/tickets/9/reply' });
    fd.server.inject({ type: 'reset' }, { method: 'POST', path: '/api/v2/tickets/10/reply', phase: 'after' });
    // the lost reply is found by the wall-clock time of the POST (the helpdesk's clock, not DESKCTL_NOW):
    // the fake stamps replies with the real time, as Freshdesk would
    fd.now = () => Date.now();
    const r = await run(['bulk', 'reply', '-t', 'fd-bulk', '--ids', '8,9,10,11', '--yes', '--json']).finally(() => {
      fd.now = () => Date.parse(NOW);
    });
    expect(r.code, r.stderr).toBe(0);
    for (const id of [8, 9, 10, 11]) {
      const sent = fd.conversationsOf(id).filter((c) => c.body_text.includes('[fd-bulk]'));
      expect(sent, `ticket ${id}: ${JSON.stringify(fd.conversationsOf(id))}\n${r.stdout}\n${r.stderr}`).toHaveLength(1);
      expect(sent[0]!.body_text).toContain(fd.tickets.get(id)!.subject);
    }
    // resuming the finished job sends nothing again
    const jobId = /Started job (\w+)/.exec(r.stderr)?.[1];
    expect(jobId, r.stderr).toBeDefined();
    const again = await run(['bulk', 'resume', jobId!]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/nothing left to do/);
    for (const id of [8, 9, 10, 11]) expect(fd.conversationsOf(id).filter((c) => c.body_text.includes('[fd-bulk]'))).toHaveLength(1);
  });

  it('bad credentials exit 4 with a clear message and no key in the output', async () => {
    const r = await run(['tickets', 'list'], { FD_KEY: 'not-the-key-5555' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: Freshdesk refused the credentials \(401 Unauthorized\)/);
    expect(r.stderr).toMatch(/hint: check the API key of profile 'fd'/);
    expect(r.stderr + r.stdout).not.toContain('not-the-key-5555');
  });

  it('a missing key exits 4 naming the variable', async () => {
    const r = await run(['tickets', 'list'], { FD_KEY: undefined });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: no Freshdesk API key for profile 'fd'/);
    expect(r.stderr).toMatch(/hint: set FD_KEY/);
  });
});
