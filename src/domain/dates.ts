import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';
import { wallClockToInstant, zoneOffsetMinutes, type WallClock } from './zones.js';

/**
 * The one date parser for everything a user types or imports: --since/--until, --created-since and the
 * other filters, import files, follow-up --at, triage snooze. Accepted forms are documented in docs/dates.md.
 * It never falls back to Date.parse, which rolls 2026-02-30 over to March, reads "1" as 2001 and
 * "12/11/2026" as 11 December.
 */

export type Direction = 'past' | 'future';

export interface InstantOptions {
  now: Date;
  /**
   * IANA zone for values without an offset. Given: "2026-11-01 09:00" is read in it, and a day or a
   * calendar word ("yesterday", "next monday") is midnight there. Absent: days and calendar words are UTC,
   * and a time without an offset is refused (it would otherwise depend on the machine's zone).
   */
  tz?: string;
  /** Which way a bare duration ("7d") points: back from now for filters (default), ahead for due times. */
  direction?: Direction;
  /** Hour of a day given without a time (default 0; follow-ups use 9). */
  dayStartHour?: number;
  /** Accept relative and natural forms (default true); data files pass false: only absolute ISO times. */
  relative?: boolean;
  /** Names the value in errors, e.g. "--since". */
  label?: string;
}

export type InstantResult = { ok: true; date: Date } | { ok: false; reason: string };

export const DATE_FORMS_HINT =
  'use an ISO time with an offset (2026-11-01T09:00:00Z, 2026-11-01T10:00+01:00), a day (2026-11-01), or 7d, 2w, yesterday, "last month", "3 days ago"; see docs/dates.md';

const ABSOLUTE_HINT = 'use an ISO 8601 time with Z or an offset (2026-11-01T09:00:00Z) or a day (2026-11-01)';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "90s", "15m", "12h", "7d", "2w", "3 days" -> milliseconds; undefined when not of that shape. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i.exec(raw.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const key = unit.startsWith('mi') || unit === 'm' ? 'm' : unit[0]!;
  return Number(m[1]) * UNIT_MS[key]!;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

const fail = (reason: string): InstantResult => ({ ok: false, reason });

function parseIso(m: RegExpExecArray, o: InstantOptions): InstantResult {
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return fail(`month ${mo} does not exist`);
  if (day < 1 || day > daysInMonth(year, month)) return fail(`${y}-${mo}-${d} does not exist (that month has ${daysInMonth(year, month)} days)`);
  if (h === undefined) {
    const w: WallClock = { year, month, day, hour: o.dayStartHour ?? 0, minute: 0, second: 0 };
    return { ok: true, date: wallClockToInstant(w, o.tz ?? 'UTC') };
  }
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return fail(`${h}:${mi}${s === undefined ? '' : `:${s}`} is not a time of day`);
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (offset === undefined) {
    if (!o.tz) return fail('the time has no offset: add Z or one such as +01:00, or pass --tz ZONE to say which zone it is in');
    const t = wallClockToInstant({ year, month, day, hour, minute, second }, o.tz);
    return { ok: true, date: new Date(t.getTime() + ms) };
  }
  let offsetMin = 0;
  if (offset.toUpperCase() !== 'Z') {
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
    const oh = Number(om[2]);
    const omin = om[3] === undefined ? 0 : Number(om[3]);
    if (oh > 18 || omin > 59) return fail(`offset ${offset} is not a UTC offset`);
    offsetMin = (om[1] === '-' ? -1 : 1) * (oh * 60 + omin);
  }
  return { ok: true, date: new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000) };
}

type Chrono = typeof import('chrono-node');
let chrono: Chrono | undefined;
// chrono-node takes ~100 ms to load: only the natural-language forms pay for it.
const loadChrono = (): Chrono => (chrono ??= createRequire(import.meta.url)('chrono-node') as Chrono);

const PAST_WORDS = /\b(last|ago|yesterday|previous|past|earlier)\b/i;

function startOfDay(now: Date, tz: string, dayStartHour: number, plusDays: number): Date {
  const zoneNow = new Date(now.getTime() + zoneOffsetMinutes(now, tz) * 60_000);
  const w = { year: zoneNow.getUTCFullYear(), month: zoneNow.getUTCMonth() + 1, day: zoneNow.getUTCDate() + plusDays };
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day));
  return wallClockToInstant({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: dayStartHour, minute: 0, second: 0 }, tz);
}

function parseRelative(text: string, o: InstantOptions): InstantResult {
  const v = text.toLowerCase();
  const now = o.now;
  const tz = o.tz ?? 'UTC';
  const dayStart = o.dayStartHour ?? 0;
  if (v === 'now') return { ok: true, date: new Date(now) };
  const words: Record<string, number> = { today: 0, yesterday: -1, tomorrow: 1 };
  if (v in words) return { ok: true, date: startOfDay(now, tz, dayStart, words[v]!) };
  const ms = parseDurationMs(v);
  if (ms !== undefined) return { ok: true, date: new Date(now.getTime() + (o.direction === 'future' ? ms : -ms)) };
  if (/^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) return fail('a number alone is not a date');
  if (/\d+\s*[/.]\s*\d+/.test(v)) return fail('dates with slashes or dots are ambiguous (is 12/11 the 12th of November or the 11th of December?): write 2026-11-12');

  const c = loadChrono();
  const past = o.direction !== 'future' || PAST_WORDS.test(text);
  const results = c.parse(text, { instant: now, timezone: zoneOffsetMinutes(now, tz) }, { forwardDate: !past });
  const first = results[0];
  const rest = first ? (text.slice(0, first.index) + text.slice(first.index + first.text.length)).replace(/\b(at|on)\b/gi, '') : text;
  if (!first || results.length > 1 || /[\p{L}\p{N}]/u.test(rest)) return fail('not a date deskctl understands');
  if (first.end) return fail('a range is not one point in time');
  const start = first.start;
  // An explicit zone ("9am EST") is already absolute.
  if (start.isCertain('timezoneOffset')) return { ok: true, date: start.date() };
  const dayKnown = start.isCertain('day') || start.isCertain('weekday');
  const monthKnown = start.isCertain('month');
  const hourKnown = start.isCertain('hour');
  // "last month" starts on the 1st, "last year" on 1 January; a day without a time at dayStartHour.
  const w: WallClock = {
    year: start.get('year')!,
    month: dayKnown || monthKnown || hourKnown ? start.get('month')! : 1,
    day: dayKnown || hourKnown ? start.get('day')! : 1,
    hour: hourKnown ? start.get('hour')! : dayStart,
    minute: hourKnown ? (start.get('minute') ?? 0) : 0,
    second: hourKnown ? (start.get('second') ?? 0) : 0,
  };
  if (w.day > daysInMonth(w.year, w.month)) return fail(`${w.year}-${w.month}-${w.day} does not exist`);
  return { ok: true, date: wallClockToInstant(w, tz) };
}

/** Parses a point in time without throwing: the reason says what is wrong with the value. */
export function checkInstant(value: string, o: InstantOptions): InstantResult {
  const text = value.trim();
  if (!text) return fail('empty');
  const iso = ISO.exec(text);
  if (iso) return parseIso(iso, o);
  if (/^\d{4}-\d{1,2}-\d{1,2}/.test(text)) return fail('not an ISO 8601 date or time');
  if (o.relative === false) return fail('not an ISO 8601 date or time');
  return parseRelative(text, o);
}

/** Parses a point in time; anything else is a usage error (exit 2) naming the value. */
export function parseInstant(value: string, o: InstantOptions): Date {
  const r = checkInstant(value, o);
  if (r.ok) return r.date;
  throw new UsageError(`invalid ${o.label ?? 'date'} '${value}': ${r.reason}`, o.relative === false ? ABSOLUTE_HINT : DATE_FORMS_HINT);
}

/** A --since/--until style filter bound: durations and calendar words count back from now. */
export function parseDateFilter(value: string, o: { now: Date; tz?: string; label: string }): Date {
  return parseInstant(value, { ...o, direction: 'past' });
}

/** Normalises a data-file time (import): absolute ISO only, to a UTC ISO string. */
export function toIsoInstant(value: string, tz?: string): InstantResult {
  return checkInstant(value, { now: new Date(0), tz, relative: false });
}
