import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alreadySentReason, heldReason, type Holder, type MessageRef, type SentLedger } from '../../src/store/ledger.js';

/**
 * The sent-ledger contract, run against every store implementation (SQLite here; PostgreSQL for team
 * mode). `open` gives two handles on one fresh store (standing for two processes) and a cleanup.
 */
export interface LedgerFixture {
  a: SentLedger;
  b: SentLedger;
  cleanup: () => Promise<void> | void;
}

const NOW = new Date('2026-11-25T09:00:00Z');
const since = new Date(NOW.getTime() - 30 * 86_400_000);
const LEASE = 60_000;
const live = (id: string): Holder => ({ id, label: `job ${id.replace(/^job:/, '')}`, owner: `${hostname()}/${process.pid}/${id.length.toString(16)}ab` });
// a pid that cannot exist on this host: its process is gone
const dead = (id: string): Holder => ({ id, label: `job ${id.replace(/^job:/, '')}`, owner: `${hostname()}/4194999/dead` });
const msg = (ticketId: string, template: string | null = 'acknowledgement', body = `Hi, we got ticket ${ticketId}.`): MessageRef => ({ ticketId, template, body, public: true });

export function ledgerContract(name: string, open: () => Promise<LedgerFixture>): void {
  describe(`sent ledger: ${name}`, () => {
    let f: LedgerFixture;
    beforeEach(async () => {
      f = await open();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it('finds a recorded send by template or by identical body, within the window and for the same visibility', async () => {
      await f.a.record({ ticketId: '600', template: 'acknowledgement', body: '<p>Hi,   we got it.</p>', public: true, source: 'bulk', sourceId: 'k7m2qx', commentId: '9', sentAt: '2026-11-20T10:00:00.000Z' });
      // same template, other rendering
      expect((await f.b.findRecent([msg('600', 'acknowledgement', 'other text')], since)).get('600')).toMatchObject({ source: 'bulk', sourceId: 'k7m2qx', sentAt: '2026-11-20T10:00:00.000Z' });
      // a typed body equal once HTML and whitespace are folded
      expect((await f.b.findRecent([msg('600', null, 'Hi, we got it.')], since)).has('600')).toBe(true);
      // a note is not the same message as a reply; other tickets and templates do not match
      expect((await f.b.findRecent([{ ...msg('600'), public: false }], since)).size).toBe(0);
      expect((await f.b.findRecent([msg('601'), msg('600', 'other-template', 'x')], since)).size).toBe(0);
      // outside the window
      expect((await f.b.findRecent([msg('600')], new Date('2026-11-21T00:00:00Z'))).size).toBe(0);
      const e = (await f.b.findRecent([msg('600')], since)).get('600')!;
      expect(alreadySentReason(e)).toBe('already sent by job k7m2qx on 2026-11-20');
    });

    it('claims atomically: a live holder blocks others, the ledger blocks everyone unless allowRepeat', async () => {
      const first = await f.a.claim(live('job:aaaaaa'), [msg('1'), msg('2'), msg('3')], { since, leaseMs: LEASE });
      expect(first.claimed.map((m) => m.ticketId)).toEqual(['1', '2', '3']);
      const second = await f.b.claim(live('job:bbbbbb'), [msg('2'), msg('3'), msg('4')], { since, leaseMs: LEASE });
      expect(second.claimed.map((m) => m.ticketId)).toEqual(['4']);
      expect(second.held.map((h) => [h.message.ticketId, h.claim.holderId])).toEqual([['2', 'job:aaaaaa'], ['3', 'job:aaaaaa']]);
      expect(heldReason(second.held[0]!.claim)).toMatch(/^being sent by job aaaaaa \(pid \d+ on .+\)$/);
      // a claim is the holder's own: claiming again (a resume) succeeds
      expect((await f.b.claim(live('job:aaaaaa'), [msg('2')], { since, leaseMs: LEASE })).claimed).toHaveLength(1);
      // a typed body identical to the template's rendering meets the same claim
      expect((await f.b.claim(live('reply:x'), [msg('1', null, 'Hi, we got ticket 1.')], { since, leaseMs: LEASE })).held).toHaveLength(1);

      // holder A sends 2: recorded and its claim on 2 dropped in one step; B now sees it as sent
      await f.a.record({ ticketId: '2', template: 'acknowledgement', body: 'Hi, we got ticket 2.', public: true, source: 'bulk', sourceId: 'aaaaaa', commentId: null, sentAt: NOW.toISOString() }, 'job:aaaaaa');
      const third = await f.b.claim(live('job:bbbbbb'), [msg('2')], { since, leaseMs: LEASE });
      expect(third.alreadySent.map((s) => s.entry.sourceId)).toEqual(['aaaaaa']);
      // --allow-repeat passes the ledger but not a live claim
      expect((await f.b.claim(live('job:bbbbbb'), [msg('2'), msg('3')], { since, leaseMs: LEASE, allowRepeat: true })).claimed.map((m) => m.ticketId)).toEqual(['2']);
      // a resumed job does not skip its own sends (its journal settles them)
      await f.b.release('job:bbbbbb');
      expect((await f.a.claim(live('job:cccccc'), [msg('2')], { since, leaseMs: LEASE })).alreadySent).toHaveLength(1);
      expect((await f.a.claim(live('job:aaaaaa'), [msg('2')], { since, leaseMs: LEASE, ownSourceId: 'aaaaaa' })).claimed).toHaveLength(1);
    });

    it('a holder that died or stopped renewing loses its claims; release frees the rest', async () => {
      await f.a.claim(dead('job:gone00'), [msg('1')], { since, leaseMs: LEASE });
      expect((await f.b.claim(live('job:bbbbbb'), [msg('1')], { since, leaseMs: LEASE })).claimed).toHaveLength(1);
      // expired lease (other hosts cannot be asked whether the pid lives)
      const remote: Holder = { id: 'job:remote', label: 'job remote', owner: 'other-host/1234/beef' };
      await f.a.claim(remote, [msg('5')], { since, leaseMs: -1 });
      expect((await f.b.claim(live('job:bbbbbb'), [msg('5')], { since, leaseMs: LEASE })).claimed).toHaveLength(1);
      await f.a.claim(remote, [msg('6')], { since, leaseMs: LEASE });
      expect((await f.b.findHeld([msg('6')], 'job:bbbbbb')).get('6')?.holderId).toBe('job:remote');
      await f.a.release('job:remote');
      expect((await f.b.findHeld([msg('6')], 'job:bbbbbb')).size).toBe(0);
    });

    it('release keeps unknown outcomes claimed (nobody re-sends before the resume checks), and the holder can take them back', async () => {
      await f.a.claim(live('job:aaaaaa'), [msg('1'), msg('2')], { since, leaseMs: LEASE });
      await f.a.release('job:aaaaaa', { ticketIds: ['2'], keepMs: 3_600_000 });
      const other = await f.b.claim(live('job:bbbbbb'), [msg('1'), msg('2')], { since, leaseMs: LEASE });
      expect(other.claimed.map((m) => m.ticketId)).toEqual(['1']);
      expect(heldReason(other.held[0]!.claim)).toBe('sent by job aaaaaa with an unknown outcome (its resume checks the ticket first)');
      // the job's resume (same holder id, new process) takes it back and renews it
      expect((await f.a.claim(live('job:aaaaaa'), [msg('2')], { since, leaseMs: LEASE })).claimed).toHaveLength(1);
      await f.a.renew('job:aaaaaa', LEASE);
      expect((await f.b.findHeld([msg('2')], 'job:bbbbbb')).get('2')?.owner).not.toBe('');
    });
  });
}
