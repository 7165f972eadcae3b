import { UsageError } from '../errors.js';

/** The system's IANA time zone (honours TZ), or UTC when it cannot be told. */
export function systemTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Validates an IANA zone name ("Europe/Paris", "America/New_York", "UTC"); returns its canonical spelling. */
export function parseTimeZone(raw: string): string {
  const tz = raw.trim();
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    throw new UsageError(`unknown time zone '${raw}'`, 'use an IANA zone name such as Europe/Paris, America/New_York or UTC');
  }
}

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock time in `tz` at `instant`. */
export function wallClockAt(instant: Date, tz: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(tz).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** Offset of `tz` from UTC at `instant`, in minutes (Paris in winter: +60). */
export function zoneOffsetMinutes(instant: Date, tz: string): number {
  const w = wallClockAt(instant, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((asUtc - whole) / 60_000);
}

/**
 * The instant at which the wall clock in `tz` shows `w`. In a DST gap (02:30 on a spring-forward
 * night) the time moves forward by the gap; in an overlap the earlier instant is taken.
 */
export function wallClockToInstant(w: WallClock, tz: string): Date {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const candidates = new Set<number>();
  for (const probe of [naive - 36 * 3_600_000, naive, naive + 36 * 3_600_000]) {
    candidates.add(naive - zoneOffsetMinutes(new Date(probe), tz) * 60_000);
  }
  const exact = [...candidates].filter((t) => {
    const back = wallClockAt(new Date(t), tz);
    return Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute, back.second) === naive;
  });
  if (exact.length) return new Date(Math.min(...exact));
  // In a gap: use the offset in force before the gap.
  return new Date(naive - zoneOffsetMinutes(new Date(naive - 36 * 3_600_000), tz) * 60_000);
}
