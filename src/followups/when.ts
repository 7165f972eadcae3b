import { parseDurationMs } from '../domain/parse.js';
import { checkInstant } from '../domain/dates.js';
import { wallClockAt } from '../domain/zones.js';
import { UsageError } from '../errors.js';

export { parseTimeZone, systemTimeZone, wallClockAt, wallClockToInstant, zoneOffsetMinutes, type WallClock } from '../domain/zones.js';

export const WHEN_HINT =
  'use --in 7d (s, m, h, d, w), --at "2026-12-01 09:00", or --at "next monday 9am"; a date without a time means 09:00';

/** Hour used when --at names a day but no time ("tomorrow", "next monday", "2026-12-01"). */
export const DEFAULT_HOUR = 9;

/** Parses --at text (see docs/dates.md): an ISO day or time (in tz unless it carries Z/offset) or natural language. */
export async function parseAt(raw: string, now: Date, tz: string, label = '--at'): Promise<Date> {
  if (!raw.trim()) throw new UsageError(`${label} needs a date`, WHEN_HINT);
  const r = checkInstant(raw, { now, tz, direction: 'future', dayStartHour: DEFAULT_HOUR });
  if (!r.ok) throw new UsageError(`invalid ${label} '${raw}': ${r.reason}`, WHEN_HINT);
  return r.date;
}

/** Parses --in: a duration ahead of now (90m, 12h, 7d, 2w, "3 days"). */
export function parseIn(raw: string, now: Date): Date {
  const ms = parseDurationMs(raw);
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid --in '${raw}'`, 'use a duration such as 90m, 12h, 7d or 2w');
  return new Date(now.getTime() + ms);
}

export interface WhenFlags {
  in?: string;
  at?: string;
}

/**
 * Resolves --in / --at to an instant (exactly one of them), relative to `now`, in zone `tz`.
 * Throws UsageError when missing, both given, unparseable or not in the future.
 */
export async function resolveWhen(flags: WhenFlags, now: Date, tz: string): Promise<Date> {
  if (flags.in !== undefined && flags.at !== undefined) throw new UsageError('give either --in or --at, not both', WHEN_HINT);
  if (flags.in === undefined && flags.at === undefined) throw new UsageError('when should the follow-up go out?', WHEN_HINT);
  const due = flags.in !== undefined ? parseIn(flags.in, now) : await parseAt(flags.at!, now, tz);
  if (due.getTime() <= now.getTime()) {
    throw new UsageError(
      `${flags.in !== undefined ? '--in' : '--at'} '${flags.in ?? flags.at}' is in the past (${formatInZone(due, tz)}; now is ${formatInZone(now, tz)})`,
      'give a time in the future',
    );
  }
  return due;
}

/** "2026-12-01 09:00 Europe/Paris" */
export function formatInZone(instant: Date, tz: string): string {
  const w = wallClockAt(instant, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)} ${tz}`;
}
