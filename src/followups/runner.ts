import { comparableText } from '../domain/text.js';
import { createHash } from 'node:crypto';
import type { Comment, Ticket, TicketPatch } from '../domain/model.js';
import { DeskctlError, NotFoundError } from '../errors.js';
import { isUnknownOutcome, lookUntilSettled } from '../providers/http/outcome.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import { applyChanges, describeChange, type ChangeOutcome } from '../tickets/changes.js';
import type { Database } from '../store/sqlite.js';
import type { StateStore } from '../store/state-store.js';
import { acquireLock, newOwnerId, ownerMayBeAlive, releaseLock, renewLock, type LockHolder } from './lock.js';
import { followupDb, rowToFollowUp, type FollowUp, type FollowUpRow } from './store.js';

/** What a follow-up sends: the rendered reply and the template's own actions. */
export interface ComposedMessage {
  body: string;
  public: boolean;
  /** Actions from the template's front matter (the follow-up's --set-status/--add-tag are merged on top). */
  patch: TicketPatch;
}

/** Renders the follow-up's template for a ticket; null for an action-only follow-up. Throws on render errors. */
export type Composer = (f: FollowUp, ticket: Ticket, comments: Comment[]) => Promise<ComposedMessage | null>;

/**
 * sent: the reply was posted (or found posted); its after-send ticket changes are reported in `actions`.
 * unknown: the reply's outcome is unknown and it was not sent again; the next run checks the ticket first.
 */
export type Outcome = 'sent' | 'skipped' | 'failed' | 'unknown' | 'would-send' | 'would-skip' | 'would-fail';

export interface ItemResult {
  id: number;
  ticketId: string;
  template: string | null;
  dueAt: string;
  outcome: Outcome;
  reason: string | null;
  commentId: string | null;
  /** True when a reply left by a crashed run was found on the ticket instead of sending again. */
  recovered: boolean;
  /** True when the item was picked up from a claim abandoned by a crashed run. */
  resumed: boolean;
  /** Sent, but applying --set-status/--add-tag (or the template's actions) failed: what failed, and why. */
  actionError: string | null;
  /** The after-send ticket changes, each applied or failed (empty when there were none). */
  actions: ChangeOutcome[];
}

export interface RunSummary {
  now: string;
  dryRun: boolean;
  sent: number;
  skipped: number;
  /** Not sent: the message could not be rendered or was refused. */
  failed: number;
  /** Outcome unknown (not sent again; the next run checks the ticket). */
  unknown: number;
  recovered: number;
  /** Sent (counted in `sent`), but some of the follow-up's or template's ticket changes afterwards failed. */
  actionErrors: number;
  /** Items taken over from crashed runs (recovered or sent now). */
  resumed: number;
  /** Follow-ups still scheduled for later. */
  pending: number;
  nextDueAt: string | null;
  /** Set when another run held the lock and this one did nothing. */
  lockedBy: LockHolder | null;
  items: ItemResult[];
}

export interface RunOptions {
  store: StateStore;
  provider: HelpdeskProvider;
  /** Waits before each further look for a follow-up whose earlier attempt has no outcome (see executeJob's settleDelays). */
  settleDelays?: number[];
  compose: Composer;
  /** ctx.clock.now(): what is due. */
  now: Date;
  dryRun?: boolean;
  /** Take the per-profile run lock (default true). Without it, per-item claims alone prevent double sends. */
  lock?: boolean;
  /** At most this many due follow-ups in this run. */
  limit?: number;
  /** Parallel sends (default: the provider's suggested concurrency, at most 4). */
  concurrency?: number;
  /** A 'sending' claim older than this (wall-clock) is considered abandoned even if its process may exist elsewhere. */
  staleAfterMs?: number;
  lockTtlMs?: number;
  owner?: string;
  onItem?: (r: ItemResult) => void;
  /** The sent ledger (src/store/repeats.ts followupLedgerGuard): asked before a reply goes out, told after. */
  ledger?: FollowupLedgerGuard;
  /** Test hook: called after the comment is added, before the outcome is recorded (simulates a crash). */
  afterSendHook?: (f: FollowUp) => void;
}

/** What runDue asks the sent ledger (kept to an interface so the runner does not depend on the store). */
export interface FollowupLedgerGuard {
  /** A reason to skip: the ticket already got this message, or another run is sending it. */
  beforeSend(f: FollowUp, message: { body: string; public: boolean }, comments: Comment[]): string | undefined;
  afterSend(f: FollowUp, message: { body: string; public: boolean }, commentId: string | null): void;
}

export const LOCK_NAME = 'run';
const DEFAULT_STALE_MS = 60 * 60_000;
const DEFAULT_LOCK_TTL_MS = 10 * 60_000;

/** Text used to recognise our own reply on a ticket (see comparableText). */
export const normalizeBody = comparableText;

export const bodyHash = (body: string): string => createHash('sha256').update(normalizeBody(body)).digest('hex');

/** Why a follow-up must not be sent now, or null when it may be. Pure. */
export function skipReason(f: FollowUp, ticket: Ticket | null, comments: Comment[]): string | null {
  if (!ticket) return 'ticket deleted';
  if (f.conditions.skipIfClosed && ticket.status === 'closed') return 'ticket closed';
  if (f.conditions.onlyIfStatus?.length && !f.conditions.onlyIfStatus.includes(ticket.status)) {
    return `ticket is ${ticket.status}, not ${f.conditions.onlyIfStatus.join('/')}`;
  }
  if (f.conditions.unlessReplied) {
    const since = Date.parse(f.scheduledAt);
    const reply = comments
      .filter((c) => c.authorRole === 'customer' && Date.parse(c.createdAt) > since)
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))[0];
    if (reply) return `customer replied at ${new Date(Date.parse(reply.createdAt)).toISOString()}`;
  }
  return null;
}

/** The reply a crashed run left on the ticket: an agent comment with the journaled body not owned by another follow-up. */
export function findSentComment(comments: Comment[], hash: string, ownedElsewhere: ReadonlySet<string>): Comment | undefined {
  return comments.find((c) => c.authorRole === 'agent' && !ownedElsewhere.has(c.id) && bodyHash(c.body) === hash);
}

/** The patch applied after sending: template actions, then the follow-up's own --set-status/--add-tag. */
export function followupPatch(f: FollowUp, templatePatch: TicketPatch | undefined, ticket: Ticket): TicketPatch {
  const patch: TicketPatch = { ...(templatePatch ?? {}) };
  if (f.actions.setStatus) patch.status = f.actions.setStatus;
  const tags = [...(patch.addTags ?? []), ...f.actions.addTags].filter((t, i, a) => a.indexOf(t) === i && !ticket.tags.includes(t));
  if (tags.length) patch.addTags = tags;
  else delete patch.addTags;
  if (patch.status === ticket.status) delete patch.status;
  return patch;
}

const isEmpty = (p: TicketPatch) => Object.values(p).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));

/** Atomically claims a scheduled (or unknown-outcome) follow-up for `owner`; false when another run got it first. */
export function claim(db: Database, id: number, owner: string, nowIso = new Date().toISOString(), from: 'scheduled' | 'unknown' = 'scheduled'): boolean {
  return (
    db
      .prepare(
        `UPDATE followups_items SET state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state = ?`,
      )
      .run(owner, nowIso, nowIso, id, from).changes === 1
  );
}

/** Takes over a 'sending' claim left by `previousOwner`; false when someone else already did. */
export function reclaim(db: Database, id: number, previousOwner: string, owner: string, nowIso = new Date().toISOString()): boolean {
  return (
    db
      .prepare(
        `UPDATE followups_items SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state = 'sending' AND claimed_by = ?`,
      )
      .run(owner, nowIso, nowIso, id, previousOwner).changes === 1
  );
}

function load(db: Database, id: number): FollowUp {
  return rowToFollowUp(db.prepare(`SELECT * FROM followups_items WHERE id = ?`).get(id) as FollowUpRow);
}

/** Updates a claimed item only while we still own the claim. */
function update(db: Database, id: number, owner: string, set: Record<string, unknown>): boolean {
  const keys = Object.keys(set);
  const sql = `UPDATE followups_items SET ${keys.map((k) => `${k} = ?`).join(', ')}, updated_at = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?`;
  return db.prepare(sql).run(...keys.map((k) => set[k]), new Date().toISOString(), id, owner).changes === 1;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function getTicketOrNull(provider: HelpdeskProvider, id: string): Promise<Ticket | null> {
  try {
    return await provider.getTicket(id);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** Comment ids already recorded by other sent follow-ups of the ticket (so two identical replies are told apart). */
function commentsOwnedElsewhere(db: Database, f: FollowUp): Set<string> {
  const rows = db
    .prepare(`SELECT comment_id FROM followups_items WHERE ticket_id = ? AND id != ? AND comment_id IS NOT NULL`)
    .all(f.ticketId, f.id) as { comment_id: string }[];
  return new Set(rows.map((r) => r.comment_id));
}

/** Abandoned 'sending' items: their process is gone (same host) or their claim is older than staleAfterMs. */
export function abandonedClaims(db: Database, owner: string, staleAfterMs: number, nowMs = Date.now()): FollowUpRow[] {
  const rows = db.prepare(`SELECT * FROM followups_items WHERE state = 'sending' ORDER BY due_ms, id`).all() as FollowUpRow[];
  return rows.filter(
    (r) =>
      r.claimed_by !== owner &&
      (!r.claimed_by || !ownerMayBeAlive(r.claimed_by) || !r.claimed_at || nowMs - Date.parse(r.claimed_at) > staleAfterMs),
  );
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>, stop: () => boolean): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length && !stop()) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Sends every due follow-up once. Each item is claimed atomically in SQLite before anything is
 * sent, the rendered body is journaled before the reply is posted, and the outcome is recorded
 * after. An item left 'sending' by a dead process is checked against the ticket's comments: if the
 * reply is there it is recorded as sent, otherwise it is sent.
 */
export async function runDue(opts: RunOptions): Promise<RunSummary> {
  const db = followupDb(opts.store);
  const owner = opts.owner ?? newOwnerId();
  const dryRun = Boolean(opts.dryRun);
  const nowMs = opts.now.getTime();
  const summary: RunSummary = {
    now: opts.now.toISOString(),
    dryRun,
    sent: 0,
    skipped: 0,
    failed: 0,
    unknown: 0,
    recovered: 0,
    resumed: 0,
    actionErrors: 0,
    pending: 0,
    nextDueAt: null,
    lockedBy: null,
    items: [],
  };
  const ttl = opts.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const useLock = opts.lock !== false && !dryRun;
  if (useLock) {
    const got = acquireLock(db, LOCK_NAME, owner, ttl);
    if (!got.ok) {
      summary.lockedBy = got.holder;
      fillPending(db, nowMs, summary);
      return summary;
    }
  }
  let lockLost = false;
  const record = (r: ItemResult) => {
    summary.items.push(r);
    if (r.outcome === 'sent') summary.sent++;
    else if (r.outcome === 'skipped') summary.skipped++;
    else if (r.outcome === 'failed') summary.failed++;
    else if (r.outcome === 'unknown') summary.unknown++;
    if (r.recovered) summary.recovered++;
    if (r.resumed) summary.resumed++;
    if (r.actionError && r.outcome === 'sent') summary.actionErrors++;
    opts.onItem?.(r);
  };
  const concurrency = Math.max(1, opts.concurrency ?? Math.min(4, opts.provider.capabilities.defaultConcurrency || 1));
  try {
    if (dryRun) {
      const due = db
        .prepare(`SELECT * FROM followups_items WHERE state = 'scheduled' AND due_ms <= ? ORDER BY due_ms, id ${opts.limit ? `LIMIT ${Math.floor(opts.limit)}` : ''}`)
        .all(nowMs) as FollowUpRow[];
      await pool(due.map(rowToFollowUp), concurrency, async (f) => record(await preview(opts, f)), () => false);
      fillPending(db, nowMs, summary);
      return summary;
    }

    // 1. Claims abandoned by crashed runs.
    const abandoned = abandonedClaims(db, owner, opts.staleAfterMs ?? DEFAULT_STALE_MS);
    for (const row of abandoned) {
      if (!reclaim(db, row.id, row.claimed_by ?? '', owner) && !(row.claimed_by === null && claimNull(db, row.id, owner))) continue;
      record(await processItem(opts, db, owner, load(db, row.id), true));
    }

    // 1b. Replies whose outcome an earlier run could not tell: the ticket is checked before anything is sent.
    const unsure = db.prepare(`SELECT id FROM followups_items WHERE state = 'unknown' ORDER BY due_ms, id`).all() as { id: number }[];
    for (const { id } of unsure) {
      if (!claim(db, id, owner, undefined, 'unknown')) continue;
      record(await processItem(opts, db, owner, load(db, id), true));
    }

    // 2. Due items, each claimed atomically.
    const due = db
      .prepare(`SELECT id FROM followups_items WHERE state = 'scheduled' AND due_ms <= ? ORDER BY due_ms, id ${opts.limit ? `LIMIT ${Math.floor(opts.limit)}` : ''}`)
      .all(nowMs) as { id: number }[];
    await pool(
      due.map((d) => d.id),
      concurrency,
      async (id) => {
        if (useLock && !renewLock(db, LOCK_NAME, owner, ttl)) {
          lockLost = true;
          return;
        }
        if (!claim(db, id, owner)) return; // another run has it
        record(await processItem(opts, db, owner, load(db, id), false));
      },
      () => lockLost,
    );
  } finally {
    if (useLock) releaseLock(db, LOCK_NAME, owner);
  }
  fillPending(db, nowMs, summary);
  return summary;
}

function claimNull(db: Database, id: number, owner: string): boolean {
  const now = new Date().toISOString();
  return (
    db
      .prepare(`UPDATE followups_items SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'sending' AND claimed_by IS NULL`)
      .run(owner, now, now, id).changes === 1
  );
}

function fillPending(db: Database, nowMs: number, summary: RunSummary): void {
  const row = db.prepare(`SELECT COUNT(*) AS n, MIN(due_ms) AS next FROM followups_items WHERE state = 'scheduled' AND due_ms > ?`).get(nowMs) as {
    n: number;
    next: number | null;
  };
  summary.pending = row.n;
  summary.nextDueAt = row.next === null ? null : new Date(row.next).toISOString();
}

const result = (f: FollowUp, outcome: Outcome, extra: Partial<ItemResult> = {}): ItemResult => ({
  id: f.id,
  ticketId: f.ticketId,
  template: f.template,
  dueAt: f.dueAt,
  outcome,
  reason: null,
  commentId: null,
  recovered: false,
  resumed: false,
  actionError: null,
  actions: [],
  ...extra,
});

/** --dry-run: what would happen, with nothing claimed, sent or recorded. */
async function preview(opts: RunOptions, f: FollowUp): Promise<ItemResult> {
  try {
    const ticket = await getTicketOrNull(opts.provider, f.ticketId);
    const comments = ticket ? await opts.provider.listComments(ticket.id) : [];
    const why = skipReason(f, ticket, comments);
    if (why) return result(f, 'would-skip', { reason: why });
    const msg = await opts.compose(f, ticket!, comments);
    const repeat = msg ? opts.ledger?.beforeSend(f, msg, comments) : undefined;
    if (repeat) return result(f, 'would-skip', { reason: repeat });
    return result(f, 'would-send');
  } catch (err) {
    return result(f, 'would-fail', { reason: message(err) });
  }
}

/** Processes one claimed item to a final state. Never throws. */
async function processItem(opts: RunOptions, db: Database, owner: string, f: FollowUp, recovering: boolean): Promise<ItemResult> {
  const finishedAt = opts.now.toISOString();
  const finish = (state: 'sent' | 'skipped' | 'failed' | 'unknown', set: Record<string, unknown>): void => {
    if (!update(db, f.id, owner, { state, finished_at: finishedAt, ...set })) {
      throw new DeskctlError(`follow-up #${f.id}: the claim was taken over by another run while sending`);
    }
  };
  try {
    const ticket = await getTicketOrNull(opts.provider, f.ticketId);
    let comments = ticket ? await opts.provider.listComments(ticket.id) : [];

    // An earlier attempt (a crashed run, or a failure after posting, retried) may have posted the reply already:
    // never send it twice. A request whose sender died may still be applied by the helpdesk after the first
    // look, so it is looked for again after each settle delay.
    if (ticket) {
      const row = db.prepare(`SELECT body_hash FROM followups_items WHERE id = ?`).get(f.id) as { body_hash: string | null };
      if (row.body_hash) {
        const ownedElsewhere = commentsOwnedElsewhere(db, f);
        let looks = 0;
        const found = await lookUntilSettled(async () => {
          if (looks++ > 0) comments = await opts.provider.listComments(ticket.id);
          return findSentComment(comments, row.body_hash!, ownedElsewhere);
        }, opts.settleDelays ?? []);
        if (found) {
          const templatePatch = await opts.compose(f, ticket, comments).then((m) => m?.patch, () => undefined);
          const { actions, actionError } = await applyActions(opts, f, ticket, templatePatch);
          const sent = db.prepare(`SELECT body FROM followups_items WHERE id = ?`).get(f.id) as { body: string | null };
          if (sent.body) opts.ledger?.afterSend(f, { body: sent.body, public: found.public }, found.id);
          finish('sent', { comment_id: found.id, sent_at: found.createdAt, reason: 'recovered: the reply was already on the ticket', action_error: actionError });
          return result(f, 'sent', { commentId: found.id, recovered: true, resumed: recovering, reason: 'recovered: the reply was already on the ticket', actionError, actions });
        }
      }
    }

    const why = skipReason(f, ticket, comments);
    if (why) {
      finish('skipped', { reason: why });
      return result(f, 'skipped', { reason: why, resumed: recovering });
    }
    const msg = await opts.compose(f, ticket!, comments);
    let commentId: string | null = null;
    const repeat = msg ? opts.ledger?.beforeSend(f, msg, comments) : undefined;
    if (repeat) {
      finish('skipped', { reason: repeat });
      return result(f, 'skipped', { reason: repeat, resumed: recovering });
    }
    if (msg) {
      // Journal the exact body before posting, so a crash between post and record is recognisable.
      if (!update(db, f.id, owner, { body: msg.body, body_hash: bodyHash(msg.body) })) {
        throw new DeskctlError(`follow-up #${f.id}: the claim was taken over by another run`);
      }
      const comment = await opts.provider.addComment(ticket!.id, { body: msg.body, public: msg.public });
      commentId = comment.id;
      opts.ledger?.afterSend(f, msg, commentId);
      opts.afterSendHook?.(f);
    }
    const { actions, actionError } = await applyActions(opts, f, ticket!, msg?.patch);
    finish('sent', { comment_id: commentId, sent_at: opts.now.toISOString(), reason: msg ? null : 'actions only', action_error: actionError });
    return result(f, 'sent', { commentId, actionError, actions, resumed: recovering, reason: msg ? null : 'actions only' });
  } catch (err) {
    const reason = message(err);
    if (isUnknownOutcome(err)) {
      // not sent again: the next run looks for the reply on the ticket before sending
      try {
        finish('unknown', { reason });
      } catch {
        /* claim lost: the other run records the outcome */
      }
      return result(f, 'unknown', { reason, resumed: recovering });
    }
    try {
      finish('failed', { reason });
    } catch {
      /* claim lost: the other run records the outcome */
    }
    return result(f, 'failed', { reason, resumed: recovering });
  }
}

/** The after-send ticket changes, each applied or failed (one refused change does not stop the others). */
async function applyActions(opts: RunOptions, f: FollowUp, ticket: Ticket, templatePatch: TicketPatch | undefined): Promise<{ actions: ChangeOutcome[]; actionError: string | null }> {
  const patch = followupPatch(f, templatePatch, ticket);
  if (isEmpty(patch)) return { actions: [], actionError: null };
  let actions: ChangeOutcome[];
  try {
    actions = (await applyChanges(opts.provider, ticket.id, patch)).changes;
  } catch (err) {
    return { actions: [], actionError: message(err) };
  }
  const failed = actions.filter((a) => a.outcome === 'failed');
  return { actions, actionError: failed.length ? failed.map((a) => `${describeChange(a)}: ${a.error}`).join('; ') : null };
}
