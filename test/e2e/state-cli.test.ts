/**
 * Team mode through the real bin/deskctl.js: `state status`, `state migrate`, `profile add --state-url`,
 * and the errors a state database that cannot be used gives (exit 4 settings, exit 1 unavailable),
 * against a real PostgreSQL from scripts/start-postgres.sh (one server for this file).
 *
 * Runs under CI, with DESKCTL_TEST_PG=1, or where PostgreSQL is installed; otherwise skips with one line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, type CliResult } from '../support/cli.js';
import { pgForSuite, type PgServer } from '../support/pg-server.js';
import { freePort } from '../support/rt-server.js';

const pg: PgServer | undefined = await pgForSuite('team mode (state) CLI tests');
afterAll(async () => pg?.stop());

describe.skipIf(!pg)('deskctl state with a PostgreSQL state store', { timeout: 120_000 }, () => {
  let home: string;
  let url: string;
  const password = 'deskctl';
  const cli = (args: string[], env: Record<string, string | undefined> = {}): CliResult =>
    runCli(args, { home, env: { DESKCTL_STATE_URL: undefined, PGPASSWORD: undefined, ...env } });
  const json = <T>(args: string[], env?: Record<string, string | undefined>): T => {
    const r = cli([...args, '--json'], env);
    if (r.code !== 0) throw new Error(`deskctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    home = makeHome();
    url = await pg!.freshDatabase('cli');
    for (const [ticket, days] of [['1', 1], ['2', 2], ['3', 3]] as const) {
      const r = cli(['followup', 'schedule', ticket, '--template', 'acknowledgement', '--at', `in ${days} days`]);
      expect(r.code, r.stderr).toBe(0);
    }
    // a bulk job (and its sent-ledger rows) and a triage log, so the move covers every capability
    const bulk = cli(['bulk', 'reply', '-t', 'acknowledgement', '--ids', '5,6', '--yes']);
    expect(bulk.code, bulk.stderr).toBe(0);
    writeFileSync(join(home, 'rules.yaml'), 'rules:\n  - name: tag-all\n    when:\n      status: unsolved\n    then:\n      addTags: [moved]\n');
    const triage = cli(['triage', 'apply', '--rules', join(home, 'rules.yaml'), '--yes', '--limit', '3']);
    expect(triage.code, triage.stderr).toBe(0);
  });
  afterAll(() => cleanupHome(home));

  it('a wrong password is exit 4 with one line naming the database, never the password', () => {
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const r = cli(['state', 'status'], { DESKCTL_STATE_URL: wrong.toString() });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: state database postgres:\/\/postgres@127\.0\.0\.1:\d+\/cli_\w+: the password was refused$/m);
    expect(r.stderr + r.stdout).not.toContain('not-the-password');
  });

  it('a refused port is exit 1 at once; a malformed URL exit 4; neither falls back to local state', async () => {
    const down = new URL(url);
    down.port = String(await freePort());
    const started = Date.now();
    const r = cli(['followup', 'list'], { DESKCTL_STATE_URL: down.toString() });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is unavailable: connection refused');
    expect(r.stderr).toContain('never falls back to local state');
    expect(r.stdout).toBe('');
    const bad = cli(['state', 'status'], { DESKCTL_STATE_URL: 'mysql://127.0.0.1/x' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('DESKCTL_STATE_URL must be a postgres:// URL');
  });

  it('state migrate copies the profile state; a second run changes nothing and says so; ids continue after the copied ones', () => {
    const first = json<{ changed: boolean; skipped: unknown[]; tables: Array<{ table: string; rows: number; copied: number }> }>(['state', 'migrate', '--to', url]);
    expect(first.changed).toBe(true);
    expect(first.tables).toContainEqual({ table: 'followups_items', rows: 3, copied: 3 });
    expect(first.tables).toContainEqual({ table: 'bulk_jobs', rows: 1, copied: 1 });
    expect(first.tables).toContainEqual({ table: 'bulk_items', rows: 2, copied: 2 });
    expect(first.tables).toContainEqual({ table: 'ledger_sent', rows: 2, copied: 2 });
    expect(first.tables.find((t) => t.table === 'triage_log')?.copied).toBeGreaterThan(0);
    expect(first.tables.every((t) => t.copied === t.rows)).toBe(true);
    // claims and locks are what running processes hold on this machine: never copied
    expect(first.skipped).toEqual([
      { table: 'followups_locks', rows: 0, why: 'transient' },
      { table: 'ledger_claims', rows: 0, why: 'transient' },
    ]);
    const again = cli(['state', 'migrate', '--to', url, '--format', 'table']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Nothing changed: postgres:\/\/postgres@127\.0\.0\.1:\d+\/cli_\w+ \(schema deskctl_local_profile_local_\w+\) already holds every row/);
    expect(again.stdout).not.toContain(`:${password}@`);
    const pgMode = { DESKCTL_STATE_URL: url };
    const listed = json<Array<{ id: number; ticketId: string; state: string }>>(['followup', 'list'], pgMode);
    expect(listed.map((f) => [f.id, f.ticketId, f.state])).toEqual([[1, '1', 'scheduled'], [2, '2', 'scheduled'], [3, '3', 'scheduled']]);
    const added = cli(['followup', 'schedule', '4', '--template', 'acknowledgement', '--at', 'in 4 days', '--json'], pgMode);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(added.stdout))).toContain('"id":4');
    const jobs = json<Array<{ id: string; state: string }>>(['bulk', 'status'], pgMode);
    expect(jobs.map((j) => j.state)).toEqual(['done']);
  });

  it('state status says where the state lives (no password), the schema versions and follow-ups by state', () => {
    const s = json<{ location: Record<string, string>; namespaces: Array<{ name: string; version: number }>; followups: { byState: Record<string, number> } }>(
      ['state', 'status'],
      { DESKCTL_STATE_URL: url },
    );
    expect(s.location).toMatchObject({ kind: 'postgres', url: url.replace(`:${password}@`, '@'), source: 'DESKCTL_STATE_URL' });
    expect(s.location.schema).toMatch(/^deskctl_local_profile_local_[0-9a-f]{10}$/);
    expect(s.namespaces.find((n) => n.name === 'followups')?.version).toBeGreaterThan(0);
    expect(s.followups.byState).toMatchObject({ scheduled: 4, sent: 0 });
    const text = cli(['state', 'status', '--format', 'table'], { DESKCTL_STATE_URL: url });
    expect(text.stdout).toMatch(/^State: +PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/cli_\w+, schema deskctl_local_profile_local_/m);
    expect(text.stdout).toMatch(/^Follow-ups: +scheduled 4$/m);
    expect(text.stdout).not.toContain(`:${password}@`);
    const local = json<{ location: { kind: string; file: string } }>(['state', 'status']);
    expect(local.location).toEqual({ kind: 'sqlite', file: join(home, 'data', 'profiles', 'local', 'state.db') });
  });

  it('profile add --state-url keeps the password out of config.json (secrets.json instead) and out of profile show', () => {
    const added = cli(['profile', 'add', 'local', '--name', 'team', '--state-url', url, '--state-namespace', 'cli-team']);
    expect(added.code, added.stderr).toBe(0);
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain(`:${password}@`);
    expect(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')).team).toEqual({ statePassword: password });
    const shown = cli(['profile', 'show', 'team', '--json']);
    expect(shown.stdout).not.toContain(`:${password}@`);
    expect(JSON.parse(shown.stdout)).toMatchObject({ stateUrl: url.replace(`:${password}@`, '@'), stateNamespace: 'cli-team', secrets: { statePassword: 'stored (****)' } });
    const s = json<{ location: { kind: string; account: string } }>(['state', 'status', '--profile', 'team']);
    expect(s.location).toMatchObject({ kind: 'postgres', account: 'ns:cli-team' });
    const invalid = cli(['profile', 'add', 'local', '--name', 'bad', '--state-url', 'http://db/x']);
    expect(invalid.code).toBe(2);
  });
});

/** Start-up (issue 15): the PostgreSQL client loads only when a state URL is set. Needs no server. */
describe('the pg client loads only in team mode', () => {
  let home: string;
  beforeAll(() => {
    home = makeHome();
    writeFileSync(
      join(home, 'record-pg.cjs'),
      `process.on('exit', () => { if (Object.keys(require.cache).some((k) => /[\\/]node_modules[\\/]pg[\\/]/.test(k))) process.stderr.write('[pg loaded]\\n'); });\n`,
    );
  });
  afterAll(() => cleanupHome(home));
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(args, { home, env: { DESKCTL_STATE_URL: undefined, ...env, NODE_OPTIONS: `--require ${join(home, 'record-pg.cjs')}` } });

  it('not for tickets list or followup list on local state; yes with DESKCTL_STATE_URL', async () => {
    const list = run(['tickets', 'list', '--limit', '2', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).not.toContain('[pg loaded]');
    const followups = run(['followup', 'list', '--json']);
    expect(followups.code, followups.stderr).toBe(0);
    expect(followups.stderr).not.toContain('[pg loaded]');
    const port = await freePort();
    const team = run(['followup', 'list'], { DESKCTL_STATE_URL: `postgres://u:p@127.0.0.1:${port}/db` });
    expect(team.code).toBe(1);
    expect(team.stderr).toContain('[pg loaded]');
  });
});
