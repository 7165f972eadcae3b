import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BulkJournal, BULK_SCHEMA } from '../../src/bulk/journal.js';
import { executeJob, findSentReply, normalizeBody } from '../../src/bulk/executor.js';
import { openDatabase, type Database } from '../../src/store/sqlite.js';
import { SqliteStateDb } from '../../src/store/sqlite-state-db.js';
import { FakeHelpdesk } from './bulk-fake-helpdesk.js';
import { UncertainWriteError } from '../../src/providers/http.js';

let dir: string;
let db: Database;
let journal: BulkJournal;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulk-'));
  db = await openDatabase(join(dir, 'state.db'));
  const state = new SqliteStateDb(db);
  await state.migrate(BULK_SCHEMA);
  journal = new BulkJournal(state);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const replyJob = (desk: FakeHelpdesk, ids: string[], patch = {}) =>
  journal.createJob({
    kind: 'reply',
    template: 't',
    public: true,
    patch,
    selection: 'test',
    concurrency: 3,
    items: ids.map((id) => ({ ticketId: id, body: `Hello customer ${id}, your parcel is on its way.` })),
  });

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

describe('executeJob', () => {
  it('sends one reply per ticket, applies the changes, respects the concurrency bound', async () => {
    const desk = new FakeHelpdesk(40);
    const job = await replyJob(desk, ids(40), { status: 'pending', addTags: ['bulk'] });
    const r = await executeJob(journal, job.id, desk, { concurrency: 3 });
    expect(r.run).toEqual({ sent: 40, recovered: 0, failed: 0, unknown: 0, notReached: 0, skipped: 0 });
    expect(r.job.state).toBe('done');
    expect(desk.maxInFlight).toBeLessThanOrEqual(3);
    expect(desk.maxInFlight).toBeGreaterThan(1);
    for (const id of ids(40)) {
      expect(desk.agentReplies(id)).toHaveLength(1);
      expect(desk.tickets.get(id)!.status).toBe('pending');
      expect(desk.tickets.get(id)!.tags).toContain('bulk');
    }
    // running again sends nothing
    const again = await executeJob(journal, job.id, desk, { concurrency: 3 });
    expect(again.run.sent).toBe(0);
    expect(desk.calls.addComment).toBe(40);
  });

  it('records failures, keeps going, and reports the job as partial', async () => {
    const desk = new FakeHelpdesk(10, { failComment: new Set(['3', '7']) });
    const job = await replyJob(desk, ids(10));
    const r = await executeJob(journal, job.id, desk, { concurrency: 2 });
    expect(r.run.sent).toBe(8);
    expect(r.run.failed).toBe(2);
    expect(r.job.state).toBe('partial');
    const failed = await journal.items(job.id, ['failed']);
    expect(failed.map((f) => f.ticketId)).toEqual(['3', '7']);
    expect(failed[0]!.error).toMatch(/refused the comment on ticket 3/);
  });

  it('after a crash between the call and the journal, finds the reply instead of sending it twice', async () => {
    const desk = new FakeHelpdesk(5);
    const job = await replyJob(desk, ids(5));
    // simulate a run killed after ticket 2's reply reached the helpdesk but before its outcome was written
    await journal.markIntent(job.id, '2');
    await desk.addComment('2', { body: `Hello customer 2, your parcel is on its way.`, public: true });
    // and one killed before the call went out
    await journal.markIntent(job.id, '4');
    db.prepare(`UPDATE bulk_jobs SET state = 'running', owner_pid = 999999 WHERE id = ?`).run(job.id);

    const r = await executeJob(journal, job.id, desk, { concurrency: 2 });
    expect(r.run).toEqual({ sent: 4, recovered: 1, failed: 0, unknown: 0, notReached: 0, skipped: 0 });
    for (const id of ids(5)) expect(desk.agentReplies(id)).toHaveLength(1);
    expect((await journal.getItem(job.id, '2')).recovered).toBe(true);
    expect(desk.calls.listComments).toBe(2); // only the two unsure tickets were checked
  });

  it('a reply whose sender was killed in flight and that the helpdesk applies late is looked for again after each settle delay, not sent twice', async () => {
    const desk = new FakeHelpdesk(3);
    const job = await replyJob(desk, ids(3));
    // killed while ticket 2's request was in flight; the helpdesk applies it after the resume's first look
    await journal.markIntent(job.id, '2');
    db.prepare(`UPDATE bulk_jobs SET state = 'running', owner_pid = 999999 WHERE id = ?`).run(job.id);
    const listComments = desk.listComments.bind(desk);
    let looks = 0;
    desk.listComments = async (id: string) => {
      if (id === '2' && ++looks === 2) await desk.addComment('2', { body: 'Hello customer 2, your parcel is on its way.', public: true });
      return listComments(id);
    };

    const r = await executeJob(journal, job.id, desk, { concurrency: 2, settleDelays: [5, 10, 20] });
    expect(r.run).toMatchObject({ sent: 2, recovered: 1, failed: 0, unknown: 0 });
    for (const id of ids(3)) expect(desk.agentReplies(id)).toHaveLength(1);
    expect(looks).toBe(2);

    // without settle delays the first look decides: that is what sent twice
    const desk2 = new FakeHelpdesk(1);
    const job2 = await replyJob(desk2, ids(1));
    await journal.markIntent(job2.id, '1');
    db.prepare(`UPDATE bulk_jobs SET state = 'running', owner_pid = 999999 WHERE id = ?`).run(job2.id);
    const list2 = desk2.listComments.bind(desk2);
    let looks2 = 0;
    desk2.listComments = async (id: string) => {
      if (++looks2 === 2) await desk2.addComment('1', { body: 'Hello customer 1, your parcel is on its way.', public: true });
      return list2(id);
    };
    await executeJob(journal, job2.id, desk2, { concurrency: 1, settleDelays: [] });
    expect(looks2).toBe(1);
  });

  it('only applies the changes when the reply was confirmed but the update was not', async () => {
    const desk = new FakeHelpdesk(2);
    const job = await replyJob(desk, ['1', '2'], { status: 'solved' });
    await journal.markIntent(job.id, '1');
    await desk.addComment('1', { body: 'x', public: true });
    await journal.markReplied(job.id, '1', 'new1');
    await executeJob(journal, job.id, desk, { concurrency: 1 });
    expect(desk.agentReplies('1')).toHaveLength(1);
    expect(desk.tickets.get('1')!.status).toBe('solved');
  });

  it('stops handing out tickets when aborted and resumes where it stopped', async () => {
    const ac = new AbortController();
    const desk = new FakeHelpdesk(30, {
      beforeWrite: () => {
        if (desk.calls.addComment >= 10) ac.abort();
      },
    });
    const job = await replyJob(desk, ids(30));
    const first = await executeJob(journal, job.id, desk, { concurrency: 2, signal: ac.signal });
    expect(first.interrupted).toBe(true);
    expect(first.job.state).toBe('interrupted');
    expect(first.run.notReached).toBeGreaterThan(0);
    const second = await executeJob(journal, job.id, new FakeHelpdeskView(desk), { concurrency: 4 });
    expect(second.job.state).toBe('done');
    expect(first.run.sent + second.run.sent).toBe(30);
    for (const id of ids(30)) expect(desk.agentReplies(id)).toHaveLength(1);
  });

  it('an unknown outcome is recorded as unknown (not failed, not re-sent in that run); a resume finds or sends it once', async () => {
    // tickets 2 and 5: the helpdesk applies the reply but the answer is lost and the settle checks miss it;
    // ticket 4: nothing was applied and nothing can tell
    const late = new Set(['2', '5']);
    const lost = new Set(['4']);
    const desk = new FakeHelpdesk(6, {
      beforeWrite: async (kind, id) => {
        if (kind !== 'comment') return;
        if (lost.delete(id)) throw new UncertainWriteError(`POST ${id}: outcome unknown (HTTP 504)`);
        if (late.delete(id)) {
          const me = { id: 'a1', name: 'Maya Patel', email: 'maya@example.com', role: 'agent' as const };
          desk.comments.get(id)!.push({ id: `late${id}`, ticketId: id, author: me, authorRole: 'agent', public: true, body: `Hello customer ${id}, your parcel is on its way.`, createdAt: new Date().toISOString() });
          throw new UncertainWriteError(`POST ${id}: outcome unknown (HTTP 504)`);
        }
      },
    });
    const job = await replyJob(desk, ids(6), { addTags: ['bulk'] });
    const r = await executeJob(journal, job.id, desk, { concurrency: 2 });
    expect(r.run).toMatchObject({ sent: 3, unknown: 3, failed: 0 });
    expect(r.job.state).toBe('unsettled');
    expect((await journal.items(job.id, ['unknown'])).map((i) => i.ticketId)).toEqual(['2', '4', '5']);
    expect((await journal.getItem(job.id, '4')).error).toMatch(/outcome unknown/);
    expect(desk.calls.addComment).toBe(6); // nothing re-sent in the run

    const resumed = await executeJob(journal, job.id, desk, { concurrency: 2 });
    expect(resumed.run).toMatchObject({ sent: 1, recovered: 2, unknown: 0, failed: 0 });
    expect(resumed.job.state).toBe('done');
    for (const id of ids(6)) {
      expect(desk.agentReplies(id), id).toHaveLength(1);
      expect(desk.tickets.get(id)!.tags).toContain('bulk');
    }
  });

  it('refuses to run a job another live process is running', async () => {
    const desk = new FakeHelpdesk(1);
    const job = await replyJob(desk, ['1']);
    db.prepare(`UPDATE bulk_jobs SET state = 'running', owner_pid = ? WHERE id = ?`).run(process.ppid, job.id);
    await expect(executeJob(journal, job.id, desk, { concurrency: 1 })).rejects.toThrow(/being run by process/);
    expect(desk.calls.addComment).toBe(0);
  });

  it('refuses a job whose owner is alive and holds a lease; takes over one whose owner is gone, whatever its lease', async () => {
    const desk = new FakeHelpdesk(2);
    const job = await replyJob(desk, ['1', '2']);
    const lease = Date.now() + 60_000;
    // a live owner (this process's pid under another owner id) with a lease: refused, nothing sent
    db.prepare(`UPDATE bulk_jobs SET state = 'running', owner = ?, lease_ms = ? WHERE id = ?`).run(`${hostname()}/${process.pid}/0f0f0f0f`, lease, job.id);
    await expect(executeJob(journal, job.id, desk, { concurrency: 1 })).rejects.toThrow(`bulk job ${job.id} is being run by process ${process.pid} on ${hostname()}`);
    expect(desk.calls.addComment).toBe(0);
    // the same owner, its lease run out (it stopped renewing): taken over
    db.prepare(`UPDATE bulk_jobs SET lease_ms = ? WHERE id = ?`).run(Date.now() - 1, job.id);
    expect((await executeJob(journal, job.id, desk, { concurrency: 1 })).run.sent).toBe(2);
    // a killed owner (no such pid) with a fresh lease: taken over at once
    const job2 = await replyJob(desk, ['1']);
    db.prepare(`UPDATE bulk_jobs SET state = 'running', owner = ?, lease_ms = ? WHERE id = ?`).run(`${hostname()}/4194999/dead`, lease, job2.id);
    expect((await executeJob(journal, job2.id, desk, { concurrency: 1 })).job).toMatchObject({ state: 'done', owner: null });
  });

  it('a run that lost its job to another stops before its next send and leaves the job to the new owner', async () => {
    const desk = new FakeHelpdesk(6);
    const job = await replyJob(desk, ids(6));
    const r = executeJob(journal, job.id, desk, {
      concurrency: 1,
      hold: { owner: `${hostname()}/${process.pid}/aaaa0001`, leaseMs: 60_000 },
      onProgress: ({ processed }) => {
        // another process takes the job over after the second ticket
        if (processed === 2) db.prepare(`UPDATE bulk_jobs SET owner = ? WHERE id = ?`).run(`${hostname()}/${process.pid}/bbbb0002`, job.id);
      },
    });
    await expect(r).rejects.toThrow(`bulk job ${job.id} was taken over by another run`);
    expect(desk.calls.addComment).toBe(2);
    expect(await journal.getJob(job.id)).toMatchObject({ state: 'running', owner: `${hostname()}/${process.pid}/bbbb0002` });
    expect(await journal.counts(job.id)).toMatchObject({ done: 2, pending: 4 });
  });

  it('retries failed tickets only when asked, checking the ticket first', async () => {
    const fail = new Set(['2']);
    const desk = new FakeHelpdesk(3, { failComment: fail });
    const job = await replyJob(desk, ids(3));
    await executeJob(journal, job.id, desk, { concurrency: 1 });
    fail.clear();
    expect((await executeJob(journal, job.id, desk, { concurrency: 1 })).run.sent).toBe(0);
    const r = await executeJob(journal, job.id, desk, { concurrency: 1, retryFailed: true });
    expect(r.run.sent).toBe(1);
    expect(r.job.state).toBe('done');
    expect(desk.agentReplies('2')).toHaveLength(1);
  });

  it('update jobs change every ticket once', async () => {
    const desk = new FakeHelpdesk(6);
    const job = await journal.createJob({ kind: 'update', patch: { priority: 'high', removeTags: ['delivery'] }, selection: 's', concurrency: 2, items: ids(6).map((id) => ({ ticketId: id })) });
    const r = await executeJob(journal, job.id, desk, { concurrency: 2 });
    expect(r.run.sent).toBe(6);
    expect(desk.calls.addComment).toBe(0);
    for (const id of ids(6)) expect(desk.tickets.get(id)).toMatchObject({ priority: 'high', tags: [] });
  });

  it('skipped items are recorded and never sent', async () => {
    const desk = new FakeHelpdesk(2);
    const job = await journal.createJob({ kind: 'reply', public: true, patch: {}, selection: 's', concurrency: 1, items: [{ ticketId: '1', body: 'hi there' }, { ticketId: '2', skipped: 'missing order_number' }] });
    const r = await executeJob(journal, job.id, desk, { concurrency: 1 });
    expect(r.counts).toMatchObject({ done: 1, skipped: 1, total: 2 });
    expect(r.job.state).toBe('partial');
    expect(desk.agentReplies('2')).toHaveLength(0);
  });
});

describe('executeJob with a send guard (the sent ledger)', () => {
  it('asks before every reply: a ticket another run sent is skipped with the reason, every confirmed send is reported once', async () => {
    const desk = new FakeHelpdesk(4);
    const job = await replyJob(desk, ids(4));
    const sent: [string, string | null][] = [];
    const r = await executeJob(journal, job.id, desk, {
      concurrency: 2,
      guard: {
        beforeSend: async (item) => (item.ticketId === '3' ? 'already sent by job k7m2qx on 2026-11-20' : undefined),
        afterSend: async (item, commentId) => void sent.push([item.ticketId, commentId]),
      },
    });
    expect(r.run).toMatchObject({ sent: 3, skipped: 1 });
    expect(desk.agentReplies('3')).toHaveLength(0);
    expect(await journal.getItem(job.id, '3')).toMatchObject({ state: 'skipped', error: 'already sent by job k7m2qx on 2026-11-20' });
    expect(sent.map(([t]) => t).sort()).toEqual(['1', '2', '4']);
    expect(sent.every(([, c]) => c)).toBe(true);
  });
});

describe('findSentReply', () => {
  const base = { id: 'c', ticketId: '1', author: { id: 'a', name: 'A', role: 'agent' as const }, authorRole: 'agent' as const, public: true, createdAt: '2026-11-25T10:00:00Z' };
  it('matches through HTML and whitespace changes, not other replies', () => {
    const body = 'Hi Ann,\n\nYour order ORD-1 & more is on its way.';
    expect(normalizeBody('<p>Hi Ann,</p><p>Your order ORD-1 &amp; more is on its way.</p>')).toBe(normalizeBody(body));
    expect(findSentReply([{ ...base, body: '<p>Hi Ann,</p><p>Your order ORD-1 &amp; more is on its way.</p>' }], body, true, '2026-11-25T10:00:00Z')).toBeDefined();
    expect(findSentReply([{ ...base, body: 'Hi Bob, something else' }], body, true, null)).toBeUndefined();
    expect(findSentReply([{ ...base, body, public: false }], body, true, null)).toBeUndefined();
    // an identical reply from long before this job's intent is not ours
    expect(findSentReply([{ ...base, body, createdAt: '2026-11-01T10:00:00Z' }], body, true, '2026-11-25T10:00:00Z')).toBeUndefined();
  });
});

/** The same helpdesk data seen through a second client (as after a restart). */
class FakeHelpdeskView extends FakeHelpdesk {
  constructor(src: FakeHelpdesk) {
    super(0);
    this.tickets = src.tickets;
    this.comments = src.comments;
  }
}
