import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkJournal } from '../../src/bulk/journal.js';
import { resolvePaths } from '../../src/config/paths.js';
import { StateStore } from '../../src/store/state-store.js';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

/**
 * Every write command, with each kind of bad flag: exit 2, and nothing sent or changed, on the
 * embedded helpdesk (its tables) nor in deskctl's own state (jobs, follow-ups, ledger, profiles).
 */
let home: string;
const LATER = new Date(Date.now() + 2 * 3_600_000).toISOString();
let resumeJob: string;
let toCancelId: string;

const helpdeskFile = () => join(home, 'data', 'profiles', 'local', 'helpdesk.db');
const stateFile = () => join(home, 'data', 'profiles', 'local', 'state.db');

/** A digest of everything a command could change. */
function snapshot(): string {
  const h = createHash('sha256');
  const dump = (file: string) => {
    if (!existsSync(file)) return h.update(`${file}: none\n`);
    const db = new Database(file, { readonly: true });
    try {
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
      for (const t of tables) h.update(`${t}:${JSON.stringify(db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all())}\n`);
    } finally {
      db.close();
    }
  };
  dump(helpdeskFile());
  dump(stateFile());
  h.update(readdirSync(join(home, 'data', 'profiles')).sort().join(','));
  for (const f of ['config.json', 'secrets.json']) {
    const p = join(home, f);
    h.update(existsSync(p) ? readFileSync(p) : 'none');
  }
  return h.digest('hex');
}

beforeAll(async () => {
  home = makeHome('deskctl-validate-');
  expect(runCli(['demo'], { home }).code).toBe(0);
  writeFileSync(
    join(home, 'rules.yaml'),
    'mode: all-match\nrules:\n  - name: everything urgent\n    when:\n      status: unsolved\n    then:\n      priority: urgent\n      addTags: [validated-first]\n',
  );
  writeFileSync(join(home, 'import.json'), JSON.stringify(runJson<unknown[]>(['tickets', 'list', '--limit', '2', '--json'], { home })));
  mkdirSync(join(home, 'a-directory'));
  // a bulk job with tickets left to send, for bulk resume
  const store = await StateStore.open(resolvePaths({ DESKCTL_HOME: home }), 'local');
  const journal = await BulkJournal.open(store);
  resumeJob = (await journal.createJob({ kind: 'reply', template: 'x', public: true, patch: {}, selection: 'test', concurrency: 1, items: [{ ticketId: '702', body: 'Resumed reply [tbl-resume]' }] })).id;
  await store.close();
  // a follow-up already due at LATER, for run and cancel
  const s = runCli(['followup', 'schedule', '703', '-t', 'follow-up-check-in', '--in', '1h', '--json'], { home });
  expect(s.code, s.stderr).toBe(0);
  const later = runCli(['followup', 'schedule', '705', '-t', 'follow-up-check-in', '--in', '3d', '--json'], { home });
  toCancelId = String((JSON.parse(later.stdout) as { id: number }[])[0]!.id);
});
afterAll(() => cleanupHome(home));

interface WriteCommand {
  name: string;
  args: () => string[];
  env?: Record<string, string>;
  /** Takes no output options at all: each of them is an unknown option (still exit 2, nothing done). */
  noOutputOptions?: true;
}

const WRITE_COMMANDS: WriteCommand[] = [
  { name: 'tickets reply', args: () => ['tickets', 'reply', '700', '--body', 'Validated first [tbl]'] },
  { name: 'tickets reply -t', args: () => ['tickets', 'reply', '700', '-t', 'acknowledgement', '--yes'] },
  { name: 'tickets note', args: () => ['tickets', 'note', '700', '--body', 'Validated first [tbl]'] },
  { name: 'tickets update', args: () => ['tickets', 'update', '700', '--status', 'pending', '--add-tag', 'tbl'] },
  { name: 'bulk reply', args: () => ['bulk', 'reply', '-t', 'acknowledgement', '--ids', '700,701', '--yes'] },
  { name: 'bulk update', args: () => ['bulk', 'update', '--ids', '700,701', '--status', 'pending', '--yes'] },
  { name: 'bulk resume', args: () => ['bulk', 'resume', resumeJob] },
  { name: 'followup schedule', args: () => ['followup', 'schedule', '704', '-t', 'follow-up-check-in', '--in', '3d'] },
  { name: 'followup run', args: () => ['followup', 'run'], env: { DESKCTL_NOW: LATER } },
  { name: 'followup cancel', args: () => ['followup', 'cancel', toCancelId] },
  { name: 'triage apply', args: () => ['triage', 'apply', '--rules', 'rules.yaml', '--yes'] },
  { name: 'import', args: () => ['import', 'import.json', '--into', 'imported'] },
  { name: 'profile add', args: () => ['profile', 'add', 'local', '--name', 'sandbox'], noOutputOptions: true },
];

const BAD_FLAGS: { kind: string; flags: () => string[]; message: RegExp }[] = [
  { kind: 'an unknown --fields name', flags: () => ['--fields', 'nope'], message: /--fields|unknown field 'nope'/ },
  { kind: 'an unknown --format', flags: () => ['--format', 'xml'], message: /xml/ },
  { kind: '--json with another --format', flags: () => ['--json', '--format', 'csv'], message: /--json and --format disagree/ },
  { kind: "--out in a directory that does not exist", flags: () => ['--out', '/nonexistent/r.json'], message: /directory \/nonexistent does not exist/ },
  { kind: '--out naming a directory', flags: () => ['--out', join(home, 'a-directory')], message: /is a directory/ },
];

describe('validation before the first write: every write command, every kind of bad flag', () => {
  const cases = WRITE_COMMANDS.flatMap((c) => BAD_FLAGS.map((b) => ({ ...c, bad: b })));
  it.each(cases.map((c) => [c.name, c.bad.kind, c] as const))('%s with %s exits 2 and changes nothing', (_n, _k, c) => {
    const before = snapshot();
    const r = runCli([...c.args(), ...c.bad.flags()], { home, env: c.env });
    expect(r.code, `${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(c.noOutputOptions ? /unknown option/ : c.bad.message);
    expect(snapshot()).toBe(before);
  });

  it('the same commands without the bad flag do act (so the table above tests something)', () => {
    for (const c of WRITE_COMMANDS) {
      const before = snapshot();
      const r = runCli(c.args(), { home, env: c.env });
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(0);
      expect(snapshot(), c.name).not.toBe(before);
    }
  }, 120_000);
});

describe('references are checked before the first write', () => {
  it('a group that does not exist: tickets update and bulk update (also --dry-run) exit 2 naming the groups, nothing changed', () => {
    for (const args of [
      ['tickets', 'update', '706', '707', '--group', 'No Such Team', '--status', 'pending'],
      ['bulk', 'update', '--ids', '706,707', '--group', 'No Such Team', '--yes'],
      ['bulk', 'update', '--ids', '706,707', '--group', 'No Such Team', '--dry-run'],
    ]) {
      const before = snapshot();
      const r = runCli(args, { home });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/no group named 'No Such Team'/);
      expect(r.stderr).toMatch(/groups: .*Billing/);
      expect(snapshot()).toBe(before);
    }
  });

  it('triage apply --dry-run warns about a rule moving tickets to a group that does not exist', () => {
    writeFileSync(join(home, 'bad-group.yaml'), 'mode: all-match\nrules:\n  - name: vip\n    when:\n      status: unsolved\n    then:\n      group: VIP Nowhere\n');
    const r = runCli(['triage', 'apply', '--rules', 'bad-group.yaml', '--dry-run', '--limit', '3'], { home });
    expect(r.stderr).toMatch(/warning: rule 'vip': no group named 'VIP Nowhere' on .*, so its tickets cannot move there \(groups: /);
  });
});

