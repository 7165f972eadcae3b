import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../commands/metrics.js';
import { UsageError } from '../../src/errors.js';

const now = new Date('2026-11-25T09:00:00Z');

describe('parsePeriod', () => {
  it('reads durations, dates and defaults; --until is exclusive and never after now', () => {
    expect(parsePeriod({}, now, '30d')).toEqual({ since: new Date('2026-10-26T09:00:00Z'), until: now });
    expect(parsePeriod({ since: '2026-11-01', until: '2026-11-08' }, now, '30d')).toEqual({
      since: new Date('2026-11-01T00:00:00Z'),
      until: new Date('2026-11-08T00:00:00Z'),
    });
    expect(parsePeriod({ since: 'yesterday', until: 'today' }, now, '30d')).toEqual({
      since: new Date('2026-11-24T00:00:00Z'),
      until: new Date('2026-11-25T00:00:00Z'),
    });
    expect(parsePeriod({ since: '7d', until: '2027-01-01' }, now, '30d').until).toEqual(now);
  });

  it('refuses a bad date with the accepted formats, and an empty period', () => {
    expect(() => parsePeriod({ since: 'last tuesday-ish' }, now, '30d')).toThrow(UsageError);
    try {
      parsePeriod({ since: 'last tuesday-ish' }, now, '30d');
    } catch (err) {
      expect((err as UsageError).message).toBe("invalid --since 'last tuesday-ish': not a date deskctl understands");
      expect((err as UsageError).hint).toMatch(/ISO time with an offset.*7d.*yesterday.*docs\/dates.md/);
      expect((err as UsageError).exitCode).toBe(2);
    }
    expect(() => parsePeriod({ since: '2026-11-10', until: '2026-11-10' }, now, '30d')).toThrow(/not before --until/);
  });
});
