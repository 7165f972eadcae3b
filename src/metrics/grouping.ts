import { isUnsolved, type Channel, type Ticket } from '../domain/model.js';
import { UsageError } from '../errors.js';
import { TIME_UNITS, type TimeUnit } from './buckets.js';

export const ATTR_DIMS = ['agent', 'channel', 'group', 'tag'] as const;
export type AttrDim = (typeof ATTR_DIMS)[number];
export const GROUP_DIMS = [...ATTR_DIMS, ...TIME_UNITS] as const;
export type GroupDim = (typeof GROUP_DIMS)[number];

export const NO_AGENT = '(unassigned)';
export const NO_GROUP = '(no group)';
export const NO_TAG = '(no tag)';

/** How a summary is broken down: attribute dimensions (agent, channel, group, tag) and at most one time unit. */
export interface Grouping {
  dims: GroupDim[];
  attrDims: AttrDim[];
  time?: TimeUnit;
}

export const NO_GROUPING: Grouping = Object.freeze({ dims: [], attrDims: [] }) as Grouping;

/** `--group-by channel,week` -> Grouping; a usage error names the valid dimensions. */
export function parseGroupBy(raw: string | string[] | undefined): Grouping {
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  const dims: GroupDim[] = [];
  for (const v of list) {
    const d = (v === 'assignee' ? 'agent' : v === 'tags' ? 'tag' : v) as GroupDim;
    if (!(GROUP_DIMS as readonly string[]).includes(d)) {
      throw new UsageError(`invalid --group-by '${v}'`, `valid values: ${GROUP_DIMS.join(', ')} (combine with commas, e.g. channel,week)`);
    }
    if (!dims.includes(d)) dims.push(d);
  }
  const times = dims.filter((d): d is TimeUnit => (TIME_UNITS as readonly string[]).includes(d));
  if (times.length > 1) throw new UsageError(`--group-by takes one time unit, got ${times.join(' and ')}`, 'pick one of day, week, month');
  return { dims, attrDims: dims.filter((d): d is AttrDim => (ATTR_DIMS as readonly string[]).includes(d)), time: times[0] };
}

/** The value(s) of one attribute dimension for a ticket (a ticket with three tags is in three tag groups). */
export function dimValues(t: Pick<Ticket, 'assignee' | 'channel' | 'group' | 'tags'>, dim: AttrDim): string[] {
  switch (dim) {
    case 'agent':
      return [t.assignee ? t.assignee.name || t.assignee.email || t.assignee.id : NO_AGENT];
    case 'channel':
      return [t.channel];
    case 'group':
      return [t.group || NO_GROUP];
    case 'tag':
      return t.tags.length ? [...new Set(t.tags)] : [NO_TAG];
  }
}

/** Every combination of attribute values the ticket belongs to ([[]] when not grouped by attributes). */
export function attrCombos(t: Pick<Ticket, 'assignee' | 'channel' | 'group' | 'tags'>, attrDims: readonly AttrDim[]): string[][] {
  let combos: string[][] = [[]];
  for (const d of attrDims) {
    const values = dimValues(t, d);
    combos = combos.flatMap((c) => values.map((v) => [...c, v]));
  }
  return combos;
}

/** The few numbers of a ticket the calculators need (epoch ms; null when absent). */
export interface TicketFacts {
  id: string;
  channel: Channel;
  created: number;
  firstResponse: number | null;
  /** Last solve time, or null while the ticket is unsolved. */
  solved: number | null;
  /** Last update; only read when it stands in for a date (a solved ticket without solvedAt, a reopened unsolved one). */
  updated: number | null;
  reopenCount: number;
  /** Public agent replies; null when unknown. */
  replies: number | null;
}

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
};

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/**
 * Epoch ms of an ISO time. The common UTC shapes (2026-11-01T10:00:00Z, ...:00.123Z) are read digit by digit,
 * several times faster than Date.parse, which matters at a million tickets; anything else goes to Date.parse.
 */
export function isoMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const len = iso.length;
  if ((len === 20 || len === 24) && iso.charCodeAt(len - 1) === 90 /* Z */ && iso.charCodeAt(10) === 84 /* T */ && (len === 20 || iso.charCodeAt(19) === 46)) {
    const y = digits(iso, 0, 4);
    const mo = digits(iso, 5, 7);
    const d = digits(iso, 8, 10);
    const h = digits(iso, 11, 13);
    const mi = digits(iso, 14, 16);
    const sec = digits(iso, 17, 19);
    const milli = len === 24 ? digits(iso, 20, 23) : 0;
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= MONTH_DAYS[mo - 1]! + (mo === 2 && leap ? 1 : 0) && h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60 && milli >= 0) {
      return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + milli;
    }
  }
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

const ms = isoMs;

/**
 * A solved/closed ticket counts as solved at solvedAt (or, if the helpdesk gave none, at its last update);
 * an unsolved ticket is not solved, whatever solvedAt a vendor left behind from before a reopen.
 */
export function ticketFacts(t: Ticket, replies: number | null | undefined = t.publicReplyCount): TicketFacts {
  const unsolved = isUnsolved(t.status);
  const reopenCount = t.reopenCount ?? 0;
  const solvedAt = unsolved ? null : ms(t.solvedAt);
  // updatedAt is only needed as a stand-in date: read it only then (a million date parses saved)
  const updated = (!unsolved && solvedAt === null) || (reopenCount > 0 && unsolved) ? (ms(t.updatedAt) ?? ms(t.createdAt)) : null;
  return {
    id: t.id,
    channel: t.channel,
    created: ms(t.createdAt)!,
    firstResponse: ms(t.firstResponseAt),
    solved: unsolved ? null : (solvedAt ?? updated),
    updated,
    reopenCount,
    replies: replies ?? null,
  };
}

const EMPTY_COMBOS: string[][] = [[]];

/**
 * attrCombos with a small cache keyed by the ticket's raw attribute values: a million tickets share a
 * few hundred combinations, so the arrays are built once each (the cache is reset past 10 000 keys).
 */
export function comboFinder(attrDims: readonly AttrDim[]): (t: Pick<Ticket, 'assignee' | 'channel' | 'group' | 'tags'>) => string[][] {
  if (!attrDims.length) return () => EMPTY_COMBOS;
  const cache = new Map<string, string[][]>();
  return (t) => {
    let key = '';
    for (const d of attrDims) {
      key +=
        d === 'channel'
          ? t.channel
          : d === 'group'
            ? (t.group ?? '')
            : d === 'tag'
              ? t.tags.join('\u0002')
              : `${t.assignee?.id ?? ''}\u0003${t.assignee?.name ?? ''}\u0003${t.assignee?.email ?? ''}`;
      key += '\u0001';
    }
    let combos = cache.get(key);
    if (!combos) {
      if (cache.size >= 10_000) cache.clear();
      combos = attrCombos(t, attrDims);
      cache.set(key, combos);
    }
    return combos;
  };
}
