import { STATUSES, type Status } from '../domain/model.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { StateDb } from '../store/state-db.js';
import type { StateStore } from '../store/state-store.js';
import { followupState, FOLLOWUP_STATES, rowToFollowUp, type FollowUp, type FollowUpRow, type FollowUpState } from './store.js';

export interface ScheduleInput {
  ticketId: string;
  /** Template name; null/undefined for an action-only follow-up (needs setStatus or addTags). */
  template?: string | null;
  /** The file the template resolved to (so cron finds project templates from any directory). */
  templateFile?: string | null;
  /** Send even when the sent ledger says the ticket already got this template (--allow-repeat). */
  allowRepeat?: boolean;
  /** When to send (an absolute instant). */
  dueAt: Date;
  /** "Now" (ctx.clock.now()); dueAt must be after it. Also recorded as scheduledAt. */
  now: Date;
  /** IANA zone the user thinks in (kept for display); default UTC. */
  tz?: string;
  scheduledBy?: string | null;
  source?: string;
  note?: string | null;
  /** Default true: skip when the customer wrote after scheduling. */
  unlessReplied?: boolean;
  /** Default true: skip when the ticket is closed or deleted. */
  skipIfClosed?: boolean;
  onlyIfStatus?: Status[] | null;
  setStatus?: Status | null;
  addTags?: string[];
}

export interface ScheduleOptions {
  /** When an identical follow-up (ticket, template, due time) is already scheduled, return it instead of adding one. Default true. */
  dedupe?: boolean;
  /**
   * A follow-up already scheduled for the same ticket and template (another due time): 'refuse' (exit 2,
   * nothing scheduled), 'replace' (cancel it in the same transaction), or 'allow' a second one (default).
   */
  pending?: 'refuse' | 'replace' | 'allow';
}

const PENDING_SQL = `SELECT * FROM followups_items WHERE ticket_id = ? AND template = ? AND state = 'scheduled' ORDER BY due_ms`;

/** Follow-ups already scheduled with the same ticket and template as one of these inputs. */
export async function pendingDuplicates(store: StateStore, inputs: ScheduleInput[]): Promise<FollowUp[]> {
  return duplicatesIn(await followupState(store), inputs);
}

async function duplicatesIn(db: StateDb, inputs: ScheduleInput[]): Promise<FollowUp[]> {
  const out: FollowUp[] = [];
  for (const i of inputs) if (i.template) out.push(...(await db.all<FollowUpRow>(PENDING_SQL, [i.ticketId, i.template])).map(rowToFollowUp));
  return out;
}

export function duplicateError(dups: FollowUp[]): UsageError {
  const first = dups[0]!;
  const more = dups.length > 1 ? ` (and ${dups.length - 1} more)` : '';
  return new UsageError(
    `ticket ${first.ticketId} already has follow-up #${first.id} '${first.template}' scheduled for ${first.dueAt}${more}; nothing was scheduled`,
    'pass --replace to replace the scheduled one, or --allow-repeat to schedule another',
  );
}

/** Checks one input without touching the store; throws UsageError naming the problem. */
export function validateScheduleInput(input: ScheduleInput): void {
  if (!input.ticketId || !/^[A-Za-z0-9_.:-]+$/.test(input.ticketId)) {
    throw new UsageError(`invalid ticket id '${input.ticketId}'`, 'ticket ids are numbers or vendor ids such as cnv_123');
  }
  if (!(input.dueAt instanceof Date) || Number.isNaN(input.dueAt.getTime())) {
    throw new UsageError('the follow-up time is not a valid date');
  }
  if (input.dueAt.getTime() <= input.now.getTime()) {
    throw new UsageError(
      `the follow-up time ${input.dueAt.toISOString()} is in the past (now is ${input.now.toISOString()})`,
      'give a future time, e.g. --in 7d or --at "next monday 9am"',
    );
  }
  const template = input.template ?? null;
  if (!template && !input.setStatus && !input.addTags?.length) {
    throw new UsageError('a follow-up needs a template to send or an action (set status, add tag)', 'pass --template NAME');
  }
  for (const s of [...(input.onlyIfStatus ?? []), ...(input.setStatus ? [input.setStatus] : [])]) {
    if (!(STATUSES as readonly string[]).includes(s)) throw new UsageError(`invalid status '${s}'`, `valid values: ${STATUSES.join(', ')}`);
  }
  for (const t of input.addTags ?? []) {
    if (!t.trim() || /\s/.test(t.trim())) throw new UsageError(`invalid tag '${t}'`, 'tags are single words such as followed-up');
  }
}

const INSERT_SQL = `INSERT INTO followups_items
   (ticket_id, template, template_file, due_at, due_ms, tz, scheduled_at, scheduled_by, source, note,
    unless_replied, skip_if_closed, only_if_status, set_status, add_tags, state, updated_at, allow_repeat)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)
 RETURNING *`;
const SAME_SQL = `SELECT * FROM followups_items WHERE ticket_id = ? AND template IS NOT DISTINCT FROM ? AND due_at = ? AND state = 'scheduled' LIMIT 1`;
const BY_ID_SQL = `SELECT * FROM followups_items WHERE id = ?`;
const CANCEL_SQL = `UPDATE followups_items SET state = 'cancelled', reason = ?, finished_at = ?, updated_at = ? WHERE id = ? AND state = 'scheduled'`;

async function insertOne(db: StateDb, input: ScheduleInput, opts: ScheduleOptions): Promise<FollowUp> {
  const template = input.template ?? null;
  const dueAt = input.dueAt.toISOString();
  if (opts.dedupe !== false) {
    const existing = await db.get<FollowUpRow>(SAME_SQL, [input.ticketId, template, dueAt]);
    if (existing) return rowToFollowUp(existing);
  }
  const now = input.now.toISOString();
  const row = await db.get<FollowUpRow>(INSERT_SQL, [
    input.ticketId,
    template,
    input.templateFile ?? null,
    dueAt,
    input.dueAt.getTime(),
    input.tz ?? 'UTC',
    now,
    input.scheduledBy ?? null,
    input.source ?? 'followup',
    input.note ?? null,
    input.unlessReplied === false ? 0 : 1,
    input.skipIfClosed === false ? 0 : 1,
    input.onlyIfStatus?.length ? JSON.stringify(input.onlyIfStatus) : null,
    input.setStatus ?? null,
    input.addTags?.length ? JSON.stringify(input.addTags.map((t) => t.trim())) : null,
    now,
    input.allowRepeat ? 1 : 0,
  ]);
  return rowToFollowUp(row!);
}

/**
 * Schedules one follow-up (validated first; nothing is written when the input is bad).
 * Used by `followup schedule` and by triage's "snooze".
 */
export async function scheduleFollowup(store: StateStore, input: ScheduleInput, opts: ScheduleOptions = {}): Promise<FollowUp> {
  return (await scheduleFollowups(store, [input], opts))[0]!;
}

/** Schedules many follow-ups all-or-nothing: every input is validated, then all are written in one transaction. */
export async function scheduleFollowups(store: StateStore, inputs: ScheduleInput[], opts: ScheduleOptions = {}): Promise<FollowUp[]> {
  for (const input of inputs) validateScheduleInput(input);
  const db = await followupState(store);
  return db.transaction(async (tx) => {
    // checked inside the write transaction, under a lock every host shares: two schedules at once cannot both pass
    await tx.lock('followups:schedule');
    const dups = opts.pending && opts.pending !== 'allow' ? await duplicatesIn(tx, inputs) : [];
    if (dups.length && opts.pending === 'refuse') throw duplicateError(dups);
    const created: FollowUp[] = [];
    for (const i of inputs) created.push(await insertOne(tx, i, { ...opts, dedupe: dups.length ? false : opts.dedupe }));
    for (const d of dups) {
      const by = created.find((c) => c.ticketId === d.ticketId && c.template === d.template);
      const at = inputs[0]!.now.toISOString();
      await tx.run(CANCEL_SQL, [`replaced by follow-up #${by?.id}`, at, at, d.id]);
    }
    return created;
  });
}

export async function getFollowup(store: StateStore, id: number): Promise<FollowUp> {
  const row = await findIn(await followupState(store), id);
  if (!row) throw new NotFoundError('follow-up', `#${id}`, 'see `deskctl followup list --status scheduled,sent,skipped,failed,cancelled`');
  return row;
}

export async function findFollowup(store: StateStore, id: number): Promise<FollowUp | undefined> {
  return findIn(await followupState(store), id);
}

async function findIn(db: StateDb, id: number): Promise<FollowUp | undefined> {
  const row = await db.get<FollowUpRow>(BY_ID_SQL, [id]);
  return row ? rowToFollowUp(row) : undefined;
}

export interface ListFilter {
  states?: FollowUpState[];
  /** Also (or, without states, only) sent follow-ups whose after-send ticket changes failed. */
  actionFailed?: boolean;
  /** Only those due at or before this instant (and still scheduled). */
  dueBy?: Date;
  ticketIds?: string[];
  source?: string;
  limit?: number;
}

export async function listFollowups(store: StateStore, f: ListFilter = {}): Promise<FollowUp[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const states = f.dueBy ? (f.states?.length ? f.states : ['scheduled']) : f.states;
  const inStates = states?.length ? `state IN (${states.map(() => '?').join(',')})` : '';
  const actionFailed = f.actionFailed ? `(state = 'sent' AND action_error IS NOT NULL)` : '';
  if (inStates || actionFailed) {
    where.push(`(${[inStates, actionFailed].filter(Boolean).join(' OR ')})`);
    if (states?.length) args.push(...states);
  }
  if (f.dueBy) {
    where.push('due_ms <= ?');
    args.push(f.dueBy.getTime());
  }
  if (f.ticketIds?.length) {
    where.push(`ticket_id IN (${f.ticketIds.map(() => '?').join(',')})`);
    args.push(...f.ticketIds);
  }
  if (f.source) {
    where.push('source = ?');
    args.push(f.source);
  }
  const sql = `SELECT * FROM followups_items ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY due_ms, id${
    f.limit ? ` LIMIT ${Math.max(1, Math.floor(f.limit))}` : ''
  }`;
  return (await (await followupState(store)).all<FollowUpRow>(sql, args)).map(rowToFollowUp);
}

/** Outcome of cancel/retry: the follow-ups changed, and the ids refused with the reason. */
export interface ChangeResult {
  changed: FollowUp[];
  refused: { id: number; reason: string }[];
}

/**
 * Moves follow-ups from one state to another in one transaction: ids not in `from` are refused, each
 * with the reason (`refusal` words it from the state found, or undefined when not found).
 */
async function changeState(
  store: StateStore,
  ids: number[],
  update: { sql: string; params: (id: number) => unknown[] },
  refusal: (f: FollowUp | undefined) => string,
): Promise<ChangeResult> {
  const db = await followupState(store);
  return db.transaction(async (tx) => {
    const out: ChangeResult = { changed: [], refused: [] };
    for (const id of ids) {
      const { changes } = await tx.run(update.sql, update.params(id));
      const f = await findIn(tx, id);
      if (changes === 1 && f) out.changed.push(f);
      else out.refused.push({ id, reason: refusal(f) });
    }
    return out;
  });
}

/** Cancels scheduled follow-ups. Unknown ids, and ones already sent/being sent, are refused (each with a reason). */
export function cancelFollowups(store: StateStore, ids: number[], now: Date, reason = 'cancelled'): Promise<ChangeResult> {
  const at = now.toISOString();
  return changeState(store, ids, { sql: CANCEL_SQL, params: (id) => [reason, at, at, id] }, (f) =>
    f ? `it is ${f.state}${f.state === 'sending' ? ' right now' : ''}` : 'not found',
  );
}

/**
 * Puts failed follow-ups back in the queue; the next run sends them (their due time has passed). If an
 * earlier attempt did post the reply, the run finds it on the ticket and does not post it again.
 */
export function retryFollowups(store: StateStore, ids: number[], now: Date): Promise<ChangeResult> {
  const sql = `UPDATE followups_items SET state = 'scheduled', reason = NULL, finished_at = NULL, claimed_by = NULL, claimed_at = NULL, updated_at = ?
     WHERE id = ? AND state = 'failed'`;
  return changeState(store, ids, { sql, params: (id) => [now.toISOString(), id] }, (f) => (f ? `it is ${f.state}, not failed` : 'not found'));
}

export function parseFollowupId(raw: string): number {
  const m = /^#?(\d+)$/.exec(raw.trim());
  if (!m) throw new UsageError(`invalid follow-up id '${raw}'`, 'follow-up ids are numbers, as shown by `deskctl followup list`');
  return Number(m[1]);
}

export function parseStateList(raw: string[]): FollowUpState[] {
  const values = raw.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean);
  for (const v of values) {
    if (!(FOLLOWUP_STATES as readonly string[]).includes(v)) {
      throw new UsageError(`invalid --status '${v}'`, `valid values: ${FOLLOWUP_STATES.join(', ')}, action-failed (sent, a ticket change afterwards failed), all`);
    }
  }
  return values as FollowUpState[];
}

