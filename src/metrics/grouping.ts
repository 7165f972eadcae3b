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
  updated: number;
  reopenCount: number;
  /** Public agent replies; null when unknown. */
  replies: number | null;
}

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/**
 * A solved/closed ticket counts as solved at solvedAt (or, if the helpdesk gave none, at its last update);
 * an unsolved ticket is not solved, whatever solvedAt a vendor left behind from before a reopen.
 */
export function ticketFacts(t: Ticket, replies: number | null | undefined = t.publicReplyCount): TicketFacts {
  const updated = ms(t.updatedAt) ?? ms(t.createdAt)!;
  return {
    id: t.id,
    channel: t.channel,
    created: ms(t.createdAt)!,
    firstResponse: ms(t.firstResponseAt),
    solved: isUnsolved(t.status) ? null : (ms(t.solvedAt) ?? updated),
    updated,
    reopenCount: t.reopenCount ?? 0,
    replies: replies ?? null,
  };
}
