import { hostname, userInfo } from 'node:os';
import { ownerMayBeAlive } from './owner.js';
import type { Database } from './sqlite.js';
import {
  bodyHash,
  claimKeys,
  type ClaimOptions,
  type ClaimResult,
  type HeldClaim,
  type Holder,
  type MessageRef,
  type NewSentEntry,
  type SendSource,
  type SentEntry,
  type SentLedger,
} from './ledger.js';

export const LEDGER_NAMESPACE = 'ledger';

/** Append-only migrations of the 'ledger' namespace in the profile's state store. */
export const LEDGER_MIGRATIONS: readonly string[] = [
  `CREATE TABLE ledger_sent (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id  TEXT    NOT NULL,
     template   TEXT,
     body_hash  TEXT    NOT NULL,
     public     INTEGER NOT NULL,
     source     TEXT    NOT NULL,
     source_id  TEXT,
     comment_id TEXT,
     sent_at    TEXT    NOT NULL,
     sent_by    TEXT    NOT NULL
   );
   CREATE INDEX ledger_sent_ticket ON ledger_sent (ticket_id, sent_at);
   CREATE TABLE ledger_claims (
     ticket_id  TEXT    NOT NULL,
     claim_key  TEXT    NOT NULL,
     holder_id  TEXT    NOT NULL,
     label      TEXT    NOT NULL,
     owner      TEXT    NOT NULL,
     expires_ms INTEGER NOT NULL,
     PRIMARY KEY (ticket_id, claim_key)
   );
   CREATE INDEX ledger_claims_holder ON ledger_claims (holder_id);`,
];

interface SentRow {
  ticket_id: string;
  template: string | null;
  body_hash: string;
  public: number;
  source: SendSource;
  source_id: string | null;
  comment_id: string | null;
  sent_at: string;
  sent_by: string;
}
interface ClaimRow {
  ticket_id: string;
  claim_key: string;
  holder_id: string;
  label: string;
  owner: string;
  expires_ms: number;
}

const toEntry = (r: SentRow): SentEntry => ({
  ticketId: r.ticket_id,
  template: r.template,
  bodyHash: r.body_hash,
  public: r.public === 1,
  source: r.source,
  sourceId: r.source_id,
  commentId: r.comment_id,
  sentAt: r.sent_at,
  sentBy: r.sent_by,
});
const toHeld = (r: ClaimRow): HeldClaim => ({ ticketId: r.ticket_id, holderId: r.holder_id, label: r.label, owner: r.owner, expiresAt: new Date(r.expires_ms).toISOString() });

/** user@host of this process, recorded with every send. */
export function currentSender(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `${user}@${hostname()}`;
}

/**
 * The sent ledger and ticket claims in the profile's SQLite state store. A claim is a row per
 * (ticket, key); taking it is one IMMEDIATE transaction that also reads the ledger, so a run that
 * finishes (records, then releases) and a run that starts can never both decide to send.
 * Claim leases use the wall clock (Date.now); ledger times use the profile's clock (DESKCTL_NOW).
 */
export class SqliteLedger implements SentLedger {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
    private readonly wallMs: () => number = () => Date.now(),
  ) {}

  record(entry: NewSentEntry, holderId?: string): void {
    const tx = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO ledger_sent (ticket_id, template, body_hash, public, source, source_id, comment_id, sent_at, sent_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(entry.ticketId, entry.template, bodyHash(entry.body), entry.public ? 1 : 0, entry.source, entry.sourceId, entry.commentId, entry.sentAt, entry.sentBy ?? currentSender());
      if (holderId) this.db.prepare(`DELETE FROM ledger_claims WHERE ticket_id = ? AND holder_id = ?`).run(entry.ticketId, holderId);
    });
    tx.immediate();
  }

  private recentFor(m: MessageRef, sinceIso: string, ownSourceId?: string): SentEntry | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM ledger_sent
         WHERE ticket_id = ? AND public = ? AND sent_at >= ? AND (body_hash = ? OR (template IS NOT NULL AND template = ?))
           AND (? IS NULL OR source_id IS NULL OR source_id <> ?)
         ORDER BY sent_at DESC, id DESC LIMIT 1`,
      )
      .get(m.ticketId, m.public ? 1 : 0, sinceIso, bodyHash(m.body), m.template, ownSourceId ?? null, ownSourceId ?? null) as SentRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  findRecent(messages: MessageRef[], since: Date): Map<string, SentEntry> {
    const out = new Map<string, SentEntry>();
    const sinceIso = since.toISOString();
    for (const m of messages) {
      const e = this.recentFor(m, sinceIso);
      if (e) out.set(m.ticketId, e);
    }
    return out;
  }

  /** A live claim of another holder on any of the message's keys. */
  private heldBy(m: MessageRef, holderId: string | null, nowMs: number): ClaimRow | undefined {
    const stmt = this.db.prepare(`SELECT * FROM ledger_claims WHERE ticket_id = ? AND claim_key = ?`);
    for (const key of claimKeys(m)) {
      const row = stmt.get(m.ticketId, key) as ClaimRow | undefined;
      if (row && row.holder_id !== holderId && row.expires_ms > nowMs && ownerMayBeAlive(row.owner)) return row;
    }
    return undefined;
  }

  findHeld(messages: MessageRef[], holderId: string | null): Map<string, HeldClaim> {
    const out = new Map<string, HeldClaim>();
    const nowMs = this.wallMs();
    for (const m of messages) {
      const row = this.heldBy(m, holderId, nowMs);
      if (row) out.set(m.ticketId, toHeld(row));
    }
    return out;
  }

  claim(holder: Holder, messages: MessageRef[], opts: ClaimOptions): ClaimResult {
    const result: ClaimResult = { claimed: [], alreadySent: [], held: [] };
    const sinceIso = opts.since.toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO ledger_claims (ticket_id, claim_key, holder_id, label, owner, expires_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(ticket_id, claim_key) DO UPDATE SET holder_id = excluded.holder_id, label = excluded.label,
         owner = excluded.owner, expires_ms = excluded.expires_ms`,
    );
    const tx = this.db.transaction(() => {
      const nowMs = this.wallMs();
      for (const m of messages) {
        const held = this.heldBy(m, holder.id, nowMs);
        if (held) {
          result.held.push({ message: m, claim: toHeld(held) });
          continue;
        }
        const sent = opts.allowRepeat ? undefined : this.recentFor(m, sinceIso, opts.ownSourceId);
        if (sent) {
          result.alreadySent.push({ message: m, entry: sent });
          continue;
        }
        for (const key of claimKeys(m)) upsert.run(m.ticketId, key, holder.id, holder.label, holder.owner, nowMs + opts.leaseMs);
        result.claimed.push(m);
      }
    });
    tx.immediate();
    return result;
  }

  renew(holderId: string, leaseMs: number): void {
    // only claims still ours and not pinned by an unknown outcome (those carry their own expiry)
    this.db.prepare(`UPDATE ledger_claims SET expires_ms = ? WHERE holder_id = ? AND owner <> ''`).run(this.wallMs() + leaseMs, holderId);
  }

  release(holderId: string, keep?: { ticketIds: string[]; keepMs: number }): void {
    const tx = this.db.transaction(() => {
      const kept = new Set(keep?.ticketIds ?? []);
      if (kept.size) {
        // pinned: no owner process (nobody renews it), so only the expiry or the holder's resume frees it
        const pin = this.db.prepare(`UPDATE ledger_claims SET owner = '', expires_ms = ? WHERE holder_id = ? AND ticket_id = ?`);
        for (const t of kept) pin.run(this.wallMs() + keep!.keepMs, holderId, t);
      }
      const rows = this.db.prepare(`SELECT ticket_id FROM ledger_claims WHERE holder_id = ?`).all(holderId) as { ticket_id: string }[];
      const drop = this.db.prepare(`DELETE FROM ledger_claims WHERE holder_id = ? AND ticket_id = ?`);
      for (const r of rows) if (!kept.has(r.ticket_id)) drop.run(holderId, r.ticket_id);
    });
    tx.immediate();
  }
}
