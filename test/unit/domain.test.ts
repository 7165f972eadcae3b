import { describe, expect, it } from 'vitest';
import { resolveAgentRef } from '../../src/domain/agents.js';
import type { Person, Ticket } from '../../src/domain/model.js';
import { decimalId, parseDateArg, parseDurationMs, parseEnumList, parseIds, requireDecimalId } from '../../src/domain/parse.js';
import { matchesQuery, sortTickets } from '../../src/domain/query.js';
import { UsageError } from '../../src/errors.js';

const person = (id: string, name: string, email: string): Person => ({ id, name, email, role: 'agent' });
const ticket = (over: Partial<Ticket>): Ticket => ({
  id: '1',
  subject: 'Where is my order?',
  status: 'open',
  priority: 'normal',
  channel: 'email',
  requester: { id: 'c1', name: 'Ann Lee', email: 'ann@example.com', role: 'customer' },
  assignee: null,
  group: 'Support',
  tags: ['delivery'],
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
  firstResponseAt: null,
  solvedAt: null,
  reopenCount: 0,
  customFields: {},
  ...over,
});

describe('parseEnumList', () => {
  it('accepts comma lists, case and dashes', () => {
    expect(parseEnumList(['open,Pending', 'on-hold'], ['open', 'pending', 'on_hold'] as const, '--status')).toEqual(['open', 'pending', 'on_hold']);
  });
  it('names the bad value and lists the valid ones', () => {
    expect(() => parseEnumList('bogus', ['open', 'solved'] as const, '--status')).toThrowError(/invalid --status 'bogus'/);
    try {
      parseEnumList('bogus', ['open', 'solved'] as const, '--status');
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).hint).toBe('valid values: open, solved');
      expect((e as UsageError).exitCode).toBe(2);
    }
  });
});

describe('dates and durations', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('parses durations', () => {
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('7d')).toBe(7 * 86_400_000);
    expect(parseDurationMs('2w')).toBe(14 * 86_400_000);
    expect(parseDurationMs('7 days')).toBe(7 * 86_400_000);
    expect(parseDurationMs('soon')).toBeUndefined();
  });
  it('parses relative and absolute dates', () => {
    expect(parseDateArg('30d', now, '--since').toISOString()).toBe('2026-10-26T12:00:00.000Z');
    expect(parseDateArg('today', now, '--since').toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(parseDateArg('yesterday', now, '--since').toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(parseDateArg('2026-11-01', now, '--since').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseDateArg('2026-11-01T09:30', now, '--since', 'UTC').toISOString()).toBe('2026-11-01T09:30:00.000Z');
    expect(parseDateArg('2026-11-01T09:30', now, '--since', 'Europe/Paris').toISOString()).toBe('2026-11-01T08:30:00.000Z');
    expect(parseDateArg('2026-11-01', now, '--since', 'Europe/Paris').toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(parseDateArg('2026-11-01T09:30:00+02:00', now, '--since').toISOString()).toBe('2026-11-01T07:30:00.000Z');
  });
  it('rejects garbage with the accepted formats', () => {
    expect(() => parseDateArg('last tuesday-ish', now, '--since')).toThrowError(/invalid --since/);
    expect(() => parseDateArg('2026-13-45', now, '--since')).toThrowError(UsageError);
  });
});

describe('parseIds', () => {
  it('splits and dedupes', () => expect(parseIds(['1,2', '3 2'])).toEqual(['1', '2', '3']));
  it('rejects odd ids', () => expect(() => parseIds(['1;rm'])).toThrowError(/invalid ticket id/));
});

describe('resolveAgentRef', () => {
  const agents = [person('a1', 'Alex Rivera', 'alex@x.example'), person('a2', 'Priya Shah', 'priya@x.example'), person('a3', 'Priya Nair', 'pn@x.example')];
  it('resolves me, none, id, email, name and unique prefix', () => {
    expect(resolveAgentRef('me', agents, agents[0]!)).toBe('a1');
    expect(resolveAgentRef('none', agents, null)).toBe('none');
    expect(resolveAgentRef('a2', agents, null)).toBe('a2');
    expect(resolveAgentRef('PRIYA@x.example', agents, null)).toBe('a2');
    expect(resolveAgentRef('alex rivera', agents, null)).toBe('a1');
    expect(resolveAgentRef('Alex', agents, null)).toBe('a1');
  });
  it('refuses ambiguous and unknown names', () => {
    expect(() => resolveAgentRef('Priya', agents, null)).toThrowError(/ambiguous/);
    expect(() => resolveAgentRef('Zed', agents, null)).toThrowError(/no agent matches/);
    expect(() => resolveAgentRef('me', agents, null)).toThrowError(/cannot tell who "me" is/);
  });
});

describe('matchesQuery', () => {
  const t = ticket({ assignee: person('a1', 'Alex', 'alex@x.example'), tags: ['delivery', 'vip'] });
  it('applies every filter', () => {
    expect(matchesQuery(t, { status: ['open'] })).toBe(true);
    expect(matchesQuery(t, { status: ['solved'] })).toBe(false);
    expect(matchesQuery(t, { assigneeIds: ['a1'] })).toBe(true);
    expect(matchesQuery(t, { assigneeIds: ['none'] })).toBe(false);
    expect(matchesQuery(ticket({}), { assigneeIds: ['none'] })).toBe(true);
    expect(matchesQuery(t, { tags: ['vip', 'delivery'] })).toBe(true);
    expect(matchesQuery(t, { tags: ['vip', 'refund'] })).toBe(false);
    expect(matchesQuery(t, { group: ['support'] })).toBe(true);
    expect(matchesQuery(t, { text: 'ANN LEE' })).toBe(true);
    expect(matchesQuery(t, { createdSince: new Date('2026-11-20T10:00:00Z') })).toBe(true);
    expect(matchesQuery(t, { createdUntil: new Date('2026-11-20T10:00:00Z') })).toBe(false);
    expect(matchesQuery(t, { solvedSince: new Date('2026-01-01') })).toBe(false);
  });
});

describe('sortTickets', () => {
  it('sorts by priority desc then id', () => {
    const list = [ticket({ id: '3', priority: 'low' }), ticket({ id: '10', priority: 'urgent' }), ticket({ id: '2', priority: 'urgent' })];
    expect(sortTickets(list, { field: 'priority', direction: 'desc' }).map((t) => t.id)).toEqual(['2', '10', '3']);
  });
  it('sorts ids numerically', () => {
    const list = [ticket({ id: '10' }), ticket({ id: '9' })];
    expect(sortTickets(list, { field: 'id', direction: 'asc' }).map((t) => t.id)).toEqual(['9', '10']);
  });
});

describe('ticket ids', () => {
  it('accepts the #716 that tables print, and drops repeats', () => {
    expect(parseIds(['#716', '716,717'])).toEqual(['716', '717']);
    expect(() => parseIds('#')).toThrow(UsageError);
  });

  it('reads numeric ids strictly in decimal: 0x10, 016, 1.6e1 are not ticket 16', () => {
    expect(decimalId('16')).toBe(16);
    expect(decimalId('#16')).toBe(16);
    for (const v of ['0x10', '016', '1.6e1', '16.0', '0', '-16', ' 16', '99999999999999999']) expect(decimalId(v), v).toBeUndefined();
    expect(() => requireDecimalId('0x10', 'ticket', '716')).toThrow(/invalid ticket id '0x10'/);
  });
});
