/**
 * Issue 12 §4, through bin/deskctl.js on the embedded helpdesk: when the helpdesk refuses one change of a
 * ticket (here a SQLite trigger refuses the tag 'refused-tag', like a Zendesk tag call refused or an RT queue
 * that does not exist), the other changes are still applied, and every report (JSON, stderr, exit code,
 * triage log, followup list) says exactly which were applied and which failed.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

const NOW = '2026-11-25T09:00:00Z';
const env = { DESKCTL_NOW: NOW };
let home: string;
let open: string[];

const cli = (args: string[], now = NOW) => runCli(args, { home, env: { DESKCTL_NOW: now } });
const ticket = (id: string) => runJson<{ ticket: { status: string; priority: string; tags: string[] }; comments: { body: string; public: boolean }[] }>(['tickets', 'show', id, '--json'], { home, env }).ticket;
const comments = (id: string) => runJson<{ comments: { body: string; public: boolean }[] }>(['tickets', 'show', id, '--json'], { home, env }).comments;

beforeAll(() => {
  home = makeHome('deskctl-truthful-');
  const demo = runCli(['demo'], { home, env });
  if (demo.code !== 0) throw new Error(demo.stderr);
  open = runJson<{ id: string }[]>(['tickets', 'list', '--status', 'open', '--limit', '20', '--json'], { home, env }).map((t) => t.id);
  const db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'));
  db.exec(`CREATE TRIGGER refuse_tag BEFORE INSERT ON ticket_tags WHEN NEW.tag = 'refused-tag' BEGIN SELECT RAISE(ABORT, 'the helpdesk refuses the tag refused-tag'); END;`);
  db.close();
}, 120_000);
afterAll(() => cleanupHome(home));

describe('one refused change', () => {
  it('tickets update: the other changes are applied and the JSON says which; exit 3', () => {
    const id = open[0]!;
    const r = cli(['tickets', 'update', id, '--priority', 'urgent', '--add-tag', 'refused-tag', '--add-tag', 'fine-tag', '--json']);
    expect(r.code, r.stderr).toBe(3);
    const [row] = JSON.parse(r.stdout) as { ticketId: string; ok: boolean; result: string; changes: unknown[]; error: string }[];
    expect(row).toMatchObject({ ticketId: id, ok: false, result: 'partial' });
    expect(row!.changes).toEqual([
      { change: 'priority', value: 'urgent', outcome: 'applied' },
      { change: 'addTag', value: 'refused-tag', outcome: 'failed', error: expect.stringMatching(/refuses the tag/) },
      { change: 'addTag', value: 'fine-tag', outcome: 'applied' },
    ]);
    expect(r.stderr).toMatch(/\+refused-tag failed: .*refuses the tag.*; applied: priority → urgent, \+fine-tag/);
    const t = ticket(id);
    expect(t.priority).toBe('urgent');
    expect(t.tags).toContain('fine-tag');
    expect(t.tags).not.toContain('refused-tag');
  });

  it('bulk update: each ticket records its applied and failed changes; the job is partial (exit 3)', () => {
    const ids = [open[1]!, open[2]!];
    const r = cli(['bulk', 'update', '--ids', ids.join(','), '--add-tag', 'refused-tag', '--add-tag', 'bulk-ok', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(3);
    const job = JSON.parse(r.stdout) as { id: string; state: string; failed: { ticketId: string; error: string; changes: { change: string; value: string; outcome: string }[] }[] };
    expect(job.state).toBe('partial');
    expect(job.failed.map((f) => f.ticketId).sort()).toEqual([...ids].sort());
    for (const f of job.failed) {
      expect(f.changes.map((c) => `${c.value}:${c.outcome}`)).toEqual(['refused-tag:failed', 'bulk-ok:applied']);
      expect(f.error).toMatch(/applied: \+bulk-ok/);
    }
    for (const id of ids) expect(ticket(id).tags).toContain('bulk-ok');
  });

  it('triage apply: a refused tag of one rule neither blocks another rule\'s note nor hides the applied changes; triage log records what was applied', () => {
    const id = open[3]!;
    expect(cli(['tickets', 'update', id, '--add-tag', 'truth-test', '--priority', 'low']).code).toBe(0);
    const rules = join(home, 'truth-rules.yaml');
    writeFileSync(
      rules,
      `mode: all-match
rules:
  - name: tag-it
    when:
      tags: [truth-test]
    then:
      addTags: [refused-tag]
  - name: note-it
    when:
      tags: [truth-test]
    then:
      priority: high
      note: { text: "Checked by the truth rules." }
`,
    );
    const r = cli(['triage', 'apply', '--rules', rules, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(3);
    const rows = JSON.parse(r.stdout) as { ticketId: string; result: string; changes: { rule: string; kind: string; result: string; error?: string }[] }[];
    const row = rows.find((x) => x.ticketId === id)!;
    expect(row.result).toBe('partly applied');
    const byKind = Object.fromEntries(row.changes.map((c) => [c.kind, c]));
    expect(byKind.addTag).toMatchObject({ rule: 'tag-it', result: 'failed', error: expect.stringMatching(/refuses the tag/) });
    expect(byKind.note).toMatchObject({ rule: 'note-it', result: 'applied' });
    expect(r.stderr).not.toMatch(/nothing was changed/);
    expect(r.stderr).toMatch(/1 change failed on 1 of/);
    expect(comments(id).at(-1)).toMatchObject({ body: 'Checked by the truth rules.', public: false });
    const log = runJson<{ ticketId: string; action: string; detail: unknown }[]>(['triage', 'log', '--ticket', id, '--source', 'apply', '--json'], { home, env });
    expect(log.map((e) => e.action).sort()).toEqual(['note', 'update']);
    const update = log.find((e) => e.action === 'update')!;
    expect(JSON.stringify(update.detail)).toContain('priority');
    expect(JSON.stringify(update.detail)).not.toContain('refused-tag');
  });

  it('followup run: the message was sent and an after-action failed — said the same way in the JSON, stderr and followup list', () => {
    const id = open[4]!;
    const scheduled = runJson<{ id: number }[]>(['followup', 'schedule', id, '-t', 'follow-up-check-in', '--in', '1h', '--set-status', 'pending', '--add-tag', 'refused-tag', '--json'], { home, env });
    const later = '2026-11-25T11:00:00Z';
    const r = cli(['followup', 'run', '--json'], later);
    expect(r.code, r.stderr).toBe(3);
    const summary = JSON.parse(r.stdout) as { sent: number; failed: number; actionErrors: number; items: { outcome: string; actions: { change: string; outcome: string }[] }[] };
    expect(summary).toMatchObject({ sent: 1, failed: 0, actionErrors: 1 });
    expect(summary.items[0]!.outcome).toBe('sent');
    expect(summary.items[0]!.actions.map((a) => `${a.change}:${a.outcome}`)).toEqual(['status:applied', 'addTag:failed']);
    expect(r.stderr).toMatch(/1 of 1 due follow-ups were sent, but a ticket change afterwards failed/);
    expect(r.stderr).not.toMatch(/1 of 1 due follow-ups failed/);
    expect(r.stderr).toMatch(/followup list --status action-failed/);
    const listed = runJson<{ id: number; state: string; actionError: string }[]>(['followup', 'list', '--status', 'action-failed', '--json'], { home, env: { DESKCTL_NOW: later } });
    expect(listed).toEqual([expect.objectContaining({ id: scheduled[0]!.id, state: 'sent', actionError: expect.stringMatching(/\+refused-tag/) })]);
    expect(runJson<unknown[]>(['followup', 'list', '--status', 'failed', '--json'], { home, env: { DESKCTL_NOW: later } })).toEqual([]);
    expect(ticket(id).status).toBe('pending');
  });
});
