import { resolveAgentRef } from '../domain/agents.js';
import type { Ticket, TicketPatch } from '../domain/model.js';
import { compareTickets, sortTickets, UNASSIGNED, type SortField, type TicketQuery, type TicketSort } from '../domain/query.js';
import { DeskctlError, PartialFailure, UsageError, exitCodeOf } from '../errors.js';
import { isUnknownOutcome } from '../providers/http/outcome.js';
import { collect, type CapabilityHint, type HelpdeskProvider } from '../providers/provider.js';
import { changesResult, describeChange, type ChangeOutcome } from './changes.js';

export type TicketComparator = (field: SortField, a: Ticket, b: Ticket) => number;

export interface FindOptions {
  sort?: TicketSort;
  /** Stop after this many (after sorting). Infinity for all. */
  limit: number;
  /** Comparator for sort fields beyond the plain ones (urgency, sla). */
  compare?: TicketComparator;
  /** Filled in: whether the limit cut the list, and how many match when that is known cheaply. */
  report?: FindReport;
  /** The ticket fields the caller reads (absent: all); see ListOptions.fields. */
  fields?: readonly string[];
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
    const found = await collect(provider.listTickets(query, { wanted: opts.limit + 1, fields: opts.fields }), opts.limit + 1);
    if (opts.report) {
      opts.report.more = found.length > opts.limit;
      if (opts.report.more && provider.countTickets) opts.report.total = await provider.countTickets(query);
    }
    return found.slice(0, opts.limit);
  }
  const all = await collect(provider.listTickets(query, { fields: opts.fields }));
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

/** ok: everything applied; partial: some changes applied, some not; failed: nothing applied; unknown: the write's outcome is unknown. */
export type TicketOutcome = 'ok' | 'partial' | 'failed' | 'unknown';

export interface ItemResult<T> {
  id: string;
  ok: boolean;
  outcome: TicketOutcome;
  value?: T;
  /** Per change, what was applied (updates, and a reply's status). */
  changes?: ChangeOutcome[];
  error?: string;
  hint?: string;
  exitCode?: number;
}

const firstLine = (err: unknown) => ((err as Error)?.message ?? String(err)).split('\n')[0]!;

/**
 * Runs `fn` for every id in order, collecting per-id results instead of stopping at the first failure.
 * `changesOf` reads the per-change outcomes from a result (a ticket with some failed changes is partial).
 */
export async function forEachId<T>(ids: string[], fn: (id: string) => Promise<T>, changesOf?: (value: T) => ChangeOutcome[]): Promise<ItemResult<T>[]> {
  const results: ItemResult<T>[] = [];
  for (const id of ids) {
    try {
      const value = await fn(id);
      const changes = changesOf?.(value);
      const state = changes?.length ? changesResult(changes) : 'applied';
      const failed = changes?.filter((c) => c.outcome === 'failed') ?? [];
      const outcome: TicketOutcome = state === 'applied' ? 'ok' : state;
      results.push({
        id,
        ok: outcome === 'ok',
        outcome,
        value,
        ...(changes ? { changes } : {}),
        ...(failed.length ? { error: failed.map((c) => `${describeChange(c)} failed: ${c.error}`).join('; ') } : {}),
      });
    } catch (err) {
      if (isUnknownOutcome(err)) {
        results.push({ id, ok: false, outcome: 'unknown', error: firstLine(err), hint: `check with 'deskctl tickets show ${id}' before trying again`, exitCode: 1 });
      } else results.push({ id, ok: false, outcome: 'failed', error: firstLine(err), exitCode: exitCodeOf(err) });
    }
  }
  return results;
}

/**
 * The error to end a batch with: none when all went through; for a single ticket, its own error (exit 3 when
 * some of its changes were applied, 1 when its outcome is unknown); for several, exit 3 when some went
 * through, else the first error's exit code.
 */
export function batchOutcome<T>(results: ItemResult<T>[], what: string): DeskctlError | undefined {
  const bad = results.filter((r) => r.outcome !== 'ok');
  if (!bad.length) return undefined;
  if (results.length === 1) {
    const r = bad[0]!;
    if (r.outcome === 'partial') {
      const applied = r.changes!.filter((c) => c.outcome === 'applied').map(describeChange).join(', ');
      return new PartialFailure(`ticket ${r.id}: ${r.error}; applied: ${applied}`, 'fix the cause and run again with just the failed changes');
    }
    if (r.outcome === 'unknown') {
      return new DeskctlError(`ticket ${r.id}: ${r.error}`, { hint: r.hint, exitCode: 1 });
    }
    return new DeskctlError(r.error!, { exitCode: (r.exitCode ?? 1) as 1 });
  }
  const by = (o: TicketOutcome) => bad.filter((r) => r.outcome === o).map((r) => r.id);
  const parts = [
    by('failed').length ? `${by('failed').length} failed (${by('failed').join(', ')})` : '',
    by('partial').length ? `${by('partial').length} partly applied (${by('partial').join(', ')})` : '',
    by('unknown').length ? `${by('unknown').length} with an unknown outcome, not sent again (${by('unknown').join(', ')})` : '',
  ].filter(Boolean);
  const msg =
    bad.length === by('failed').length ? `${bad.length} of ${results.length} ${what} failed: ${by('failed').join(', ')}` : `${parts.join(', ')} of ${results.length} ${what}`;
  const hint = by('unknown').length
    ? `check those with 'deskctl tickets show ID' before trying again; the others went through as listed`
    : 'the others went through; fix the cause shown for each ticket and run again with just those ids';
  const someWent = results.some((r) => r.outcome === 'ok' || r.outcome === 'partial');
  if (!someWent) return new DeskctlError(`all ${results.length} ${what} failed or have an unknown outcome: ${parts.join(', ')}`, { hint: bad[0]!.hint ?? bad[0]!.error });
  return new PartialFailure(msg, hint);
}
