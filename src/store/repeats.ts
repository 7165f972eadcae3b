import { findSentReply, type SendGuard } from '../bulk/executor.js';
import type { JobRecord } from '../bulk/journal.js';
import { newOwnerId } from './owner.js';
import type { FollowupLedgerGuard } from '../followups/runner.js';
import type { FollowUp } from '../followups/store.js';
import { mapLimit } from '../bulk/selection.js';
import { parseDurationMs } from '../domain/parse.js';
import type { Comment } from '../domain/model.js';
import { UsageError } from '../errors.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import {
  alreadySentReason,
  DEFAULT_LEASE_MS,
  DEFAULT_REPEAT_WINDOW_MS,
  describeSender,
  heldReason,
  inConversationReason,
  type ClaimResult,
  type Holder,
  type MessageRef,
  type SendSource,
  type SentLedger,
  UNKNOWN_HOLD_MS,
} from './ledger.js';

/** A ticket left out because it already got (or is getting) the message; camelCase JSON as printed. */
export interface SkippedSend {
  ticketId: string;
  reason: string;
  /** "job k7m2qx", "follow-up 12", "tickets reply by ana@laptop", "the helpdesk conversation". */
  sentBy: string;
  /** When it was sent (null while another run is sending it). */
  sentAt: string | null;
}

/** The repeat window: --repeat-window, else the profile's repeatWindow, else 30 days. */
export function repeatWindowMs(flag: string | undefined, profileValue: string | undefined): number {
  for (const [raw, where] of [
    [flag, '--repeat-window'],
    [profileValue, "the profile's repeatWindow"],
  ] as const) {
    if (raw === undefined) continue;
    const ms = parseDurationMs(String(raw));
    if (ms === undefined || ms <= 0) throw new UsageError(`invalid ${where} '${raw}'`, 'use a duration such as 30d, 12h or 2w');
    return ms;
  }
  return DEFAULT_REPEAT_WINDOW_MS;
}

export interface RepeatCheckOptions {
  /** Sends before this do not count. */
  since: Date;
  /** Claims of this holder are ours (null: a preview with no holder yet). */
  holderId: string | null;
  /** --allow-repeat: only live claims of others still skip. */
  allowRepeat: boolean;
  /** How many conversations to read at once. */
  concurrency: number;
  /** The ticket's comments when the caller already has them. */
  comments?: (ticketId: string) => Comment[] | undefined;
}

const fromClaim = (m: MessageRef, reason: string, sentBy: string, sentAt: string | null): SkippedSend => ({ ticketId: m.ticketId, reason, sentBy, sentAt });

/** Skips from an atomic claim, in the printed shape. */
export function skipsOf(result: ClaimResult): SkippedSend[] {
  return [
    ...result.alreadySent.map(({ message, entry }) => fromClaim(message, alreadySentReason(entry), describeSender(entry), entry.sentAt)),
    ...result.held.map(({ message, claim }) => fromClaim(message, heldReason(claim), claim.label, null)),
  ];
}

/**
 * Which of these messages must not be sent, and why: another run holds the ticket, deskctl's ledger
 * has sent it within the window, or the ticket's conversation already has that text (sent from
 * elsewhere). Read only: the atomic decision is `SentLedger.claim` at send time.
 */
export async function findRepeats(ledger: SentLedger, provider: HelpdeskProvider, messages: MessageRef[], o: RepeatCheckOptions): Promise<Map<string, SkippedSend>> {
  const out = new Map<string, SkippedSend>();
  for (const [id, c] of await ledger.findHeld(messages, o.holderId)) out.set(id, { ticketId: id, reason: heldReason(c), sentBy: c.label, sentAt: null });
  if (o.allowRepeat) return out;
  for (const [id, e] of await ledger.findRecent(messages, o.since)) if (!out.has(id)) out.set(id, { ticketId: id, reason: alreadySentReason(e), sentBy: describeSender(e), sentAt: e.sentAt });
  const rest = messages.filter((m) => !out.has(m.ticketId));
  await mapLimit(rest, Math.max(1, o.concurrency), async (m) => {
    const comments = o.comments?.(m.ticketId) ?? (await provider.listComments(m.ticketId));
    const found = findSentReply(comments, m.body, m.public, o.since.toISOString(), 0);
    if (found) out.set(m.ticketId, { ticketId: m.ticketId, reason: inConversationReason(found.id, found.createdAt), sentBy: 'the helpdesk conversation', sentAt: found.createdAt });
  });
  return out;
}

/**
 * A holder's claims while it works: renewed in the background at a third of the lease, released
 * (except unknown outcomes) when it stops. A killed process stops renewing; its claims lapse.
 */
export class ClaimSession {
  private timer: NodeJS.Timeout | undefined;
  private registered: Promise<void> | undefined;

  constructor(
    readonly ledger: SentLedger,
    readonly holder: Holder,
    readonly leaseMs: number = DEFAULT_LEASE_MS,
  ) {
    this.timer = setInterval(() => {
      // a busy or briefly unreachable store: the next beat renews
      ledger.renew(holder.id, leaseMs).catch(() => undefined);
    }, Math.max(1000, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  async claim(messages: MessageRef[], o: { since: Date; allowRepeat: boolean; ownSourceId?: string }): Promise<ClaimResult> {
    await (this.registered ??= this.ledger.registerOwner(this.holder.owner));
    return this.ledger.claim(this.holder, messages, { since: o.since, leaseMs: this.leaseMs, allowRepeat: o.allowRepeat, ownSourceId: o.ownSourceId });
  }

  async stop(keep?: { ticketIds: string[]; keepMs: number }): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ledger.release(this.holder.id, keep, this.holder.owner);
  }
}

/** A bulk reply job's claims and ledger records while it runs (also for its resumes: same holder id). */
export interface BulkLedgerRun {
  session: ClaimSession;
  guard: SendGuard;
  /** Why tickets were skipped by this run, with who sent them and when. */
  skips: Map<string, SkippedSend>;
  /** Claims the job's open tickets up front; returns the ones another run sent or is sending. */
  claimAll(items: { ticketId: string; body: string | null }[]): Promise<SkippedSend[]>;
  /** Ends the run: claims released, those whose outcome is unknown kept until a resume settles them. */
  stop(unknownTicketIds: string[]): Promise<void>;
}

export function bulkLedgerRun(ledger: SentLedger, job: Pick<JobRecord, 'id' | 'template' | 'public' | 'allowRepeat'>, since: Date, now: () => Date): BulkLedgerRun {
  const session = new ClaimSession(ledger, { id: `job:${job.id}`, label: `job ${job.id}`, owner: newOwnerId() });
  const skips = new Map<string, SkippedSend>();
  const message = (i: { ticketId: string; body: string | null }): MessageRef => ({ ticketId: i.ticketId, template: job.template, body: i.body ?? '', public: job.public });
  const claim = async (items: { ticketId: string; body: string | null }[]): Promise<SkippedSend[]> => {
    const found = skipsOf(await session.claim(items.map(message), { since, allowRepeat: job.allowRepeat, ownSourceId: job.id }));
    for (const s of found) skips.set(s.ticketId, s);
    return found;
  };
  return {
    session,
    skips,
    claimAll: claim,
    guard: {
      beforeSend: async (item) => (await claim([item]))[0]?.reason,
      afterSend: (item, commentId) =>
        ledger.record({ ...message(item), source: 'bulk', sourceId: job.id, commentId, sentAt: now().toISOString() }, session.holder.id),
    },
    stop: (unknown) => session.stop({ ticketIds: unknown, keepMs: UNKNOWN_HOLD_MS }),
  };
}

/**
 * The ledger around one process's sends (tickets reply, followup run, triage apply): one claim session,
 * a check right before each send (claims, ledger, and the conversation when given), a record after.
 */
export function sendGuard(ledger: SentLedger, source: SendSource, label: string, since: Date, now: () => Date) {
  const owner = newOwnerId();
  const session = new ClaimSession(ledger, { id: `${source}:${owner}`, label, owner });
  return {
    holderId: session.holder.id,
    /** The reason not to send `m` now, or undefined (the ticket is then claimed for this process). */
    async beforeSend(m: MessageRef, o: { sourceId?: string | null; allowRepeat?: boolean; comments?: Comment[] } = {}): Promise<string | undefined> {
      const [skip] = skipsOf(await session.claim([m], { since, allowRepeat: Boolean(o.allowRepeat), ownSourceId: o.sourceId ?? undefined }));
      if (skip) return skip.reason;
      if (o.allowRepeat || !o.comments) return undefined;
      const found = findSentReply(o.comments, m.body, m.public, since.toISOString(), 0);
      return found ? inConversationReason(found.id, found.createdAt) : undefined;
    },
    afterSend(m: MessageRef, sourceId: string | null, commentId: string | null): Promise<void> {
      return ledger.record({ ...m, source, sourceId, commentId, sentAt: now().toISOString() }, session.holder.id);
    },
    /** Releases the claims; those of `unknown` tickets (the write may have landed) are kept until UNKNOWN_HOLD_MS. */
    stop(unknown: string[] = []): Promise<void> {
      return session.stop({ ticketIds: unknown, keepMs: UNKNOWN_HOLD_MS });
    },
  };
}
export type SendGuardSession = ReturnType<typeof sendGuard>;

/** The sent ledger's part of `followup run`. */
export function followupLedgerGuard(ledger: SentLedger, since: Date, now: () => Date): FollowupLedgerGuard & { stop(): Promise<void> } {
  const guard = sendGuard(ledger, 'followup', 'followup run', since, now);
  const ref = (f: FollowUp, m: { body: string; public: boolean }): MessageRef => ({ ticketId: f.ticketId, template: f.template, body: m.body, public: m.public });
  return {
    beforeSend: (f, m, comments) => guard.beforeSend(ref(f, m), { sourceId: String(f.id), allowRepeat: f.allowRepeat, comments }),
    afterSend: (f, m, commentId) => guard.afterSend(ref(f, m), String(f.id), commentId),
    stop: () => guard.stop(),
  };
}
