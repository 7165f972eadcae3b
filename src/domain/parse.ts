import { UsageError } from '../errors.js';
import { DATE_FORMS_HINT, parseDateFilter } from './dates.js';

/** Parses a comma/space separated list of enum values; a bad value is a usage error listing the valid ones. */
export function parseEnumList<T extends string>(raw: string | string[], allowed: readonly T[], flag: string): T[] {
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase().replace(/-/g, '_')).filter(Boolean);
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new UsageError(`invalid ${flag} '${v}'`, `valid values: ${allowed.join(', ')}`);
    }
  }
  return values as T[];
}

export function parseEnum<T extends string>(raw: string, allowed: readonly T[], flag: string): T {
  const list = parseEnumList(raw, allowed, flag);
  if (list.length !== 1) throw new UsageError(`${flag} takes one value`, `valid values: ${allowed.join(', ')}`);
  return list[0]!;
}

export { parseDurationMs } from './dates.js';

export const DATE_FORMATS_HINT = DATE_FORMS_HINT;

/**
 * A point in time given on the command line for a filter or a period (see docs/dates.md): a duration back
 * from now ("30d"), a calendar word ("yesterday", "last month"), a day (midnight UTC, or in `tz`) or an ISO
 * time with an offset. A time without an offset needs `tz`.
 */
export function parseDateArg(raw: string, now: Date, flag: string, tz?: string): Date {
  return parseDateFilter(raw, { now, tz, label: flag });
}

export function parsePositiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid ${flag} '${raw}'`, `${flag} takes a whole number above 0`);
  return n;
}

/** Ticket ids from arguments like "12 13,14" or "#716" (as tables print them); repeats are dropped. */
export function parseIds(raw: string[] | string): string[] {
  const ids = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean).map((id) => id.replace(/^#(?=.)/, ''));
  for (const id of ids) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw new UsageError(`invalid ticket id '${id}'`, 'ticket ids are numbers or vendor ids such as cnv_123');
  }
  return [...new Set(ids)];
}

/**
 * A numeric ticket id, strictly decimal: "16" but not "016", "0x10", "1.6e1" or "16.0", which Number()
 * would all read as 16 (and which would then name one ticket twice). Undefined when not of that shape.
 */
export function decimalId(id: string): number | undefined {
  const s = String(id).replace(/^#/, '');
  if (!/^[1-9][0-9]{0,15}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** decimalId, or a usage error naming the helpdesk's id format. */
export function requireDecimalId(id: string, what: string, example: string): number {
  const n = decimalId(id);
  if (n === undefined) throw new UsageError(`invalid ${what} id '${id}'`, `${what} ids are whole decimal numbers such as ${example}, without leading zeros`);
  return n;
}
