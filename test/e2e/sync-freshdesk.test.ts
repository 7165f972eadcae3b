/**
 * deskctl sync from a fake Freshdesk (no cursor export): the fallback lists tickets with `updated_since`
 * from the last sync's high-water mark, and the mirror's ticket list equals Freshdesk's after each sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FreshdeskFake } from '../support/freshdesk-fake.js';

const NOW = '2026-11-25T09:00:00Z';
const KEY = 'fd-sync-key-1';
let home: string;
let fd: FreshdeskFake;
const run = (args: string[]): Promise<CliResult> => startCli(args, { home, env: { DESKCTL_NOW: NOW, FD_KEY: KEY } }).done;
async function json<T>(args: string[]): Promise<T> {
  const r = await run([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
type Row = Record<string, unknown> & { id: string };
/** Times in one form: the mirror and imports store 2026-11-01T09:00:00.000Z, vendors may drop the milliseconds. */
const sameTimes = (t: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, typeof v === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v) ? new Date(v).toISOString() : v]));
/**
 * A ticket list as compared between Freshdesk and its mirror. Freshdesk's list carries no reply count or
 * latest customer message (null); the mirror knows them from the synced conversations, so they are left
 * out here and checked against the conversations below.
 */
const list = async (profile: string) =>
  (await json<Row[]>(['tickets', 'list', '--all', '--status', 'all', '--profile', profile]))
    .map(({ url: _u, raw: _r, publicReplyCount: _p, lastCustomerMessageAt: _l, requester, assignee, ...t }) => ({
      ...sameTimes(t),
      requester: (requester as { email?: string }).email,
      assignee: (assignee as { email?: string } | null)?.email ?? null,
    }))
    .sort((a, b) => Number(a.id) - Number(b.id));

beforeAll(async () => {
  fd = await FreshdeskFake.start({ apiKey: KEY });
  fd.now = () => Date.parse(NOW);
  fd.seedDemo(30, Date.parse(NOW) - 86_400_000);
  home = makeHome('deskctl-fd-sync-');
  const r = await run(['profile', 'add', 'freshdesk', '--name', 'fd', '--url', fd.url, '--token-env', 'FD_KEY', '--rate-limit', '6000', '--option', 'retryBaseMs=1']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  cleanupHome(home);
  await fd.close();
});

describe('sync from Freshdesk (updated_since fallback)', () => {
  it('mirrors every ticket, then only what changed since the high-water mark', async () => {
    const first = await json<{ method: string; tickets: number; ratings: number }>(['sync', '--from', 'fd']);
    expect(first.method).toBe('updated-since');
    expect(first.tickets).toBe(fd.tickets.size);
    expect(first.ratings).toBe(fd.ratings.length);
    expect(await list('fd-mirror')).toEqual(await list('fd'));
    const counts = await json<Row[]>(['tickets', 'list', '--all', '--status', 'all', '--profile', 'fd-mirror']);
    for (const t of counts) {
      // an outbound ticket (source 10) opens with the agent's own message, the description
      const outbound = fd.tickets.get(Number(t.id))!.source === 10 ? 1 : 0;
      const replies = outbound + fd.conversationsOf(Number(t.id)).filter((c) => !c.incoming && !c.private).length;
      expect(t.publicReplyCount, `ticket ${t.id}`).toBe(replies);
    }

    const highWater = Math.max(...[...fd.tickets.values()].map((t) => Date.parse(t.updated_at)));
    const changed = [...fd.tickets.values()].filter((t) => Date.parse(t.updated_at) < highWater - 120_000).slice(0, 2);
    for (const t of changed) {
      t.subject = `Changed ${t.id}`;
      t.updated_at = new Date(highWater + 3_600_000).toISOString();
    }
    fd.server.clearLog();
    const second = await json<{ tickets: number }>(['sync', '--from', 'fd']);
    const listed = fd.server.find('GET', '/api/v2/tickets');
    expect(listed.length).toBeGreaterThan(0);
    // from the previous high-water mark, less the 60 s overlap
    expect(Date.parse(listed[0]!.query.get('updated_since')!)).toBe(highWater - 60_000);
    const fetchedConversations = fd.server.find('GET', /^\/api\/v2\/tickets\/\d+\/conversations$/).length;
    expect(second.tickets).toBeLessThan(5);
    expect(second.tickets).toBeGreaterThanOrEqual(2);
    expect(fetchedConversations).toBe(second.tickets);
    const mirror = await list('fd-mirror');
    expect(mirror).toEqual(await list('fd'));
    for (const t of changed) expect(mirror.find((m) => m.id === String(t.id))?.subject).toBe(`Changed ${t.id}`);
  }, 120_000);
});

describe('export from a remote helpdesk', () => {
  it('writes every Freshdesk ticket with its conversation and ratings, and imports into an equal list', async () => {
    const r = await run(['export', '--profile', 'fd']);
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; comments: unknown[]; ratings: unknown[] });
    expect(records).toHaveLength(fd.tickets.size);
    expect(records.reduce((n, t) => n + t.ratings.length, 0)).toBe(fd.ratings.length);
    const one = records.find((t) => t.id === 2)!;
    expect(one.comments.length).toBe(1 + fd.conversationsOf(2).length); // the description, then the conversations
    const file = `${home}/fd.ndjson`;
    (await import('node:fs')).writeFileSync(file, r.stdout);
    expect((await run(['import', file, '--into', 'fd-copy'])).code).toBe(0);
    expect(await list('fd-copy')).toEqual(await list('fd'));
  }, 120_000);
});
