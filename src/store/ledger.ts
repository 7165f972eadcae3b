import { createHash } from 'node:crypto';
import { comparableText } from '../domain/text.js';

/**
 * The sent ledger: which message went to which ticket, from any command of the profile, and the
 * claims that keep two runs from sending the same message to one ticket at once.
 * This file is the store-neutral contract; db-ledger.ts implements it over either state store
 * (SQLite per profile, PostgreSQL in team mode). See docs/exactly-once.md.
 */

/** What sent it: a bulk job, a follow-up, `tickets reply`/`note`, a triage rule. */
export type SendSource = 'bulk' | 'followup' | 'reply' | 'note' | 'triage';

/** One message meant for one ticket: a template's rendering, or a typed body. */
export interface MessageRef {
  ticketId: string;
  /** Template name; null for a typed body. */
  template: string | null;
  /** The body as sent (compared in its comparable form). */
  body: string;
  public: boolean;
}

export interface SentEntry {
  ticketId: string;
  template: string | null;
  bodyHash: string;
  public: boolean;
  source: SendSource;
  /** Job id, follow-up id, ... (null for a one-off command). */
  sourceId: string | null;
  commentId: string | null;
  /** ISO time (the profile's clock). */
  sentAt: string;
  /** Who sent it: user@host of the process. */
  sentBy: string;
}

export type NewSentEntry = Omit<SentEntry, 'bodyHash' | 'sentBy'> & { body: string; sentBy?: string };

/** A run that claims tickets: a bulk job, one `tickets reply`, one follow-up runner. */
export interface Holder {
  /** Stable across resumes of the same work (job:k7m2qx); a claim with this id is ours. */
  id: string;
  /** For messages: "job k7m2qx", "tickets reply". */
  label: string;
  /** host/pid/random of the process (src/store/owner.ts newOwnerId): tells whether it is still alive. */
  owner: string;
}

export interface HeldClaim {
  ticketId: string;
  holderId: string;
  label: string;
  owner: string;
  expiresAt: string;
}

export interface ClaimOptions {
  /** Ledger entries older than this do not count (the repeat window). */
  since: Date;
  /** How long a claim lasts without renewal (wall clock). */
  leaseMs: number;
  /** Send even when the ledger has it (--allow-repeat); live claims of others still block. */
  allowRepeat?: boolean;
  /** Ledger entries of this source id are ours (a resumed job's own sends are settled by its journal). */
  ownSourceId?: string;
}

export interface ClaimResult {
  claimed: MessageRef[];
  alreadySent: { message: MessageRef; entry: SentEntry }[];
  held: { message: MessageRef; claim: HeldClaim }[];
}

export interface SentLedger {
  /**
   * Makes this process's owner id (Holder.owner) known to every process sharing the store, so its
   * claims stop counting as soon as it dies or loses its connection (StateDb.registerOwner).
   */
  registerOwner(owner: string): Promise<void>;
  /** Records a confirmed send (and drops the holder's claim on that ticket, in the same transaction). */
  record(entry: NewSentEntry, holderId?: string): Promise<void>;
  /** The most recent matching entry per ticket id, sent at or after `since`. */
  findRecent(messages: MessageRef[], since: Date): Promise<Map<string, SentEntry>>;
  /** Live claims of other holders on these messages, by ticket id (read only, for previews). */
  findHeld(messages: MessageRef[], holderId: string | null): Promise<Map<string, HeldClaim>>;
  /**
   * Atomically, per message: already in the ledger (skipped unless allowRepeat), claimed by another
   * live holder, or claimed for `holder` now.
   */
  claim(holder: Holder, messages: MessageRef[], opts: ClaimOptions): Promise<ClaimResult>;
  /** Extends every claim of the holder (a heartbeat while it works). */
  renew(holderId: string, leaseMs: number): Promise<void>;
  /**
   * Drops the holder's claims. Tickets in `keep` (outcome unknown: the write may have landed) stay
   * claimed until `keepMs` from now, whoever asks, so nobody sends them again before a resume checks.
   * With `owner`, only the claims that process took (and pinned ones): another process that took the
   * same holder's work over (a resumed job) keeps its own.
   */
  release(holderId: string, keep?: { ticketIds: string[]; keepMs: number }, owner?: string): Promise<void>;
}

/** Default repeat window: a message sent within it is not sent again without --allow-repeat. */
export const DEFAULT_REPEAT_WINDOW_MS = 30 * 86_400_000;
/** A claim lives this long without renewal; a holder renews at a third of it. */
export const DEFAULT_LEASE_MS = 2 * 60_000;
/** An unknown outcome keeps its ticket claimed this long (until a resume settles it). */
export const UNKNOWN_HOLD_MS = 24 * 3_600_000;

/** The comparable body's SHA-256: two sends of the same text match however the helpdesk wrapped it. */
export const bodyHash = (body: string): string => createHash('sha256').update(comparableText(body)).digest('hex');

/** Claim keys of a message: its template and its body, so a template and an identical typed body meet. */
export function claimKeys(m: MessageRef): string[] {
  const vis = m.public ? 'r' : 'n';
  const keys = [`${vis}:b:${bodyHash(m.body)}`];
  if (m.template) keys.unshift(`${vis}:t:${m.template}`);
  return keys;
}

const day = (iso: string) => iso.slice(0, 10);

/** Who sent an entry, for a skip reason: "job k7m2qx", "follow-up 12", "tickets reply by ana@laptop". */
export function describeSender(e: Pick<SentEntry, 'source' | 'sourceId' | 'sentBy'>): string {
  switch (e.source) {
    case 'bulk':
      return `job ${e.sourceId}`;
    case 'followup':
      return `follow-up ${e.sourceId}`;
    case 'triage':
      return `triage apply${e.sourceId ? ` (rule ${e.sourceId})` : ''} by ${e.sentBy}`;
    default:
      return `tickets ${e.source} by ${e.sentBy}`;
  }
}

/** "already sent by job k7m2qx on 2026-11-20" */
export const alreadySentReason = (e: SentEntry): string => `already sent by ${describeSender(e)} on ${day(e.sentAt)}`;

/** "being sent by job k7m2qx (pid 4242 on laptop)" */
export function heldReason(c: HeldClaim): string {
  if (!c.owner) return `sent by ${c.label} with an unknown outcome (its resume checks the ticket first)`;
  const m = /^(.*)\/(\d+)\/[0-9a-f]+$/.exec(c.owner);
  return `being sent by ${c.label}${m ? ` (pid ${m[2]} on ${m[1]})` : ''}`;
}

/** "already on the ticket (comment 9, 2026-11-20)": found in the conversation, sent outside deskctl's ledger. */
export const inConversationReason = (commentId: string, createdAt: string): string => `already on the ticket (comment ${commentId}, ${day(createdAt)})`;
