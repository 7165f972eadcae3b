import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, startCli } from '../support/cli.js';

let home: string;
let db: Database.Database;

const tpl = (name: string, text: string) => writeFileSync(join(home, 'templates', `${name}.liquid`), text);
/** Comments carrying `marker` per ticket id (on the embedded helpdesk itself). */
const perTicket = (marker: string): Map<string, number> =>
  new Map((db.prepare(`SELECT ticket_id AS id, count(*) AS n FROM comments WHERE body LIKE ? GROUP BY ticket_id`).all(`%${marker}%`) as { id: string | number; n: number }[]).map((r) => [String(r.id), r.n]));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

beforeAll(() => {
  home = makeHome('deskctl-ledger-');
  expect(runCli(['demo'], { home }).code).toBe(0);
  mkdirSync(join(home, 'templates'));
  db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'));
});
afterAll(() => {
  db?.close();
  cleanupHome(home);
});

describe('bulk reply: never twice', () => {
  it('the same bulk reply run twice sends once; the second run names who sent it; --allow-repeat sends again', () => {
    tpl('ack-twice', '---\ndescription: a\npublic: true\n---\nHello {{ ticket.requester.name }}, we got it. [ack-twice]\n');
    const ids = ['600', '601', '602', '603'];
    const first = runCli(['bulk', 'reply', '-t', 'ack-twice', '--ids', ids.join(','), '--yes', '--json'], { home });
    expect(first.code, first.stderr).toBe(0);
    const jobId = (JSON.parse(first.stdout) as { id: string }).id;
    expect([...perTicket('[ack-twice]').values()]).toEqual([1, 1, 1, 1]);

    const dry = runCli(['bulk', 'reply', '-t', 'ack-twice', '--ids', ids.join(','), '--dry-run', '--json'], { home });
    expect(dry.code, dry.stderr).toBe(0);
    const rows = JSON.parse(dry.stdout) as { ticketId: string; result: string; error: string | null }[];
    expect(rows.map((r) => r.result)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(rows[0]!.error).toMatch(new RegExp(`^already sent by job ${jobId} on \\d{4}-\\d\\d-\\d\\d$`));

    const second = runCli(['bulk', 'reply', '-t', 'ack-twice', '--ids', ids.join(','), '--yes', '--json'], { home });
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout) as { skipped: { ticketId: string; reason: string; sentBy: string; sentAt: string }[] };
    expect(out.skipped.map((s) => s.ticketId).sort()).toEqual(ids);
    expect(out.skipped[0]).toMatchObject({ sentBy: `job ${jobId}`, reason: expect.stringContaining(`already sent by job ${jobId}`) });
    expect(second.stderr).toMatch(/--allow-repeat/);
    expect([...perTicket('[ack-twice]').values()]).toEqual([1, 1, 1, 1]);

    const again = runCli(['bulk', 'reply', '-t', 'ack-twice', '--ids', ids.join(','), '--yes', '--allow-repeat', '--json'], { home });
    expect(again.code, again.stderr).toBe(0);
    expect([...perTicket('[ack-twice]').values()]).toEqual([2, 2, 2, 2]);
  });

  it('the repeat window: a send older than it no longer blocks; --repeat-window widens it; a bad value is refused', () => {
    const later = new Date(Date.now() + 31 * 86_400_000).toISOString();
    const dry = (extra: string[]) => JSON.parse(runCli(['bulk', 'reply', '-t', 'ack-twice', '--ids', '600', '--dry-run', '--json', ...extra], { home, env: { DESKCTL_NOW: later } }).stdout) as { result: string }[];
    expect(dry([])[0]!.result).toBe('ready');
    expect(dry(['--repeat-window', '60d'])[0]!.result).toBe('skipped');
    const bad = runCli(['bulk', 'reply', '-t', 'ack-twice', '--ids', '604', '--yes', '--repeat-window', 'soon'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --repeat-window 'soon'/);
    expect(perTicket('[ack-twice]').has('604')).toBe(false);
  });

  it('a message already in the conversation (sent outside deskctl) is skipped too', () => {
    tpl('ack-conv', '---\ndescription: a\npublic: true\n---\nWe are on ticket {{ ticket.id }} right now. [ack-conv]\n');
    // a row of the embedded helpdesk itself, as if typed in the helpdesk's UI: deskctl's ledger does not know it
    db.prepare(
      `INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at)
       SELECT 611, id, 'agent', 1, 'We are on ticket 611 right now. [ack-conv]', ? FROM people WHERE role = 'agent' LIMIT 1`,
    ).run(new Date().toISOString());
    const r = runCli(['bulk', 'reply', '-t', 'ack-conv', '--ids', '611,612', '--yes', '--json'], { home });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { skipped: { ticketId: string; reason: string; sentBy: string }[] };
    expect(out.skipped).toEqual([expect.objectContaining({ ticketId: '611', reason: expect.stringMatching(/^already on the ticket \(comment \d+, \d{4}-/), sentBy: 'the helpdesk conversation' })]);
    expect(Object.fromEntries(perTicket('[ack-conv]'))).toEqual({ '611': 1, '612': 1 });
  });

  it('two concurrent bulk replies on overlapping selections send each ticket once, and both say which they skipped', async () => {
    tpl('ack-race', '---\ndescription: a\npublic: true\n---\nHello, ticket {{ ticket.id }} is with us. [ack-race]\n');
    const a = range(501, 590); // 90 tickets
    const b = range(531, 620); // 90 tickets, 60 shared with a
    const runA = startCli(['bulk', 'reply', '-t', 'ack-race', '--ids', a.join(','), '--yes', '--json', '--concurrency', '2'], { home });
    const runB = startCli(['bulk', 'reply', '-t', 'ack-race', '--ids', b.join(','), '--yes', '--json', '--concurrency', '2'], { home });
    const [ra, rb] = await Promise.all([runA.done, runB.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const counts = perTicket('[ack-race]');
    expect(counts.size).toBe(120);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const skippedA = (JSON.parse(ra.stdout) as { skipped: unknown[] }).skipped.length;
    const skippedB = (JSON.parse(rb.stdout) as { skipped: unknown[] }).skipped.length;
    expect(skippedA + skippedB).toBe(60);
  }, 120_000);
});

describe('tickets reply / note: templates and the ledger', () => {
  const agentComments = (id: string) => (db.prepare(`SELECT count(*) AS n FROM comments WHERE ticket_id = ? AND author_role = 'agent'`).get(id) as { n: number }).n;

  it('-t renders like bulk: --dry-run prints the body and sends nothing; without a terminal it needs --yes; a repeat is skipped; --allow-repeat sends', () => {
    tpl('one-ack', '---\ndescription: a\npublic: true\n---\nHello {{ ticket.requester.name }}, ticket {{ ticket.id }} is with us. [one-ack]\n');
    const before = agentComments('620');
    const dry = runCli(['tickets', 'reply', '620', '-t', 'one-ack', '--dry-run', '--json'], { home });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual([expect.objectContaining({ ticketId: '620', result: 'ready', body: expect.stringMatching(/^Hello .+, ticket 620 is with us\. \[one-ack\]/) })]);
    const noYes = runCli(['tickets', 'reply', '620', '-t', 'one-ack'], { home });
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    expect(agentComments('620')).toBe(before);

    expect(runCli(['tickets', 'reply', '620', '-t', 'one-ack', '--yes'], { home }).code).toBe(0);
    const again = runCli(['tickets', 'reply', '620', '-t', 'one-ack', '--yes', '--json'], { home });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([{ ticketId: '620', ok: true, result: 'skipped', error: null, skipped: true, reason: expect.stringMatching(/^already sent by tickets reply by .+ on \d{4}-/) }]);
    // bulk sees what tickets reply sent
    const bulk = runCli(['bulk', 'reply', '-t', 'one-ack', '--ids', '620,621', '--yes', '--json'], { home });
    expect(bulk.code, bulk.stderr).toBe(0);
    expect((JSON.parse(bulk.stdout) as { skipped: { ticketId: string }[] }).skipped.map((s) => s.ticketId)).toEqual(['620']);
    expect(Object.fromEntries(perTicket('[one-ack]'))).toEqual({ '620': 1, '621': 1 });
    // and tickets reply sees what bulk sent
    const afterBulk = runCli(['tickets', 'reply', '621', '-t', 'one-ack', '--yes', '--json'], { home });
    expect(JSON.parse(afterBulk.stdout)[0].reason).toMatch(/^already sent by job [a-z0-9]{6} on /);
    expect(runCli(['tickets', 'reply', '620', '621', '-t', 'one-ack', '--yes', '--allow-repeat'], { home }).code).toBe(0);
    expect(Object.fromEntries(perTicket('[one-ack]'))).toEqual({ '620': 2, '621': 2 });
  });

  it('the same typed body twice is sent once; a note with it is another message', () => {
    const body = 'Your parcel left our warehouse this morning. [typed-twice]';
    expect(runCli(['tickets', 'reply', '622', '--body', body], { home }).code).toBe(0);
    const twice = runCli(['tickets', 'reply', '622', '--body', body, '--json'], { home });
    expect(twice.code).toBe(0);
    expect(JSON.parse(twice.stdout)[0]).toMatchObject({ skipped: true });
    expect(runCli(['tickets', 'note', '622', '--body', body], { home }).code).toBe(0);
    expect(perTicket('[typed-twice]').get('622')).toBe(2);
  });

  it('tickets note -t posts an internal note from a template', () => {
    tpl('one-note', '---\ndescription: n\npublic: false\n---\nHandover for {{ ticket.id }}. [one-note]\n');
    const r = runCli(['tickets', 'note', '623', '-t', 'one-note', '--yes'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(db.prepare(`SELECT public FROM comments WHERE ticket_id = 623 AND body LIKE '%[one-note]%'`).all()).toEqual([{ public: 0 }]);
    expect(runCli(['tickets', 'note', '623', '-t', 'one-note', '--body', 'x'], { home }).code).toBe(2);
  });
});

describe('followup schedule: one pending follow-up per ticket and template', () => {
  it('a second schedule is refused (exit 2, nothing scheduled) unless --replace or --allow-repeat', () => {
    const list = () => JSON.parse(runCli(['followup', 'list', '--ticket', '716', '--json'], { home }).stdout) as { id: number; template: string }[];
    const first = runCli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--in', '3d'], { home });
    expect(first.code, first.stderr).toBe(0);
    const twice = runCli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--in', '3d'], { home });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/ticket 716 already has follow-up #\d+ 'follow-up-check-in' scheduled for .*nothing was scheduled/);
    expect(twice.stderr).toMatch(/--replace .*--allow-repeat/);
    expect(runCli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--in', '4d', '--dry-run'], { home }).code).toBe(2);
    expect(list()).toHaveLength(1);
    const replaced = runCli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--in', '5d', '--replace'], { home });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toMatch(/Replaces follow-up #\d+/);
    const now = list();
    expect(now).toHaveLength(1);
    expect(runCli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--in', '6d', '--allow-repeat'], { home }).code).toBe(0);
    expect(list()).toHaveLength(2);
    expect(runCli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--in', '6d', '--allow-repeat', '--replace'], { home }).code).toBe(2);
  });
});

describe('followup run and the ledger', () => {
  it('a due follow-up whose template the ticket already got is skipped with the reason; what a follow-up sent is seen by tickets reply; --allow-repeat follow-ups still go', () => {
    const later = { DESKCTL_NOW: new Date(Date.now() + 2 * 3_600_000).toISOString() };
    const schedule = (id: string, extra: string[] = []) => {
      const r = runCli(['followup', 'schedule', id, '-t', 'follow-up-check-in', '--in', '1h', '--json', ...extra], { home });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { id: number }[])[0]!.id;
    };
    const marker = (id: string) => (db.prepare(`SELECT count(*) AS n FROM comments WHERE ticket_id = ? AND author_role = 'agent' AND body LIKE '%' || ? || '%'`).get(id, 'check') as { n: number }).n;
    const f630 = schedule('630');
    const bulk = runCli(['bulk', 'reply', '-t', 'follow-up-check-in', '--ids', '630', '--yes', '--json'], { home });
    expect(bulk.code, bulk.stderr).toBe(0);
    const job = (JSON.parse(bulk.stdout) as { id: string }).id;
    const f631 = schedule('631');
    const f632 = schedule('632');
    expect(runCli(['bulk', 'reply', '-t', 'follow-up-check-in', '--ids', '632', '--yes'], { home }).code).toBe(0);
    // scheduled again on purpose, in addition
    const f632b = schedule('632', ['--allow-repeat']);
    const before = { '630': marker('630'), '631': marker('631'), '632': marker('632') };

    const run = runCli(['followup', 'run', '--json'], { home, env: later });
    expect(run.code, run.stderr).toBe(0);
    const items = (JSON.parse(run.stdout) as { items: { id: number; outcome: string; reason: string | null }[] }).items;
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get(f630)).toMatchObject({ outcome: 'skipped', reason: `already sent by job ${job} on ${new Date().toISOString().slice(0, 10)}` });
    expect(byId.get(f631)?.outcome).toBe('sent');
    expect(byId.get(f632)?.outcome).toBe('skipped');
    expect(byId.get(f632b)?.outcome).toBe('sent');
    expect({ '630': marker('630'), '631': marker('631'), '632': marker('632') }).toEqual({ '630': before['630'], '631': before['631'] + 1, '632': before['632'] + 1 });

    const reply = runCli(['tickets', 'reply', '631', '-t', 'follow-up-check-in', '--yes', '--json'], { home, env: later });
    expect(reply.code, reply.stderr).toBe(0);
    expect(JSON.parse(reply.stdout)[0].reason).toMatch(new RegExp(`^already sent by follow-up ${f631} on `));
  });
});

describe('a killed holder', () => {
  it('kill -9 mid-job: an overlapping run takes over its claims, its resume sends nothing twice, every ticket gets the message once', async () => {
    tpl('ack-kill', '---\ndescription: a\npublic: true\n---\nTicket {{ ticket.id }} is in good hands. [ack-kill]\n');
    const a = range(301, 450);
    const b = range(401, 480);
    const victim = startCli(['bulk', 'reply', '-t', 'ack-kill', '--ids', a.join(','), '--yes', '--json', '--concurrency', '1'], { home });
    let exited = false;
    let killedAt = 0;
    void victim.done.then(() => (exited = true));
    while (!exited) {
      const sent = [...perTicket('[ack-kill]').values()].reduce((x, y) => x + y, 0);
      if (sent >= 20) {
        victim.child.kill('SIGKILL');
        killedAt = sent;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await victim.done;
    expect(killedAt, 'the first run was killed part way').toBeGreaterThan(0);
    expect([...perTicket('[ack-kill]').values()].reduce((x, y) => x + y, 0)).toBeLessThan(a.length);
    const jobs = JSON.parse(runCli(['bulk', 'status', '--json'], { home }).stdout) as { id: string; template: string | null }[];
    const jobA = jobs.find((j) => j.template === 'ack-kill')?.id;
    // the other run: what the dead one sent is skipped, what it only claimed is taken over
    const other = runCli(['bulk', 'reply', '-t', 'ack-kill', '--ids', b.join(','), '--yes', '--json'], { home });
    expect(other.code, other.stderr).toBe(0);
    if (jobA) {
      const resumed = runCli(['bulk', 'resume', jobA, '--json'], { home });
      expect([0, 3], resumed.stderr).toContain(resumed.code);
    }
    const counts = perTicket('[ack-kill]');
    const missing = [...new Set([...a, ...b])].filter((id) => counts.get(id) !== 1);
    expect(missing, `tickets without exactly one reply: ${missing.map((id) => `${id}=${counts.get(id) ?? 0}`).join(' ')}`).toEqual([]);
  }, 120_000);
});

describe('triage apply and the ledger', () => {
  it("a rule's reply that the ticket already got from another command is 'already done', not sent again; what a rule sent is seen by tickets reply", () => {
    tpl('tri-ack', '---\ndescription: a\npublic: true\n---\nHello, we are on ticket {{ ticket.id }}. [tri-ack]\n');
    writeFileSync(join(home, 'tri-rules.yaml'), 'mode: all-match\nrules:\n  - name: acknowledge\n    when:\n      tags: [tri-sel]\n    then:\n      reply: tri-ack\n');
    expect(runCli(['tickets', 'update', '640', '641', '--status', 'open', '--add-tag', 'tri-sel'], { home }).code).toBe(0);
    expect(runCli(['tickets', 'reply', '640', '-t', 'tri-ack', '--yes'], { home }).code).toBe(0);
    const r = runCli(['triage', 'apply', '--rules', 'tri-rules.yaml', '--yes', '--json', '--tag', 'tri-sel'], { home });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { ticketId?: string; ticket?: string; changes: { result: string }[] }[];
    const row = (id: string) => rows.find((x) => (x.ticketId ?? x.ticket) === id);
    expect(row('640')?.changes.map((c) => c.result)).toEqual(['already done']);
    expect(row('641')?.changes.map((c) => c.result)).toEqual(['applied']);
    expect(Object.fromEntries(perTicket('[tri-ack]'))).toEqual({ '640': 1, '641': 1 });
    const again = runCli(['tickets', 'reply', '641', '-t', 'tri-ack', '--yes', '--json'], { home });
    expect(JSON.parse(again.stdout)[0].reason).toMatch(/^already sent by triage apply \(rule acknowledge\) by .+ on /);
  });
});

