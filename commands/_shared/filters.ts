import type { Command } from 'commander';
import type { Context } from '../../src/context.js';
import { resolveAgentRef } from '../../src/domain/agents.js';
import { CHANNELS, PRIORITIES, STATUSES } from '../../src/domain/model.js';
import { parseDateArg, parseEnumList, parseIds } from '../../src/domain/parse.js';
import type { TicketQuery } from '../../src/domain/query.js';
import { parseTimeZone } from '../../src/domain/zones.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { UsageError } from '../../src/errors.js';
import { collectList } from './output-flags.js';

/** The `tickets list` filters, shared by every command that works on a selection of tickets. */
export function addTicketFilterOptions(cmd: Command, tzHelp = 'IANA time zone for dates without an offset, e.g. Europe/Paris (default UTC; see docs/dates.md)'): Command {
  return cmd
    .option('--status <list>', `status: ${STATUSES.join(', ')}, "unsolved" or "all"`, collectList)
    .option('--priority <list>', `priority: ${PRIORITIES.join(', ')}`, collectList)
    .option('--assignee <list>', 'agent name, email or id; "me"; "none" for unassigned', collectList)
    .option('--group <list>', 'group (team) name', collectList)
    .option('--tag <list>', "tag; several must all be present; '!x' excludes x", collectList)
    .option('--exclude-tag <list>', 'leave out tickets with any of these tags', collectList)
    .option('--channel <list>', `channel: ${CHANNELS.join(', ')}`, collectList)
    .option('--created-since <when>', 'created at or after (30d, yesterday, 2026-11-01)')
    .option('--created-until <when>', 'created before')
    .option('--updated-since <when>', 'updated at or after')
    .option('--solved-since <when>', 'solved at or after')
    .option('--solved-until <when>', 'solved before')
    .option('--query <text>', 'text in the subject, requester, custom fields and (embedded helpdesk) the conversation')
    .option('--where <filter=value>', 'a filter as FILTER=VALUE, incl. custom fields: cf.order_number=ORD-1 (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--tz <zone>', tzHelp);
}

export interface FilterFlags {
  status?: string[];
  priority?: string[];
  assignee?: string[];
  group?: string[];
  tag?: string[];
  channel?: string[];
  excludeTag?: string[];
  /** --where pairs, not yet merged into the other flags (parseFilterFlags does that). */
  where?: string[];
  /** Custom field equality filters (from --where cf.NAME=VALUE). */
  customFields?: Record<string, string>;
  createdSince?: string;
  createdUntil?: string;
  updatedSince?: string;
  solvedSince?: string;
  solvedUntil?: string;
  query?: string;
  tz?: string;
}

export const FILTER_KEYS: Record<string, keyof FilterFlags> = {
  status: 'status',
  priority: 'priority',
  assignee: 'assignee',
  group: 'group',
  tag: 'tag',
  'exclude-tag': 'excludeTag',
  channel: 'channel',
  'created-since': 'createdSince',
  'created-until': 'createdUntil',
  'updated-since': 'updatedSince',
  'solved-since': 'solvedSince',
  'solved-until': 'solvedUntil',
  query: 'query',
};
const LIST_KEYS = new Set<keyof FilterFlags>(['status', 'priority', 'assignee', 'group', 'tag', 'excludeTag', 'channel']);

/**
 * --where status=open,pending --where tag=delivery --where cf.order_number=ORD-1 -> filter flags,
 * added to `base` (the other filter flags of the command).
 */
export function parseWhere(pairs: string[] | undefined, base: FilterFlags = {}): FilterFlags {
  const f: FilterFlags = { ...base };
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    const name = i > 0 ? p.slice(0, i).trim() : '';
    const value = p.slice(i + 1).trim();
    const cf = /^(?:cf|customFields)\.(.+)$/.exec(name);
    if (cf) {
      if (!value) throw new UsageError(`--where ${name} has no value`, `e.g. --where ${name}=ORD-1`);
      f.customFields = { ...f.customFields, [cf[1]!]: value };
      continue;
    }
    const key = name ? FILTER_KEYS[name.toLowerCase().replace(/_/g, '-')] : undefined;
    if (!key) throw new UsageError(`invalid --where '${p}'`, `use --where FILTER=VALUE with a tickets list filter (${Object.keys(FILTER_KEYS).join(', ')}) or cf.FIELD=VALUE`);
    if (!value) throw new UsageError(`--where ${name} has no value`);
    if (LIST_KEYS.has(key)) (f as Record<string, string[]>)[key] = [...(((f as Record<string, string[]>)[key]) ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
    else (f as Record<string, string>)[key] = value;
  }
  delete f.where;
  return f;
}

/** Validates the filter flags without any I/O (usage errors exit 2 before anything is sent). */
export function parseFilterFlags(flags: FilterFlags, now: Date): { query: TicketQuery; assigneeRefs?: string[] } {
  const o = flags.where?.length ? parseWhere(flags.where, flags) : flags;
  const q: TicketQuery = {};
  const tz = o.tz !== undefined ? parseTimeZone(o.tz) : undefined;
  const date = (v: string, flag: string) => parseDateArg(v, now, flag, tz);
  if (o.status?.length && !o.status.some((s) => s.toLowerCase() === 'all')) {
    const raw = o.status.flatMap((s) => (s.toLowerCase() === 'unsolved' ? ['new', 'open', 'pending', 'on_hold'] : [s]));
    q.status = parseEnumList(raw, STATUSES, '--status');
  }
  if (o.priority?.length) q.priority = parseEnumList(o.priority, PRIORITIES, '--priority');
  if (o.channel?.length) q.channel = parseEnumList(o.channel, CHANNELS, '--channel');
  if (o.group?.length) q.group = o.group;
  // --tag '!x' is --exclude-tag x
  const include = (o.tag ?? []).filter((t) => !t.startsWith('!'));
  const exclude = [...(o.tag ?? []).filter((t) => t.startsWith('!')).map((t) => t.slice(1)), ...(o.excludeTag ?? [])].filter(Boolean);
  if (include.length) q.tags = include;
  if (exclude.length) q.excludeTags = [...new Set(exclude)];
  if (o.customFields && Object.keys(o.customFields).length) q.customFields = o.customFields;
  if (o.createdSince) q.createdSince = date(o.createdSince, '--created-since');
  if (o.createdUntil) q.createdUntil = date(o.createdUntil, '--created-until');
  if (o.updatedSince) q.updatedSince = date(o.updatedSince, '--updated-since');
  if (o.solvedSince) q.solvedSince = date(o.solvedSince, '--solved-since');
  if (o.solvedUntil) q.solvedUntil = date(o.solvedUntil, '--solved-until');
  if (o.query) q.text = o.query;
  return { query: q, assigneeRefs: o.assignee?.length ? o.assignee : undefined };
}

/** Resolves agent references ("me", names, emails) against the helpdesk. */
export async function resolveQuery(
  parsed: { query: TicketQuery; assigneeRefs?: string[] },
  provider: HelpdeskProvider,
): Promise<TicketQuery> {
  if (!parsed.assigneeRefs) return parsed.query;
  const needsAgents = parsed.assigneeRefs.some((r) => !['none', 'unassigned'].includes(r.toLowerCase()));
  const agents = needsAgents ? await provider.listAgents() : [];
  const me = parsed.assigneeRefs.some((r) => r.toLowerCase() === 'me') ? await provider.currentAgent() : null;
  return { ...parsed.query, assigneeIds: parsed.assigneeRefs.map((r) => resolveAgentRef(r, agents, me)) };
}

/** parseFilterFlags + resolveQuery for commands that already have a context. */
export async function ticketQueryFromFlags(o: FilterFlags, ctx: Context): Promise<TicketQuery> {
  const parsed = parseFilterFlags(o, ctx.clock.now());
  return resolveQuery(parsed, await ctx.provider());
}

export const hasAnyFilter = (o: FilterFlags): boolean =>
  Object.entries(o).some(([k, v]) =>
    ['status', 'priority', 'assignee', 'group', 'tag', 'excludeTag', 'where', 'customFields', 'channel', 'createdSince', 'createdUntil', 'updatedSince', 'solvedSince', 'solvedUntil', 'query'].includes(k) &&
    v !== undefined && (!Array.isArray(v) || v.length > 0),
  );

export { parseIds };
