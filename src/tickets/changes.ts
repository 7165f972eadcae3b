/**
 * Ticket changes reported one by one, exactly as applied: a patch is split into its changes (status, each
 * tag, ...), and when the helpdesk refuses the whole update each change is tried on its own, so one refused
 * change neither hides nor blocks the others. Every change is idempotent (set a value, add or remove a tag),
 * so trying it again is harmless.
 */
import type { NewComment, Ticket, TicketPatch } from '../domain/model.js';
import { AuthError, NotFoundError } from '../errors.js';
import type { HelpdeskProvider } from '../providers/provider.js';

export type ChangeKind = 'status' | 'priority' | 'assignee' | 'group' | 'addTag' | 'removeTag' | 'customField';

export interface ChangeOutcome {
  change: ChangeKind;
  /** The value set (the tag, the status, the agent id; for a custom field `{ field, value }`). */
  value: unknown;
  outcome: 'applied' | 'failed';
  error?: string;
}

interface PatchPart {
  change: ChangeKind;
  value: unknown;
  patch: TicketPatch;
}

/** One entry per change of the patch, in a stable order. Pure. */
export function splitPatch(p: TicketPatch): PatchPart[] {
  const parts: PatchPart[] = [];
  if (p.status !== undefined) parts.push({ change: 'status', value: p.status, patch: { status: p.status } });
  if (p.priority !== undefined) parts.push({ change: 'priority', value: p.priority, patch: { priority: p.priority } });
  if (p.assigneeId !== undefined) parts.push({ change: 'assignee', value: p.assigneeId, patch: { assigneeId: p.assigneeId } });
  if (p.group !== undefined) parts.push({ change: 'group', value: p.group, patch: { group: p.group } });
  for (const t of p.addTags ?? []) parts.push({ change: 'addTag', value: t, patch: { addTags: [t] } });
  for (const t of p.removeTags ?? []) parts.push({ change: 'removeTag', value: t, patch: { removeTags: [t] } });
  for (const [field, value] of Object.entries(p.customFields ?? {})) parts.push({ change: 'customField', value: { field, value }, patch: { customFields: { [field]: value } } });
  return parts;
}

/** Every change of the patch, applied (it went in a write that the helpdesk accepted whole). Pure. */
export const allApplied = (p: TicketPatch): ChangeOutcome[] => splitPatch(p).map((x) => ({ change: x.change, value: x.value, outcome: 'applied' }));

/** Whether the ticket as the helpdesk shows it already has this change. Pure. */
export function reflects(t: Ticket, part: PatchPart): boolean {
  const p = part.patch;
  switch (part.change) {
    case 'status':
      return t.status === p.status;
    case 'priority':
      return t.priority === p.priority;
    case 'assignee':
      return (t.assignee?.id ?? null) === p.assigneeId;
    case 'group':
      return (t.group ?? null)?.toLowerCase() === (p.group ?? null)?.toLowerCase();
    case 'addTag':
      return t.tags.includes(p.addTags![0]!);
    case 'removeTag':
      return !t.tags.includes(p.removeTags![0]!);
    case 'customField': {
      const [[field, value]] = Object.entries(p.customFields!) as [[string, unknown]];
      return JSON.stringify(t.customFields?.[field]) === JSON.stringify(value);
    }
  }
}

const messageOf = (err: unknown): string => ((err as Error)?.message ?? String(err)).split('\n')[0]!;

/** Errors about the ticket or the credentials, not about one change: trying the changes one by one would only repeat them. */
const concernsWholeTicket = (err: unknown): boolean => err instanceof NotFoundError || err instanceof AuthError;

export interface AppliedChanges {
  /** The ticket after the update, when the helpdesk returned it. */
  ticket?: Ticket;
  changes: ChangeOutcome[];
}

/** 'applied' when every change was, 'failed' when none was, else 'partial'. */
export function changesResult(changes: readonly ChangeOutcome[]): 'applied' | 'partial' | 'failed' {
  const applied = changes.filter((c) => c.outcome === 'applied').length;
  return applied === changes.length ? 'applied' : applied === 0 ? 'failed' : 'partial';
}

/**
 * Applies a patch and says, per change, whether it was applied. One update first; when the helpdesk refuses
 * it, each change is tried alone, and a change that still fails is checked against the ticket as the helpdesk
 * shows it (a failure whose change is there anyway was applied).
 */
export async function applyChanges(provider: HelpdeskProvider, id: string, patch: TicketPatch): Promise<AppliedChanges> {
  const parts = splitPatch(patch);
  if (!parts.length) return { changes: [] };
  const applied = (p: PatchPart): ChangeOutcome => ({ change: p.change, value: p.value, outcome: 'applied' });
  const failed = (p: PatchPart, err: unknown): ChangeOutcome => ({ change: p.change, value: p.value, outcome: 'failed', error: messageOf(err) });
  try {
    return { ticket: await provider.updateTicket(id, patch), changes: parts.map(applied) };
  } catch (err) {
    // no such ticket, or no right to change it: nothing was applied, and the error says why
    if (concernsWholeTicket(err)) throw err;
    if (parts.length === 1) return { changes: await verified(provider, id, parts, parts.map((p) => failed(p, err))) };
  }
  const out: ChangeOutcome[] = [];
  for (const p of parts) {
    try {
      await provider.updateTicket(id, p.patch);
      out.push(applied(p));
    } catch (err) {
      out.push(failed(p, err));
    }
  }
  return { changes: await verified(provider, id, parts, out) };
}

/** Failed changes that the ticket shows anyway were applied (e.g. the helpdesk applied them and then failed). */
async function verified(provider: HelpdeskProvider, id: string, parts: PatchPart[], outcomes: ChangeOutcome[]): Promise<ChangeOutcome[]> {
  if (outcomes.every((o) => o.outcome === 'applied')) return outcomes;
  let ticket: Ticket;
  try {
    ticket = await provider.getTicket(id);
  } catch {
    return outcomes;
  }
  return outcomes.map((o, i) => (o.outcome === 'failed' && reflects(ticket, parts[i]!) ? { change: o.change, value: o.value, outcome: 'applied' } : o));
}

/** "status → solved failed: ..." lines for messages. Pure. */
export function describeChange(c: ChangeOutcome): string {
  const v = c.value as string | null | { field: string; value: unknown };
  switch (c.change) {
    case 'addTag':
      return `+${String(v)}`;
    case 'removeTag':
      return `-${String(v)}`;
    case 'assignee':
      return v === null ? 'unassign' : `assignee → ${String(v)}`;
    case 'group':
      return v === null ? 'no group' : `group → ${String(v)}`;
    case 'customField': {
      const f = v as { field: string; value: unknown };
      return `${f.field} → ${JSON.stringify(f.value)}`;
    }
    default:
      return `${c.change} → ${String(v)}`;
  }
}

/**
 * A message's ticket changes split between its own write (every change where the helpdesk takes them with
 * the comment, the status where only that goes) and an update after it. Pure.
 */
export function splitForWrite(provider: Pick<HelpdeskProvider, 'capabilities'>, patch: TicketPatch): { inWrite: Pick<NewComment, 'status' | 'changes'>; after: TicketPatch } {
  if (!splitPatch(patch).length) return { inWrite: {}, after: {} };
  if (provider.capabilities.changesWithComment) return { inWrite: { changes: patch }, after: {} };
  const { status, ...rest } = patch;
  if (status !== undefined && provider.capabilities.statusWithComment) return { inWrite: { status }, after: rest };
  return { inWrite: {}, after: patch };
}

/** The changes that went in a message's own write, applied with it; a status the helpdesk refused (RT says so) failed. Pure. */
export function changedInWrite(inWrite: Pick<NewComment, 'status' | 'changes'>, statusRefused?: string): ChangeOutcome[] {
  return allApplied({ ...inWrite.changes, ...(inWrite.status ? { status: inWrite.status } : {}) }).map((c) =>
    c.change === 'status' && statusRefused ? { ...c, outcome: 'failed', error: statusRefused } : c,
  );
}
