import { comparableText } from '../domain/text.js';
import type { Comment, TicketPatch } from '../domain/model.js';
import type { AddedComment, HelpdeskProvider } from '../providers/provider.js';
import { isEmptyPatch } from '../tickets/service.js';
import { isUnknownOutcome, lookUntilSettled } from '../providers/http/outcome.js';
import { applyChanges, changedInWrite, describeChange, splitForWrite, splitPatch, type ChangeOutcome } from '../tickets/changes.js';
import { DEFAULT_LEASE_MS } from '../store/ledger.js';
import { newOwnerId } from '../store/owner.js';
import { JobTakenOver, OPEN_STATES, type BulkJournal, type ItemCounts, type ItemRecord, type JobHold, type JobRecord } from './journal.js';

/** Anything with an acquire() that waits for a slot, e.g. the HTTP layer's RateLimiter. */
export interface Throttle {
  acquire(cost?: number): Promise<unknown>;
}

export interface ExecuteOptions {
  /** Writes in flight at once. */
  concurrency: number;
  /** Stops handing out new tickets when aborted; calls in flight finish and are recorded. */
  signal?: AbortSignal;
  /** Also retry tickets that failed in an earlier run. */
  retryFailed?: boolean;
  /** Called after every ticket that reached an outcome. */
  onProgress?: (p: { processed: number; todo: number; item: ItemRecord }) => void;
  /** Optional extra throttle around every helpdesk write (the HTTP providers already limit themselves). */
  throttle?: Throttle;
  /** How far a reply's timestamp may be before the journal's intent time and still count as ours (clock skew). */
  skewMs?: number;
  /** The sent ledger's view of each reply (see src/store/repeats.ts bulkSendGuard). */
  guard?: SendGuard;
  /**
   * Waits before each further look for a reply whose attempt died in flight (a killed run): the helpdesk may
   * still be applying it. Empty where a write is atomic (the embedded helpdesk).
   */
  settleDelays?: number[];
  /** This run's hold on the job (default: a new owner id of this process, DEFAULT_LEASE_MS, renewed at a third). */
  hold?: JobHold;
}

/** Asked right before a reply goes out (a reason to skip it: sent or being sent by another run), told once it is on the ticket. */
export interface SendGuard {
  beforeSend(item: ItemRecord): Promise<string | undefined>;
  afterSend(item: ItemRecord, commentId: string | null): Promise<void>;
}

export interface RunTally {
  /** Replies (or updates) made by this run. */
  sent: number;
  /** Replies found already on the ticket (an interrupted run had sent them). */
  recovered: number;
  failed: number;
  /** Replies whose outcome is unknown (ambiguous failure, not seen on the ticket): not sent again; a resume checks them. */
  unknown: number;
  /** Not reached because the run was stopped. */
  notReached: number;
  /** Left out because another run sent (or is sending) the same message. */
  skipped: number;
}

export interface ExecuteResult {
  job: JobRecord;
  counts: ItemCounts;
  run: RunTally;
  interrupted: boolean;
}

/** A body as compared across helpdesks (see comparableText). */
export const normalizeBody = comparableText;

/**
 * Finds our reply among a ticket's comments: an agent comment with the same visibility whose text is the
 * one we meant to send (the helpdesk may wrap it in HTML or add a signature), written after the intent.
 */
export function findSentReply(comments: Comment[], body: string, isPublic: boolean, intentAt: string | null, skewMs = 15 * 60_000): Comment | undefined {
  const want = normalizeBody(body);
  const since = intentAt ? Date.parse(intentAt) - skewMs : -Infinity;
  return comments.find((c) => {
    if (c.authorRole === 'customer' || c.public !== isPublic) return false;
    if (Date.parse(c.createdAt) < since) return false;
    const got = normalizeBody(c.body);
    return got === want || (want.length >= 20 && got.includes(want));
  });
}

const message = (err: unknown): string => ((err as Error)?.message ?? String(err)).split('\n')[0]!;

/** Some of a ticket's changes failed; `changes` says which were applied. */
class ChangesFailed extends Error {
  constructor(
    message: string,
    readonly changes: ChangeOutcome[],
  ) {
    super(message);
  }
}

/**
 * Runs (or resumes) a bulk job: every open ticket of the journal, `concurrency` at a time.
 * Exactly once per ticket: the intent is journaled before each call and the outcome after; a ticket
 * whose last attempt has no outcome (the process died) or an unknown one (the network failed mid-call and
 * the reply was not seen on the ticket after the settle checks) is first checked on the helpdesk, and the
 * reply is sent only when it is not there. An unknown outcome is never re-sent in the run that met it.
 */
export async function executeJob(journal: BulkJournal, jobId: string, provider: HelpdeskProvider, opts: ExecuteOptions): Promise<ExecuteResult> {
  const hold: JobHold = opts.hold ?? { owner: newOwnerId(), leaseMs: DEFAULT_LEASE_MS };
  const job = await journal.claim(jobId, hold);
  // the hold is renewed while the run works; losing it (another run took over) stops this one
  let takenOver = false;
  const heartbeat = setInterval(() => {
    journal.renew(jobId, hold).then(
      (kept) => (takenOver ||= !kept),
      () => undefined, // a busy or briefly unreachable store: the next beat renews
    );
  }, Math.max(1000, Math.floor(hold.leaseMs / 3)));
  heartbeat.unref();
  const states: ItemRecord['state'][] = [...OPEN_STATES];
  if (opts.retryFailed) states.push('failed');
  const todo = await journal.items(jobId, states);
  const patch: TicketPatch = job.patch;
  const hasPatch = !isEmptyPatch(patch);
  const run: RunTally = { sent: 0, recovered: 0, failed: 0, unknown: 0, notReached: 0, skipped: 0 };
  let next = 0;
  let processed = 0;

  const write = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (opts.throttle) await opts.throttle.acquire(1);
    return fn();
  };

  // on a helpdesk that takes ticket changes with the comment (Zendesk), a reply and its changes are one write
  const { inWrite, after } = splitForWrite(provider, patch);

  /**
   * Applies the job's ticket changes (or those left after the reply's own write, `rest`), recording each
   * change's outcome; throws (the item fails) when some failed.
   */
  const applyPatch = async (item: ItemRecord, rest: TicketPatch = patch, done: ChangeOutcome[] = []): Promise<void> => {
    if (!hasPatch) {
      await journal.markDone(jobId, item.ticketId);
      return;
    }
    const changes = [...done, ...(splitPatch(rest).length ? (await write(() => applyChanges(provider, item.ticketId, rest))).changes : [])];
    const failed = changes.filter((c) => c.outcome === 'failed');
    if (!failed.length) {
      await journal.markDone(jobId, item.ticketId, changes);
      return;
    }
    const applied = changes.filter((c) => c.outcome === 'applied').map(describeChange);
    throw new ChangesFailed(`${failed.map((c) => `${describeChange(c)} failed: ${c.error}`).join('; ')}${applied.length ? `; applied: ${applied.join(', ')}` : ''}`, changes);
  };

  const replied = async (item: ItemRecord, commentId: string | null, recovered = false): Promise<void> => {
    await journal.markReplied(jobId, item.ticketId, commentId, recovered);
    await opts.guard?.afterSend(item, commentId);
  };

  const replyItem = async (item: ItemRecord): Promise<'sent' | 'recovered' | 'skipped'> => {
    let outcome: 'sent' | 'recovered' = 'sent';
    // the reply is known to be on the ticket: only the changes are left
    if (item.repliedAt) {
      outcome = item.recovered ? 'recovered' : 'sent';
      await applyPatch(item);
      return outcome;
    }
    // an earlier attempt has no confirmed outcome: look before sending again, and again after each settle
    // delay (a request whose sender was killed may still be applied by the helpdesk after the first look)
    if (item.intentAt) {
      const look = async () => findSentReply(await provider.listComments(item.ticketId), item.body ?? '', job.public, item.intentAt, opts.skewMs);
      const found = await lookUntilSettled(look, opts.settleDelays ?? []);
      if (found) {
        await replied(item, found.id, true);
        await applyPatch(item);
        return 'recovered';
      }
    }
    const skip = await opts.guard?.beforeSend(item);
    if (skip) {
      await journal.markSkipped(jobId, item.ticketId, skip);
      return 'skipped';
    }
    await journal.markIntent(jobId, item.ticketId, hold.owner);
    let comment: AddedComment;
    try {
      comment = await write(() => provider.addComment(item.ticketId, { body: item.body ?? '', public: job.public, ...inWrite }));
    } catch (err) {
      if ((err as Error)?.name === 'WriteLandedError') {
        // the write landed, but nothing says how its changes fared: apply them all again (idempotent)
        await replied(item, null);
        await applyPatch(item);
        return 'sent';
      }
      throw err;
    }
    await replied(item, comment.id);
    await applyPatch(item, after, changedInWrite(inWrite, comment.statusRefused));
    return outcome;
  };

  const updateItem = async (item: ItemRecord): Promise<'sent'> => {
    // ticket changes are idempotent (set a status, add a tag): an unconfirmed attempt is simply repeated
    await journal.markIntent(jobId, item.ticketId, hold.owner);
    await applyPatch(item);
    return 'sent';
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      // a provider that answers synchronously (the embedded helpdesk) would otherwise never let
      // signals (Ctrl-C) and the progress bar's timer run
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) return;
      if (takenOver) throw new JobTakenOver(jobId);
      const i = next++;
      if (i >= todo.length) return;
      const item = todo[i]!;
      try {
        const outcome = job.kind === 'reply' ? await replyItem(item) : await updateItem(item);
        run[outcome]++;
      } catch (err) {
        // the job is another run's now: its ticket is left as it stands for that run to settle
        if (err instanceof JobTakenOver) throw err;
        const replied = job.kind === 'reply' && (await journal.getItem(jobId, item.ticketId)).repliedAt;
        if (!replied && isUnknownOutcome(err)) {
          // not sent again now; a resume checks the ticket before sending
          run.unknown++;
          await journal.markUnknown(jobId, item.ticketId, message(err));
        } else {
          run.failed++;
          const changes = err instanceof ChangesFailed ? err.changes : undefined;
          const why = replied ? `the reply was sent but ${changes ? 'some changes failed' : 'the changes failed'}: ${message(err)}` : message(err);
          await journal.markFailed(jobId, item.ticketId, why, changes);
        }
      }
      processed++;
      opts.onProgress?.({ processed, todo: todo.length, item: await journal.getItem(jobId, item.ticketId) });
    }
  };

  const n = Math.max(1, Math.min(opts.concurrency, todo.length || 1));
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    clearInterval(heartbeat);
    run.notReached = todo.length - processed;
    await journal.release(jobId, hold.owner);
  }
  const final = await journal.getJob(jobId);
  return { job: final, counts: await journal.counts(jobId), run, interrupted: final.state === 'interrupted' };
}
