/**
 * Issue 16 acceptance: follow-ups in team mode. Four `followup run` processes of the real bin/deskctl.js,
 * each with its own DESKCTL_HOME (four hosts) and one DESKCTL_STATE_URL, work at once over 2,000 due
 * follow-ups on one helpdesk (a fake Zendesk on 127.0.0.1; the four profiles point at it, so they share
 * one state namespace) while two of them are killed with SIGKILL at random moments. Further runs finish
 * the rest. Counted on the helpdesk: every follow-up sent exactly once, none lost, and every surviving
 * process sent some.
 *
 * Runs against a real PostgreSQL (scripts/start-postgres.sh): under CI, with DESKCTL_TEST_PG=1, or
 * where PostgreSQL is installed; otherwise it skips with one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { scheduleFollowups } from '../../src/followups/index.js';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FakeZendesk, zendeskProfileAddArgs } from '../support/fake-zendesk.js';
import { pgForSuite, type PgServer } from '../support/pg-server.js';

const SUITE = 'followup run on PostgreSQL across hosts';
const pgServer: PgServer | undefined = await pgForSuite(SUITE);

const N = 2000;
const HOSTS = 4;
const T0 = '2026-11-25T10:00:00.000Z';
const RUN_AT = '2026-11-25T12:00:00.000Z';

interface Summary {
  sent: number;
  skipped: number;
  failed: number;
  unknown: number;
  resumed: number;
  lockedBy: unknown;
  items: { id: number; ticketId: string; outcome: string }[];
}

describe.skipIf(!pgServer)(SUITE, () => {
  let zd: FakeZendesk;
  let stateUrl: string;
  const homes: string[] = [];
  const before = new Map<number, number>();
  const env = () => ({ DESKCTL_STATE_URL: stateUrl, DESKCTL_NOW: RUN_AT, DESKCTL_SETTLE_MS: '50' });
  const newReplies = () => [...zd.comments].reduce((n, [id, list]) => n + list.length - before.get(id)!, 0);

  beforeAll(async () => {
    stateUrl = await pgServer!.freshDatabase('followups');
    zd = await FakeZendesk.start({ tickets: N });
    // a closed ticket's follow-up is skipped; every one of these must be sent
    for (const t of zd.tickets.values()) t.status = 'open';
    for (const [id, list] of zd.comments) before.set(id, list.length);
    for (let i = 0; i < HOSTS; i++) homes.push(makeHome(`deskctl-host${i}-`));
    const added = await Promise.all(
      homes.map((home) => startCli([...zendeskProfileAddArgs(zd, 'zd'), '--use', '--rate-limit', '1000000'], { home, input: `${zd.apiToken}\n` }).done),
    );
    for (const a of added) expect(a.code, a.stderr).toBe(0);

    // scheduled on host 0 (in-process: 2,000 `followup schedule` trial renders would only slow the test)
    const ctx = createContext({}, { env: { ...process.env, DESKCTL_HOME: homes[0]!, DESKCTL_STATE_URL: stateUrl, DESKCTL_NOW: T0 } });
    try {
      const store = await ctx.store();
      const now = new Date(T0);
      const dueAt = new Date(now.getTime() + 3_600_000);
      await scheduleFollowups(
        store,
        [...zd.tickets.keys()].map((id) => ({ ticketId: String(id), template: 'follow-up-check-in', dueAt, now, unlessReplied: false })),
      );
    } finally {
      await ctx.close();
    }
  }, 180_000);

  afterAll(async () => {
    await zd?.close();
    for (const home of homes) cleanupHome(home);
    await pgServer?.stop();
  });

  it('4 hosts run at once, 2 are killed: every follow-up is sent exactly once and the survivors shared the work', async () => {
    const runs = homes.map((home) => startCli(['followup', 'run', '--json'], { home, env: env() }));
    const order = [0, 1, 2, 3].sort(() => Math.random() - 0.5);
    const victims = order.slice(0, 2);
    const survivors = order.slice(2);
    // two random moments while the work is under way
    const killAt = [0.1 + Math.random() * 0.3, 0.45 + Math.random() * 0.3].map((f) => Math.floor(f * N));
    const exited = runs.map(() => false);
    runs.forEach((r, i) => void r.done.then(() => (exited[i] = true)));
    for (const [k, victim] of victims.entries()) {
      while (!exited[victim] && newReplies() < killAt[k]!) await new Promise((r) => setTimeout(r, 10));
      runs[victim]!.child.kill('SIGKILL');
    }
    const results: CliResult[] = await Promise.all(runs.map((r) => r.done));
    for (const v of victims) expect(results[v]!.code, `host ${v} was to be killed mid-way`).toBe(-1);
    const summaries = new Map<number, Summary>();
    for (const i of survivors) {
      expect(results[i]!.code, results[i]!.stderr).toBe(0);
      summaries.set(i, JSON.parse(results[i]!.stdout) as Summary);
    }
    for (const s of summaries.values()) expect(s).toMatchObject({ failed: 0, unknown: 0, skipped: 0, lockedBy: null });
    // the work was spread: each survivor sent some
    for (const s of summaries.values()) expect(s.sent).toBeGreaterThan(0);

    // further runs (another host's cron) finish whatever the killed ones left claimed
    const again = await startCli(['followup', 'run', '--json'], { home: homes[survivors[0]!]!, env: env() }).done;
    expect(again.code, again.stderr).toBe(0);

    // counted on the helpdesk: one new reply on every ticket, the follow-up's
    for (const [id, list] of zd.comments) {
      const added = list.slice(before.get(id)!);
      expect(added.length, `ticket ${id}`).toBe(1);
      expect(added[0]!.body).toContain("I'm checking in on");
    }
    const list = await startCli(['followup', 'list', '--status', 'all', '--json'], { home: homes[victims[0]!]!, env: env() }).done;
    const states = (JSON.parse(list.stdout) as { state: string; commentId: string | null }[]).map((f) => f.state);
    expect(states).toHaveLength(N);
    expect(states.filter((s) => s !== 'sent')).toEqual([]);

    const last = await startCli(['followup', 'run', '--json'], { home: homes[survivors[1]!]!, env: env() }).done;
    expect(JSON.parse(last.stdout)).toMatchObject({ sent: 0, items: [] });
    expect(newReplies()).toBe(N);
  }, 120_000);
});
