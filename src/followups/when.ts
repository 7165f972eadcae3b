import { parseDurationMs } from '../domain/parse.js';
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

export const WHEN_HINT =
  'use --in 7d (s, m, h, d, w), --at "2026-12-01 09:00", or --at "next monday 9am"; a date without a time means 09:00';

/** Hour used when --at names a day but no time ("tomorrow", "next monday", "2026-12-01"). */
export const DEFAULT_HOUR = 9;

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/i;

/** Parses --at text: ISO date/time (in tz unless it carries Z/offset) or natural language via chrono-node. */
export async function parseAt(raw: string, now: Date, tz: string): Promise<Date> {
  const text = raw.trim();
  if (!text) throw new UsageError('--at needs a date', WHEN_HINT);
  const iso = ISO_LOCAL.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s] = iso;
    const w: WallClock = {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: h === undefined ? DEFAULT_HOUR : Number(h),
      minute: mi === undefined ? 0 : Number(mi),
      second: s === undefined ? 0 : Number(s),
    };
    const probe = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
    if (
      Number.isNaN(probe.getTime()) ||
      probe.getUTCMonth() !== w.month - 1 ||
      probe.getUTCDate() !== w.day ||
      w.hour > 23 ||
      w.minute > 59 ||
      w.second > 59
    ) {
      throw new UsageError(`invalid date '${raw}'`, WHEN_HINT);
    }
    return wallClockToInstant(w, tz);
  }
  if (/^\d{4}-\d{2}-\d{2}t[\d:.]+(z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const t = Date.parse(text.toUpperCase());
    if (!Number.isNaN(t)) return new Date(t);
  }

  const chrono = await import('chrono-node');
  // "monday" means the coming one; but "last friday" or "2 days ago" must stay in the past (and be refused).
  const pastWords = /\b(last|ago|yesterday|previous|past|earlier)\b/i.test(text);
  const results = chrono.parse(text, { instant: now, timezone: zoneOffsetMinutes(now, tz) }, { forwardDate: !pastWords });
  const first = results[0];
  const rest = first ? (text.slice(0, first.index) + text.slice(first.index + first.text.length)).replace(/\b(at|on)\b/gi, '') : text;
  if (!first || results.length > 1 || /[\p{L}\p{N}]/u.test(rest)) {
    throw new UsageError(`cannot understand the date '${raw}'`, WHEN_HINT);
  }
  const start = first.start;
  // An explicit zone ("9am EST", "Z") or a time relative to now ("in 2 hours") is already absolute.
  if (start.isCertain('timezoneOffset')) return start.date();
  const hourGiven = start.isCertain('hour');
  return wallClockToInstant(
    {
      year: start.get('year')!,
      month: start.get('month')!,
      day: start.get('day')!,
      hour: hourGiven ? start.get('hour')! : DEFAULT_HOUR,
      minute: hourGiven ? (start.get('minute') ?? 0) : 0,
      second: hourGiven ? (start.get('second') ?? 0) : 0,
    },
    tz,
  );
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
