import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli, type CliResult } from '../support/cli.js';

const T0 = '2026-11-25T10:00:00.000Z';
const cli = (home: string, args: string[], now = T0, env: Record<string, string> = {}): CliResult =>
  runCli(args, { home, env: { DESKCTL_NOW: now, ...env } });
const json = <T>(home: string, args: string[], now = T0): T => {
  const r = cli(home, [...args, '--json'], now);
  if (r.code !== 0) throw new Error(`deskctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};
const helpdeskDb = (home: string) => join(home, 'data', 'profiles', 'local', 'helpdesk.db');
const stateDb = (home: string) => join(home, 'data', 'profiles', 'local', 'state.db');

interface FollowUpJson {
  id: number;
  ticketId: string;
  state: string;
  reason: string | null;
  dueAt: string;
  tz: string;
  commentId: string | null;
  conditions: { unlessReplied: boolean; onlyIfStatus: string[] | null };
  actions: { setStatus: string | null; addTags: string[] };
}

describe('followup CLI on the embedded helpdesk', () => {
  let home: string;
  let open: string[]; // ids of tickets that are not closed
  beforeAll(() => {
    home = makeHome('deskctl-followup-cli-');
    const r = cli(home, ['demo']);
    if (r.code !== 0) throw new Error(r.stderr);
    const db = new Database(helpdeskDb(home), { readonly: true });
    open = (db.prepare(`SELECT id FROM tickets WHERE status IN ('solved','pending') ORDER BY id LIMIT 20`).all() as { id: number }[]).map((x) => String(x.id));
    db.close();
  }, 60_000);
  afterAll(() => cleanupHome(home));

  const countAll = () => json<FollowUpJson[]>(home, ['followup', 'list', '--status', 'all']).length;

  describe('bad input exits non-zero with one clear line and schedules nothing', () => {
    const cases: [string, () => string[], number, RegExp][] = [
      ['an unparseable date', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--at', 'the day after never'], 2, /^error: invalid --at 'the day after never': not a date deskctl understands$/m],
      ['a date in the past', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--at', '2026-11-01 09:00'], 2, /^error: --at '2026-11-01 09:00' is in the past/m],
      ['a past natural date', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--at', 'last friday'], 2, /is in the past/],
      ['an unknown template', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-chek-in', '--in', '7d'], 2, /^error: no template named 'follow-up-chek-in'\nhint: did you mean 'follow-up-check-in'/m],
      ['an unknown ticket among good ones', () => ['followup', 'schedule', open[0]!, '999999', open[1]!, '-t', 'follow-up-check-in', '--in', '7d'], 1, /^error: ticket 999999 not found; nothing was scheduled$/m],
      ['an unknown time zone', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--at', 'tomorrow', '--tz', 'Europe/Atlantis'], 2, /^error: unknown time zone 'Europe\/Atlantis'$/m],
      ['both --in and --at', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--in', '1d', '--at', 'tomorrow'], 2, /give either --in or --at, not both/],
      ['no time at all', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in'], 2, /when should the follow-up go out\?/],
      ['a bad duration', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--in', '7 fortnights'], 2, /invalid --in '7 fortnights'/],
      ['a bad status', () => ['followup', 'schedule', open[0]!, '-t', 'follow-up-check-in', '--in', '7d', '--only-if-status', 'done'], 2, /invalid --only-if-status 'done'/],
      ['no tickets', () => ['followup', 'schedule', '-t', 'follow-up-check-in', '--in', '7d'], 2, /which tickets\?/],
      ['ids and filters together', () => ['followup', 'schedule', open[0]!, '--tag', 'x', '-t', 'follow-up-check-in', '--in', '7d'], 2, /ticket ids or filters, not both/],
      ['a selection without --yes off a terminal', () => ['followup', 'schedule', '--status', 'solved', '-t', 'follow-up-check-in', '--in', '7d'], 2, /pass --yes/],
      ['no template and no action', () => ['followup', 'schedule', open[0]!, '--in', '7d'], 2, /needs --template NAME/],
    ];
    it.each(cases)('%s', (_name, args, code, message) => {
      const r = cli(home, args());
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(countAll()).toBe(0);
    });

    it('a template that cannot render for one ticket schedules none', () => {
      const tplDir = join(home, 'templates');
      mkdirSync(tplDir, { recursive: true });
      writeFileSync(join(tplDir, 'needs-order.liquid'), 'Your order {{ ticket.custom_fields.no_such_field }} shipped.\n');
      const r = cli(home, ['followup', 'schedule', open[0]!, open[1]!, '-t', 'needs-order', '--in', '7d']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/needs \{\{ ticket.custom_fields.no_such_field \}\}.*nothing was scheduled/);
      expect(countAll()).toBe(0);
    });
  });

  it('schedules over a selection, applies --set-status/--add-tag after sending, honours --only-if-status', () => {
    const db = new Database(helpdeskDb(home));
    db.prepare(`INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, 'fu-e2e'), (?, 'fu-e2e'), (?, 'fu-e2e')`).run(Number(open[2]), Number(open[3]), Number(open[4]));
    db.close();
    const dry = cli(home, ['followup', 'schedule', '--tag', 'fu-e2e', '-t', 'follow-up-check-in', '--in', '2d', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toHaveLength(3);
    expect(countAll()).toBe(0);

    const scheduled = json<FollowUpJson[]>(home, [
      'followup', 'schedule', '--tag', 'fu-e2e', '-t', 'follow-up-check-in', '--in', '2d', '--yes',
      '--set-status', 'closed', '--add-tag', 'followed-up', '--only-if-status', 'solved,pending', '--tz', 'Asia/Tokyo',
    ]);
    expect(scheduled.map((f) => f.ticketId).sort()).toEqual([open[2], open[3], open[4]].sort());
    expect(scheduled[0]).toMatchObject({
      dueAt: '2026-11-27T10:00:00.000Z',
      tz: 'Asia/Tokyo',
      conditions: { unlessReplied: true, onlyIfStatus: ['solved', 'pending'] },
      actions: { setStatus: 'closed', addTags: ['followed-up'] },
    });
    // one ticket is reopened meanwhile: --only-if-status skips it
    expect(cli(home, ['tickets', 'update', open[4]!, '--status', 'open']).code).toBe(0);

    const RUN = '2026-11-28T00:00:00.000Z';
    const show = cli(home, ['followup', 'show', String(scheduled[0]!.id), '--format', 'table'], RUN);
    expect(show.stdout).toMatch(/Due: +2026-11-27 19:00 Asia\/Tokyo/);
    const run = cli(home, ['followup', 'run'], RUN);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/: 2 sent, 1 skipped, 0 failed/);
    for (const id of [open[2]!, open[3]!]) {
      const t = json<{ ticket: { status: string; tags: string[] }; comments: { body: string; authorRole: string }[] }>(home, ['tickets', 'show', id], RUN);
      expect(t.ticket.status).toBe('closed');
      expect(t.ticket.tags).toContain('followed-up');
      expect(t.comments.at(-1)).toMatchObject({ authorRole: 'agent' });
      expect(t.comments.at(-1)!.body).toMatch(/^Hi .+,\n\nI'm checking in on/);
    }
    const skipped = json<FollowUpJson[]>(home, ['followup', 'list', '--status', 'skipped', '--ticket', open[4]!], RUN);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toBe('ticket is open, not solved/pending');
  });

  it('cancel stops a follow-up, and says why it cannot cancel a sent one (exit 3 when some could not be)', () => {
    const [a] = json<FollowUpJson[]>(home, ['followup', 'schedule', open[5]!, '-t', 'follow-up-check-in', '--in', '3d']);
    const [b] = json<FollowUpJson[]>(home, ['followup', 'schedule', open[6]!, '-t', 'follow-up-check-in', '--in', '3d']);
    const sent = json<FollowUpJson[]>(home, ['followup', 'list', '--status', 'sent'], '2026-11-28T00:00:00.000Z')[0]!;
    const r = cli(home, ['followup', 'cancel', String(a!.id), String(sent.id)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`follow-up #${sent.id} not cancelled: it is sent`));
    const byTicket = cli(home, ['followup', 'cancel', '--ticket', open[6]!, '--json']);
    expect(byTicket.code).toBe(0);
    expect(JSON.parse(byTicket.stdout).map((f: FollowUpJson) => f.id)).toEqual([b!.id]);
    const run = json<{ sent: number; items: unknown[] }>(home, ['followup', 'run'], '2026-12-31T00:00:00.000Z');
    expect(run.items.filter((i) => (i as FollowUpJson).id === a!.id || (i as FollowUpJson).id === b!.id)).toEqual([]);
    expect(cli(home, ['followup', 'cancel', '4242']).stderr).toMatch(/follow-up #4242 not cancelled: not found/);
    expect(cli(home, ['followup', 'show', '4242']).code).toBe(1);
  });

  it('recovers a follow-up a crashed run had already posted, without posting it again', () => {
    const [f] = json<FollowUpJson[]>(home, ['followup', 'schedule', open[7]!, '-t', 'follow-up-check-in', '--in', '1h'], '2027-01-01T00:00:00.000Z');
    const preview = json<{ items: { outcome: string }[] }>(home, ['followup', 'run', '--dry-run'], '2027-01-01T02:00:00.000Z');
    expect(preview.items).toHaveLength(1);
    // Simulate a run that claimed it, posted the reply, and was killed before recording the outcome.
    const run = cli(home, ['followup', 'run', '--json'], '2027-01-01T02:00:00.000Z');
    expect(run.code).toBe(0);
    const sent = json<FollowUpJson[]>(home, ['followup', 'list', '--status', 'sent', '--ticket', open[7]!], '2027-01-01T02:00:00.000Z')[0]!;
    expect(sent.id).toBe(f!.id);
    const st = new Database(stateDb(home));
    st.prepare(`UPDATE followups_items SET state = 'sending', claimed_by = ?, comment_id = NULL, sent_at = NULL WHERE id = ?`).run(`${hostname()}/2147483646/deadbeef`, f!.id);
    st.close();
    const again = json<{ sent: number; recovered: number; items: { commentId: string }[] }>(home, ['followup', 'run'], '2027-01-01T03:00:00.000Z');
    expect(again).toMatchObject({ sent: 1, recovered: 1 });
    expect(again.items[0]!.commentId).toBe(sent.commentId);
    const hd = new Database(helpdeskDb(home), { readonly: true });
    const n = (hd.prepare(`SELECT COUNT(*) AS n FROM comments WHERE ticket_id = ? AND author_role = 'agent' AND created_at >= ?`).get(Number(open[7]), '2027-01-01T00:00:00.000Z') as { n: number }).n;
    hd.close();
    expect(n).toBe(1);
  });

  it('run exits 3 and lists the failure when a follow-up cannot be sent', () => {
    const [f] = json<FollowUpJson[]>(home, ['followup', 'schedule', open[8]!, '-t', 'follow-up-check-in', '--in', '1h'], '2027-02-01T00:00:00.000Z');
    // the template is broken after scheduling
    const st = new Database(stateDb(home));
    st.prepare(`UPDATE followups_items SET template = 'gone-template', template_file = NULL WHERE id = ?`).run(f!.id);
    st.close();
    const r = cli(home, ['followup', 'run'], '2027-02-01T02:00:00.000Z');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/: 0 sent, 0 skipped, 1 failed/);
    expect(r.stderr).toMatch(new RegExp(`follow-up #${f!.id} \\(ticket ${open[8]}, gone-template\\) failed: no template named 'gone-template'`));
    expect(r.stderr).toMatch(/^error: 1 of 1 due follow-ups failed$/m);
    expect(r.stderr).not.toMatch(/\x1b\[/); // no colour off a terminal
    expect(json<FollowUpJson[]>(home, ['followup', 'list', '--status', 'failed'])[0]).toMatchObject({ id: f!.id, state: 'failed' });
    // fixed and retried: the next run sends it
    const fix = new Database(stateDb(home));
    fix.prepare(`UPDATE followups_items SET template = 'follow-up-check-in' WHERE id = ?`).run(f!.id);
    fix.close();
    const retry = cli(home, ['followup', 'retry', '--ticket', open[8]!]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stderr).toMatch(/requeued 1 follow-up/);
    expect(cli(home, ['followup', 'run'], '2027-02-01T03:00:00.000Z').stdout).toMatch(/: 1 sent, 0 skipped, 0 failed/);
    expect(cli(home, ['followup', 'retry', String(f!.id)]).stderr).toMatch(new RegExp(`follow-up #${f!.id} not requeued: it is sent, not failed`));
  });

  it('cron prints a ready crontab line with absolute paths and explains how to install it', () => {
    const r = cli(home, ['followup', 'cron', '--every', '10m']);
    expect(r.code).toBe(0);
    const line = r.stdout.trim();
    expect(line.split('\n')).toHaveLength(1);
    const log = join(home, 'data', 'profiles', 'local', 'followup-run.log');
    expect(line).toBe(`*/10 * * * * DESKCTL_HOME=${home} ${process.execPath} ${BIN} --profile local followup run >> ${log} 2>&1`);
    expect(existsSync(join(home, 'data', 'profiles', 'local'))).toBe(true);
    expect(r.stderr).toMatch(/crontab -e/);
    expect(r.stderr).toMatch(/\| crontab -/);
    expect(cli(home, ['followup', 'cron', '--every', '2h']).stdout).toMatch(/^0 \*\/2 \* \* \* /);
    expect(cli(home, ['followup', 'cron', '--every', '90m']).code).toBe(2);
  });
});
