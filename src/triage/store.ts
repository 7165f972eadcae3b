import { comparableText } from '../domain/text.js';
import { createHash } from 'node:crypto';
import type { StateStore } from '../store/state-store.js';

/**
 * Triage's own state in the profile's StateStore (namespace 'triage'):
 * - triage_log: every action taken by the interactive walk or by `triage apply` (audit trail);
 * - triage_sent: replies/notes sent by a rule to a ticket, so that a rule never sends the same
 *   template twice to the same ticket. The row is written as 'pending' before the call and
 *   'sent' after; a 'pending' row left by a crash is checked against the conversation.
 */
export const TRIAGE_NAMESPACE = 'triage';
export const TRIAGE_MIGRATIONS = [
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
] as const;

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

export class TriageJournal {
  private constructor(private readonly store: StateStore) {}

  static open(store: StateStore): TriageJournal {
    store.ensureSchema(TRIAGE_NAMESPACE, TRIAGE_MIGRATIONS);
    return new TriageJournal(store);
  }

  log(e: LogEntry): void {
    this.store.db
      .prepare(`INSERT INTO triage_log (at, source, session, ticket_id, action, detail) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(e.at.toISOString(), e.source, e.session, e.ticketId, e.action, e.detail === undefined ? null : JSON.stringify(e.detail));
  }

  /** Logged actions, oldest first (the latest `limit` when given). */
  entries(filter: string | { session?: string; ticketId?: string; source?: 'walk' | 'apply'; limit?: number } = {}): LogRow[] {
    const f = typeof filter === 'string' ? { session: filter } : filter;
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.session) (where.push('session = ?'), params.push(f.session));
    if (f.ticketId) (where.push('ticket_id = ?'), params.push(f.ticketId));
    if (f.source) (where.push('source = ?'), params.push(f.source));
    const sql = `SELECT * FROM triage_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC ${f.limit ? `LIMIT ${Math.floor(f.limit)}` : ''}`;
    const rows = this.store.db.prepare(sql).all(...params) as { at: string; source: string; session: string; ticket_id: string; action: string; detail: string | null }[];
    return rows.reverse().map((r) => ({ at: r.at, source: r.source, session: r.session, ticketId: r.ticket_id, action: r.action, detail: r.detail ? JSON.parse(r.detail) : null }));
  }

  sentState(rule: string, ticketId: string, kind: string, ref: string): { state: SentState; bodyHash: string | null } | undefined {
    const row = this.store.db
      .prepare(`SELECT state, body_hash FROM triage_sent WHERE rule = ? AND ticket_id = ? AND kind = ? AND ref = ?`)
      .get(rule, ticketId, kind, ref) as { state: SentState; body_hash: string | null } | undefined;
    return row ? { state: row.state, bodyHash: row.body_hash } : undefined;
  }

  /** Sent, or possibly sent (pending): the planner does not plan it again; the executor settles pending ones. */
  isSent(rule: string, ticketId: string, kind: string, ref: string): boolean {
    return this.sentState(rule, ticketId, kind, ref)?.state === 'sent';
  }

  markPending(rule: string, ticketId: string, kind: string, ref: string, hash: string, at: Date): void {
    this.store.db
      .prepare(
        `INSERT INTO triage_sent (rule, ticket_id, kind, ref, state, body_hash, at) VALUES (?, ?, ?, ?, 'pending', ?, ?)
         ON CONFLICT (rule, ticket_id, kind, ref) DO UPDATE SET state = 'pending', body_hash = excluded.body_hash, at = excluded.at`,
      )
      .run(rule, ticketId, kind, ref, hash, at.toISOString());
  }

  markSent(rule: string, ticketId: string, kind: string, ref: string, commentId: string | null, at: Date): void {
    this.store.db
      .prepare(`UPDATE triage_sent SET state = 'sent', comment_id = ?, at = ? WHERE rule = ? AND ticket_id = ? AND kind = ? AND ref = ?`)
      .run(commentId, at.toISOString(), rule, ticketId, kind, ref);
  }

  /** The call failed for sure (the helpdesk refused): forget the intent so the next run tries again. */
  clearPending(rule: string, ticketId: string, kind: string, ref: string): void {
    this.store.db.prepare(`DELETE FROM triage_sent WHERE rule = ? AND ticket_id = ? AND kind = ? AND ref = ? AND state = 'pending'`).run(rule, ticketId, kind, ref);
  }
}
