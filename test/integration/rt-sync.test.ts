/**
 * deskctl sync from a REAL Request Tracker 5 (scripts/start-rt.sh): after a sync, the mirror's ticket list
 * equals RT's; after changes in RT (a reply, a new subject, a resolved ticket, a new ticket), the next sync
 * brings them over and the lists are equal again. Skips like the other RT tests (see rt-provider.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, type CliResult } from '../support/cli.js';
import { IN_CI, mustSkip, rtPrereq } from '../support/prereqs.js';
import { RT_SERVER_BIN, startRt, type RtServer } from '../support/rt-server.js';

const SUITE = 'deskctl sync from Request Tracker';
const started = mustSkip(SUITE, rtPrereq(RT_SERVER_BIN)) ? undefined : await startRt();
const installFailed = started !== undefined && !started.ok && started.installFailed;
if (installFailed && IN_CI) throw new Error(`${SUITE}: ${started.ok ? '' : started.reason}`);
const skip = started === undefined || installFailed;

type Row = Record<string, unknown> & { id: string };
/** What a mirror must reproduce of each ticket (RT's own fields; urls and raw vendor objects aside). */
const FIELDS = ['id', 'subject', 'status', 'priority', 'channel', 'group', 'tags', 'createdAt', 'updatedAt', 'firstResponseAt', 'solvedAt', 'reopenCount', 'publicReplyCount', 'lastCustomerMessageAt'];
const view = (rows: Row[]) =>
  rows
    .map((t) => ({
      // times in one form: the mirror stores 2026-11-01T09:00:00.000Z, RT drops the milliseconds
      ...Object.fromEntries(FIELDS.map((f) => [f, typeof t[f] === 'string' && /At$/.test(f) ? new Date(t[f] as string).toISOString() : (t[f] ?? null)])),
      requester: (t.requester as { email?: string } | undefined)?.email ?? null,
      assignee: (t.assignee as { name?: string } | null | undefined)?.name ?? null,
    }))
    .sort((a, b) => Number(a.id) - Number(b.id));

describe.skipIf(skip)(SUITE, { timeout: 240_000 }, () => {
  let rt: RtServer;
  let home: string;
  const cli = (args: string[]): CliResult => runCli(args, { home, env: { RT_TEST_PASSWORD: 'password' }, timeoutMs: 180_000 });
  const list = (profile: string) => {
    const r = cli(['tickets', 'list', '--all', '--json', '--profile', profile]);
    if (r.code !== 0) throw new Error(`tickets list --profile ${profile} exited ${r.code}: ${r.stderr}`);
    return view(JSON.parse(r.stdout) as Row[]);
  };
  const sync = () => {
    const r = cli(['sync', '--from', 'rt', '--json']);
    if (r.code !== 0) throw new Error(`sync exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as { method: string; tickets: number; comments: number };
  };

  beforeAll(async () => {
    if (!started?.ok) throw new Error(`Request Tracker did not start: ${started?.reason}`);
    rt = started.server;
    home = makeHome('deskctl-rt-sync-');
    for (let i = 0; i < 8; i++) {
      const t = await rt.api<{ id: string }>('POST', '/ticket', { Queue: 'General', Subject: `Sync question ${i + 1}`, Requestor: `customer${i % 3}@example.com`, Content: `Question ${i + 1}`, Priority: 10 * i });
      if (i % 2 === 0) await rt.api('POST', `/ticket/${t.id}/correspond`, { Content: `Answer ${i + 1}`, ContentType: 'text/plain' });
      if (i % 4 === 0) await rt.api('PUT', `/ticket/${t.id}`, { Status: 'resolved' });
    }
    const add = cli(['profile', 'add', 'rt', '--name', 'rt', '--url', rt.url, '--user', 'root', '--password-env', 'RT_TEST_PASSWORD']);
    if (add.code !== 0) throw new Error(`profile add failed: ${add.stderr}`);
  });

  afterAll(async () => {
    if (home) cleanupHome(home);
    await rt?.stop();
  });

  it('mirrors RT: the ticket lists are equal', () => {
    const first = sync();
    expect(first.method).toBe('updated-since');
    expect(first.tickets).toBe(8);
    expect(list('rt-mirror')).toEqual(list('rt'));
  });

  it('brings over changes made in RT since the last sync', async () => {
    const before = list('rt');
    const [a, b] = before.filter((t) => t.status !== 'solved');
    await rt.api('PUT', `/ticket/${a!.id}`, { Subject: 'Renamed in RT' });
    await rt.api('POST', `/ticket/${b!.id}/correspond`, { Content: 'Late answer', ContentType: 'text/plain' });
    await rt.api('PUT', `/ticket/${b!.id}`, { Status: 'resolved' });
    await rt.api('POST', '/ticket', { Queue: 'General', Subject: 'Brand new', Requestor: 'new@example.com', Content: 'Hello' });
    const second = sync();
    expect(second.tickets).toBeGreaterThanOrEqual(3);
    const mirror = list('rt-mirror');
    expect(mirror).toEqual(list('rt'));
    expect(mirror.find((t) => t.id === a!.id)?.subject).toBe('Renamed in RT');
    expect(mirror).toHaveLength(9);
    const show = cli(['tickets', 'show', b!.id, '--profile', 'rt-mirror', '--json']);
    expect(show.stdout).toContain('Late answer');
  });
});
