import { comparableText } from '../domain/text.js';
import { createHash } from 'node:crypto';
import { inChunks, sqlMarks, type SchemaNamespace, type StateDb } from '../store/state-db.js';
import type { StateStore } from '../store/state-store.js';

/**
 * Triage's own state in the profile's StateStore (namespace 'triage'):
 * - triage_log: every action taken by the interactive walk or by `triage apply` (audit trail);
 * - triage_sent: replies/notes sent by a rule to a ticket, so that a rule never sends the same
 *   template twice to the same ticket. The row is written as 'pending' before the call and
 *   'sent' after; a 'pending' row left by a crash is checked against the conversation.
 * Append-only migrations per dialect (SQLite's are those shipped before team mode).
 */
export const TRIAGE_SCHEMA: SchemaNamespace = {
  name: 'triage',
  sqlite: [
    `CREATE TABLE triage_log (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       at TEXT NOT NULL,
       source TEXT NOT NULL,
       session TEXT NOT NULL,
       ticket_id TEXT NOT NULL,
       action TEXT NOT NULL,
       detail TEXT
     )`,
    `CREATE INDEX triage_log_ticket ON triage_log (ticket_id, at)`,
    `CREATE TABLE triage_sent (
       rule TEXT NOT NULL,
       ticket_id TEXT NOT NULL,
       kind TEXT NOT NULL,
       ref TEXT NOT NULL,
       state TEXT NOT NULL,
       body_hash TEXT,
       comment_id TEXT,
       at TEXT NOT NULL,
       PRIMARY KEY (rule, ticket_id, kind, ref)
     )`,
  ],
  postgres: [
    `CREATE TABLE triage_log (
       id BIGSERIAL PRIMARY KEY,
       at TEXT NOT NULL,
       source TEXT NOT NULL,
       session TEXT NOT NULL,
       ticket_id TEXT NOT NULL,
       action TEXT NOT NULL,
       detail TEXT
     )`,
    `CREATE INDEX triage_log_ticket ON triage_log (ticket_id, at)`,
    `CREATE TABLE triage_sent (
       rule TEXT NOT NULL,
       ticket_id TEXT NOT NULL,
       kind TEXT NOT NULL,
       ref TEXT NOT NULL,
       state TEXT NOT NULL,
       body_hash TEXT,
       comment_id TEXT,
       at TEXT NOT NULL,
       PRIMARY KEY (rule, ticket_id, kind, ref)
     )`,
  ],
};

export type SentState = 'pending' | 'sent';

export interface LogEntry {
  at: Date;
  source: 'walk' | 'apply';
  session: string;
  ticketId: string;
  action: string;
  detail?: unknown;
}

export interface LogRow {
  at: string;
  source: string;
  session: string;
  ticketId: string;
  action: string;
  detail: unknown;
}

export const bodyHash = (body: string) => createHash('sha256').update(comparableText(body)).digest('hex').slice(0, 32);

/** Where a rule's reply/note stands on a ticket: the key of TriageJournal.sentStates. */
export const sentKey = (rule: string, ticketId: string, kind: string, ref: string): string => [rule, ticketId, kind, ref].join('\u0000');

export class TriageJournal {
  private constructor(private readonly db: StateDb) {}

  static async open(store: StateStore): Promise<TriageJournal> {
    return new TriageJournal(await store.ensure(TRIAGE_SCHEMA));
  }

  async log(e: LogEntry): Promise<void> {
    await this.db.run(`INSERT INTO triage_log (at, source, session, ticket_id, action, detail) VALUES (?, ?, ?, ?, ?, ?)`, [
      e.at.toISOString(),
      e.source,
      e.session,
      e.ticketId,
      e.action,
      e.detail === undefined ? null : JSON.stringify(e.detail),
    ]);
  }

  /** Logged actions, oldest first (the latest `limit` when given). */
  async entries(filter: string | { session?: string; ticketId?: string; source?: 'walk' | 'apply'; limit?: number } = {}): Promise<LogRow[]> {
    const f = typeof filter === 'string' ? { session: filter } : filter;
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.session) (where.push('session = ?'), params.push(f.session));
    if (f.ticketId) (where.push('ticket_id = ?'), params.push(f.ticketId));
    if (f.source) (where.push('source = ?'), params.push(f.source));
    const sql = `SELECT * FROM triage_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC ${f.limit ? `LIMIT ${Math.floor(f.limit)}` : ''}`;
    const rows = await this.db.all<{ at: string; source: string; session: string; ticket_id: string; action: string; detail: string | null }>(sql, params);
    return rows.reverse().map((r) => ({ at: r.at, source: r.source, session: r.session, ticketId: r.ticket_id, action: r.action, detail: r.detail ? JSON.parse(r.detail) : null }));
  }

  async sentState(rule: string, ticketId: string, kind: string, ref: string): Promise<{ state: SentState; bodyHash: string | null } | undefined> {
    const row = await this.db.get<{ state: SentState; body_hash: string | null }>(
      `SELECT state, body_hash FROM triage_sent WHERE rule = ? AND ticket_id = ? AND kind = ? AND ref = ?`,
      [rule, ticketId, kind, ref],
    );
    return row ? { state: row.state, bodyHash: row.body_hash } : undefined;
  }

  /** Sent, or possibly sent (pending): the planner does not plan it again; the executor settles pending ones. */
  async isSent(rule: string, ticketId: string, kind: string, ref: string): Promise<boolean> {
    return (await this.sentState(rule, ticketId, kind, ref))?.state === 'sent';
  }

  /** What the rules sent to these tickets, by sentKey: 'sent', or 'pending' (possibly sent; the executor settles it). */
  async sentStates(ticketIds: readonly string[]): Promise<Map<string, SentState>> {
    const out = new Map<string, SentState>();
    const ids = [...new Set(ticketIds)];
    for (const part of inChunks(ids)) {
      const rows = await this.db.all<{ rule: string; ticket_id: string; kind: string; ref: string; state: SentState }>(
        `SELECT rule, ticket_id, kind, ref, state FROM triage_sent WHERE ticket_id IN (${sqlMarks(part.length)})`,
        part,
      );
      for (const r of rows) out.set(sentKey(r.rule, r.ticket_id, r.kind, r.ref), r.state);
    }
    return out;
  }

  async markPending(rule: string, ticketId: string, kind: string, ref: string, hash: string, at: Date): Promise<void> {
    await this.db.run(
      `INSERT INTO triage_sent (rule, ticket_id, kind, ref, state, body_hash, at) VALUES (?, ?, ?, ?, 'pending', ?, ?)
       ON CONFLICT (rule, ticket_id, kind, ref) DO UPDATE SET state = 'pending', body_hash = excluded.body_hash, at = excluded.at`,
      [rule, ticketId, kind, ref, hash, at.toISOString()],
    );
  }

  async markSent(rule: string, ticketId: string, kind: string, ref: string, commentId: string | null, at: Date): Promise<void> {
    await this.db.run(`UPDATE triage_sent SET state = 'sent', comment_id = ?, at = ? WHERE rule = ? AND ticket_id = ? AND kind = ? AND ref = ?`, [
      commentId,
      at.toISOString(),
      rule,
      ticketId,
      kind,
      ref,
    ]);
  }

  /** The call failed for sure (the helpdesk refused): forget the intent so the next run tries again. */
  async clearPending(rule: string, ticketId: string, kind: string, ref: string): Promise<void> {
    await this.db.run(`DELETE FROM triage_sent WHERE rule = ? AND ticket_id = ? AND kind = ? AND ref = ? AND state = 'pending'`, [rule, ticketId, kind, ref]);
  }
}
