import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelFollowups,
  getFollowup,
  listFollowups,
  parseFollowupId,
  parseStateList,
  scheduleFollowup,
  scheduleFollowups,
} from '../../src/followups/index.js';
import { NotFoundError, UsageError } from '../../src/errors.js';
import type { StateStore } from '../../src/store/state-store.js';
import { tempStore } from './followup-fake.js';

const NOW = new Date('2026-11-25T08:00:00Z');
const inDays = (d: number) => new Date(NOW.getTime() + d * 86_400_000);

describe('follow-up store', () => {
  let store: StateStore;
  let cleanup: () => void;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(() => cleanup());

  it('schedules with default conditions and reads it back', () => {
    const f = scheduleFollowup(store, { ticketId: '42', template: 'follow-up-check-in', dueAt: inDays(7), now: NOW, tz: 'Europe/Paris' });
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
    expect(getFollowup(store, f.id)).toEqual(f);
  });

  it('keeps options, and returns the existing item for an identical schedule', () => {
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
    const a = scheduleFollowup(store, input);
    const b = scheduleFollowup(store, input);
    expect(b.id).toBe(a.id);
    expect(a.conditions).toEqual({ unlessReplied: false, skipIfClosed: true, onlyIfStatus: ['solved', 'pending'] });
    expect(a.actions).toEqual({ setStatus: 'closed', addTags: ['followed-up'] });
    expect(listFollowups(store)).toHaveLength(1);
  });

  it('action-only follow-ups (snooze) need an action', () => {
    const snooze = scheduleFollowup(store, { ticketId: '9', dueAt: inDays(2), now: NOW, setStatus: 'open', source: 'snooze' });
    expect(snooze).toMatchObject({ template: null, source: 'snooze', actions: { setStatus: 'open' } });
    expect(() => scheduleFollowup(store, { ticketId: '9', dueAt: inDays(2), now: NOW })).toThrow(/needs a template/);
  });

  it('writes nothing when any input is bad', () => {
    const good = { ticketId: '1', template: 't', dueAt: inDays(1), now: NOW };
    expect(() => scheduleFollowups(store, [good, { ...good, ticketId: '2', dueAt: inDays(-1) }])).toThrow(/in the past/);
    expect(() => scheduleFollowups(store, [good, { ...good, ticketId: 'bad id' }])).toThrow(UsageError);
    expect(() => scheduleFollowups(store, [good, { ...good, setStatus: 'done' as never }])).toThrow(/invalid status 'done'/);
    expect(() => scheduleFollowups(store, [good, { ...good, dueAt: new Date(NaN) }])).toThrow(UsageError);
    expect(listFollowups(store)).toEqual([]);
    expect(scheduleFollowups(store, [good, { ...good, ticketId: '2' }])).toHaveLength(2);
  });

  it('lists by state, due time and ticket, in due order', () => {
    scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: inDays(3), now: NOW },
      { ticketId: '2', template: 't', dueAt: inDays(1), now: NOW },
      { ticketId: '3', template: 't', dueAt: inDays(2), now: NOW },
    ]);
    expect(listFollowups(store).map((f) => f.ticketId)).toEqual(['2', '3', '1']);
    expect(listFollowups(store, { dueBy: inDays(2) }).map((f) => f.ticketId)).toEqual(['2', '3']);
    expect(listFollowups(store, { ticketIds: ['1'] }).map((f) => f.ticketId)).toEqual(['1']);
    expect(listFollowups(store, { states: ['sent'] })).toEqual([]);
    expect(listFollowups(store, { limit: 1 })).toHaveLength(1);
  });

  it('cancels scheduled ones only, saying why for the rest', () => {
    const [a, b] = scheduleFollowups(store, [
      { ticketId: '1', template: 't', dueAt: inDays(3), now: NOW },
      { ticketId: '2', template: 't', dueAt: inDays(1), now: NOW },
    ]);
    const r = cancelFollowups(store, [a!.id, a!.id, 999], NOW);
    expect(r.changed.map((f) => f.id)).toEqual([a!.id]);
    expect(r.refused).toEqual([
      { id: a!.id, reason: 'it is cancelled' },
      { id: 999, reason: 'not found' },
    ]);
    expect(getFollowup(store, a!.id).state).toBe('cancelled');
    expect(getFollowup(store, b!.id).state).toBe('scheduled');
    expect(() => getFollowup(store, 999)).toThrow(NotFoundError);
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

  it('a second follow-up for the same ticket and template: refused, replaced (in one transaction) or allowed', () => {
    const first = scheduleFollowup(store, { ticketId: '716', template: 'follow-up-check-in', dueAt: inDays(3), now: NOW });
    const again = { ticketId: '716', template: 'follow-up-check-in', dueAt: inDays(5), now: NOW };
    expect(() => scheduleFollowups(store, [again], { pending: 'refuse' })).toThrow(UsageError);
    expect(() => scheduleFollowups(store, [again], { pending: 'refuse' })).toThrow(/ticket 716 already has follow-up #\d+ 'follow-up-check-in'/);
    expect(listFollowups(store, { states: ['scheduled'] })).toHaveLength(1);
    // another template or ticket is not a repeat
    expect(scheduleFollowups(store, [{ ...again, template: 'satisfaction-survey' }, { ...again, ticketId: '717' }], { pending: 'refuse' })).toHaveLength(2);
    const [replacement] = scheduleFollowups(store, [again], { pending: 'replace' });
    expect(getFollowup(store, first.id)).toMatchObject({ state: 'cancelled', reason: `replaced by follow-up #${replacement!.id}` });
    scheduleFollowups(store, [{ ...again, dueAt: inDays(9) }], { pending: 'allow' });
    expect(listFollowups(store, { states: ['scheduled'], ticketIds: ['716'] }).filter((f) => f.template === 'follow-up-check-in')).toHaveLength(2);
  });
});
