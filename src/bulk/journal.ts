import { randomBytes } from 'node:crypto';
import type { TicketPatch } from '../domain/model.js';
import type { ChangeOutcome } from '../tickets/changes.js';
import { DeskctlError, NotFoundError } from '../errors.js';
import type { Database } from '../store/sqlite.js';

/** Append-only migrations of the 'bulk' namespace in the profile's state store. */
export const BULK_MIGRATIONS: readonly string[] = [
  `CREATE TABLE bulk_jobs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     state TEXT NOT NULL,
     template TEXT,
     public INTEGER,
     patch TEXT NOT NULL,
     selection TEXT NOT NULL,
     total INTEGER NOT NULL,
     concurrency INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     finished_at TEXT,
     owner_pid INTEGER
   );
   CREATE TABLE bulk_items (
     job_id TEXT NOT NULL REFERENCES bulk_jobs(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     ticket_id TEXT NOT NULL,
     body TEXT,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     intent_at TEXT,
     replied_at TEXT,
     comment_id TEXT,
     recovered INTEGER NOT NULL DEFAULT 0,
     outcome_at TEXT,
     error TEXT,
     PRIMARY KEY (job_id, ticket_id)
   );
   CREATE INDEX bulk_items_by_state ON bulk_items(job_id, state, seq);`,
  // the sent-ledger policy the job was started with, so a resume applies the same one
  `ALTER TABLE bulk_jobs ADD COLUMN allow_repeat INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE bulk_jobs ADD COLUMN repeat_window_ms INTEGER;`,
  // per-change outcomes of the ticket changes (JSON ChangeOutcome[]), so a report says what was applied
  `ALTER TABLE bulk_items ADD COLUMN changes TEXT;`,
];

export type JobKind = 'reply' | 'update';
/**
 * ready: created, nothing tried; running: a process is working on it; interrupted: stopped part way;
 * unsettled: every ticket was tried but some outcomes are unknown (a resume checks them on the helpdesk);
 * done / partial (some failed) / failed (all failed).
 */
export type JobState = 'ready' | 'running' | 'interrupted' | 'unsettled' | 'done' | 'partial' | 'failed';
/**
 * pending: nothing tried. intent: a call was about to be made (its outcome is unknown until confirmed).
 * unknown: the call failed ambiguously (timeout, 5xx, reset) and the reply was not seen on the ticket after the
 * settle checks; it was not sent again, and a resume checks the ticket before sending.
 * replied: the reply is on the ticket, the template's changes are not applied yet.
 * done / failed / skipped (never sent: could not be rendered or found).
 */
export type ItemState = 'pending' | 'intent' | 'unknown' | 'replied' | 'done' | 'failed' | 'skipped';

/** Items a run (or a resume) still has to settle. */
export const OPEN_STATES: readonly ItemState[] = ['pending', 'intent', 'unknown', 'replied'];

/** How many items of a job are not settled yet. */
export const openCount = (c: ItemCounts): number => c.pending + c.intent + c.unknown + c.replied;

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  template: string | null;
  public: boolean;
  patch: TicketPatch;
  selection: string;
  total: number;
  concurrency: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  ownerPid: number | null;
  /** Started with --allow-repeat: the sent ledger does not skip its tickets. */
  allowRepeat: boolean;
  /** The repeat window it was started with (null: the profile's). */
  repeatWindowMs: number | null;
}

export interface ItemRecord {
  jobId: string;
  seq: number;
  ticketId: string;
  body: string | null;
  state: ItemState;
  attempts: number;
  intentAt: string | null;
  repliedAt: string | null;
  commentId: string | null;
  /** The reply was found on the ticket by a resume (an earlier run sent it but was stopped before recording it). */
  recovered: boolean;
  outcomeAt: string | null;
  error: string | null;
  /** The ticket changes, each applied or failed (null until changes were attempted). */
  changes: ChangeOutcome[] | null;
}

export type ItemCounts = Record<ItemState, number> & { total: number };

export interface NewJob {
  kind: JobKind;
  template?: string;
  public?: boolean;
  patch: TicketPatch;
  selection: string;
  concurrency: number;
  allowRepeat?: boolean;
  repeatWindowMs?: number;
  items: { ticketId: string; body?: string; skipped?: string }[];
}

interface JobRow {
  id: string;
  kind: JobKind;
  state: JobState;
  template: string | null;
  public: number | null;
  patch: string;
  selection: string;
  total: number;
  concurrency: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  owner_pid: number | null;
  allow_repeat: number;
  repeat_window_ms: number | null;
}
interface ItemRow {
  job_id: string;
  seq: number;
  ticket_id: string;
  body: string | null;
  state: ItemState;
  attempts: number;
  intent_at: string | null;
  replied_at: string | null;
  comment_id: string | null;
  recovered: number;
  outcome_at: string | null;
  error: string | null;
  changes: string | null;
}

const toJob = (r: JobRow): JobRecord => ({
  id: r.id,
  kind: r.kind,
  state: r.state,
  template: r.template,
  public: r.public !== 0,
  patch: JSON.parse(r.patch) as TicketPatch,
  selection: r.selection,
  total: r.total,
  concurrency: r.concurrency,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  ownerPid: r.owner_pid,
  allowRepeat: r.allow_repeat === 1,
  repeatWindowMs: r.repeat_window_ms,
});
const toItem = (r: ItemRow): ItemRecord => ({
  jobId: r.job_id,
  seq: r.seq,
  ticketId: r.ticket_id,
  body: r.body,
  state: r.state,
  attempts: r.attempts,
  intentAt: r.intent_at,
  repliedAt: r.replied_at,
  commentId: r.comment_id,
  recovered: r.recovered === 1,
  outcomeAt: r.outcome_at,
  error: r.error,
  changes: r.changes ? (JSON.parse(r.changes) as ChangeOutcome[]) : null,
});

/** True when a process with this id exists (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/**
 * The journal of bulk jobs: one row per job, one per ticket. Every state change is its own committed
 * transaction, so a process killed at any point leaves a journal that says exactly what was confirmed.
 */
export class BulkJournal {
  constructor(
    readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    // statements are prepared lazily; migrations must run first
  }

  private ts(): string {
    return this.now().toISOString();
  }

  private newId(): string {
    for (;;) {
      const bytes = randomBytes(6);
      const id = [...bytes].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
      if (!this.db.prepare(`SELECT 1 FROM bulk_jobs WHERE id = ?`).get(id)) return id;
    }
  }

  createJob(job: NewJob): JobRecord {
    const id = this.newId();
    const at = this.ts();
    const insertItem = this.db.prepare(
      `INSERT INTO bulk_items (job_id, seq, ticket_id, body, state, error, outcome_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO bulk_jobs (id, kind, state, template, public, patch, selection, total, concurrency, created_at, updated_at, allow_repeat, repeat_window_ms)
           VALUES (?, ?, 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, job.kind, job.template ?? null, job.public === false ? 0 : 1, JSON.stringify(job.patch), job.selection, job.items.length, job.concurrency, at, at, job.allowRepeat ? 1 : 0, job.repeatWindowMs ?? null);
      job.items.forEach((it, seq) => {
        insertItem.run(id, seq, it.ticketId, it.body ?? null, it.skipped ? 'skipped' : 'pending', it.skipped ?? null, it.skipped ? at : null);
      });
    })();
    return this.getJob(id);
  }

  findJob(id: string): JobRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM bulk_jobs WHERE id = ?`).get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  getJob(id: string): JobRecord {
    const job = this.findJob(id);
    if (!job) {
      const recent = this.listJobs(5).map((j) => j.id);
      throw new NotFoundError('bulk job', id, recent.length ? `recent jobs of this profile: ${recent.join(', ')} (see 'deskctl bulk status')` : `this profile has no bulk jobs; jobs are kept per profile (--profile)`);
    }
    return job;
  }

  /** Newest first. */
  listJobs(limit = 50): JobRecord[] {
    return (this.db.prepare(`SELECT * FROM bulk_jobs ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(limit) as JobRow[]).map(toJob);
  }

  items(jobId: string, states?: ItemState[]): ItemRecord[] {
    const rows = states?.length
      ? (this.db
          .prepare(`SELECT * FROM bulk_items WHERE job_id = ? AND state IN (${states.map(() => '?').join(',')}) ORDER BY seq`)
          .all(jobId, ...states) as ItemRow[])
      : (this.db.prepare(`SELECT * FROM bulk_items WHERE job_id = ? ORDER BY seq`).all(jobId) as ItemRow[]);
    return rows.map(toItem);
  }

  getItem(jobId: string, ticketId: string): ItemRecord {
    return toItem(this.db.prepare(`SELECT * FROM bulk_items WHERE job_id = ? AND ticket_id = ?`).get(jobId, ticketId) as ItemRow);
  }

  counts(jobId: string): ItemCounts {
    const c: ItemCounts = { total: 0, pending: 0, intent: 0, unknown: 0, replied: 0, done: 0, failed: 0, skipped: 0 };
    for (const r of this.db.prepare(`SELECT state, COUNT(*) AS n FROM bulk_items WHERE job_id = ? GROUP BY state`).all(jobId) as { state: ItemState; n: number }[]) {
      c[r.state] = r.n;
      c.total += r.n;
    }
    return c;
  }

  /**
   * Marks the job as run by this process. Refuses when another live process holds it
   * (two runs of one job could otherwise both send).
   */
  claim(jobId: string, pid = process.pid): JobRecord {
    return this.db
      .transaction(() => {
        const job = this.getJob(jobId);
        if (job.state === 'running' && job.ownerPid && job.ownerPid !== pid && processAlive(job.ownerPid)) {
          throw new DeskctlError(`bulk job ${jobId} is being run by process ${job.ownerPid}`, {
            hint: `wait for it to finish, or stop it (kill ${job.ownerPid}) and run 'deskctl bulk resume ${jobId}'`,
          });
        }
        this.db.prepare(`UPDATE bulk_jobs SET state = 'running', owner_pid = ?, updated_at = ? WHERE id = ?`).run(pid, this.ts(), jobId);
        return this.getJob(jobId);
      })
      .immediate();
  }

  /** Ends a run: the job's state follows from its items. */
  release(jobId: string, _interrupted = false): JobRecord {
    const c = this.counts(jobId);
    const open = openCount(c);
    let state: JobState;
    if (open > c.unknown) state = 'interrupted';
    else if (c.unknown > 0) state = 'unsettled';
    else if (c.failed > 0 && c.done === 0 && c.failed + c.skipped === c.total && !this.partlyApplied(jobId)) state = 'failed';
    else if (c.failed > 0 || c.skipped > 0) state = 'partial';
    else state = 'done';
    const at = this.ts();
    this.db
      .prepare(`UPDATE bulk_jobs SET state = ?, owner_pid = NULL, updated_at = ?, finished_at = ? WHERE id = ?`)
      .run(state, at, open > 0 ? null : at, jobId);
    return this.getJob(jobId);
  }

  /** How many failed items still changed their ticket (the reply went out, or some of the changes were applied). */
  partlyApplied(jobId: string): number {
    return (
      this.db
        .prepare(`SELECT COUNT(*) AS n FROM bulk_items WHERE job_id = ? AND state = 'failed' AND (replied_at IS NOT NULL OR changes LIKE '%"outcome":"applied"%')`)
        .get(jobId) as { n: number }
    ).n;
  }

  /** Written BEFORE the call to the helpdesk. */
  markIntent(jobId: string, ticketId: string): void {
    this.db
      .prepare(`UPDATE bulk_items SET state = 'intent', attempts = attempts + 1, intent_at = ?, error = NULL WHERE job_id = ? AND ticket_id = ?`)
      .run(this.ts(), jobId, ticketId);
  }

  /** The reply is on the ticket (confirmed by the helpdesk, or found there by a resume). */
  markReplied(jobId: string, ticketId: string, commentId: string | null, recovered = false): void {
    const at = this.ts();
    this.db
      .prepare(`UPDATE bulk_items SET state = 'replied', replied_at = ?, comment_id = ?, recovered = ?, error = NULL WHERE job_id = ? AND ticket_id = ?`)
      .run(at, commentId, recovered ? 1 : 0, jobId, ticketId);
  }

  markDone(jobId: string, ticketId: string, changes?: ChangeOutcome[]): void {
    this.db
      .prepare(`UPDATE bulk_items SET state = 'done', outcome_at = ?, error = NULL, changes = ? WHERE job_id = ? AND ticket_id = ?`)
      .run(this.ts(), changes ? JSON.stringify(changes) : null, jobId, ticketId);
  }

  /** The call failed ambiguously and the reply was not found on the ticket: not sent again; a resume checks first. */
  markUnknown(jobId: string, ticketId: string, error: string): void {
    this.db.prepare(`UPDATE bulk_items SET state = 'unknown', outcome_at = ?, error = ? WHERE job_id = ? AND ticket_id = ?`).run(this.ts(), error, jobId, ticketId);
  }

  markFailed(jobId: string, ticketId: string, error: string, changes?: ChangeOutcome[]): void {
    this.db
      .prepare(`UPDATE bulk_items SET state = 'failed', outcome_at = ?, error = ?, changes = COALESCE(?, changes) WHERE job_id = ? AND ticket_id = ?`)
      .run(this.ts(), error, changes ? JSON.stringify(changes) : null, jobId, ticketId);
  }

  /** Not sent, and not to be: another run sent it or is sending it (the reason says which). */
  markSkipped(jobId: string, ticketId: string, reason: string): void {
    this.db.prepare(`UPDATE bulk_items SET state = 'skipped', outcome_at = ?, error = ? WHERE job_id = ? AND ticket_id = ?`).run(this.ts(), reason, jobId, ticketId);
  }

  /** Deletes finished jobs older than `before` (and their items). Returns how many went. */
  prune(before: Date): number {
    return this.db.prepare(`DELETE FROM bulk_jobs WHERE finished_at IS NOT NULL AND finished_at < ?`).run(before.toISOString()).changes;
  }
}
