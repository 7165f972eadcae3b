import { describe, expect, it } from 'vitest';
import { formatInZone, parseAt, parseIn, parseTimeZone, resolveWhen, wallClockToInstant, zoneOffsetMinutes } from '../../src/followups/when.js';
import { UsageError } from '../../src/errors.js';

// Wednesday 25 November 2026, 08:00 UTC
const NOW = new Date('2026-11-25T08:00:00Z');

describe('followup dates', () => {
  it('--in adds a duration to now', () => {
    expect(parseIn('7d', NOW).toISOString()).toBe('2026-12-02T08:00:00.000Z');
    expect(parseIn('90m', NOW).toISOString()).toBe('2026-11-25T09:30:00.000Z');
    expect(parseIn('2 weeks', NOW).toISOString()).toBe('2026-12-09T08:00:00.000Z');
    expect(() => parseIn('soon', NOW)).toThrow(UsageError);
    expect(() => parseIn('0d', NOW)).toThrow(/invalid --in/);
  });

  it('reads an ISO local time in the given zone and stores UTC', async () => {
    expect((await parseAt('2026-12-01 09:00', NOW, 'UTC')).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect((await parseAt('2026-12-01 09:00', NOW, 'Europe/Paris')).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect((await parseAt('2026-12-01 09:00', NOW, 'America/New_York')).toISOString()).toBe('2026-12-01T14:00:00.000Z');
    // summer time in Paris: UTC+2, although "now" is in winter
    expect((await parseAt('2027-07-01 09:00', NOW, 'Europe/Paris')).toISOString()).toBe('2027-07-01T07:00:00.000Z');
    // a bare date means 09:00
    expect((await parseAt('2026-12-01', NOW, 'Asia/Tokyo')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // an explicit offset wins over --tz
    expect((await parseAt('2026-12-01T09:00:00Z', NOW, 'Asia/Tokyo')).toISOString()).toBe('2026-12-01T09:00:00.000Z');
  });

  it('understands natural language relative to now, in the zone', async () => {
    expect((await parseAt('next monday 9am', NOW, 'UTC')).toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect((await parseAt('next monday 9am', NOW, 'America/New_York')).toISOString()).toBe('2026-11-30T14:00:00.000Z');
    expect((await parseAt('tomorrow', NOW, 'Europe/Paris')).toISOString()).toBe('2026-11-26T08:00:00.000Z');
    expect((await parseAt('friday at 5pm', NOW, 'UTC')).toISOString()).toBe('2026-11-27T17:00:00.000Z');
    expect((await parseAt('in 2 hours', NOW, 'Asia/Tokyo')).toISOString()).toBe('2026-11-25T10:00:00.000Z');
    // In Tokyo it is already Wednesday 17:00 at NOW, so "tomorrow" is Thursday 09:00 JST
    expect((await parseAt('tomorrow 9am', NOW, 'Asia/Tokyo')).toISOString()).toBe('2026-11-26T00:00:00.000Z');
  });

  it('refuses what it cannot understand, including trailing words', async () => {
    await expect(parseAt('blah', NOW, 'UTC')).rejects.toThrow(/invalid --at 'blah': not a date/);
    await expect(parseAt('next monday blah', NOW, 'UTC')).rejects.toThrow(UsageError);
    await expect(parseAt('2026-02-30 09:00', NOW, 'UTC')).rejects.toThrow(/2026-02-30 does not exist/);
    await expect(parseAt('2026-12-01 25:00', NOW, 'UTC')).rejects.toThrow(/invalid --at '2026-12-01 25:00'/);
  });

  it('resolveWhen wants exactly one of --in/--at and a future time', async () => {
    await expect(resolveWhen({}, NOW, 'UTC')).rejects.toThrow(/when should the follow-up go out/);
    await expect(resolveWhen({ in: '1d', at: 'tomorrow' }, NOW, 'UTC')).rejects.toThrow(/not both/);
    await expect(resolveWhen({ at: '2026-11-01 09:00' }, NOW, 'UTC')).rejects.toThrow(/is in the past/);
    await expect(resolveWhen({ at: 'yesterday' }, NOW, 'UTC')).rejects.toThrow(/is in the past/);
    await expect(resolveWhen({ at: 'last friday' }, NOW, 'UTC')).rejects.toThrow(/is in the past/);
    await expect(resolveWhen({ at: '2 days ago' }, NOW, 'UTC')).rejects.toThrow(/is in the past/);
    // a weekday alone is the coming one
    expect((await resolveWhen({ at: 'monday' }, NOW, 'UTC')).toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect((await resolveWhen({ in: '7d' }, NOW, 'UTC')).toISOString()).toBe('2026-12-02T08:00:00.000Z');
  });

  it('validates zones and handles DST edges', () => {
    expect(parseTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(() => parseTimeZone('Mars/Olympus')).toThrow(/unknown time zone 'Mars\/Olympus'/);
    expect(zoneOffsetMinutes(NOW, 'Europe/Paris')).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe(120);
    // 02:30 does not exist on 2027-03-28 in Paris: moved forward to 03:30 CEST = 01:30Z
    expect(wallClockToInstant({ year: 2027, month: 3, day: 28, hour: 2, minute: 30, second: 0 }, 'Europe/Paris').toISOString()).toBe('2027-03-28T01:30:00.000Z');
    // 02:30 happens twice on 2026-10-25 in Paris: the first one (CEST, 00:30Z)
    expect(wallClockToInstant({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Paris').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(formatInZone(new Date('2026-12-01T08:00:00Z'), 'Europe/Paris')).toBe('2026-12-01 09:00 Europe/Paris');
  });
});
