import { UsageError } from '../errors.js';

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

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** "90s", "15m", "12h", "7d", "2w" -> milliseconds; undefined when not of that shape. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i.exec(raw.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const key = unit.startsWith('mi') || unit === 'm' ? 'm' : unit[0]!;
  return Number(m[1]) * UNIT_MS[key]!;
}

export const DATE_FORMATS_HINT =
  'use a duration back from now (30d, 12h, 2w), today, yesterday, or an ISO date (2026-11-01 or 2026-11-01T09:00:00Z)';

/**
 * A point in time given on the command line: a duration back from now ("30d"), today/yesterday,
 * or an ISO date/time (a bare date is midnight UTC).
 */
export function parseDateArg(raw: string, now: Date, flag: string): Date {
  const v = raw.trim().toLowerCase();
  const ms = parseDurationMs(v);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (v === 'now') return new Date(now);
  if (v === 'today') return midnight;
  if (v === 'yesterday') return new Date(midnight.getTime() - UNIT_MS.d!);
  if (/^\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?$/i.test(v)) {
    const iso = v.length === 10 ? `${v}T00:00:00Z` : /z|[+-]\d{2}:?\d{2}$/i.test(v) ? v : `${v}Z`;
    const t = Date.parse(iso.replace(' ', 'T').toUpperCase());
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new UsageError(`invalid ${flag} '${raw}'`, DATE_FORMATS_HINT);
}

export function parsePositiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid ${flag} '${raw}'`, `${flag} takes a whole number above 0`);
  return n;
}

/** Ticket ids from arguments like "12 13,14". */
export function parseIds(raw: string[] | string): string[] {
  const ids = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  for (const id of ids) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw new UsageError(`invalid ticket id '${id}'`, 'ticket ids are numbers or vendor ids such as cnv_123');
  }
  return [...new Set(ids)];
}
