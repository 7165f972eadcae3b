/**
 * Issue 16 acceptance, bulk part: two "hosts" (two DESKCTL_HOMEs with their own profile, one
 * DESKCTL_STATE_URL) share bulk jobs and the sent ledger in a real PostgreSQL (scripts/start-postgres.sh)
 * while replying through ONE fake Zendesk on 127.0.0.1, whose comments are what is counted:
 *   - overlapping `bulk reply` jobs started on both hosts at once reply to each ticket once;
 *   - a job started on host A, killed with SIGKILL mid-run, is resumed on host B (`bulk resume JOB`):
 *     every ticket gets exactly one reply.
 * Runs under CI, with DESKCTL_TEST_PG=1, or where PostgreSQL is installed; otherwise skips with one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FakeZendesk, zendeskProfileAddArgs } from '../support/fake-zendesk.js';
import { pgForSuite } from '../support/pg-server.js';

const pg = await pgForSuite('team-mode bulk e2e on PostgreSQL');

const NOW = '2026-11-25T09:00:00Z';
let zd: FakeZendesk;
let stateUrl: string;
const hosts: Record<'a' | 'b', string> = { a: '', b: '' };

const cli = (host: 'a' | 'b', args: string[], input?: string) => startCli(args, { home: hosts[host], env: { DESKCTL_NOW: NOW, DESKCTL_STATE_URL: stateUrl, DESKCTL_SETTLE_MS: '200', DESKCTL_SETTLE_CHECKS: '3' }, input });
const run = (host: 'a' | 'b', args: string[], input?: string): Promise<CliResult> => cli(host, args, input).done;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const copies = (id: number, marker: string) => zd.bodies(id).filter((b) => b.includes(marker)).length;
const sent = (ids: number[], marker: string) => ids.reduce((n, id) => n + copies(id, marker), 0);
/** Tickets whose count of `marker` replies is not exactly one, as "id=count". */
const notOnce = (ids: number[], marker: string) => ids.filter((id) => copies(id, marker) !== 1).map((id) => `${id}=${copies(id, marker)}`);

function template(name: string, marker: string): void {
  for (const home of Object.values(hosts)) writeFileSync(join(home, 'templates', `${name}.liquid`), `---\ndescription: team\npublic: true\n---\nHello, ticket {{ ticket.id }} is in hand. ${marker}\n`);
}

beforeAll(async () => {
  if (!pg) return;
  stateUrl = await pg.freshDatabase('teambulk');
  zd = await FakeZendesk.start({ tickets: 320 });
  // each comment write takes a little while, as on a real helpdesk, so the runs overlap and a kill lands mid-job
  zd.server.inject({ type: 'slow', ms: 15 }, { method: 'PUT', path: /^\/api\/v2\/tickets\/\d+$/, times: Infinity });
  for (const host of ['a', 'b'] as const) {
    hosts[host] = makeHome(`deskctl-team-${host}-`);
    mkdirSync(join(hosts[host], 'templates'), { recursive: true });
    const add = await run(host, [...zendeskProfileAddArgs(zd, 'zd', ['settleMs=50']), '--rate-limit', '100000', '--use'], `${zd.apiToken}\n`);
    expect(add.code, add.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  for (const home of Object.values(hosts)) if (home) cleanupHome(home);
  await zd?.close();
  await pg?.stop();
});

describe.skipIf(!pg)('bulk jobs shared by two hosts through PostgreSQL', () => {
  it('overlapping bulk reply jobs started on both hosts at once reply to each ticket once, and each host sees both jobs', async () => {
    template('team-ack', '[team-ack]');
    const onA = range(1, 120);
    const onB = range(61, 180);
    const [a, b] = await Promise.all([
      run('a', ['bulk', 'reply', '-t', 'team-ack', '--ids', onA.join(','), '--yes', '--json', '--concurrency', '4']),
      run('b', ['bulk', 'reply', '-t', 'team-ack', '--ids', onB.join(','), '--yes', '--json', '--concurrency', '4']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const all = range(1, 180);
    expect(notOnce(all, '[team-ack]'), 'tickets without exactly one reply').toEqual([]);
    // the shared tickets went out once between the two jobs; each job says which the other sent or held
    const jobs = [JSON.parse(a.stdout), JSON.parse(b.stdout)] as { id: string; counts: { done: number; skipped: number }; skipped: { ticketId: string; reason: string }[] }[];
    expect(jobs[0]!.counts.done + jobs[1]!.counts.done).toBe(180);
    expect(jobs[0]!.counts.skipped + jobs[1]!.counts.skipped).toBe(60);
    for (const s of [...jobs[0]!.skipped, ...jobs[1]!.skipped]) expect(Number(s.ticketId)).toBeGreaterThanOrEqual(61);
    // one ledger: tickets reply on host B skips ticket 1 (only host A's job had it), and a typed reply sent on A
    const again = await run('b', ['tickets', 'reply', '1', '-t', 'team-ack', '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)[0].reason).toMatch(/^already sent by job \w+ on 2026-11-25$/);
    expect((await run('a', ['tickets', 'reply', '200', '--body', 'Typed once on the laptop. [team-typed]', '--yes'])).code).toBe(0);
    const typedOnB = await run('b', ['tickets', 'reply', '200', '--body', 'Typed once on the laptop. [team-typed]', '--yes', '--json']);
    expect(JSON.parse(typedOnB.stdout)[0].reason).toMatch(/^already sent by tickets reply by .+ on 2026-11-25$/);
    expect(copies(200, '[team-typed]')).toBe(1);
    // one journal: host A lists the job host B started, and the other way round
    for (const host of ['a', 'b'] as const) {
      const listed = JSON.parse((await run(host, ['bulk', 'status', '--json'])).stdout) as { id: string }[];
      expect(listed.map((j) => j.id)).toEqual(expect.arrayContaining(jobs.map((j) => j.id)));
    }
  }, 180_000);

  it('a job started on host A and killed with SIGKILL mid-run is resumed on host B: every ticket replied to exactly once', async () => {
    template('team-kill', '[team-kill]');
    const ids = range(181, 300);
    const victim = cli('a', ['bulk', 'reply', '-t', 'team-kill', '--ids', ids.join(','), '--yes', '--json', '--concurrency', '2']);
    let exited = false;
    void victim.done.then(() => (exited = true));
    while (!exited && sent(ids, '[team-kill]') < 25) await new Promise((r) => setTimeout(r, 5));
    victim.child.kill('SIGKILL');
    await victim.done;
    const before = sent(ids, '[team-kill]');
    expect(before, 'host A was killed part way').toBeGreaterThanOrEqual(25);
    expect(before).toBeLessThan(ids.length);
    const jobId = /Started job (\w+)/.exec(victim.output().stderr)?.[1];
    expect(jobId, victim.output().stderr).toBeDefined();

    await new Promise((r) => setTimeout(r, 200)); // A's last request in flight has landed on the helpdesk by now
    const landed = sent(ids, '[team-kill]');
    const firstOfB = zd.server.requests.length;

    // host B sees the job as host A left it, and takes it over: A's process and connection are gone
    const status = JSON.parse((await run('b', ['bulk', 'status', '--json'])).stdout) as { id: string; state: string }[];
    expect(status.find((j) => j.id === jobId)?.state).toBe('running');
    expect((await run('b', ['bulk', 'status', jobId!, '--format', 'table'])).stderr).toMatch(new RegExp(`^Job ${jobId} \\(reply 'team-kill'\\): running \\(run by process \\d+ on .+\\);`, 'm'));
    const resumed = await run('b', ['bulk', 'resume', jobId!, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const job = JSON.parse(resumed.stdout) as { state: string; counts: { done: number; total: number } };
    expect(job.state).toBe('done');
    expect(job.counts.done).toBe(ids.length);
    expect(notOnce(ids, '[team-kill]'), 'tickets without exactly one reply').toEqual([]);
    // B wrote only the replies A had not: one comment write per ticket still missing one
    const writesOfB = zd.server.requests.slice(firstOfB).filter((r) => r.method === 'PUT' && /^\/api\/v2\/tickets\/\d+$/.test(r.path));
    expect(writesOfB).toHaveLength(ids.length - landed);
  }, 180_000);

  it('a job whose host loses its database connection mid-run stops, and is finished on the other host: every ticket exactly once', async () => {
    template('team-cut', '[team-cut]');
    const ids = range(301, 320).concat(range(1, 60));
    const victim = cli('a', ['bulk', 'reply', '-t', 'team-cut', '--ids', ids.join(','), '--yes', '--json', '--concurrency', '2']);
    let exited = false;
    void victim.done.then(() => (exited = true));
    while (!exited && sent(ids, '[team-cut]') < 15) await new Promise((r) => setTimeout(r, 5));
    // the network between host A and the database is cut: the server ends every session of A's
    const database = new URL(stateUrl).pathname.slice(1);
    await pg!.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`);
    const stopped = await victim.done;
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(sent(ids, '[team-cut]')).toBeLessThan(ids.length);
    await new Promise((r) => setTimeout(r, 200));
    const jobId = /Started job (\w+)/.exec(stopped.stderr)![1]!;
    const resumed = await run('b', ['bulk', 'resume', jobId, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).state).toBe('done');
    expect(notOnce(ids, '[team-cut]'), 'tickets without exactly one reply').toEqual([]);
  }, 120_000);

  it("triage apply on two hosts: a rule's reply goes out once, and either host's triage log shows what the other did", async () => {
    template('team-tri', '[team-tri]');
    for (const home of Object.values(hosts)) writeFileSync(join(home, 'tri.yaml'), 'mode: all-match\nrules:\n  - name: vip first\n    when:\n      tags: [vip]\n    then:\n      reply: team-tri\n');
    const a = await run('a', ['triage', 'apply', '--rules', 'tri.yaml', '--tag', 'vip', '--yes', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const applied = (JSON.parse(a.stdout) as { ticketId: string; changes: { result: string }[] }[]).filter((r) => r.changes.some((c) => c.result === 'applied')).map((r) => Number(r.ticketId));
    expect(applied.length).toBeGreaterThan(0);
    const b = await run('b', ['triage', 'apply', '--rules', 'tri.yaml', '--tag', 'vip', '--yes', '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(b.stdout) as { changes: { result: string }[] }[]).flatMap((r) => r.changes.map((c) => c.result)).filter((x) => x === 'applied')).toEqual([]);
    expect(notOnce(applied, '[team-tri]')).toEqual([]);
    const log = JSON.parse((await run('b', ['triage', 'log', '--json', '--limit', '500'])).stdout) as { ticketId: string; action: string }[];
    expect(log.filter((e) => e.action === 'reply').map((e) => Number(e.ticketId)).sort((x, y) => x - y)).toEqual([...applied].sort((x, y) => x - y));
  }, 120_000);

  it('demo --reset in team mode empties the profile\'s schema, as it deletes state.db locally', async () => {
    const home = makeHome('deskctl-team-demo-');
    try {
      const local = (args: string[]) => startCli(args, { home, env: { DESKCTL_NOW: NOW, DESKCTL_STATE_URL: stateUrl } }).done;
      expect((await local(['demo', '--tickets', '40'])).code).toBe(0);
      const first = await local(['tickets', 'reply', '5', '--body', 'Demo reply. [team-demo]', '--yes', '--json']);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse((await local(['tickets', 'reply', '5', '--body', 'Demo reply. [team-demo]', '--yes', '--json'])).stdout)[0].reason).toMatch(/^already sent by/);
      expect((await local(['demo', '--reset', '--tickets', '40'])).code).toBe(0);
      // a fresh helpdesk and a fresh state: nothing remembers the reply
      const after = await local(['tickets', 'reply', '5', '--body', 'Demo reply. [team-demo]', '--yes', '--json']);
      expect(after.code, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout)[0].reason ?? null).toBeNull();
    } finally {
      cleanupHome(home);
    }
  }, 120_000);
});
