import { hostname } from 'node:os';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelFollowups,
  claim,
  FOLLOWUPS,
  followupStatus,
  getFollowup,
  listFollowups,
  parseFollowupId,
  parseStateList,
  scheduleFollowup,
  scheduleFollowups,
} from '../../src/followups/index.js';
import { NotFoundError, UsageError } from '../../src/errors.js';
import type { StateStore } from '../../src/store/state-store.js';
import { storeDialects, tempStore } from './followup-fake.js';
import { pgForSuite } from '../support/pg-server.js';

const pg = await pgForSuite('follow-up store on PostgreSQL');
afterAll(() => pg?.stop());

const NOW = new Date('2026-11-25T08:00:00Z');
const inDays = (d: number) => new Date(NOW.getTime() + d * 86_400_000);

describe.each(storeDialects(pg))('follow-up store on %s', (dialect) => {
  let store: StateStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore(dialect, pg));
  });
  afterEach(() => cleanup());

  it('schedules with default conditions and reads it back', async () => {
    const f = await scheduleFollowup(store, { ticketId: '42', template: 'follow-up-check-in', dueAt: inDays(7), now: NOW, tz: 'Europe/Paris' });
    expect(f).toMatchObject({
      ticketId: '42',
      template: 'follow-up-check-in',
      dueAt: '2026-12-02T08:00:00.000Z',
      scheduledAt: NOW.toISOString(),
      tz: 'Europe/Paris',
      state: 'scheduled',
      source: 'followup',
      conditions: { unlessReplied: true, skipIfClosed: true, onlyIfStatus: null },
      actions: { setStatus: null, addTags: [] },
    });
    expect(await getFollowup(store, f.id)).toEqual(f);
  });

  it('keeps options, and returns the existing item for an identical schedule', async () => {
    const input = {
      ticketId: '7',
      template: 't',
      dueAt: inDays(1),
      now: NOW,
      unlessReplied: false,
      onlyIfStatus: ['solved' as const, 'pending' as const],
      setStatus: 'closed' as const,
      addTags: ['followed-up'],
    };
    const a = await scheduleFollowup(store, input);
    const b = await scheduleFollowup(store, input);
    expect(b.id).toBe(a.id);
    expect(a.conditions).toEqual({ unlessReplied: false, skipIfClosed: true, onlyIfStatus: ['solved', 'pending'] });
    expect(a.actions).toEqual({ setStatus: 'closed', addTags: ['followed-up'] });
    expect(await listFollowups(store)).toHaveLength(1);
  });

  it('action-only follow-ups (snooze) need an action', async () => {
    const snooze = await scheduleFollowup(store, { ticketId: '9', dueAt: inDays(2), now: NOW, setStatus: 'open', source: 'snooze' });
    expect(snooze).toMatchObject({ template: null, source: 'snooze', actions: { setStatus: 'open' } });
    await expect(scheduleFollowup(store, { ticketId: '9', dueAt: inDays(2), now: NOW })).rejects.toThrow(/needs a template/);
  });

  it('writes nothing when any input is bad', async () => {
    const good = { ticketId: '1', template: 't', dueAt: inDays(1), now: NOW };
    await expect(scheduleFollowups(store, [good, { ...good, ticketId: '2', dueAt: inDays(-1) }])).rejects.toThrow(/in the past/);
    await expect(scheduleFollowups(store, [good, { ...good, ticketId: 'bad id' }])).rejects.toThrow(UsageError);
    await expect(scheduleFollowups(store, [good, { ...good, setStatus: 'done' as never }])).rejects.toThrow(/invalid status 'done'/);
    await expect(scheduleFollowups(store, [good, { ...good, dueAt: new Date(NaN) }])).rejects.toThrow(UsageError);
    expect(await listFollowups(store)).toEqual([]);
    expect(await scheduleFollowups(store, [good, { ...good, ticketId: '2' }])).toHaveLength(2);
  });

  it('lists by state, due time and ticket, in due order', async () => {
    await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: inDays(3), now: NOW },
      { ticketId: '2', template: 't', dueAt: inDays(1), now: NOW },
      { ticketId: '3', template: 't', dueAt: inDays(2), now: NOW },
    ]);
    expect((await listFollowups(store)).map((f) => f.ticketId)).toEqual(['2', '3', '1']);
    expect((await listFollowups(store, { dueBy: inDays(2) })).map((f) => f.ticketId)).toEqual(['2', '3']);
    expect((await listFollowups(store, { ticketIds: ['1'] })).map((f) => f.ticketId)).toEqual(['1']);
    expect(await listFollowups(store, { states: ['sent'] })).toEqual([]);
    expect(await listFollowups(store, { limit: 1 })).toHaveLength(1);
  });

  it('cancels scheduled ones only, saying why for the rest', async () => {
    const [a, b] = await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: inDays(3), now: NOW },
      { ticketId: '2', template: 't', dueAt: inDays(1), now: NOW },
    ]);
    const r = await cancelFollowups(store, [a!.id, a!.id, 999], NOW);
    expect(r.changed.map((f) => f.id)).toEqual([a!.id]);
    expect(r.refused).toEqual([
      { id: a!.id, reason: 'it is cancelled' },
      { id: 999, reason: 'not found' },
    ]);
    expect((await getFollowup(store, a!.id)).state).toBe('cancelled');
    expect((await getFollowup(store, b!.id)).state).toBe('scheduled');
    await expect(getFollowup(store, 999)).rejects.toThrow(NotFoundError);
  });

  it('parses ids and states', () => {
    expect(parseFollowupId('#12')).toBe(12);
    expect(parseFollowupId('12')).toBe(12);
    expect(() => parseFollowupId('x')).toThrow(/invalid follow-up id 'x'/);
    expect(parseStateList(['sent,skipped', 'failed'])).toEqual(['sent', 'skipped', 'failed']);
    let err: UsageError | undefined;
    try {
      parseStateList(['done']);
    } catch (e) {
      err = e as UsageError;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toBe("invalid --status 'done'");
    expect(err!.hint).toMatch(/valid values: scheduled, sending, sent, skipped, failed, unknown, cancelled, action-failed/);
  });

  it('a second follow-up for the same ticket and template: refused, replaced (in one transaction) or allowed', async () => {
    const first = await scheduleFollowup(store, { ticketId: '716', template: 'follow-up-check-in', dueAt: inDays(3), now: NOW });
    const again = { ticketId: '716', template: 'follow-up-check-in', dueAt: inDays(5), now: NOW };
    await expect(scheduleFollowups(store, [again], { pending: 'refuse' })).rejects.toThrow(UsageError);
    await expect(scheduleFollowups(store, [again], { pending: 'refuse' })).rejects.toThrow(/ticket 716 already has follow-up #\d+ 'follow-up-check-in'/);
    expect(await listFollowups(store, { states: ['scheduled'] })).toHaveLength(1);
    // another template or ticket is not a repeat
    expect(await scheduleFollowups(store, [{ ...again, template: 'satisfaction-survey' }, { ...again, ticketId: '717' }], { pending: 'refuse' })).toHaveLength(2);
    const [replacement] = await scheduleFollowups(store, [again], { pending: 'replace' });
    expect(await getFollowup(store, first.id)).toMatchObject({ state: 'cancelled', reason: `replaced by follow-up #${replacement!.id}` });
    await scheduleFollowups(store, [{ ...again, dueAt: inDays(9) }], { pending: 'allow' });
    expect((await listFollowups(store, { states: ['scheduled'], ticketIds: ['716'] })).filter((f) => f.template === 'follow-up-check-in')).toHaveLength(2);
  });

  it('status: follow-ups by state, and who holds the ones being sent', async () => {
    const [a, b, c] = await scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: inDays(1), now: NOW },
      { ticketId: '2', template: 't', dueAt: inDays(1), now: NOW },
      { ticketId: '3', template: 't', dueAt: inDays(1), now: NOW },
    ]);
    await cancelFollowups(store, [c!.id], NOW);
    const db = await store.ensure(FOLLOWUPS);
    const gone = `${hostname()}/2147483646/deadbeef`;
    await claim(db, a!.id, gone, '2026-11-25T09:00:00.000Z');
    await claim(db, b!.id, gone, '2026-11-25T09:05:00.000Z');
    const s = await followupStatus(store);
    expect(s.byState).toEqual({ scheduled: 0, sending: 2, sent: 0, skipped: 0, failed: 0, unknown: 0, cancelled: 1 });
    expect(s.holders).toEqual([{ owner: gone, host: hostname(), pid: 2147483646, claims: 2, oldestClaimAt: '2026-11-25T09:00:00.000Z', alive: false }]);
  });
});
