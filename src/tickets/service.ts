import { resolveAgentRef } from '../domain/agents.js';
import type { Ticket, TicketPatch } from '../domain/model.js';
import { compareTickets, sortTickets, UNASSIGNED, type SortField, type TicketQuery, type TicketSort } from '../domain/query.js';
import { DeskctlError, PartialFailure, UsageError, exitCodeOf } from '../errors.js';
import { collect, type CapabilityHint, type HelpdeskProvider } from '../providers/provider.js';

export type TicketComparator = (field: SortField, a: Ticket, b: Ticket) => number;

export interface FindOptions {
  sort?: TicketSort;
  /** Stop after this many (after sorting). Infinity for all. */
  limit: number;
  /** Comparator for sort fields beyond the plain ones (urgency, sla). */
  compare?: TicketComparator;
  /** Filled in: whether the limit cut the list, and how many match when that is known cheaply. */
  report?: FindReport;
}

export interface FindReport {
  more: boolean;
  total?: number;
}

/**
 * Tickets matching the query. Without --sort it streams and stops at the limit (cheap on big
 * helpdesks); a sort needs every match first.
 */
export async function findTickets(provider: HelpdeskProvider, query: TicketQuery, opts: FindOptions): Promise<Ticket[]> {
  if (!opts.sort) {
    // one more than asked says whether there are more, without reading them all
    const found = await collect(provider.listTickets(query, { wanted: opts.limit + 1 }), opts.limit + 1);
    if (opts.report) {
      opts.report.more = found.length > opts.limit;
      if (opts.report.more && provider.countTickets) opts.report.total = await provider.countTickets(query);
    }
    return found.slice(0, opts.limit);
  }
  const all = await collect(provider.listTickets(query));
  if (opts.report) Object.assign(opts.report, { more: all.length > opts.limit, total: all.length });
  return sortTickets(all, opts.sort, opts.compare ?? compareTickets).slice(0, opts.limit);
}

/** "Showing 30 of 412 tickets" when --limit cut the list (the total when the helpdesk can count cheaply). */
export function limitNotice(shown: number, report: FindReport): string | undefined {
  if (!report.more) return undefined;
  const of = report.total !== undefined ? `${shown} of ${report.total}` : `the first ${shown}`;
  return `Showing ${of} tickets; --limit N or --all for more.`;
}

export interface PatchRefs extends Omit<TicketPatch, 'assigneeId'> {
  /** Agent reference from the command line: me, none, name, email or id. */
  assignee?: string;
}

/** Says plainly what the helpdesk cannot do instead of failing oddly at the API. */
export function checkCapabilities(provider: HelpdeskProvider, patch: TicketPatch | PatchRefs): void {
  const caps = provider.capabilities;
  const gaps: { what: string; capability: CapabilityHint }[] = [];
  if (patch.priority && !caps.priority) gaps.push({ what: 'has no priority field', capability: 'priority' });
  if (patch.group !== undefined && !caps.groups) gaps.push({ what: 'has no groups', capability: 'groups' });
  if ((patch.addTags?.length || patch.removeTags?.length) && !caps.tags) gaps.push({ what: 'has no tags', capability: 'tags' });
  if (gaps.length) {
    // the provider's own advice where it has some (RT: a custom field as tags), else the generic one
    const hints = [...new Set(gaps.map((g) => caps.hints?.[g.capability] ?? 'leave that flag out for this profile'))];
    throw new DeskctlError(`${provider.displayName} ${gaps.map((g) => g.what).join(' and ')}`, { hint: hints.join('; ') });
  }
}

/** Why a group (or queue, mailbox, team) name does not exist on the helpdesk, or undefined when it does. */
export async function missingGroup(provider: HelpdeskProvider, name: string): Promise<{ message: string; hint: string } | undefined> {
  const groups = await provider.listGroups();
  const lower = name.toLowerCase();
  if (groups.some((g) => g.name.toLowerCase() === lower || g.id === name)) return undefined;
  return { message: `no group named '${name}' on ${provider.displayName}`, hint: groups.length ? `groups: ${groups.map((g) => g.name).join(', ')}` : 'this helpdesk has no groups' };
}

/** Turns agent references into ids (one agents lookup for the whole batch); a group that does not exist is a usage error. */
export async function resolvePatch(provider: HelpdeskProvider, refs: PatchRefs): Promise<TicketPatch> {
  const { assignee, ...rest } = refs;
  checkCapabilities(provider, refs);
  if (typeof refs.group === 'string') {
    const missing = await missingGroup(provider, refs.group);
    if (missing) throw new UsageError(`${missing.message}; nothing was changed`, missing.hint);
  }
  if (assignee === undefined) return rest;
  const lower = assignee.toLowerCase();
  const agents = lower === 'none' || lower === 'unassigned' ? [] : await provider.listAgents();
  const me = lower === 'me' ? await provider.currentAgent() : null;
  const id = resolveAgentRef(assignee, agents, me);
  return { ...rest, assigneeId: id === UNASSIGNED ? null : id };
}

export const isEmptyPatch = (p: TicketPatch): boolean =>
  p.status === undefined &&
  p.priority === undefined &&
  p.assigneeId === undefined &&
  p.group === undefined &&
  !p.addTags?.length &&
  !p.removeTags?.length &&
  !p.customFields;

export interface ItemResult<T> {
  id: string;
  ok: boolean;
  value?: T;
  error?: string;
  exitCode?: number;
}

/** Runs `fn` for every id in order, collecting per-id results instead of stopping at the first failure. */
export async function forEachId<T>(ids: string[], fn: (id: string) => Promise<T>): Promise<ItemResult<T>[]> {
  const results: ItemResult<T>[] = [];
  for (const id of ids) {
    try {
      results.push({ id, ok: true, value: await fn(id) });
    } catch (err) {
      results.push({ id, ok: false, error: (err as Error).message, exitCode: exitCodeOf(err) });
    }
  }
  return results;
}

/**
 * The error to end a batch with: none when all succeeded; the single error when the only item
 * failed; a partial failure (exit 3) when some failed.
 */
export function batchOutcome<T>(results: ItemResult<T>[], what: string): DeskctlError | undefined {
  const failed = results.filter((r) => !r.ok);
  if (!failed.length) return undefined;
  if (results.length === 1) {
    return new DeskctlError(failed[0]!.error!, { exitCode: (failed[0]!.exitCode ?? 1) as 1 });
  }
  if (failed.length === results.length) return new DeskctlError(`all ${results.length} ${what} failed`, { hint: failed[0]!.error });
  return new PartialFailure(
    `${failed.length} of ${results.length} ${what} failed: ${failed.map((f) => f.id).join(', ')}`,
    'the others went through; fix the cause shown for each failed ticket and run again with just those ids',
  );
}
