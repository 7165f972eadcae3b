import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, startCli } from '../support/cli.js';

const MARKER = '[bulk-e2e-kill]';
const TEMPLATE = `---
description: e2e acknowledgement with a marker
public: true
add_tags: [bulk-e2e]
---
Hi {{ ticket.requester.first_name | default: "there" }}, we have your message about "{{ ticket.subject }}". ${MARKER} #{{ ticket.id }}

{{ agent.signature }}
`;

let home: string;
let db: Database.Database;

const replyCounts = (): Map<string, number> => {
  const rows = db.prepare(`SELECT ticket_id AS id, count(*) AS n FROM comments WHERE body LIKE ? GROUP BY ticket_id`).all(`%${MARKER}%`) as { id: number; n: number }[];
  return new Map(rows.map((r) => [String(r.id), r.n]));
};
const total = (): number => (db.prepare(`SELECT count(*) AS n FROM comments WHERE body LIKE ?`).get(`%${MARKER}%`) as { n: number }).n;

beforeAll(() => {
  home = makeHome('deskctl-bulk-kill-');
  expect(runCli(['demo'], { home }).code).toBe(0);
  mkdirSync(join(home, 'templates'), { recursive: true });
  writeFileSync(join(home, 'templates', 'e2e-kill.liquid'), TEMPLATE);
  // 500 of the 720 demo tickets
  writeFileSync(join(home, 'ids.txt'), Array.from({ length: 500 }, (_, i) => String(i + 101)).join('\n') + '\n');
  db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'));
});
afterAll(() => {
  db?.close();
  cleanupHome(home);
});

describe('bulk reply: SIGKILL in the middle, then resume', () => {
  it('ends with exactly one reply on every one of the 500 selected tickets', async () => {
    expect(total()).toBe(0);
    const run = startCli(['bulk', 'reply', '--template', 'e2e-kill', '--ids-file', 'ids.txt', '--yes', '--concurrency', '4'], { home });
    let exited = false;
    run.done.then(() => (exited = true));
    // wait until some replies (not all) have gone out, then kill -9
    const deadline = Date.now() + 90_000;
    while (!exited && total() < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGKILL');
    const first = await run.done;
    expect(exited && first.code === 0 ? 'finished before the kill' : 'killed').toBe('killed');
    const sentBeforeKill = total();
    expect(sentBeforeKill).toBeGreaterThan(0);
    expect(sentBeforeKill).toBeLessThan(500);
    // never more than one reply on a ticket, even mid-run
    expect(Math.max(...replyCounts().values())).toBe(1);

    const jobId = /Started job (\w+)/.exec(first.stderr)?.[1];
    expect(jobId, first.stderr).toBeDefined();

    const status = runCli(['bulk', 'status', jobId!, '--json'], { home });
    expect(status.code).toBe(0);
    const before = JSON.parse(status.stdout) as { ticketId: string; state: string }[];
    expect(before).toHaveLength(500);
    expect(before.filter((i) => i.state === 'pending').length).toBeGreaterThan(0);

    const resumed = runCli(['bulk', 'resume', jobId!, '--json'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { state: string; counts: Record<string, number>; thisRun: { sent: number; recovered: number } };
    expect(summary.state).toBe('done');
    expect(summary.counts.done).toBe(500);

    const counts = replyCounts();
    expect(counts.size).toBe(500);
    for (let id = 101; id <= 600; id++) expect(counts.get(String(id)), `ticket ${id}`).toBe(1);
    expect(total()).toBe(500);
    // the replies the killed run sent were not sent again
    expect(summary.thisRun.sent + summary.thisRun.recovered).toBeLessThanOrEqual(500 - sentBeforeKill + 4);

    // the template's tag was applied everywhere, and a second resume does nothing
    const tagged = (db.prepare(`SELECT count(*) AS n FROM ticket_tags WHERE tag = 'bulk-e2e'`).get() as { n: number }).n;
    expect(tagged).toBe(500);
    const again = runCli(['bulk', 'resume', jobId!], { home });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/nothing left to do/);
    expect(total()).toBe(500);
  });

  it('Ctrl-C stops after the requests in flight, records the job as interrupted, and resume finishes it', async () => {
    const marker = '[bulk-e2e-int]';
    writeFileSync(join(home, 'templates', 'e2e-int.liquid'), `---\ndescription: i\npublic: false\n---\nNote ${marker} {{ ticket.id }}\n`);
    writeFileSync(join(home, 'ids2.txt'), Array.from({ length: 300 }, (_, i) => String(i + 201)).join('\n'));
    const count = () => (db.prepare(`SELECT count(*) AS n FROM comments WHERE body LIKE ?`).get(`%${marker}%`) as { n: number }).n;
    const run = startCli(['bulk', 'reply', '-t', 'e2e-int', '--ids-file', 'ids2.txt', '--yes', '--concurrency', '2'], { home });
    let exited = false;
    run.done.then(() => (exited = true));
    const deadline = Date.now() + 90_000;
    while (!exited && count() < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGINT');
    const first = await run.done;
    expect(first.code, first.stderr + first.stdout).toBe(1);
    expect(first.stderr).toMatch(/stopping after the requests in flight/);
    const jobId = /bulk resume (\w+)/.exec(first.stderr)![1]!;
    expect(first.stderr).toMatch(new RegExp(`job ${jobId} was stopped with \\d+ tickets to go`));
    const jobs = JSON.parse(runCli(['bulk', 'status', '--json'], { home }).stdout) as { id: string; state: string; counts: { done: number } }[];
    const job = jobs.find((j) => j.id === jobId)!;
    expect(job.state).toBe('interrupted');
    // after Ctrl-C every started ticket has a confirmed outcome
    expect(job.counts.done).toBe(count());
    const resumed = runCli(['bulk', 'resume', jobId], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(count()).toBe(300);
    const perTicket = db.prepare(`SELECT max(n) AS m FROM (SELECT count(*) AS n FROM comments WHERE body LIKE ? GROUP BY ticket_id)`).get(`%${marker}%`) as { m: number };
    expect(perTicket.m).toBe(1);
  });
});

