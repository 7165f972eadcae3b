import type { Command } from 'commander';
import type { Context } from '../../src/context.js';
import { resolveAgentRef } from '../../src/domain/agents.js';
import { CHANNELS, PRIORITIES, STATUSES } from '../../src/domain/model.js';
import { parseDateArg, parseEnumList, parseIds } from '../../src/domain/parse.js';
import type { TicketQuery } from '../../src/domain/query.js';
import { parseTimeZone } from '../../src/domain/zones.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { collectList } from './output-flags.js';

/** The `tickets list` filters, shared by every command that works on a selection of tickets. */
export function addTicketFilterOptions(cmd: Command, tzHelp = 'IANA time zone for dates without an offset, e.g. Europe/Paris (default UTC; see docs/dates.md)'): Command {
  return cmd
    .option('--status <list>', `status: ${STATUSES.join(', ')}, or "unsolved"`, collectList)
    .option('--priority <list>', `priority: ${PRIORITIES.join(', ')}`, collectList)
    .option('--assignee <list>', 'agent name, email or id; "me"; "none" for unassigned', collectList)
    .option('--group <list>', 'group (team) name', collectList)
    .option('--tag <list>', 'tag; several must all be present', collectList)
    .option('--channel <list>', `channel: ${CHANNELS.join(', ')}`, collectList)
    .option('--created-since <when>', 'created at or after (30d, yesterday, 2026-11-01)')
    .option('--created-until <when>', 'created before')
    .option('--updated-since <when>', 'updated at or after')
    .option('--solved-since <when>', 'solved at or after')
    .option('--solved-until <when>', 'solved before')
    .option('--query <text>', 'text in the subject or requester name/email')
    .option('--tz <zone>', tzHelp);
}

export interface FilterFlags {
  status?: string[];
  priority?: string[];
  assignee?: string[];
  group?: string[];
  tag?: string[];
  channel?: string[];
  createdSince?: string;
  createdUntil?: string;
  updatedSince?: string;
  solvedSince?: string;
  solvedUntil?: string;
  query?: string;
  tz?: string;
}

/** Validates the filter flags without any I/O (usage errors exit 2 before anything is sent). */
export function parseFilterFlags(o: FilterFlags, now: Date): { query: TicketQuery; assigneeRefs?: string[] } {
  const q: TicketQuery = {};
  const tz = o.tz !== undefined ? parseTimeZone(o.tz) : undefined;
  const date = (v: string, flag: string) => parseDateArg(v, now, flag, tz);
  if (o.status?.length) {
    const raw = o.status.flatMap((s) => (s.toLowerCase() === 'unsolved' ? ['new', 'open', 'pending', 'on_hold'] : [s]));
    q.status = parseEnumList(raw, STATUSES, '--status');
  }
  if (o.priority?.length) q.priority = parseEnumList(o.priority, PRIORITIES, '--priority');
  if (o.channel?.length) q.channel = parseEnumList(o.channel, CHANNELS, '--channel');
  if (o.group?.length) q.group = o.group;
  if (o.tag?.length) q.tags = o.tag;
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
    ['status', 'priority', 'assignee', 'group', 'tag', 'channel', 'createdSince', 'createdUntil', 'updatedSince', 'solvedSince', 'solvedUntil', 'query'].includes(k) &&
    v !== undefined && (!Array.isArray(v) || v.length > 0),
  );

export { parseIds };
