/**
 * Issue 12 acceptance: a helpdesk that answers 504 (or lets the request time out) and applies the write 1.5 s
 * later. Over 200+ such ambiguous writes through the real bin/deskctl.js (bulk reply, tickets reply, followup
 * run) no customer gets a reply twice: each write is checked again after a settle delay with backoff and never
 * blindly re-sent; the ones still not seen are recorded as unknown and settled by `bulk resume` and the next
 * `followup run`, which find them on the ticket instead of sending again.
 *
 * The settle delay is shortened through DESKCTL_SETTLE_MS / DESKCTL_SETTLE_CHECKS: with 300 ms and 2 checks
 * (0.3 s + 0.6 s) every write is still unseen at the last check (unknown), with 4 checks (up to 4.5 s) every
 * write is found in the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FakeZendesk } from '../support/fake-zendesk.js';

const NOW = '2026-11-25T09:00:00Z';
const LATER = '2026-11-25T11:00:00Z';
const APPLY_AFTER_MS = 1500;
let zd: FakeZendesk;
let home: string;

const cli = (args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> =>
  startCli(args, { home, env: { DESKCTL_NOW: NOW, ...env }, input, timeoutMs: 300_000 }).done;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FEW_CHECKS = { DESKCTL_SETTLE_MS: '300', DESKCTL_SETTLE_CHECKS: '2' };
const ENOUGH_CHECKS = { DESKCTL_SETTLE_MS: '300', DESKCTL_SETTLE_CHECKS: '4' };

/** Every comment write to these tickets is answered 504 or left to time out, and applied 1.5 s later. */
function lateWrites(ids: number[]): void {
  ids.forEach((id, i) => {
    zd.server.inject({ type: 'late', respond: i % 2 ? 'hang' : 504, applyAfterMs: APPLY_AFTER_MS }, { method: 'PUT', path: `/api/v2/tickets/${id}` });
  });
}
const copies = (id: number, marker: string) => zd.bodies(id).filter((b) => b.includes(marker)).length;
const ambiguousWrites = () => zd.server.requests.filter((r) => r.fault?.startsWith('late-')).length;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

beforeAll(async () => {
  zd = await FakeZendesk.start({ tickets: 260 });
  home = makeHome();
  mkdirSync(join(home, 'templates'), { recursive: true });
  writeFileSync(join(home, 'templates', 'amb-bulk.liquid'), '---\ndescription: bulk\npublic: true\n---\nHello {{ ticket.id }}, your parcel is on its way. [amb-bulk]\n');
  writeFileSync(join(home, 'templates', 'amb-followup.liquid'), '---\ndescription: followup\npublic: true\n---\nChecking in on ticket {{ ticket.id }}. [amb-followup]\n');
  // a short per-attempt timeout so that a write left hanging times out well before it is applied
  const add = await cli(
    ['profile', 'add', 'zendesk', '--name', 'zd', '--url', zd.url, '--user', zd.agentEmail, '--auth', 'token', '--with-token', '--option', 'retryBaseMs=5', '--option', 'timeoutMs=400', '--rate-limit', '100000', '--use'],
    {},
    `${zd.apiToken}\n`,
  );
  expect(add.code, add.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  cleanupHome(home);
  await zd?.close();
});

describe('writes the helpdesk applies 1.5 s after answering 504 or timing out', () => {
  const bulkIds = range(1, 120);
  // the fake's statuses cycle new, open, pending, hold, solved, closed: follow-ups skip closed tickets
  const followupIds = range(121, 80).filter((id) => (id - 1) % 6 !== 5).slice(0, 60);
  const replyIds = range(201, 24);

  it('bulk reply: unknown outcomes are not re-sent, and bulk resume finds them on the tickets', async () => {
    lateWrites(bulkIds);
    const run = await cli(['bulk', 'reply', '-t', 'amb-bulk', '--ids', bulkIds.join(','), '--yes', '--concurrency', '16', '--json'], FEW_CHECKS);
    expect([1, 3], run.stderr).toContain(run.code);
    const job = JSON.parse(run.stdout) as { id: string; state: string; counts: { unknown: number; done: number; failed: number }; unknown: { ticket: string; error: string }[] };
    expect(job.counts.failed).toBe(0);
    expect(job.counts.unknown).toBeGreaterThan(0);
    expect(job.counts.unknown + job.counts.done).toBe(120);
    expect(job.state).toBe('unsettled');
    expect(job.unknown[0]!.error).toMatch(/outcome unknown/);
    expect(run.stderr).toMatch(/have an unknown outcome \(not sent again\).*\n.*deskctl bulk resume/);
    // one PUT per ticket: nothing was sent twice
    for (const id of bulkIds) expect(zd.server.find('PUT', `/api/v2/tickets/${id}`), String(id)).toHaveLength(1);

    await sleep(APPLY_AFTER_MS + 200);
    const resume = await cli(['bulk', 'resume', job.id, '--json'], FEW_CHECKS);
    expect(resume.code, resume.stderr).toBe(0);
    const after = JSON.parse(resume.stdout) as { state: string; this_run?: { recovered: number; sent: number }; thisRun?: { recovered: number; sent: number } };
    const thisRun = after.thisRun ?? after.this_run!;
    expect(after.state).toBe('done');
    expect(thisRun).toMatchObject({ recovered: job.counts.unknown, sent: 0 });
    for (const id of bulkIds) expect(copies(id, '[amb-bulk]'), String(id)).toBe(1);
  }, 240_000);

  it('tickets reply: one copy per ticket; found in the run when the checks last long enough', async () => {
    lateWrites(replyIds);
    const chunks = [0, 1, 2, 3].map((k) => replyIds.slice(k * 6, k * 6 + 6));
    const runs = await Promise.all(chunks.map((ids) => cli(['tickets', 'reply', ...ids.map(String), '--body', 'We found your parcel. [amb-reply]', '--json'], ENOUGH_CHECKS)));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { ok: boolean }[]).every((x) => x.ok)).toBe(true);
    }
    for (const id of replyIds) {
      expect(copies(id, '[amb-reply]'), String(id)).toBe(1);
      expect(zd.server.find('PUT', `/api/v2/tickets/${id}`), String(id)).toHaveLength(1);
    }
  }, 240_000);

  it('tickets reply with an unknown outcome says so, exits 1, tells how to check, and never posts a second copy', async () => {
    const id = 230;
    lateWrites([id]);
    const r = await cli(['tickets', 'reply', String(id), '--body', 'One copy only. [amb-single]'], { DESKCTL_SETTLE_MS: '200', DESKCTL_SETTLE_CHECKS: '1' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/outcome unknown/);
    expect(r.stderr).toContain(`deskctl tickets show ${id}`);
    await sleep(APPLY_AFTER_MS + 200);
    expect(copies(id, '[amb-single]')).toBe(1);
    expect(zd.server.find('PUT', `/api/v2/tickets/${id}`)).toHaveLength(1);
  }, 60_000);

  it('followup run: unknown outcomes are recorded as unknown, and the next run finds them instead of sending again', async () => {
    const scheduled = await cli(['followup', 'schedule', ...followupIds.map(String), '-t', 'amb-followup', '--in', '1h', '--json']);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    lateWrites(followupIds);
    const first = await cli(['followup', 'run', '--concurrency', '16', '--json'], { ...FEW_CHECKS, DESKCTL_NOW: LATER });
    const summary = JSON.parse(first.stdout) as { sent: number; failed: number; unknown: number };
    expect(summary.failed).toBe(0);
    expect(summary.unknown).toBeGreaterThan(0);
    expect(summary.sent + summary.unknown).toBe(followupIds.length);
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(/have an unknown outcome \(not sent again\)\n.*followup list --status unknown/);
    const listed = await cli(['followup', 'list', '--status', 'unknown', '--json'], { DESKCTL_NOW: LATER });
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(summary.unknown);

    await sleep(APPLY_AFTER_MS + 200);
    const next = await cli(['followup', 'run', '--json'], { ...FEW_CHECKS, DESKCTL_NOW: LATER });
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ sent: summary.unknown, recovered: summary.unknown, unknown: 0, failed: 0 });
    for (const id of followupIds) {
      expect(copies(id, '[amb-followup]'), String(id)).toBe(1);
      expect(zd.server.find('PUT', `/api/v2/tickets/${id}`), String(id)).toHaveLength(1);
    }
  }, 240_000);

  it('adds up to at least 200 ambiguous writes and not one duplicate reply', () => {
    expect(ambiguousWrites()).toBeGreaterThanOrEqual(200);
    const duplicates = [...zd.tickets.keys()].filter((id) => {
      const bodies = zd.bodies(id).filter((b) => b.includes('[amb-'));
      return new Set(bodies).size !== bodies.length;
    });
    expect(duplicates).toEqual([]);
  });
});
