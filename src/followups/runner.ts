import { comparableText } from '../domain/text.js';
import { createHash } from 'node:crypto';
import type { Comment, Ticket, TicketPatch } from '../domain/model.js';
import { DeskctlError, NotFoundError } from '../errors.js';
import { isUnknownOutcome, lookUntilSettled } from '../providers/http/outcome.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import { applyChanges, describeChange, type ChangeOutcome } from '../tickets/changes.js';
import { ownerAliveOnce, type StateDb } from '../store/state-db.js';
import type { StateStore } from '../store/state-store.js';
import { newOwnerId } from '../store/owner.js';
import { acquireLock, releaseLock, renewLock, type LockHolder } from './lock.js';
import { followupState, rowToFollowUp, type FollowUp, type FollowUpRow } from './store.js';

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
  /**
   * Take the per-profile run lock on SQLite (default true): one runner at a time per state file, a second
   * one reports the holder and does nothing. Without it, per-item claims alone prevent double sends.
   * PostgreSQL has no run lock: runners on every host share the work through row claims.
   */
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
  afterSendHook?: (f: FollowUp) => void | Promise<void>;
}

/**
 * What runDue asks the sent ledger (kept to an interface so the runner does not depend on the store).
 * Either answer may be a promise (the ledger on PostgreSQL is asynchronous).
 */
export interface FollowupLedgerGuard {
  /** A reason to skip: the ticket already got this message, or another run is sending it. */
  beforeSend(f: FollowUp, message: { body: string; public: boolean }, comments: Comment[]): string | undefined | Promise<string | undefined>;
  afterSend(f: FollowUp, message: { body: string; public: boolean }, commentId: string | null): void | Promise<void>;
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
export async function claim(db: StateDb, id: number, owner: string, nowIso = new Date().toISOString(), from: 'scheduled' | 'unknown' = 'scheduled'): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE followups_items SET state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
     WHERE id = ? AND state = ?`,
    [owner, nowIso, nowIso, id, from],
  );
  return changes === 1;
}

/**
 * Claims up to `max` due follow-ups for `owner`, marking them 'sending', in one statement (one round
 * trip). On PostgreSQL rows another run is claiming are passed over (FOR UPDATE SKIP LOCKED), so
 * runners on several hosts take different batches; on SQLite the statement's write lock serialises them.
 */
export async function claimDue(db: StateDb, owner: string, dueByMs: number, max: number, nowIso = new Date().toISOString()): Promise<FollowUp[]> {
  return (await claimDueRows(db, owner, dueByMs, max, nowIso)).map(rowToFollowUp);
}

async function claimDueRows(db: StateDb, owner: string, dueByMs: number, max: number, nowIso: string): Promise<FollowUpRow[]> {
  // the batch is picked once in a materialised CTE: PostgreSQL may re-run a plain `IN (subquery)` per row
  // and then lock (and take) more than `max`
  const rows = await db.all<FollowUpRow>(
    `WITH batch AS MATERIALIZED (
       SELECT id FROM followups_items WHERE state = 'scheduled' AND due_ms <= ? ORDER BY due_ms, id LIMIT ? ${db.skipLocked}
     )
     UPDATE followups_items SET state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
     WHERE id IN (SELECT id FROM batch) AND state = 'scheduled'
     RETURNING *`,
    [dueByMs, Math.max(1, Math.floor(max)), owner, nowIso, nowIso],
  );
  return rows.sort((x, y) => Number(x.due_ms) - Number(y.due_ms) || Number(x.id) - Number(y.id));
}

/** Takes over a 'sending' claim left by `previousOwner` (null: a claim with no owner); false when someone else already did. */
export async function reclaim(db: StateDb, id: number, previousOwner: string | null, owner: string, nowIso = new Date().toISOString()): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE followups_items SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
     WHERE id = ? AND state = 'sending' AND claimed_by IS NOT DISTINCT FROM ?`,
    [owner, nowIso, nowIso, id, previousOwner],
  );
  return changes === 1;
}

async function load(db: StateDb, id: number): Promise<FollowUpRow> {
  return (await db.get<FollowUpRow>(`SELECT * FROM followups_items WHERE id = ?`, [id]))!;
}

/** Updates a claimed item only while we still own the claim. */
async function update(db: StateDb, id: number, owner: string, set: Record<string, unknown>): Promise<boolean> {
  const keys = Object.keys(set);
  const sql = `UPDATE followups_items SET ${keys.map((k) => `${k} = ?`).join(', ')}, updated_at = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?`;
  return (await db.run(sql, [...keys.map((k) => set[k]), new Date().toISOString(), id, owner])).changes === 1;
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
async function commentsOwnedElsewhere(db: StateDb, f: FollowUp): Promise<Set<string>> {
  const rows = await db.all<{ comment_id: string }>(`SELECT comment_id FROM followups_items WHERE ticket_id = ? AND id != ? AND comment_id IS NOT NULL`, [f.ticketId, f.id]);
  return new Set(rows.map((r) => r.comment_id));
}

/**
 * Abandoned 'sending' items: their process is known to be gone (StateDb.ownerAlive: a dead pid on this
 * host or, on PostgreSQL, a closed connection on any host), or their claim is older than staleAfterMs.
 */
export async function abandonedClaims(db: StateDb, owner: string, staleAfterMs: number, nowMs = Date.now()): Promise<FollowUpRow[]> {
  const rows = await db.all<FollowUpRow>(`SELECT * FROM followups_items WHERE state = 'sending' ORDER BY due_ms, id`);
  const ownerAlive = ownerAliveOnce(db);
  const out: FollowUpRow[] = [];
  for (const r of rows) {
    if (r.claimed_by === owner) continue;
    if (!r.claimed_by || !r.claimed_at || nowMs - Date.parse(r.claimed_at) > staleAfterMs) {
      out.push(r);
      continue;
    }
    if (!(await ownerAlive(r.claimed_by))) out.push(r);
  }
  return out;
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
 * Sends every due follow-up once. Due items are claimed in small batches before anything is sent
 * (on PostgreSQL with SKIP LOCKED, so runners on several hosts share the work), the rendered body is
 * journaled before the reply is posted, and the outcome is recorded after. An item left 'sending' by
 * a dead process is checked against the ticket's comments: if the reply is there it is recorded as
 * sent, otherwise it is sent.
 */
export async function runDue(opts: RunOptions): Promise<RunSummary> {
  const db = await followupState(opts.store);
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
  const useLock = opts.lock !== false && !dryRun && db.dialect === 'sqlite';
  if (!dryRun) await db.registerOwner(owner);
  if (useLock) {
    const got = await acquireLock(db, LOCK_NAME, owner, ttl);
    if (!got.ok) {
      summary.lockedBy = got.holder;
      await fillPending(db, nowMs, summary);
      return summary;
    }
  }
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
      const due = await db.all<FollowUpRow>(
        `SELECT * FROM followups_items WHERE state = 'scheduled' AND due_ms <= ? ORDER BY due_ms, id ${opts.limit ? `LIMIT ${Math.floor(opts.limit)}` : ''}`,
        [nowMs],
      );
      await pool(due.map(rowToFollowUp), concurrency, async (f) => record(await preview(opts, f)), () => false);
      await fillPending(db, nowMs, summary);
      return summary;
    }

    // 1. Claims abandoned by crashed runs.
    await takeOverAbandoned(opts, db, owner, record);

    // 1b. Replies whose outcome an earlier run could not tell: the ticket is checked before anything is sent.
    const unsure = await db.all<{ id: number }>(`SELECT id FROM followups_items WHERE state = 'unknown' ORDER BY due_ms, id`);
    for (const { id } of unsure) {
      if (!(await claim(db, id, owner, undefined, 'unknown'))) continue;
      record(await processItem(opts, db, owner, await load(db, id), true));
    }

    // 2. Due items, claimed a small batch at a time while the workers send.
    const next = dueClaims(db, owner, nowMs, concurrency, opts.limit, useLock ? () => renewLock(db, LOCK_NAME, owner, ttl) : undefined);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let row = await next(); row; row = await next()) record(await processItem(opts, db, owner, row, false));
      }),
    );

    // 3. Claims of runs that died while this one worked (another host's runner killed meanwhile).
    if (!opts.limit || summary.items.length < opts.limit) await takeOverAbandoned(opts, db, owner, record);
  } finally {
    if (useLock) await releaseLock(db, LOCK_NAME, owner);
  }
  await fillPending(db, nowMs, summary);
  return summary;
}

async function takeOverAbandoned(opts: RunOptions, db: StateDb, owner: string, record: (r: ItemResult) => void): Promise<void> {
  for (const row of await abandonedClaims(db, owner, opts.staleAfterMs ?? DEFAULT_STALE_MS)) {
    if (!(await reclaim(db, row.id, row.claimed_by, owner))) continue; // another run took it over first
    record(await processItem(opts, db, owner, await load(db, row.id), true));
  }
}

/**
 * The next claimed due follow-up for a worker, or undefined when none is left (or the run lock was
 * lost). Claims a batch of `batch` when the local queue runs dry; one claim at a time per process.
 */
function dueClaims(db: StateDb, owner: string, nowMs: number, batch: number, limit: number | undefined, renewLock?: () => Promise<boolean>): () => Promise<FollowUpRow | undefined> {
  const queue: FollowUpRow[] = [];
  let claimed = 0;
  let done = false;
  let refill: Promise<void> | undefined;
  const claimMore = async () => {
    const want = Math.min(batch, limit === undefined ? batch : limit - claimed);
    if (want <= 0 || (renewLock && !(await renewLock()))) {
      done = true;
      return;
    }
    const got = await claimDueRows(db, owner, nowMs, want, new Date().toISOString());
    claimed += got.length;
    if (!got.length) done = true;
    queue.push(...got);
  };
  return async () => {
    while (!queue.length && !done) {
      refill ??= claimMore().finally(() => (refill = undefined));
      await refill;
    }
    return queue.shift();
  };
}

async function fillPending(db: StateDb, nowMs: number, summary: RunSummary): Promise<void> {
  const row = await db.get<{ n: number | string; next: number | string | null }>(
    `SELECT COUNT(*) AS n, MIN(due_ms) AS next FROM followups_items WHERE state = 'scheduled' AND due_ms > ?`,
    [nowMs],
  );
  summary.pending = Number(row?.n ?? 0);
  summary.nextDueAt = row?.next === null || row?.next === undefined ? null : new Date(Number(row.next)).toISOString();
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
    const repeat = msg ? await opts.ledger?.beforeSend(f, msg, comments) : undefined;
    if (repeat) return result(f, 'would-skip', { reason: repeat });
    return result(f, 'would-send');
  } catch (err) {
    return result(f, 'would-fail', { reason: message(err) });
  }
}

/** Processes one claimed item (its row as claimed: the journal of an earlier attempt included) to a final state. Never throws. */
async function processItem(opts: RunOptions, db: StateDb, owner: string, claimed: FollowUpRow, recovering: boolean): Promise<ItemResult> {
  const f = rowToFollowUp(claimed);
  const finishedAt = opts.now.toISOString();
  const finish = async (state: 'sent' | 'skipped' | 'failed' | 'unknown', set: Record<string, unknown>): Promise<void> => {
    if (!(await update(db, f.id, owner, { state, finished_at: finishedAt, ...set }))) {
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
      const journaled = claimed.body_hash;
      if (journaled) {
        const ownedElsewhere = await commentsOwnedElsewhere(db, f);
        let looks = 0;
        const found = await lookUntilSettled(async () => {
          if (looks++ > 0) comments = await opts.provider.listComments(ticket.id);
          return findSentComment(comments, journaled, ownedElsewhere);
        }, opts.settleDelays ?? []);
        if (found) {
          const templatePatch = await opts.compose(f, ticket, comments).then((m) => m?.patch, () => undefined);
          const { actions, actionError } = await applyActions(opts, f, ticket, templatePatch);
          if (claimed.body) await opts.ledger?.afterSend(f, { body: claimed.body, public: found.public }, found.id);
          await finish('sent', { comment_id: found.id, sent_at: found.createdAt, reason: 'recovered: the reply was already on the ticket', action_error: actionError });
          return result(f, 'sent', { commentId: found.id, recovered: true, resumed: recovering, reason: 'recovered: the reply was already on the ticket', actionError, actions });
        }
      }
    }

    const why = skipReason(f, ticket, comments);
    if (why) {
      await finish('skipped', { reason: why });
      return result(f, 'skipped', { reason: why, resumed: recovering });
    }
    const msg = await opts.compose(f, ticket!, comments);
    let commentId: string | null = null;
    const repeat = msg ? await opts.ledger?.beforeSend(f, msg, comments) : undefined;
    if (repeat) {
      await finish('skipped', { reason: repeat });
      return result(f, 'skipped', { reason: repeat, resumed: recovering });
    }
    if (msg) {
      // Journal the exact body before posting, so a crash between post and record is recognisable.
      if (!(await update(db, f.id, owner, { body: msg.body, body_hash: bodyHash(msg.body) }))) {
        throw new DeskctlError(`follow-up #${f.id}: the claim was taken over by another run`);
      }
      const comment = await opts.provider.addComment(ticket!.id, { body: msg.body, public: msg.public });
      commentId = comment.id;
      await opts.ledger?.afterSend(f, msg, commentId);
      await opts.afterSendHook?.(f);
    }
    const { actions, actionError } = await applyActions(opts, f, ticket!, msg?.patch);
    await finish('sent', { comment_id: commentId, sent_at: opts.now.toISOString(), reason: msg ? null : 'actions only', action_error: actionError });
    return result(f, 'sent', { commentId, actionError, actions, resumed: recovering, reason: msg ? null : 'actions only' });
  } catch (err) {
    const reason = message(err);
    if (isUnknownOutcome(err)) {
      // not sent again: the next run looks for the reply on the ticket before sending
      try {
        await finish('unknown', { reason });
      } catch {
        /* claim lost: the other run records the outcome */
      }
      return result(f, 'unknown', { reason, resumed: recovering });
    }
    try {
      await finish('failed', { reason });
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
