import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, startCli, type CliResult } from '../support/cli.js';

/**
 * Follow-ups end to end on the embedded helpdesk, with the clock pinned by DESKCTL_NOW.
 * Customer replies are simulated by writing straight into the helpdesk's SQLite file.
 */
const T0 = '2026-11-25T10:00:00.000Z';
const hours = (h: number) => new Date(Date.parse(T0) + h * 3_600_000).toISOString();

interface Summary {
  sent: number;
  skipped: number;
  failed: number;
  pending: number;
  lockedBy: unknown;
  items: { id: number; ticketId: string; outcome: string; reason: string | null }[];
}
interface FollowUpJson {
  id: number;
  ticketId: string;
  dueAt: string;
  state: string;
  reason: string | null;
  commentId: string | null;
}

function cli(home: string, now: string, args: string[]): CliResult {
  return runCli(args, { home, env: { DESKCTL_NOW: now } });
}
function json<T>(home: string, now: string, args: string[]): T {
  const r = cli(home, now, [...args, '--json']);
  if (r.code !== 0) throw new Error(`deskctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const helpdeskDb = (home: string) => join(home, 'data', 'profiles', 'local', 'helpdesk.db');

/** A fresh demo helpdesk whose closed tickets are made 'solved', so that enough tickets take follow-ups. */
function demoHome(): string {
  const home = makeHome('deskctl-followup-');
  const r = cli(home, T0, ['demo']);
  if (r.code !== 0) throw new Error(`demo failed: ${r.stderr}`);
  const db = new Database(helpdeskDb(home));
  db.prepare(`UPDATE tickets SET status = 'solved' WHERE status = 'closed'`).run();
  db.close();
  return home;
}

function ticketIds(home: string, n: number): string[] {
  const db = new Database(helpdeskDb(home), { readonly: true });
  const ids = (db.prepare(`SELECT id FROM tickets WHERE status != 'closed' ORDER BY id LIMIT ?`).all(n) as { id: number }[]).map((r) => String(r.id));
  db.close();
  if (ids.length < n) throw new Error(`only ${ids.length} tickets`);
  return ids;
}

/** Agent comments per ticket created at exactly `at` (the runs' pinned "now"). */
function repliesAt(home: string, at: string): Map<string, number> {
  const db = new Database(helpdeskDb(home), { readonly: true });
  const rows = db
    .prepare(`SELECT ticket_id, COUNT(*) AS n FROM comments WHERE author_role = 'agent' AND created_at = ? GROUP BY ticket_id`)
    .all(at) as { ticket_id: number; n: number }[];
  db.close();
  return new Map(rows.map((r) => [String(r.ticket_id), r.n]));
}

function customerWrites(home: string, ticketId: string, at: string): void {
  const db = new Database(helpdeskDb(home));
  db.pragma('busy_timeout = 10000');
  const t = db.prepare(`SELECT requester_id FROM tickets WHERE id = ?`).get(Number(ticketId)) as { requester_id: string };
  db.prepare(`INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (?, ?, 'customer', 1, ?, ?)`).run(
    Number(ticketId),
    t.requester_id,
    'Thanks, but it is still not working.',
    at,
  );
  db.close();
}

describe('followup e2e: 100 follow-ups at mixed times', () => {
  let home: string;
  beforeAll(() => {
    home = demoHome();
  }, 60_000);
  afterAll(() => cleanupHome(home));

  it('sends exactly the due ones once, skips those the customer answered, and sends nothing new on a second run', () => {
    const ids = ticketIds(home, 100);
    const groups: { ids: string[]; when: string[] }[] = [
      { ids: ids.slice(0, 20), when: ['--in', '1d'] }, // 2026-11-26 10:00Z
      { ids: ids.slice(20, 40), when: ['--in', '36h'] }, // 2026-11-26 22:00Z
      { ids: ids.slice(40, 60), when: ['--at', '2026-11-27 09:00', '--tz', 'Europe/Paris'] }, // 2026-11-27 08:00Z
      { ids: ids.slice(60, 80), when: ['--at', 'next monday 9am', '--tz', 'America/New_York'] }, // 2026-11-30 14:00Z
      { ids: ids.slice(80, 100), when: ['--in', '2w'] }, // 2026-12-09 10:00Z
    ];
    for (const g of groups) {
      const scheduled = json<FollowUpJson[]>(home, T0, ['followup', 'schedule', ...g.ids, '--template', 'follow-up-check-in', ...g.when]);
      expect(scheduled.map((f) => f.ticketId)).toEqual(g.ids);
    }
    const all = json<FollowUpJson[]>(home, T0, ['followup', 'list']);
    expect(all).toHaveLength(100);
    expect(new Set(all.map((f) => f.dueAt))).toEqual(
      new Set(['2026-11-26T10:00:00.000Z', '2026-11-26T22:00:00.000Z', '2026-11-27T08:00:00.000Z', '2026-11-30T14:00:00.000Z', '2026-12-09T10:00:00.000Z']),
    );

    // Customers answer 7 of the tickets that will be due (after scheduling), and one wrote before scheduling (does not count).
    const replied = [ids[0]!, ids[5]!, ids[21]!, ids[33]!, ids[47]!, ids[59]!, ids[61]!];
    for (const id of replied) customerWrites(home, id, hours(20));
    customerWrites(home, ids[2]!, hours(-5));
    // A customer answering a ticket not yet due changes nothing now.
    customerWrites(home, ids[85]!, hours(30));

    const RUN_AT = '2026-12-01T06:00:00.000Z'; // groups 1-4 are due, group 5 is not
    const due = ids.slice(0, 80);
    expect(json<FollowUpJson[]>(home, RUN_AT, ['followup', 'list', '--due'])).toHaveLength(80);
    const dry = json<Summary>(home, RUN_AT, ['followup', 'run', '--dry-run']);
    expect(dry.items.filter((i) => i.outcome === 'would-send')).toHaveLength(73);
    expect(repliesAt(home, RUN_AT).size).toBe(0);

    const first = cli(home, RUN_AT, ['followup', 'run']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    expect(first.stdout).toMatch(/^followup run 2026-12-01T06:00:00.000Z: 73 sent, 7 skipped, 0 failed; 20 scheduled later \(next 2026-12-09T10:00:00.000Z\)$/m);

    const replies = repliesAt(home, RUN_AT);
    for (const id of due) expect(replies.get(id) ?? 0, `ticket ${id}`).toBe(replied.includes(id) ? 0 : 1);
    for (const id of ids.slice(80)) expect(replies.get(id) ?? 0).toBe(0);
    expect([...replies.values()].reduce((a, b) => a + b, 0)).toBe(73);

    const skipped = json<FollowUpJson[]>(home, RUN_AT, ['followup', 'list', '--status', 'skipped']);
    expect(skipped.map((f) => f.ticketId).sort()).toEqual([...replied].sort());
    for (const f of skipped) expect(f.reason).toBe(`customer replied at ${hours(20)}`);
    const sent = json<FollowUpJson[]>(home, RUN_AT, ['followup', 'list', '--status', 'sent']);
    expect(sent).toHaveLength(73);
    expect(sent.every((f) => f.commentId !== null)).toBe(true);

    const second = cli(home, RUN_AT, ['followup', 'run']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: 0 sent, 0 skipped, 0 failed; 20 scheduled later/);
    expect(repliesAt(home, RUN_AT)).toEqual(replies);

    // Later, the last group becomes due; the customer of one of them has written meanwhile.
    const LATER = '2026-12-10T00:00:00.000Z';
    const third = json<Summary>(home, LATER, ['followup', 'run']);
    expect(third).toMatchObject({ sent: 19, skipped: 1, failed: 0, pending: 0 });
    expect(third.items.find((i) => i.outcome === 'skipped')).toMatchObject({ ticketId: ids[85], reason: `customer replied at ${hours(30)}` });
    expect(repliesAt(home, LATER).size).toBe(19);
  }, 240_000);
});

describe('followup e2e: two concurrent runs', () => {
  let home: string;
  beforeAll(() => {
    home = demoHome();
  }, 60_000);
  afterAll(() => cleanupHome(home));

  async function concurrentRuns(ids: string[], scheduleAt: string, runAt: string, extra: string[], scheduleExtra: string[] = []) {
    const scheduled = json<FollowUpJson[]>(home, scheduleAt, ['followup', 'schedule', ...ids, '-t', 'follow-up-check-in', '--in', '1h', ...scheduleExtra]);
    expect(scheduled).toHaveLength(ids.length);
    const a = startCli(['followup', 'run', '--json', ...extra], { home, env: { DESKCTL_NOW: runAt } });
    const b = startCli(['followup', 'run', '--json', ...extra], { home, env: { DESKCTL_NOW: runAt } });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const sa = JSON.parse(ra.stdout) as Summary;
    const sb = JSON.parse(rb.stdout) as Summary;
    expect(sa.sent + sb.sent).toBe(ids.length);
    expect(sa.failed + sb.failed).toBe(0);
    const replies = repliesAt(home, runAt);
    expect(replies.size).toBe(ids.length);
    for (const id of ids) expect(replies.get(id), `ticket ${id}`).toBe(1);
    const states = json<FollowUpJson[]>(home, runAt, ['followup', 'list', '--status', 'all']).filter((f) => f.dueAt === hours(1 + (Date.parse(scheduleAt) - Date.parse(T0)) / 3_600_000));
    expect(states.every((f) => f.state === 'sent')).toBe(true);
    return [sa, sb];
  }

  it('send exactly 200 replies over 200 due follow-ups (run lock + per-item claims)', async () => {
    const ids = ticketIds(home, 200);
    const [sa, sb] = await concurrentRuns(ids, T0, hours(2), []);
    // whichever started second either found the lock held or found nothing left to claim
    expect([sa!.sent, sb!.sent].sort((x, y) => x - y)[0]).toBe(0);
  }, 240_000);

  it('send exactly 200 replies with the lock off: per-item claims alone prevent double sends', async () => {
    const ids = ticketIds(home, 200);
    // the same tickets got this template in the test above: without --allow-repeat the sent ledger skips them
    await concurrentRuns(ids, hours(3), hours(5), ['--no-lock', '--concurrency', '4'], ['--allow-repeat']);
  }, 240_000);
});

describe('followup e2e: a run killed mid-way', () => {
  let home: string;
  beforeAll(() => {
    home = demoHome();
  }, 60_000);
  afterAll(() => cleanupHome(home));

  it('is safe to repeat: every follow-up ends up sent exactly once', async () => {
    const ids = ticketIds(home, 200);
    json<FollowUpJson[]>(home, T0, ['followup', 'schedule', ...ids, '-t', 'follow-up-check-in', '--in', '1h']);
    const RUN_AT = hours(2);
    const victim = startCli(['followup', 'run', '--concurrency', '1'], { home, env: { DESKCTL_NOW: RUN_AT } });
    let exited = false;
    victim.done.then(() => (exited = true));
    // kill -9 as soon as some replies are out (if it finishes first, the repeat must still send nothing twice)
    while (!exited) {
      const sentSoFar = [...repliesAt(home, RUN_AT).values()].reduce((a, b) => a + b, 0);
      if (sentSoFar >= 40) {
        victim.child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await victim.done;
    const again = cli(home, RUN_AT, ['followup', 'run', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const replies = repliesAt(home, RUN_AT);
    for (const id of ids) expect(replies.get(id), `ticket ${id}`).toBe(1);
    const states = json<FollowUpJson[]>(home, RUN_AT, ['followup', 'list', '--status', 'all']);
    expect(states.filter((f) => f.state === 'sent')).toHaveLength(200);
    // running once more changes nothing
    expect(JSON.parse(cli(home, RUN_AT, ['followup', 'run', '--json']).stdout)).toMatchObject({ sent: 0, items: [] });
  }, 240_000);
});
