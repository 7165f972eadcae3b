/**
 * The bulk journal, the triage log and the sentiment models over StateDb, run against both state
 * stores: SQLite (the profile's state.db) and PostgreSQL (a schema of a real server started by
 * scripts/start-postgres.sh). The PostgreSQL half runs under CI, with DESKCTL_TEST_PG=1, or where
 * PostgreSQL is installed; otherwise it skips with one line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BulkJournal, JobTakenOver } from '../../src/bulk/journal.js';
import { newOwnerId } from '../../src/store/owner.js';
import { StateStore } from '../../src/store/state-store.js';
import { SentimentModels } from '../../src/triage/sentiment-store.js';
import { loadDefaultModel } from '../../src/triage/sentiment.js';
import { TriageJournal, sentKey } from '../../src/triage/store.js';
import { pgForSuite } from '../support/pg-server.js';

const pg = await pgForSuite('bulk, triage and sentiment state on PostgreSQL');
const dirs: string[] = [];
const stores: StateStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let n = 0;
/** A fresh, empty state store of each kind; `again()` opens it once more (another process, or another host). */
async function openStore(kind: 'SQLite' | 'PostgreSQL'): Promise<StateStore & { again(): Promise<StateStore> }> {
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-ns-'));
  dirs.push(dir);
  const paths = { configDir: dir, dataDir: join(dir, 'data'), templatesDir: join(dir, 'templates') };
  let target;
  if (kind === 'PostgreSQL') {
    const url = await pg!.freshDatabase('ns');
    target = { url, shown: url, schema: `deskctl_ns_${++n}`, account: 'test', source: 'test' };
  }
  const again = async () => {
    const store = await StateStore.open(paths, 'test', target);
    stores.push(store);
    return store;
  };
  return Object.assign(await again(), { again });
}

const NOW = new Date('2026-11-25T09:00:00Z');
const kinds = [['SQLite', true], ['PostgreSQL', Boolean(pg)]] as const;

describe.each(kinds)('state namespaces on %s', (kind, available) => {
  const test = available ? it : it.skip;

  test('bulk journal: a job of many tickets, listed newest first (also when created in the same instant), counted, pruned', async () => {
    const journal = await BulkJournal.open(await openStore(kind), () => NOW);
    const items = Array.from({ length: 250 }, (_, i) => ({ ticketId: String(i + 1), body: `Hello ${i + 1}` }));
    const first = await journal.createJob({ kind: 'reply', template: 't', public: true, patch: { status: 'pending' }, selection: 's', concurrency: 2, allowRepeat: true, repeatWindowMs: 86_400_000, items: [...items, { ticketId: '999', skipped: 'not found' }] });
    const second = await journal.createJob({ kind: 'update', patch: { addTags: ['x'] }, selection: 's2', concurrency: 1, items: [{ ticketId: '1' }] });
    expect((await journal.listJobs()).map((j) => j.id)).toEqual([second.id, first.id]);
    expect(first).toMatchObject({ kind: 'reply', state: 'ready', public: true, patch: { status: 'pending' }, total: 251, allowRepeat: true, repeatWindowMs: 86_400_000, owner: null });
    expect(await journal.counts(first.id)).toMatchObject({ total: 251, pending: 250, skipped: 1 });
    expect((await journal.items(first.id, ['pending'])).map((i) => i.ticketId).slice(0, 3)).toEqual(['1', '2', '3']);
    await journal.markIntent(first.id, '1');
    await journal.markReplied(first.id, '1', 'c1');
    await journal.markFailed(first.id, '2', 'refused', [{ change: 'status', value: 'pending', outcome: 'applied' }]);
    expect(await journal.getItem(first.id, '1')).toMatchObject({ state: 'replied', attempts: 1, commentId: 'c1', recovered: false });
    expect(await journal.partlyApplied(first.id)).toBe(1);
    expect((await journal.release(first.id)).state).toBe('interrupted');
    expect(await journal.prune(new Date('2027-01-01T00:00:00Z'))).toBe(0);
    for (const i of await journal.items(first.id, ['pending', 'replied'])) await journal.markDone(first.id, i.ticketId);
    expect((await journal.release(first.id)).state).toBe('partial');
    expect(await journal.prune(new Date('2027-01-01T00:00:00Z'))).toBe(1);
    expect(await journal.findJob(first.id)).toBeUndefined();
    await expect(journal.getJob(first.id)).rejects.toMatchObject({ message: `bulk job ${first.id} not found`, hint: expect.stringContaining(`recent jobs of this profile: ${second.id}`) });
  });

  test('bulk journal: one run holds a job; another is refused while it lives and renews, takes over when it is gone, and fences the old one', async () => {
    const store = await openStore(kind);
    const journal = await BulkJournal.open(store, () => NOW);
    const job = await journal.createJob({ kind: 'reply', template: 't', public: true, patch: {}, selection: 's', concurrency: 1, items: [{ ticketId: '1', body: 'b' }, { ticketId: '2', body: 'b' }] });
    const first = { owner: newOwnerId(), leaseMs: 60_000 };
    expect((await journal.claim(job.id, first)).owner).toBe(first.owner);
    await expect(journal.claim(job.id, { owner: newOwnerId(), leaseMs: 60_000 })).rejects.toThrow(`bulk job ${job.id} is being run by process ${process.pid} on ${hostname()}`);
    expect(await journal.renew(job.id, first)).toBe(true);
    // a run on another process whose process is then gone (SQLite: its pid no longer exists on this
    // host; PostgreSQL: a host whose session ended): taken over at once, whatever its lease
    await journal.release(job.id, first.owner);
    const elsewhere = await store.again();
    const gone = { owner: kind === 'SQLite' ? `${hostname()}/4194999/dead` : `other-host/4242/${newOwnerId().split('/').pop()}`, leaseMs: 3_600_000 };
    await (await BulkJournal.open(elsewhere, () => NOW)).claim(job.id, gone);
    await elsewhere.close();
    const second = { owner: newOwnerId(), leaseMs: 60_000 };
    // (PostgreSQL ends a closed session's backend a moment later)
    for (let i = 0; ; i++) {
      try {
        await journal.claim(job.id, second);
        break;
      } catch (err) {
        if (i >= 40 || !/being run by/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // the run that lost the job writes no more intents and cannot end the new run's hold
    expect(await journal.renew(job.id, gone)).toBe(false);
    await expect(journal.markIntent(job.id, '1', gone.owner)).rejects.toBeInstanceOf(JobTakenOver);
    expect((await journal.release(job.id, gone.owner)).owner).toBe(second.owner);
    await journal.markIntent(job.id, '1', second.owner);
    expect((await journal.getItem(job.id, '1')).state).toBe('intent');
    expect(await journal.release(job.id, second.owner)).toMatchObject({ state: 'interrupted', owner: null });
  });

  test('triage log and sent records', async () => {
    const journal = await TriageJournal.open(await openStore(kind));
    for (const [i, action] of ['assign', 'reply', 'note'].entries()) await journal.log({ at: new Date(NOW.getTime() + i), source: 'apply', session: 's1', ticketId: String(i + 1), action, detail: { i } });
    await journal.log({ at: NOW, source: 'walk', session: 's2', ticketId: '1', action: 'solve' });
    expect((await journal.entries('s1')).map((e) => e.action)).toEqual(['assign', 'reply', 'note']);
    expect((await journal.entries({ limit: 2 })).map((e) => e.action)).toEqual(['note', 'solve']);
    expect(await journal.entries({ ticketId: '1', source: 'walk' })).toEqual([{ at: NOW.toISOString(), source: 'walk', session: 's2', ticketId: '1', action: 'solve', detail: null }]);
    await journal.markPending('r1', '7', 'reply', 'ack', 'h1', NOW);
    await journal.markPending('r1', '8', 'reply', 'ack', 'h2', NOW);
    await journal.markSent('r1', '8', 'reply', 'ack', 'c8', NOW);
    const states = await journal.sentStates(['7', '8', '9']);
    expect([...states]).toEqual(expect.arrayContaining([[sentKey('r1', '7', 'reply', 'ack'), 'pending'], [sentKey('r1', '8', 'reply', 'ack'), 'sent']]));
    expect(states.size).toBe(2);
    await journal.clearPending('r1', '7', 'reply', 'ack');
    await journal.clearPending('r1', '8', 'reply', 'ack');
    expect(await journal.sentState('r1', '7', 'reply', 'ack')).toBeUndefined();
    expect(await journal.isSent('r1', '8', 'reply', 'ack')).toBe(true);
  });

  test('sentiment models: numbered versions, at most one active', async () => {
    const models = await SentimentModels.open(await openStore(kind));
    const base = loadDefaultModel();
    expect(await models.nextVersion()).toBe(1);
    expect(await models.save({ ...base, name: 'profile v1' }, { n: 1 }, true, NOW)).toBe(1);
    expect(await models.save({ ...base, name: 'profile v2' }, { n: 2 }, true, NOW)).toBe(2);
    expect((await models.active())?.version).toBe(2);
    expect((await models.list()).map((m) => [m.version, m.active, m.summary])).toEqual([[1, false, { n: 1 }], [2, true, { n: 2 }]]);
    expect(await models.deactivate()).toBe(2);
    expect(await models.active()).toBeUndefined();
    expect(await models.nextVersion()).toBe(3);
  });
});
