import { describe, expect, it } from 'vitest';
import { checkInstant, parseDateFilter, parseInstant, toIsoInstant } from '../../src/domain/dates.js';
import { UsageError } from '../../src/errors.js';

const now = new Date('2026-11-25T09:00:00Z'); // a Wednesday
const iso = (v: string, o: Partial<Parameters<typeof parseInstant>[1]> = {}) => parseInstant(v, { now, ...o }).toISOString();
const reason = (v: string, o: Partial<Parameters<typeof checkInstant>[1]> = {}) => {
  const r = checkInstant(v, { now, ...o });
  return r.ok ? `accepted as ${r.date.toISOString()}` : r.reason;
};

describe('parseInstant: ISO 8601', () => {
  it('accepts times with Z or an offset, any precision', () => {
    expect(iso('2026-11-01T09:00:00Z')).toBe('2026-11-01T09:00:00.000Z');
    expect(iso('2026-11-01t09:00z')).toBe('2026-11-01T09:00:00.000Z');
    expect(iso('2026-11-01T10:00:00+01:00')).toBe('2026-11-01T09:00:00.000Z');
    expect(iso('2026-11-01 04:30-0430')).toBe('2026-11-01T09:00:00.000Z');
    expect(iso('2026-11-01T09:00:00.123456Z')).toBe('2026-11-01T09:00:00.123Z');
    expect(iso('2028-02-29T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('reads a day as midnight UTC, or midnight in --tz', () => {
    expect(iso('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(iso('2026-11-01', { tz: 'America/New_York' })).toBe('2026-11-01T04:00:00.000Z');
  });

  it('refuses impossible dates instead of rolling them over', () => {
    expect(reason('2026-02-30')).toMatch(/2026-02-30 does not exist/);
    expect(reason('2026-11-31T10:00:00Z')).toMatch(/2026-11-31 does not exist/);
    expect(reason('2027-02-29')).toMatch(/does not exist/);
    expect(reason('2026-13-01')).toMatch(/month 13 does not exist/);
    expect(reason('2026-11-01T24:00:00Z')).toMatch(/not a time of day/);
    expect(reason('2026-11-01T09:60Z')).toMatch(/not a time of day/);
    expect(reason('2026-11-01T09:00+25:00')).toMatch(/not a UTC offset/);
    expect(reason('2026-11-1')).toMatch(/not an ISO 8601/);
  });

  it('refuses a time without an offset unless a zone is given', () => {
    expect(reason('2026-11-01T09:00:00')).toMatch(/no offset.*--tz ZONE/);
    expect(reason('2026-11-01 09:00')).toMatch(/no offset/);
    expect(iso('2026-11-01T09:00:00', { tz: 'Europe/Paris' })).toBe('2026-11-01T08:00:00.000Z');
    expect(iso('2026-07-01T09:00:00', { tz: 'Europe/Paris' })).toBe('2026-07-01T07:00:00.000Z');
  });

  it('refuses what Date.parse would guess at', () => {
    for (const v of ['1', '16', '1.6e1', 'banana 12', '12/11/2026', '11.12.2026', '2026/11/12', '', '   ']) {
      expect(() => parseInstant(v, { now, label: '--since' }), v).toThrow(UsageError);
    }
    expect(reason('1')).toMatch(/a number alone is not a date/);
    expect(reason('12/11/2026')).toMatch(/ambiguous/);
    expect(() => parseInstant('banana 12', { now, label: '--since' })).toThrow(/invalid --since 'banana 12'/);
  });
});

describe('parseInstant: relative forms', () => {
  it('counts durations back from now for filters and ahead for due times', () => {
    expect(iso('7d')).toBe('2026-11-18T09:00:00.000Z');
    expect(iso('2w')).toBe('2026-11-11T09:00:00.000Z');
    expect(iso('12h')).toBe('2026-11-24T21:00:00.000Z');
    expect(iso('3 days', { direction: 'future' })).toBe('2026-11-28T09:00:00.000Z');
  });

  it('understands calendar words in UTC, or in --tz', () => {
    expect(iso('now')).toBe(now.toISOString());
    expect(iso('today')).toBe('2026-11-25T00:00:00.000Z');
    expect(iso('yesterday')).toBe('2026-11-24T00:00:00.000Z');
    expect(iso('Yesterday', { tz: 'Asia/Tokyo' })).toBe('2026-11-23T15:00:00.000Z');
    expect(iso('last month')).toBe('2026-10-01T00:00:00.000Z');
    expect(iso('this month')).toBe('2026-11-01T00:00:00.000Z');
    expect(iso('3 days ago')).toBe('2026-11-22T00:00:00.000Z');
    expect(iso('in 3 days')).toBe('2026-11-28T00:00:00.000Z');
    expect(iso('last friday')).toBe('2026-11-20T00:00:00.000Z');
    expect(iso('next monday 9am', { direction: 'future' })).toBe('2026-11-30T09:00:00.000Z');
    expect(iso('next monday 9am', { direction: 'future', tz: 'Europe/Paris' })).toBe('2026-11-30T08:00:00.000Z');
    expect(iso('tomorrow', { direction: 'future', dayStartHour: 9 })).toBe('2026-11-26T09:00:00.000Z');
  });

  it('refuses trailing words and ranges', () => {
    expect(reason('next monday blah')).toMatch(/not a date/);
    expect(reason('monday to friday')).not.toMatch(/^accepted/);
  });

  it('data files take absolute times only', () => {
    expect(toIsoInstant('7d')).toEqual({ ok: false, reason: 'not an ISO 8601 date or time' });
    expect(toIsoInstant('2026-11-01T09:00:00Z')).toEqual({ ok: true, date: new Date('2026-11-01T09:00:00Z') });
    expect(toIsoInstant('2026-11-01T09:00:00').ok).toBe(false);
    expect(toIsoInstant('2026-11-01T09:00:00', 'UTC').ok).toBe(true);
  });

  it('parseDateFilter names the flag', () => {
    expect(() => parseDateFilter('2026-02-30', { now, label: '--created-since' })).toThrow(/invalid --created-since '2026-02-30': 2026-02-30 does not exist/);
  });
});
