import { hostname, userInfo } from 'node:os';
import { inChunks, ownerAliveOnce, sqlMarks, type SchemaNamespace, type StateDb } from './state-db.js';
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

/** The 'ledger' namespace of the profile's state store: append-only migrations per dialect. */
export const LEDGER_SCHEMA: SchemaNamespace = {
  name: 'ledger',
  sqlite: [
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
  ],
  postgres: [
    `CREATE TABLE ledger_sent (
       id         BIGSERIAL PRIMARY KEY,
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
       expires_ms BIGINT  NOT NULL,
       PRIMARY KEY (ticket_id, claim_key)
     );
     CREATE INDEX ledger_claims_holder ON ledger_claims (holder_id);`,
  ],
};

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
  public: Number(r.public) === 1,
  source: r.source,
  sourceId: r.source_id,
  commentId: r.comment_id,
  sentAt: r.sent_at,
  sentBy: r.sent_by,
});
const toHeld = (r: ClaimRow): HeldClaim => ({ ticketId: r.ticket_id, holderId: r.holder_id, label: r.label, owner: r.owner, expiresAt: new Date(Number(r.expires_ms)).toISOString() });

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

/** Claims of tickets in different buckets do not wait for each other; a claim takes its buckets' locks in order. */
const LOCK_BUCKETS = 256;

/** The advisory locks a claim of these messages takes: one per bucket of their ticket ids, sorted (no deadlock). */
export function lockKeys(messages: readonly MessageRef[]): string[] {
  const bucket = (ticketId: string) => {
    let h = 2166136261; // FNV-1a
    for (let i = 0; i < ticketId.length; i++) h = Math.imul(h ^ ticketId.charCodeAt(i), 16777619);
    return (h >>> 0) % LOCK_BUCKETS;
  };
  return [...new Set(messages.map((m) => bucket(m.ticketId)))].sort((x, y) => x - y).map((b) => `ledger:${b}`);
}

/**
 * The sent ledger and ticket claims in the profile's state store, SQLite or PostgreSQL. A claim is a
 * row per (ticket, key); taking it is one transaction holding its tickets' locks (advisory locks
 * shared by every host on PostgreSQL, see lockKeys; SQLite's write transaction already is one) that
 * also reads the ledger, so a run that finishes (records, then releases) and a run that starts can never both
 * decide to send. A claim of a holder whose process is gone (`StateDb.ownerAlive`: its pid on this
 * host, or its PostgreSQL session) or whose lease ran out no longer counts.
 * Claim leases use the wall clock (Date.now); ledger times use the profile's clock (DESKCTL_NOW).
 */
export class DbLedger implements SentLedger {
  constructor(
    private readonly db: StateDb,
    private readonly now: () => Date = () => new Date(),
    private readonly wallMs: () => number = () => Date.now(),
  ) {}

  async record(entry: NewSentEntry, holderId?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO ledger_sent (ticket_id, template, body_hash, public, source, source_id, comment_id, sent_at, sent_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [entry.ticketId, entry.template, bodyHash(entry.body), entry.public ? 1 : 0, entry.source, entry.sourceId, entry.commentId, entry.sentAt, entry.sentBy ?? currentSender()],
      );
      if (holderId) await tx.run(`DELETE FROM ledger_claims WHERE ticket_id = ? AND holder_id = ?`, [entry.ticketId, holderId]);
    });
  }

  /** Per message, the most recent matching send since `sinceIso` (sends of `ownSourceId` left out). */
  private async recent(db: StateDb, messages: MessageRef[], sinceIso: string, ownSourceId?: string): Promise<Map<MessageRef, SentEntry>> {
    const out = new Map<MessageRef, SentEntry>();
    const byTicket = new Map<string, SentRow[]>();
    for (const part of inChunks([...new Set(messages.map((m) => m.ticketId))])) {
      const rows = await db.all<SentRow>(
        `SELECT * FROM ledger_sent WHERE ticket_id IN (${sqlMarks(part.length)}) AND sent_at >= ?
         ${ownSourceId === undefined ? '' : 'AND (source_id IS NULL OR source_id <> ?)'}
         ORDER BY sent_at DESC, id DESC`,
        [...part, sinceIso, ...(ownSourceId === undefined ? [] : [ownSourceId])],
      );
      for (const r of rows) {
        const list = byTicket.get(r.ticket_id);
        if (list) list.push(r);
        else byTicket.set(r.ticket_id, [r]);
      }
    }
    for (const m of messages) {
      const hash = bodyHash(m.body);
      const row = byTicket.get(m.ticketId)?.find((r) => Number(r.public) === (m.public ? 1 : 0) && (r.body_hash === hash || (r.template !== null && r.template === m.template)));
      if (row) out.set(m, toEntry(row));
    }
    return out;
  }

  async findRecent(messages: MessageRef[], since: Date): Promise<Map<string, SentEntry>> {
    const out = new Map<string, SentEntry>();
    for (const [m, e] of await this.recent(this.db, messages, since.toISOString())) out.set(m.ticketId, e);
    return out;
  }

  /** Per message, a live claim of another holder on any of its keys. */
  private async held(db: StateDb, messages: MessageRef[], holderId: string | null, nowMs: number): Promise<Map<MessageRef, ClaimRow>> {
    const claims = new Map<string, ClaimRow>();
    for (const part of inChunks([...new Set(messages.map((m) => m.ticketId))])) {
      for (const r of await db.all<ClaimRow>(`SELECT * FROM ledger_claims WHERE ticket_id IN (${sqlMarks(part.length)})`, part)) claims.set(`${r.ticket_id}\u0000${r.claim_key}`, r);
    }
    const ownerAlive = ownerAliveOnce(db);
    const out = new Map<MessageRef, ClaimRow>();
    for (const m of messages) {
      for (const key of claimKeys(m)) {
        const row = claims.get(`${m.ticketId}\u0000${key}`);
        if (row && row.holder_id !== holderId && Number(row.expires_ms) > nowMs && (await ownerAlive(row.owner))) {
          out.set(m, row);
          break;
        }
      }
    }
    return out;
  }

  async findHeld(messages: MessageRef[], holderId: string | null): Promise<Map<string, HeldClaim>> {
    const out = new Map<string, HeldClaim>();
    for (const [m, row] of await this.held(this.db, messages, holderId, this.wallMs())) out.set(m.ticketId, toHeld(row));
    return out;
  }

  registerOwner(owner: string): Promise<void> {
    return this.db.registerOwner(owner);
  }

  async claim(holder: Holder, messages: MessageRef[], opts: ClaimOptions): Promise<ClaimResult> {
    return this.db.transaction(async (tx) => {
      for (const key of lockKeys(messages)) await tx.lock(key);
      const result: ClaimResult = { claimed: [], alreadySent: [], held: [] };
      const nowMs = this.wallMs();
      const held = await this.held(tx, messages, holder.id, nowMs);
      const sent = opts.allowRepeat ? new Map<MessageRef, SentEntry>() : await this.recent(tx, messages, opts.since.toISOString(), opts.ownSourceId);
      const rows = new Map<string, unknown[]>();
      for (const m of messages) {
        const claim = held.get(m);
        if (claim) {
          result.held.push({ message: m, claim: toHeld(claim) });
          continue;
        }
        const entry = sent.get(m);
        if (entry) {
          result.alreadySent.push({ message: m, entry });
          continue;
        }
        for (const key of claimKeys(m)) rows.set(`${m.ticketId}\u0000${key}`, [m.ticketId, key, holder.id, holder.label, holder.owner, nowMs + opts.leaseMs]);
        result.claimed.push(m);
      }
      for (const part of inChunks([...rows.values()], 100)) {
        await tx.run(
          `INSERT INTO ledger_claims (ticket_id, claim_key, holder_id, label, owner, expires_ms) VALUES ${sqlMarks(part.length, '(?, ?, ?, ?, ?, ?)')}
           ON CONFLICT (ticket_id, claim_key) DO UPDATE SET holder_id = excluded.holder_id, label = excluded.label,
             owner = excluded.owner, expires_ms = excluded.expires_ms`,
          part.flat(),
        );
      }
      return result;
    });
  }

  async renew(holderId: string, leaseMs: number): Promise<void> {
    // only claims still ours and not pinned by an unknown outcome (those carry their own expiry)
    await this.db.run(`UPDATE ledger_claims SET expires_ms = ? WHERE holder_id = ? AND owner <> ''`, [this.wallMs() + leaseMs, holderId]);
  }

  async release(holderId: string, keep?: { ticketIds: string[]; keepMs: number }, owner?: string): Promise<void> {
    const kept = new Set(keep?.ticketIds ?? []);
    // with an owner, only that process's claims and the pinned ones go (a run that took the job over keeps its own)
    const mine = owner === undefined ? '' : ` AND (owner = ? OR owner = '')`;
    const ownerParam = owner === undefined ? [] : [owner];
    await this.db.transaction(async (tx) => {
      // pinned: no owner process (nobody renews it), so only the expiry or the holder's resume frees it;
      // whichever process of the holder took the claim (pinning only protects)
      for (const part of inChunks([...kept])) {
        await tx.run(`UPDATE ledger_claims SET owner = '', expires_ms = ? WHERE holder_id = ? AND ticket_id IN (${sqlMarks(part.length)})`, [this.wallMs() + keep!.keepMs, holderId, ...part]);
      }
      const rows = await tx.all<{ ticket_id: string }>(`SELECT DISTINCT ticket_id FROM ledger_claims WHERE holder_id = ?${mine}`, [holderId, ...ownerParam]);
      for (const part of inChunks(rows.map((r) => r.ticket_id).filter((t) => !kept.has(t)))) {
        await tx.run(`DELETE FROM ledger_claims WHERE holder_id = ?${mine} AND ticket_id IN (${sqlMarks(part.length)})`, [holderId, ...ownerParam, ...part]);
      }
    });
  }
}
