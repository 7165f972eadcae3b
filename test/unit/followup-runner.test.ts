import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLock,
  bodyHash,
  claim,
  claimDue,
  FOLLOWUPS,
  getFollowup,
  listFollowups,
  releaseLock,
  retryFollowups,
  runDue,
  scheduleFollowup,
  scheduleFollowups,
  type Composer,
} from '../../src/followups/index.js';
import type { StateStore } from '../../src/store/state-store.js';
import { FakeHelpdesk, storeDialects, tempStore } from './followup-fake.js';
import { pgForSuite } from '../support/pg-server.js';
import { notDefined } from '../support/prereqs.js';

const pg = await pgForSuite('followup run on PostgreSQL');
afterAll(() => pg?.stop());

const T0 = new Date('2026-11-25T08:00:00Z');
const at = (h: number) => new Date(T0.getTime() + h * 3_600_000);
const compose: Composer = async (f, ticket) =>
  f.template ? { body: `Hi ${ticket.requester.name}, checking in on "${ticket.subject}" (${f.template}).`, public: true, patch: {} } : null;

describe.each(storeDialects(pg))('followup run on %s', (dialect) => {
  let store: StateStore;
  let reopen: () => Promise<StateStore>;
  let cleanup: () => Promise<void>;
  let hd: FakeHelpdesk;
  beforeEach(async () => {
    ({ store, reopen, cleanup } = await tempStore(dialect, pg));
    hd = new FakeHelpdesk(20);
  });
  afterEach(() => cleanup());

  it('sends exactly the due ones, once, and nothing on a second run', async () => {
    await scheduleFollowups(
      store,
      Array.from({ length: 20 }, (_, i) => ({ ticketId: String(i + 1), template: 'check-in', dueAt: at(i + 1), now: T0 })),
    );
    const first = await runDue({ store, provider: hd, compose, now: at(10) });
    expect(first).toMatchObject({ sent: 10, skipped: 0, failed: 0, pending: 10, nextDueAt: at(11).toISOString() });
    expect(hd.sends).toBe(10);
    for (let i = 1; i <= 10; i++) expect(hd.comments.get(String(i))!.map((c) => c.body)).toEqual([`Hi Customer ${i}, checking in on "Ticket ${i}" (check-in).`]);
    for (let i = 11; i <= 20; i++) expect(hd.comments.get(String(i))).toEqual([]);
    const sent = await listFollowups(store, { states: ['sent'] });
    expect(sent).toHaveLength(10);
    expect(sent.every((f) => f.commentId && f.sentAt === at(10).toISOString() && f.attempts === 1)).toBe(true);

    const again = await runDue({ store, provider: hd, compose, now: at(10) });
    expect(again).toMatchObject({ sent: 0, skipped: 0, failed: 0, items: [] });
    expect(hd.sends).toBe(10);
  });

  it('skips when the customer replied after scheduling, the ticket is closed or deleted, or the status does not match', async () => {
    const [replied, before, closed, deleted, status, noCond] = await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: at(5), now: T0 },
      { ticketId: '2', template: 't', dueAt: at(5), now: T0 },
      { ticketId: '3', template: 't', dueAt: at(5), now: T0 },
      { ticketId: '4', template: 't', dueAt: at(5), now: T0 },
      { ticketId: '5', template: 't', dueAt: at(5), now: T0, onlyIfStatus: ['solved'] },
      { ticketId: '6', template: 't', dueAt: at(5), now: T0, unlessReplied: false },
    ]);
    hd.customerWrites('1', at(2).toISOString());
    hd.customerWrites('2', at(-2).toISOString()); // before scheduling: does not count
    hd.tickets.get('3')!.status = 'closed';
    hd.tickets.delete('4');
    hd.tickets.get('5')!.status = 'open';
    hd.customerWrites('6', at(1).toISOString()); // condition turned off
    const r = await runDue({ store, provider: hd, compose, now: at(6) });
    expect(r).toMatchObject({ sent: 2, skipped: 4, failed: 0 });
    const reason = (id: number) => getFollowup(store, id);
    expect(await reason(replied!.id)).toMatchObject({ state: 'skipped', reason: `customer replied at ${at(2).toISOString()}` });
    expect((await reason(before!.id)).state).toBe('sent');
    expect(await reason(closed!.id)).toMatchObject({ state: 'skipped', reason: 'ticket closed' });
    expect(await reason(deleted!.id)).toMatchObject({ state: 'skipped', reason: 'ticket deleted' });
    expect(await reason(status!.id)).toMatchObject({ state: 'skipped', reason: 'ticket is open, not solved' });
    expect((await reason(noCond!.id)).state).toBe('sent');
  });

  it('applies --set-status and --add-tag after sending, and action-only follow-ups', async () => {
    const a = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0, setStatus: 'closed', addTags: ['followed-up'] });
    const snooze = await scheduleFollowup(store, { ticketId: '2', dueAt: at(1), now: T0, setStatus: 'open', source: 'snooze' });
    const r = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(r.sent).toBe(2);
    expect(hd.tickets.get('1')).toMatchObject({ status: 'closed', tags: ['followed-up'] });
    expect(hd.tickets.get('2')!.status).toBe('open');
    expect(hd.comments.get('2')).toEqual([]);
    expect(await getFollowup(store, snooze.id)).toMatchObject({ state: 'sent', reason: 'actions only', commentId: null });
    expect((await getFollowup(store, a.id)).actionError).toBeNull();
  });

  it('records failures with the reason and keeps going', async () => {
    await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: at(1), now: T0 },
      { ticketId: '2', template: 't', dueAt: at(1), now: T0 },
    ]);
    hd.failFor.add('1');
    const r = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(r).toMatchObject({ sent: 1, failed: 1 });
    expect((await listFollowups(store, { states: ['failed'] }))[0]).toMatchObject({ ticketId: '1', reason: 'helpdesk refused the reply on 1' });
  });

  it('a retried follow-up whose reply did get posted is recorded, not posted again', async () => {
    const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
    hd.failAfterPostFor.add('1');
    expect(await runDue({ store, provider: hd, compose, now: at(2) })).toMatchObject({ sent: 0, failed: 1 });
    expect(await getFollowup(store, f.id)).toMatchObject({ state: 'failed', reason: 'timeout waiting for the helpdesk (ticket 1)' });
    expect(hd.sends).toBe(1);
    hd.failAfterPostFor.clear();
    expect(await retryFollowups(store, [f.id, f.id], at(3))).toMatchObject({ changed: [{ id: f.id, state: 'scheduled' }], refused: [{ id: f.id, reason: 'it is scheduled, not failed' }] });
    const r = await runDue({ store, provider: hd, compose, now: at(3) });
    expect(r).toMatchObject({ sent: 1, recovered: 1, failed: 0 });
    expect(hd.sends).toBe(1);
    expect(await getFollowup(store, f.id)).toMatchObject({ state: 'sent', commentId: hd.comments.get('1')![0]!.id });
  });

  it('an unknown outcome is recorded as unknown, not re-sent; the next run finds the reply or sends it once', async () => {
    const [late, lost, ok] = await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: at(1), now: T0 },
      { ticketId: '2', template: 't', dueAt: at(1), now: T0 },
      { ticketId: '3', template: 't', dueAt: at(1), now: T0 },
    ]);
    hd.unknownFor.set('1', { postBefore: true }); // applied by the helpdesk, answer lost, not seen in time
    hd.unknownFor.set('2', { postBefore: false }); // never applied
    const first = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(first).toMatchObject({ sent: 1, failed: 0, unknown: 2 });
    expect(first.items.find((i) => i.id === late!.id)).toMatchObject({ outcome: 'unknown', reason: expect.stringMatching(/outcome unknown/) });
    expect((await listFollowups(store, { states: ['unknown'] })).map((f) => f.id)).toEqual([late!.id, lost!.id]);
    expect(await listFollowups(store, { states: ['failed'] })).toEqual([]);
    expect(hd.comments.get('1')).toHaveLength(1);
    expect(hd.comments.get('2')).toHaveLength(0);

    const next = await runDue({ store, provider: hd, compose, now: at(3) });
    expect(next).toMatchObject({ sent: 2, recovered: 1, unknown: 0, failed: 0 });
    for (const id of ['1', '2', '3']) expect(hd.comments.get(id), id).toHaveLength(1);
    expect(await getFollowup(store, late!.id)).toMatchObject({ state: 'sent', commentId: hd.comments.get('1')![0]!.id });
    expect((await getFollowup(store, ok!.id)).state).toBe('sent');
    expect((await runDue({ store, provider: hd, compose, now: at(4) })).items).toEqual([]);
  });

  it('sent, then an after-send change fails: reported as sent with the failed change, the other changes applied, and listed as action-failed', async () => {
    const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0, setStatus: 'closed', addTags: ['followed-up', 'forbidden'] });
    hd.refusedTags.add('forbidden');
    const r = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(r).toMatchObject({ sent: 1, failed: 0, unknown: 0, actionErrors: 1 });
    expect(r.items[0]!.actions).toEqual([
      { change: 'status', value: 'closed', outcome: 'applied' },
      { change: 'addTag', value: 'followed-up', outcome: 'applied' },
      { change: 'addTag', value: 'forbidden', outcome: 'failed', error: "tag 'forbidden' is not allowed" },
    ]);
    expect(hd.tickets.get('1')).toMatchObject({ status: 'closed', tags: ['followed-up'] });
    expect(await getFollowup(store, f.id)).toMatchObject({ state: 'sent', actionError: "+forbidden: tag 'forbidden' is not allowed" });
    expect(await listFollowups(store, { states: ['failed'] })).toEqual([]);
    expect((await listFollowups(store, { actionFailed: true })).map((x) => x.id)).toEqual([f.id]);
  });

  it('a retried follow-up that never reached the helpdesk is sent', async () => {
    const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
    hd.failFor.add('1');
    await runDue({ store, provider: hd, compose, now: at(2) });
    hd.failFor.clear();
    await retryFollowups(store, [f.id], at(3));
    expect(await runDue({ store, provider: hd, compose, now: at(3) })).toMatchObject({ sent: 1, recovered: 0 });
    expect(hd.sends).toBe(1);
  });

  it('--dry-run previews without claiming or sending', async () => {
    await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: at(1), now: T0 },
      { ticketId: '2', template: 't', dueAt: at(1), now: T0 },
      { ticketId: '3', template: 't', dueAt: at(9), now: T0 },
    ]);
    hd.customerWrites('2', at(0.5).toISOString());
    const r = await runDue({ store, provider: hd, compose, now: at(2), dryRun: true });
    expect(r.items.map((i) => [i.ticketId, i.outcome])).toEqual([
      ['1', 'would-send'],
      ['2', 'would-skip'],
    ]);
    expect(hd.sends).toBe(0);
    expect(await listFollowups(store, { states: ['scheduled'] })).toHaveLength(3);
  });

  // SQLite: without the run lock; PostgreSQL: as `followup run` runs (there is no run lock there)
  it('claims are exclusive: two runs over one database share the work and send each item once', async () => {
    hd = new FakeHelpdesk(200);
    await scheduleFollowups(store, Array.from({ length: 200 }, (_, i) => ({ ticketId: String(i + 1), template: 't', dueAt: at(1), now: T0 })));
    const other = await reopen();
    const [a, b] = await Promise.all([
      runDue({ store, provider: hd, compose, now: at(2), lock: dialect === 'postgres', concurrency: 3 }),
      runDue({ store: other, provider: hd, compose, now: at(2), lock: dialect === 'postgres', concurrency: 3 }),
    ]);
    expect([a.lockedBy, b.lockedBy]).toEqual([null, null]);
    expect(a.sent + b.sent).toBe(200);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);
    expect(hd.sends).toBe(200);
    for (const list of hd.comments.values()) expect(list).toHaveLength(1);
  });

  it('claimDue() takes at most the batch size of due ones, and claims made at once get disjoint batches', async () => {
    await scheduleFollowups(store, Array.from({ length: 20 }, (_, i) => ({ ticketId: String(i + 1), template: 't', dueAt: at(i < 15 ? 1 : 9), now: T0 })));
    const a = await store.ensure(FOLLOWUPS);
    const b = await (await reopen()).ensure(FOLLOWUPS);
    const by = at(2).getTime();
    const batches = await Promise.all([claimDue(a, 'h/1/aa', by, 4), claimDue(b, 'h/2/bb', by, 4), claimDue(a, 'h/1/aa', by, 4), claimDue(b, 'h/2/bb', by, 4)]);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(4);
    const claimed = batches.flat();
    expect(claimed).toHaveLength(15);
    expect(new Set(claimed.map((f) => f.id)).size).toBe(15);
    expect(claimed.every((f) => f.state === 'sending' && f.attempts === 1 && f.dueAt === at(1).toISOString())).toBe(true);
    expect(await claimDue(a, 'h/1/aa', by, 4)).toEqual([]);
    expect(await listFollowups(store, { states: ['scheduled'] })).toHaveLength(5);
  });

  it('claim() succeeds once', async () => {
    const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
    const db = await store.ensure(FOLLOWUPS);
    expect(await claim(db, f.id, 'h/1/aa')).toBe(true);
    expect(await claim(db, f.id, 'h/2/bb')).toBe(false);
    expect(await getFollowup(store, f.id)).toMatchObject({ state: 'sending', claimedBy: 'h/1/aa', attempts: 1 });
  });

  (dialect === 'sqlite' ? it : notDefined)('a second run finds the lock held and does nothing', async () => {
    await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
    const db = await store.ensure(FOLLOWUPS);
    const holder = `${(await import('node:os')).hostname()}/${process.pid}/0badc0de`;
    expect((await acquireLock(db, 'run', holder, 60_000)).ok).toBe(true);
    const r = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(r.lockedBy).toMatchObject({ owner: holder, pid: process.pid });
    expect(r.sent).toBe(0);
    expect(hd.sends).toBe(0);
    await releaseLock(db, 'run', holder);
    expect((await runDue({ store, provider: hd, compose, now: at(2) })).sent).toBe(1);
  });

  (dialect === 'postgres' ? it : notDefined)('has no run lock on PostgreSQL: a lock row held by a live process does not stop a run', async () => {
    await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
    const db = await store.ensure(FOLLOWUPS);
    const holder = `${(await import('node:os')).hostname()}/${process.pid}/0badc0de`;
    expect((await acquireLock(db, 'run', holder, 60_000)).ok).toBe(true);
    expect((await acquireLock(db, 'run', 'elsewhere/1/aa', 60_000)).ok).toBe(false); // the lock itself works
    const r = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(r).toMatchObject({ lockedBy: null, sent: 1 });
  });

  (dialect === 'sqlite' ? it : notDefined)('takes over a lock whose process is gone', async () => {
    await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
    const db = await store.ensure(FOLLOWUPS);
    const dead = `${(await import('node:os')).hostname()}/2147483646/deadbeef`;
    expect((await acquireLock(db, 'run', dead, 60_000)).ok).toBe(true);
    const r = await runDue({ store, provider: hd, compose, now: at(2) });
    expect(r.lockedBy).toBeNull();
    expect(r.sent).toBe(1);
  });

  describe('after a crash', () => {
    const dead = async () => `${(await import('node:os')).hostname()}/2147483646/deadbeef`;

    it('finds the reply a dead run posted and does not send it again', async () => {
      const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0, addTags: ['followed-up'] });
      const db = await store.ensure(FOLLOWUPS);
      // the dead run claimed it, journaled the body and posted the reply, then died
      expect(await claim(db, f.id, await dead())).toBe(true);
      const body = (await compose(f, hd.tickets.get('1')!, []))!.body;
      await db.run(`UPDATE followups_items SET body = ?, body_hash = ? WHERE id = ?`, [body, bodyHash(body), f.id]);
      await hd.addComment('1', { body, public: true });
      expect(hd.sends).toBe(1);
      const r = await runDue({ store, provider: hd, compose, now: at(2) });
      expect(r).toMatchObject({ sent: 1, recovered: 1, resumed: 1 });
      expect(hd.sends).toBe(1);
      expect(await getFollowup(store, f.id)).toMatchObject({ state: 'sent', commentId: hd.comments.get('1')![0]!.id, attempts: 2 });
      expect(hd.tickets.get('1')!.tags).toEqual(['followed-up']);
    });

    it('sends when the dead run had not posted yet', async () => {
      const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
      const db = await store.ensure(FOLLOWUPS);
      expect(await claim(db, f.id, await dead())).toBe(true);
      const body = (await compose(f, hd.tickets.get('1')!, []))!.body;
      await db.run(`UPDATE followups_items SET body = ?, body_hash = ? WHERE id = ?`, [body, bodyHash(body), f.id]);
      const r = await runDue({ store, provider: hd, compose, now: at(2) });
      expect(r).toMatchObject({ sent: 1, recovered: 0, resumed: 1 });
      expect(hd.sends).toBe(1);
    });

    it('tells two identical replies apart: an earlier follow-up\'s reply is not taken as this one\'s', async () => {
      const first = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
      expect((await runDue({ store, provider: hd, compose, now: at(1) })).sent).toBe(1);
      const second = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(3), now: at(1), unlessReplied: false });
      const db = await store.ensure(FOLLOWUPS);
      expect(await claim(db, second.id, await dead())).toBe(true);
      const body = (await compose(second, hd.tickets.get('1')!, []))!.body;
      await db.run(`UPDATE followups_items SET body = ?, body_hash = ? WHERE id = ?`, [body, bodyHash(body), second.id]);
      const r = await runDue({ store, provider: hd, compose, now: at(4) });
      expect(r).toMatchObject({ sent: 1, recovered: 0, resumed: 1 });
      expect(hd.comments.get('1')).toHaveLength(2);
      expect((await getFollowup(store, first.id)).commentId).not.toBe((await getFollowup(store, second.id)).commentId);
    });

    (dialect === 'postgres' ? it : notDefined)('takes over the claims of a runner on another host once its connection is gone, not before', async () => {
      const [f, g] = await scheduleFollowups(store, [
        { ticketId: '1', template: 't', dueAt: at(1), now: T0 },
        { ticketId: '2', template: 't', dueAt: at(1), now: T0 },
      ]);
      const other = await reopen();
      const otherDb = await other.ensure(FOLLOWUPS);
      const remote = 'cron-host-2/4242/0123abcd'; // another host: its pid tells this host nothing
      await otherDb.registerOwner(remote);
      expect(await claim(otherDb, f!.id, remote)).toBe(true);
      // journaled and posted, then the host went away before recording it
      const body = (await compose(f!, hd.tickets.get('1')!, []))!.body;
      await otherDb.run(`UPDATE followups_items SET body = ?, body_hash = ? WHERE id = ?`, [body, bodyHash(body), f!.id]);
      await hd.addComment('1', { body, public: true });
      expect(await claim(otherDb, g!.id, remote)).toBe(true);

      const whileAlive = await runDue({ store, provider: hd, compose, now: at(2) });
      expect(whileAlive.items).toEqual([]);
      expect((await getFollowup(store, f!.id)).state).toBe('sending');

      await other.close(); // the process dies: the server ends its connection
      const db = await store.ensure(FOLLOWUPS);
      for (let i = 0; i < 100 && (await db.ownerAlive(remote)); i++) await new Promise((r) => setTimeout(r, 20));
      const r = await runDue({ store, provider: hd, compose, now: at(2) });
      expect(r).toMatchObject({ sent: 2, recovered: 1, resumed: 2 });
      expect(hd.sends).toBe(2);
      for (const id of ['1', '2']) expect(hd.comments.get(id)).toHaveLength(1);
    });

    it('takes over a claim older than the stale expiry even when its holder may be alive', async () => {
      const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
      const db = await store.ensure(FOLLOWUPS);
      expect(await claim(db, f.id, 'unreachable-host/77/00ff00ff', new Date(Date.now() - 120_000).toISOString())).toBe(true);
      expect((await runDue({ store, provider: hd, compose, now: at(2) })).items).toEqual([]);
      const r = await runDue({ store, provider: hd, compose, now: at(2), staleAfterMs: 60_000 });
      expect(r).toMatchObject({ sent: 1, resumed: 1 });
      expect(hd.comments.get('1')).toHaveLength(1);
    });

    it('leaves a claim of a live process alone', async () => {
      const f = await scheduleFollowup(store, { ticketId: '1', template: 't', dueAt: at(1), now: T0 });
      const live = `${(await import('node:os')).hostname()}/${process.pid}/c0ffee00`;
      expect(await claim(await store.ensure(FOLLOWUPS), f.id, live)).toBe(true);
      const r = await runDue({ store, provider: hd, compose, now: at(2) });
      expect(r.items).toEqual([]);
      expect((await getFollowup(store, f.id)).state).toBe('sending');
    });
  });
});
