import type { Status } from '../domain/model.js';
import type { SchemaNamespace, StateDb } from '../store/state-db.js';
import type { StateStore } from '../store/state-store.js';

export const FOLLOWUP_NAMESPACE = 'followups';

/**
 * Append-only migrations for the 'followups' namespace of the profile's StateStore.
 * Never edit an entry once shipped; add a new one.
 */
export const FOLLOWUP_MIGRATIONS: readonly string[] = [
  `CREATE TABLE followups_items (
     id              INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id       TEXT    NOT NULL,
     template        TEXT,
     due_at          TEXT    NOT NULL,
     due_ms          INTEGER NOT NULL,
     tz              TEXT    NOT NULL,
     scheduled_at    TEXT    NOT NULL,
     scheduled_by    TEXT,
     source          TEXT    NOT NULL DEFAULT 'followup',
     note            TEXT,
     unless_replied  INTEGER NOT NULL DEFAULT 1,
     skip_if_closed  INTEGER NOT NULL DEFAULT 1,
     only_if_status  TEXT,
     set_status      TEXT,
     add_tags        TEXT,
     state           TEXT    NOT NULL DEFAULT 'scheduled',
     reason          TEXT,
     claimed_by      TEXT,
     claimed_at      TEXT,
     attempts        INTEGER NOT NULL DEFAULT 0,
     body            TEXT,
     body_hash       TEXT,
     comment_id      TEXT,
     sent_at         TEXT,
     finished_at     TEXT,
     action_error    TEXT,
     updated_at      TEXT    NOT NULL
   )`,
  `CREATE INDEX followups_items_state_due ON followups_items (state, due_ms)`,
  `CREATE INDEX followups_items_ticket ON followups_items (ticket_id)`,
  `CREATE TABLE followups_locks (
     name        TEXT PRIMARY KEY,
     owner       TEXT    NOT NULL,
     pid         INTEGER NOT NULL,
     host        TEXT    NOT NULL,
     acquired_at TEXT    NOT NULL,
     expires_ms  INTEGER NOT NULL
   )`,
  // the template file resolved when scheduling, so cron (another working directory) finds project templates
  `ALTER TABLE followups_items ADD COLUMN template_file TEXT`,
  // scheduled with --allow-repeat: the sent ledger does not skip it
  `ALTER TABLE followups_items ADD COLUMN allow_repeat INTEGER NOT NULL DEFAULT 0`,
];

/**
 * unknown: the reply's outcome is unknown (timeout, 5xx, reset, and not seen on the ticket after the settle
 * checks); it was not sent again, and the next `followup run` checks the ticket before sending.
 */
export const FOLLOWUP_STATES = ['scheduled', 'sending', 'sent', 'skipped', 'failed', 'unknown', 'cancelled'] as const;
export type FollowUpState = (typeof FOLLOWUP_STATES)[number];

/** A scheduled follow-up as the rest of deskctl sees it (times are ISO strings in UTC). */
export interface FollowUp {
  id: number;
  ticketId: string;
  /** Template to send; null for an action-only follow-up (e.g. a triage "snooze" that reopens the ticket). */
  template: string | null;
  /** The .liquid file the name resolved to when scheduling (used when the name no longer resolves). */
  templateFile: string | null;
  /** Scheduled with --allow-repeat: sent even if the ticket already got this template. */
  allowRepeat: boolean;
  dueAt: string;
  /** IANA zone the time was given in (display only; dueAt is UTC). */
  tz: string;
  scheduledAt: string;
  scheduledBy: string | null;
  /** Who created it: 'followup' (the followup command), 'snooze' (triage), ... */
  source: string;
  note: string | null;
  conditions: {
    /** Skip when the customer wrote after scheduledAt. */
    unlessReplied: boolean;
    /** Skip when the ticket is closed or deleted. */
    skipIfClosed: boolean;
    /** Send only while the ticket has one of these statuses. */
    onlyIfStatus: Status[] | null;
  };
  actions: {
    setStatus: Status | null;
    addTags: string[];
  };
  state: FollowUpState;
  /** Why it was skipped/failed/cancelled, or what recovery decided. */
  reason: string | null;
  claimedBy: string | null;
  claimedAt: string | null;
  attempts: number;
  commentId: string | null;
  sentAt: string | null;
  finishedAt: string | null;
  /** Sent, but a --set-status/--add-tag afterwards failed. */
  actionError: string | null;
  updatedAt: string;
}

export interface FollowUpRow {
  id: number;
  ticket_id: string;
  template: string | null;
  template_file: string | null;
  allow_repeat?: number;
  due_at: string;
  due_ms: number;
  tz: string;
  scheduled_at: string;
  scheduled_by: string | null;
  source: string;
  note: string | null;
  unless_replied: number;
  skip_if_closed: number;
  only_if_status: string | null;
  set_status: string | null;
  add_tags: string | null;
  state: FollowUpState;
  reason: string | null;
  claimed_by: string | null;
  claimed_at: string | null;
  attempts: number;
  body: string | null;
  body_hash: string | null;
  comment_id: string | null;
  sent_at: string | null;
  finished_at: string | null;
  action_error: string | null;
  updated_at: string;
}

const parseJsonList = (s: string | null): string[] | null => {
  if (!s) return null;
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.map(String) : null;
  } catch {
    return null;
  }
};

export function rowToFollowUp(r: FollowUpRow): FollowUp {
  return {
    id: Number(r.id),
    ticketId: r.ticket_id,
    template: r.template,
    templateFile: r.template_file ?? null,
    allowRepeat: r.allow_repeat === 1,
    dueAt: r.due_at,
    tz: r.tz,
    scheduledAt: r.scheduled_at,
    scheduledBy: r.scheduled_by,
    source: r.source,
    note: r.note,
    conditions: {
      unlessReplied: r.unless_replied === 1,
      skipIfClosed: r.skip_if_closed === 1,
      onlyIfStatus: parseJsonList(r.only_if_status) as Status[] | null,
    },
    actions: {
      setStatus: (r.set_status as Status | null) ?? null,
      addTags: parseJsonList(r.add_tags) ?? [],
    },
    state: r.state,
    reason: r.reason,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    attempts: Number(r.attempts),
    commentId: r.comment_id,
    sentAt: r.sent_at,
    finishedAt: r.finished_at,
    actionError: r.action_error,
    updatedAt: r.updated_at,
  };
}

/**
 * The same two tables on PostgreSQL (team mode), in their final shape: epoch-millisecond columns are
 * BIGINT, ids an identity column. Flags stay 0/1 integers so the SQL is the same on both stores.
 * Append-only, as the SQLite list.
 */
export const FOLLOWUP_PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE followups_items (
     id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
     ticket_id       TEXT    NOT NULL,
     template        TEXT,
     template_file   TEXT,
     allow_repeat    INTEGER NOT NULL DEFAULT 0,
     due_at          TEXT    NOT NULL,
     due_ms          BIGINT  NOT NULL,
     tz              TEXT    NOT NULL,
     scheduled_at    TEXT    NOT NULL,
     scheduled_by    TEXT,
     source          TEXT    NOT NULL DEFAULT 'followup',
     note            TEXT,
     unless_replied  INTEGER NOT NULL DEFAULT 1,
     skip_if_closed  INTEGER NOT NULL DEFAULT 1,
     only_if_status  TEXT,
     set_status      TEXT,
     add_tags        TEXT,
     state           TEXT    NOT NULL DEFAULT 'scheduled',
     reason          TEXT,
     claimed_by      TEXT,
     claimed_at      TEXT,
     attempts        INTEGER NOT NULL DEFAULT 0,
     body            TEXT,
     body_hash       TEXT,
     comment_id      TEXT,
     sent_at         TEXT,
     finished_at     TEXT,
     action_error    TEXT,
     updated_at      TEXT    NOT NULL
   )`,
  `CREATE INDEX followups_items_state_due ON followups_items (state, due_ms)`,
  `CREATE INDEX followups_items_ticket ON followups_items (ticket_id)`,
  `CREATE TABLE followups_locks (
     name        TEXT PRIMARY KEY,
     owner       TEXT    NOT NULL,
     pid         INTEGER NOT NULL,
     host        TEXT    NOT NULL,
     acquired_at TEXT    NOT NULL,
     expires_ms  BIGINT  NOT NULL
   )`,
];

/** The follow-ups' namespace of deskctl's state: `await store.ensure(FOLLOWUPS)` gives the connection. */
export const FOLLOWUPS: SchemaNamespace = { name: FOLLOWUP_NAMESPACE, sqlite: FOLLOWUP_MIGRATIONS, postgres: FOLLOWUP_PG_MIGRATIONS };

/** The follow-up tables of a StateStore (migrated on first use in this process). */
export function followupState(store: StateStore): Promise<StateDb> {
  return store.ensure(FOLLOWUPS);
}
