import { randomBytes } from 'node:crypto';
import type { TicketPatch } from '../domain/model.js';
import type { ChangeOutcome } from '../tickets/changes.js';
import { DeskctlError, NotFoundError } from '../errors.js';
import { ownerLabel } from '../store/owner.js';
import { inChunks, sqlMarks, type SchemaNamespace, type StateDb } from '../store/state-db.js';
import type { StateStore } from '../store/state-store.js';

/**
 * The 'bulk' namespace of the profile's state store: append-only migrations per dialect. PostgreSQL
 * starts with the final shape of the tables.
 */
export const BULK_SCHEMA: SchemaNamespace = {
  name: 'bulk',
  sqlite: [
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
    // who runs the job across hosts (an owner id of src/store/owner.ts, with a lease), and the order
    // jobs were created in (rowid is SQLite's own)
    `ALTER TABLE bulk_jobs ADD COLUMN owner TEXT;
     ALTER TABLE bulk_jobs ADD COLUMN lease_ms INTEGER;
     ALTER TABLE bulk_jobs ADD COLUMN created_seq INTEGER;
     UPDATE bulk_jobs SET created_seq = rowid;`,
  ],
  postgres: [
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
       owner_pid INTEGER,
       allow_repeat INTEGER NOT NULL DEFAULT 0,
       repeat_window_ms BIGINT,
       owner TEXT,
       lease_ms BIGINT,
       created_seq BIGINT
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
       changes TEXT,
       PRIMARY KEY (job_id, ticket_id)
     );
     CREATE INDEX bulk_items_by_state ON bulk_items(job_id, state, seq);`,
  ],
};

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
  /** The process running it (host/pid/random, src/store/owner.ts), null when none is. */
  owner: string | null;
  /** Until when (wall-clock ms) the owner's hold lasts unless renewed. */
  leaseMs: number | null;
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
  owner: string | null;
  lease_ms: number | null;
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
  public: r.public === null || Number(r.public) !== 0,
  patch: JSON.parse(r.patch) as TicketPatch,
  selection: r.selection,
  total: r.total,
  concurrency: r.concurrency,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  ownerPid: r.owner_pid,
  owner: r.owner,
  leaseMs: r.lease_ms === null ? null : Number(r.lease_ms),
  allowRepeat: Number(r.allow_repeat) === 1,
  repeatWindowMs: r.repeat_window_ms === null ? null : Number(r.repeat_window_ms),
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
  recovered: Number(r.recovered) === 1,
  outcomeAt: r.outcome_at,
  error: r.error,
  changes: r.changes ? (JSON.parse(r.changes) as ChangeOutcome[]) : null,
});

/** True when a process with this id exists on this host (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/** A run that lost its job to another process (its hold lapsed and a resume took over): it stops sending. */
export class JobTakenOver extends DeskctlError {
  constructor(jobId: string) {
    super(`bulk job ${jobId} was taken over by another run; this one stopped before sending more`, {
      hint: `see where it stands with 'deskctl bulk status ${jobId}'`,
    });
    this.name = 'JobTakenOver';
  }
}

/** Who runs a job: this process's owner id and how long its hold lasts without renewal. */
export interface JobHold {
  owner: string;
  leaseMs: number;
}

/**
 * The journal of bulk jobs: one row per job, one per ticket, in the profile's state store (SQLite,
 * or PostgreSQL shared by every host of a team). Every state change is its own committed statement,
 * so a process killed at any point leaves a journal that says exactly what was confirmed.
 * A job is run by one process at a time, on any host: its owner id and a lease, taken over once the
 * owner is gone (StateDb.ownerAlive) or stopped renewing; the intent of each send is fenced on that
 * ownership, so a run that lost its job sends nothing more.
 */
export class BulkJournal {
  constructor(
    readonly db: StateDb,
    private readonly now: () => Date = () => new Date(),
    private readonly wallMs: () => number = () => Date.now(),
  ) {}

  static async open(store: StateStore, now?: () => Date): Promise<BulkJournal> {
    return new BulkJournal(await store.ensure(BULK_SCHEMA), now);
  }

  private ts(): string {
    return this.now().toISOString();
  }

  private async newId(): Promise<string> {
    for (;;) {
      const bytes = randomBytes(6);
      const id = [...bytes].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
      if (!(await this.db.get(`SELECT 1 AS found FROM bulk_jobs WHERE id = ?`, [id]))) return id;
    }
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const id = await this.newId();
    const at = this.ts();
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO bulk_jobs (id, kind, state, template, public, patch, selection, total, concurrency, created_at, updated_at, allow_repeat, repeat_window_ms, created_seq)
         VALUES (?, ?, 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM bulk_jobs))`,
        [id, job.kind, job.template ?? null, job.public === false ? 0 : 1, JSON.stringify(job.patch), job.selection, job.items.length, job.concurrency, at, at, job.allowRepeat ? 1 : 0, job.repeatWindowMs ?? null],
      );
      const rows = job.items.map((it, seq) => [id, seq, it.ticketId, it.body ?? null, it.skipped ? 'skipped' : 'pending', it.skipped ?? null, it.skipped ? at : null]);
      for (const part of inChunks(rows, 100)) {
        await tx.run(`INSERT INTO bulk_items (job_id, seq, ticket_id, body, state, error, outcome_at) VALUES ${sqlMarks(part.length, '(?, ?, ?, ?, ?, ?, ?)')}`, part.flat());
      }
    });
    return this.getJob(id);
  }

  async findJob(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.get<JobRow>(`SELECT * FROM bulk_jobs WHERE id = ?`, [id]);
    return row ? toJob(row) : undefined;
  }

  async getJob(id: string): Promise<JobRecord> {
    const job = await this.findJob(id);
    if (!job) {
      const recent = (await this.listJobs(5)).map((j) => j.id);
      throw new NotFoundError('bulk job', id, recent.length ? `recent jobs of this profile: ${recent.join(', ')} (see 'deskctl bulk status')` : `this profile has no bulk jobs; jobs are kept per profile (--profile)`);
    }
    return job;
  }

  /** Newest first. */
  async listJobs(limit = 50): Promise<JobRecord[]> {
    return (await this.db.all<JobRow>(`SELECT * FROM bulk_jobs ORDER BY created_at DESC, created_seq DESC LIMIT ?`, [limit])).map(toJob);
  }

  async items(jobId: string, states?: ItemState[]): Promise<ItemRecord[]> {
    const rows = states?.length
      ? await this.db.all<ItemRow>(`SELECT * FROM bulk_items WHERE job_id = ? AND state IN (${states.map(() => '?').join(',')}) ORDER BY seq`, [jobId, ...states])
      : await this.db.all<ItemRow>(`SELECT * FROM bulk_items WHERE job_id = ? ORDER BY seq`, [jobId]);
    return rows.map(toItem);
  }

  async getItem(jobId: string, ticketId: string): Promise<ItemRecord> {
    return toItem((await this.db.get<ItemRow>(`SELECT * FROM bulk_items WHERE job_id = ? AND ticket_id = ?`, [jobId, ticketId]))!);
  }

  async counts(jobId: string): Promise<ItemCounts> {
    const c: ItemCounts = { total: 0, pending: 0, intent: 0, unknown: 0, replied: 0, done: 0, failed: 0, skipped: 0 };
    for (const r of await this.db.all<{ state: ItemState; n: number }>(`SELECT state, COUNT(*) AS n FROM bulk_items WHERE job_id = ? GROUP BY state`, [jobId])) {
      c[r.state] = Number(r.n);
      c.total += Number(r.n);
    }
    return c;
  }

  /**
   * Marks the job as run by this process (`hold.owner`, on any host). Refuses while another run holds
   * it: its owner is alive (its pid on this host, or its PostgreSQL session) and its lease has not run
   * out. Two runs of one job could otherwise both send.
   */
  async claim(jobId: string, hold: JobHold): Promise<JobRecord> {
    await this.getJob(jobId); // not found: a clear error, before taking anything
    await this.db.registerOwner(hold.owner);
    return this.db.transaction(async (tx) => {
      await tx.lock(`bulk:${jobId}`);
      const job = toJob((await tx.get<JobRow>(`SELECT * FROM bulk_jobs WHERE id = ?`, [jobId]))!);
      if (job.state === 'running') await this.refuseIfHeld(tx, job, hold.owner);
      await tx.run(`UPDATE bulk_jobs SET state = 'running', owner = ?, owner_pid = ?, lease_ms = ?, updated_at = ? WHERE id = ?`, [
        hold.owner,
        process.pid,
        this.wallMs() + hold.leaseMs,
        this.ts(),
        jobId,
      ]);
      return toJob((await tx.get<JobRow>(`SELECT * FROM bulk_jobs WHERE id = ?`, [jobId]))!);
    });
  }

  private async refuseIfHeld(db: StateDb, job: JobRecord, owner: string): Promise<void> {
    let holder: string | undefined;
    if (job.owner) {
      const leased = job.leaseMs !== null && job.leaseMs > this.wallMs();
      if (job.owner !== owner && leased && (await db.ownerAlive(job.owner))) holder = ownerLabel(job.owner);
    } else if (job.ownerPid && job.ownerPid !== process.pid && processAlive(job.ownerPid)) {
      // a run by a deskctl from before owner ids: its pid on this host
      holder = `process ${job.ownerPid}`;
    }
    if (holder) {
      throw new DeskctlError(`bulk job ${job.id} is being run by ${holder}`, {
        hint: `wait for it to finish, or stop it and run 'deskctl bulk resume ${job.id}' (a run that was killed or lost its connection is taken over at once)`,
      });
    }
  }

  /** Extends this run's hold on the job; false when another run has taken it over. */
  async renew(jobId: string, hold: JobHold): Promise<boolean> {
    const r = await this.db.run(`UPDATE bulk_jobs SET lease_ms = ? WHERE id = ? AND owner = ?`, [this.wallMs() + hold.leaseMs, jobId, hold.owner]);
    return r.changes > 0;
  }

  /** Ends a run: the job's state follows from its items. A run that lost the job to another leaves it alone. */
  async release(jobId: string, owner?: string): Promise<JobRecord> {
    const c = await this.counts(jobId);
    const open = openCount(c);
    let state: JobState;
    if (open > c.unknown) state = 'interrupted';
    else if (c.unknown > 0) state = 'unsettled';
    else if (c.failed > 0 && c.done === 0 && c.failed + c.skipped === c.total && !(await this.partlyApplied(jobId))) state = 'failed';
    else if (c.failed > 0 || c.skipped > 0) state = 'partial';
    else state = 'done';
    const at = this.ts();
    await this.db.run(
      `UPDATE bulk_jobs SET state = ?, owner = NULL, owner_pid = NULL, lease_ms = NULL, updated_at = ?, finished_at = ? WHERE id = ?${owner ? ' AND (owner IS NULL OR owner = ?)' : ''}`,
      [state, at, open > 0 ? null : at, jobId, ...(owner ? [owner] : [])],
    );
    return this.getJob(jobId);
  }

  /** How many failed items still changed their ticket (the reply went out, or some of the changes were applied). */
  async partlyApplied(jobId: string): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM bulk_items WHERE job_id = ? AND state = 'failed' AND (replied_at IS NOT NULL OR changes LIKE '%"outcome":"applied"%')`,
      [jobId],
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Written BEFORE the call to the helpdesk. With `owner`, only while that run still holds the job
   * (JobTakenOver otherwise): a run whose hold lapsed and was taken over sends nothing more.
   */
  async markIntent(jobId: string, ticketId: string, owner?: string): Promise<void> {
    const r = await this.db.run(
      `UPDATE bulk_items SET state = 'intent', attempts = attempts + 1, intent_at = ?, error = NULL WHERE job_id = ? AND ticket_id = ?${owner ? ' AND EXISTS (SELECT 1 FROM bulk_jobs WHERE id = ? AND owner = ?)' : ''}`,
      [this.ts(), jobId, ticketId, ...(owner ? [jobId, owner] : [])],
    );
    if (owner && r.changes === 0) throw new JobTakenOver(jobId);
  }

  /** The reply is on the ticket (confirmed by the helpdesk, or found there by a resume). */
  async markReplied(jobId: string, ticketId: string, commentId: string | null, recovered = false): Promise<void> {
    await this.db.run(`UPDATE bulk_items SET state = 'replied', replied_at = ?, comment_id = ?, recovered = ?, error = NULL WHERE job_id = ? AND ticket_id = ?`, [
      this.ts(),
      commentId,
      recovered ? 1 : 0,
      jobId,
      ticketId,
    ]);
  }

  async markDone(jobId: string, ticketId: string, changes?: ChangeOutcome[]): Promise<void> {
    await this.db.run(`UPDATE bulk_items SET state = 'done', outcome_at = ?, error = NULL, changes = ? WHERE job_id = ? AND ticket_id = ?`, [
      this.ts(),
      changes ? JSON.stringify(changes) : null,
      jobId,
      ticketId,
    ]);
  }

  /** The call failed ambiguously and the reply was not found on the ticket: not sent again; a resume checks first. */
  async markUnknown(jobId: string, ticketId: string, error: string): Promise<void> {
    await this.db.run(`UPDATE bulk_items SET state = 'unknown', outcome_at = ?, error = ? WHERE job_id = ? AND ticket_id = ?`, [this.ts(), error, jobId, ticketId]);
  }

  async markFailed(jobId: string, ticketId: string, error: string, changes?: ChangeOutcome[]): Promise<void> {
    await this.db.run(`UPDATE bulk_items SET state = 'failed', outcome_at = ?, error = ?, changes = COALESCE(?, changes) WHERE job_id = ? AND ticket_id = ?`, [
      this.ts(),
      error,
      changes ? JSON.stringify(changes) : null,
      jobId,
      ticketId,
    ]);
  }

  /** Not sent, and not to be: another run sent it or is sending it (the reason says which). */
  async markSkipped(jobId: string, ticketId: string, reason: string): Promise<void> {
    await this.db.run(`UPDATE bulk_items SET state = 'skipped', outcome_at = ?, error = ? WHERE job_id = ? AND ticket_id = ?`, [this.ts(), reason, jobId, ticketId]);
  }

  /** Deletes finished jobs older than `before` (and their items). Returns how many went. */
  async prune(before: Date): Promise<number> {
    return (await this.db.run(`DELETE FROM bulk_jobs WHERE finished_at IS NOT NULL AND finished_at < ?`, [before.toISOString()])).changes;
  }
}
