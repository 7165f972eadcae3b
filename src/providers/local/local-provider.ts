import type {
  Comment,
  DateRange,
  Group,
  NewComment,
  Person,
  Rating,
  Ticket,
  TicketPatch,
} from '../../domain/model.js';
import { isUnsolved } from '../../domain/model.js';
import { decimalId, requireDecimalId } from '../../domain/parse.js';
import type { TicketQuery } from '../../domain/query.js';
import { UNASSIGNED } from '../../domain/query.js';
import { DeskctlError, NotFoundError, UsageError } from '../../errors.js';
import type { Database } from '../../store/sqlite.js';
import type { MetricsRequest, PerTicketRequest, PerTicketRow, SummaryResult } from '../../metrics/engine.js';
import type { Capabilities, HelpdeskProvider } from '../provider.js';
import { perTicketInSql, summaryInSql } from './metrics-sql.js';

const PAGE_SIZE = 250;
const TAG_SEP = '\u001f';

interface TicketRow {
  id: number;
  subject: string;
  status: Ticket['status'];
  priority: Ticket['priority'];
  channel: Ticket['channel'];
  requester_id: string;
  assignee_id: string | null;
  grp: string | null;
  created_at: string;
  updated_at: string;
  first_response_at: string | null;
  solved_at: string | null;
  reopen_count: number;
  custom_fields: string;
  r_name: string;
  r_email: string | null;
  a_name: string | null;
  a_email: string | null;
  a_role: Person['role'] | null;
  a_grp: string | null;
  a_sig: string | null;
  tags: string | null;
  replies: number;
  last_customer: string | null;
}

/** A ticket's tags, sorted, joined by TAG_SEP (t = the ticket). */
export const TAGS_SQL = `(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM ticket_tags WHERE ticket_id = t.id ORDER BY tag))`;
export const splitTags = (tags: string | null): string[] => (tags ? tags.split(TAG_SEP) : []);

const SELECT_TICKETS = `
  SELECT t.*, r.name AS r_name, r.email AS r_email,
         a.name AS a_name, a.email AS a_email, a.role AS a_role, a.grp AS a_grp, a.signature AS a_sig,
         ${TAGS_SQL} AS tags,
         t.public_replies AS replies,
         nullif(max(coalesce((SELECT max(created_at) FROM comments c WHERE c.ticket_id = t.id AND c.author_role = 'customer'), ''),
                    coalesce(t.imported_last_customer_at, '')), '') AS last_customer
  FROM tickets t
  JOIN people r ON r.id = t.requester_id
  LEFT JOIN people a ON a.id = t.assignee_id`;

function rowToTicket(r: TicketRow): Ticket {
  return {
    id: String(r.id),
    url: null,
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    channel: r.channel,
    requester: { id: r.requester_id, name: r.r_name, email: r.r_email, role: 'customer' },
    assignee: r.assignee_id
      ? { id: r.assignee_id, name: r.a_name ?? r.assignee_id, email: r.a_email, role: r.a_role ?? 'agent', group: r.a_grp, signature: r.a_sig }
      : null,
    group: r.grp,
    tags: splitTags(r.tags),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    firstResponseAt: r.first_response_at,
    solvedAt: r.solved_at,
    reopenCount: r.reopen_count,
    publicReplyCount: r.replies,
    lastCustomerMessageAt: r.last_customer,
    customFields: JSON.parse(r.custom_fields) as Record<string, unknown>,
  };
}

interface PersonRow {
  id: string;
  name: string;
  email: string | null;
  role: Person['role'];
  grp: string | null;
  signature: string | null;
}
const rowToPerson = (p: PersonRow): Person => ({ id: p.id, name: p.name, email: p.email, role: p.role, group: p.grp, signature: p.signature });

interface CommentRow {
  id: number;
  ticket_id: number;
  author_id: string;
  author_role: Comment['authorRole'];
  public: number;
  body: string;
  created_at: string;
  name: string;
  email: string | null;
  role: Person['role'];
}
const rowToComment = (r: CommentRow): Comment => ({
  id: String(r.id),
  ticketId: String(r.ticket_id),
  author: { id: r.author_id, name: r.name, email: r.email, role: r.role },
  authorRole: r.author_role,
  public: r.public === 1,
  body: r.body,
  createdAt: r.created_at,
});

interface RatingRow {
  id: number;
  ticket_id: number;
  kind: Rating['kind'];
  score: number;
  scale_min: number;
  scale_max: number;
  comment: string | null;
  created_at: string;
  agent_id: string | null;
}
const rowToRating = (r: RatingRow): Rating => ({
  ticketId: String(r.ticket_id),
  kind: r.kind,
  score: r.score,
  scale: { min: r.scale_min, max: r.scale_max },
  comment: r.comment,
  createdAt: r.created_at,
  agentId: r.agent_id,
});

/** Builds the WHERE clause for the filters SQLite can apply; the rest never reach here (all can). */
export function buildWhere(q: TicketQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const inList = (col: string, values: readonly unknown[]) => {
    where.push(`${col} IN (${values.map(() => '?').join(',')})`);
    params.push(...values);
  };
  if (q.ids) {
    const numeric = q.ids.map(decimalId).filter((n) => n !== undefined);
    inList('t.id', numeric.length ? numeric : [-1]);
  }
  if (q.status) inList('t.status', q.status);
  if (q.priority) inList('t.priority', q.priority);
  if (q.channel) inList('t.channel', q.channel);
  if (q.assigneeIds) {
    const ids = q.assigneeIds.filter((a) => a !== UNASSIGNED);
    const parts: string[] = [];
    if (ids.length) {
      parts.push(`t.assignee_id IN (${ids.map(() => '?').join(',')})`);
      params.push(...ids);
    }
    if (q.assigneeIds.includes(UNASSIGNED)) parts.push('t.assignee_id IS NULL');
    where.push(`(${parts.join(' OR ')})`);
  }
  if (q.group) inList('lower(t.grp)', q.group.map((g) => g.toLowerCase()));
  for (const tag of q.tags ?? []) {
    where.push('EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag = ?)');
    params.push(tag);
  }
  for (const tag of q.excludeTags ?? []) {
    where.push('NOT EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag = ?)');
    params.push(tag);
  }
  for (const [name, value] of Object.entries(q.customFields ?? {})) {
    // scalar values compare as text; a list matches when one of its items does
    where.push(`(lower(CAST(json_extract(t.custom_fields, ?) AS TEXT)) = lower(?)
      OR EXISTS (SELECT 1 FROM json_each(t.custom_fields, ?) je WHERE lower(CAST(je.value AS TEXT)) = lower(?)))`);
    const path = `$."${name.replace(/"/g, '""')}"`;
    params.push(path, value, path, value);
  }
  const range = (col: string, since?: Date, until?: Date) => {
    if (since) {
      where.push(`${col} >= ?`);
      params.push(since.toISOString());
    }
    if (until) {
      where.push(`${col} < ?`);
      params.push(until.toISOString());
    }
  };
  range('t.created_at', q.createdSince, q.createdUntil);
  range('t.updated_at', q.updatedSince, q.updatedUntil);
  range('t.solved_at', q.solvedSince, q.solvedUntil);
  if (q.text) {
    // subject, requester, custom field values and the whole conversation (bodies of comments and notes)
    where.push(`(t.subject LIKE ? ESCAPE '\\' OR r.name LIKE ? ESCAPE '\\' OR r.email LIKE ? ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM json_each(t.custom_fields) je WHERE CAST(je.value AS TEXT) LIKE ? ESCAPE '\\')
      OR EXISTS (SELECT 1 FROM comments c WHERE c.ticket_id = t.id AND c.body LIKE ? ESCAPE '\\'))`);
    const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(like, like, like, like, like);
  }
  return { sql: where.length ? where.join(' AND ') : '1=1', params };
}

export interface LocalProviderOptions {
  /** Who "me" is: agent id or email (profile.agent). */
  agent?: string;
  now: () => Date;
}

/** The embedded helpdesk: a real helpdesk in one SQLite file. */
export class LocalProvider implements HelpdeskProvider {
  readonly kind = 'local';
  readonly displayName = 'the embedded helpdesk';
  readonly capabilities: Capabilities = {
    priority: true,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: ['csat', 'nps', 'ces'],
    serverFilters: ['ids', 'status', 'priority', 'channel', 'assigneeIds', 'group', 'tags', 'excludeTags', 'customFields', 'createdSince', 'createdUntil', 'updatedSince', 'updatedUntil', 'solvedSince', 'solvedUntil', 'text'],
    defaultConcurrency: 4,
  };

  constructor(
    readonly db: Database,
    private readonly opts: LocalProviderOptions,
  ) {}

  async *listTickets(query: TicketQuery): AsyncIterable<Ticket[]> {
    const { sql, params } = buildWhere(query);
    // newest first, keyset-paged so a page costs the same at any depth
    const stmt = this.db.prepare(`${SELECT_TICKETS} WHERE ${sql} AND t.id < ? ORDER BY t.id DESC LIMIT ${PAGE_SIZE}`);
    let after = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = stmt.all(...params, after) as TicketRow[];
      if (!rows.length) return;
      yield rows.map(rowToTicket);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async countTickets(query: TicketQuery): Promise<number> {
    const { sql, params } = buildWhere(query);
    // the filters' joins only: counting needs none of the listing's per-row subqueries
    const from = 'FROM tickets t JOIN people r ON r.id = t.requester_id LEFT JOIN people a ON a.id = t.assignee_id';
    return (this.db.prepare(`SELECT count(*) AS n ${from} WHERE ${sql}`).get(...params) as { n: number }).n;
  }

  private ticketRow(id: string): TicketRow {
    const n = requireDecimalId(id, 'ticket', '716');
    const row = this.db.prepare(`${SELECT_TICKETS} WHERE t.id = ?`).get(n) as TicketRow | undefined;
    if (!row) throw new NotFoundError('ticket', id, `run 'deskctl tickets list' to see ticket ids`);
    return row;
  }

  async getTicket(id: string): Promise<Ticket> {
    return rowToTicket(this.ticketRow(id));
  }

  async listComments(ticketId: string): Promise<Comment[]> {
    this.ticketRow(ticketId);
    const rows = this.db
      .prepare(
        `SELECT c.*, p.name, p.email, p.role FROM comments c JOIN people p ON p.id = c.author_id
         WHERE c.ticket_id = ? ORDER BY c.created_at, c.id`,
      )
      .all(requireDecimalId(ticketId, 'ticket', '716')) as CommentRow[];
    return rows.map(rowToComment);
  }

  /** Conversations and ratings of a page of tickets in two queries (for export; see BulkDetails). */
  async detailsFor(ticketIds: string[]): Promise<{ comments: Map<string, Comment[]>; ratings: Map<string, Rating[]> }> {
    const ids = ticketIds.map(Number).filter((n) => Number.isInteger(n));
    const comments = new Map<string, Comment[]>();
    const ratings = new Map<string, Rating[]>();
    if (!ids.length) return { comments, ratings };
    const list = ids.map(() => '?').join(',');
    const rows = this.db
      .prepare(
        `SELECT c.*, p.name, p.email, p.role FROM comments c JOIN people p ON p.id = c.author_id
         WHERE c.ticket_id IN (${list}) ORDER BY c.ticket_id, c.created_at, c.id`,
      )
      .all(...ids) as CommentRow[];
    for (const r of rows) {
      const key = String(r.ticket_id);
      const c = rowToComment(r);
      const at = comments.get(key);
      if (at) at.push(c);
      else comments.set(key, [c]);
    }
    for (const r of this.db.prepare(`SELECT * FROM ratings WHERE ticket_id IN (${list}) ORDER BY id`).all(...ids) as RatingRow[]) {
      const key = String(r.ticket_id);
      const rating = rowToRating(r);
      const at = ratings.get(key);
      if (at) at.push(rating);
      else ratings.set(key, [rating]);
    }
    return { comments, ratings };
  }

  private agent(id: string): Person {
    const row = this.db.prepare(`SELECT * FROM people WHERE id = ? AND role IN ('agent','admin')`).get(id) as PersonRow | undefined;
    if (!row) throw new NotFoundError('agent', id, `run 'deskctl tickets list --assignee NAME' with a name from the helpdesk's agents`);
    return rowToPerson(row);
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    const before = this.ticketRow(id);
    const now = this.opts.now().toISOString();
    const me = (await this.currentAgent())?.id ?? null;
    const tx = this.db.transaction(() => {
      const sets: string[] = [];
      const params: unknown[] = [];
      let changes = 0;
      const event = (field: string, oldValue: unknown, newValue: unknown) =>
        ++changes &&
        this.db
          .prepare(`INSERT INTO events (ticket_id, at, actor_id, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(before.id, now, me, field, oldValue == null ? null : String(oldValue), newValue == null ? null : String(newValue));
      if (patch.status && patch.status !== before.status) {
        sets.push('status = ?');
        params.push(patch.status);
        const wasSolved = !isUnsolved(before.status);
        const willBeSolved = !isUnsolved(patch.status);
        if (!wasSolved && willBeSolved) {
          sets.push('solved_at = ?');
          params.push(now);
        } else if (wasSolved && !willBeSolved) {
          sets.push('solved_at = NULL', 'reopen_count = reopen_count + 1');
        }
        event('status', before.status, patch.status);
      }
      if (patch.priority && patch.priority !== before.priority) {
        sets.push('priority = ?');
        params.push(patch.priority);
        event('priority', before.priority, patch.priority);
      }
      if (patch.assigneeId !== undefined && patch.assigneeId !== before.assignee_id) {
        const assignee = patch.assigneeId === null || patch.assigneeId === UNASSIGNED ? null : this.agent(patch.assigneeId).id;
        if (assignee !== before.assignee_id) {
          sets.push('assignee_id = ?');
          params.push(assignee);
          event('assignee', before.assignee_id, assignee);
        }
      }
      if (patch.group !== undefined && patch.group !== before.grp) {
        let group: string | null = null;
        if (patch.group !== null) {
          const row = this.db.prepare(`SELECT name FROM groups WHERE lower(name) = lower(?)`).get(patch.group) as { name: string } | undefined;
          if (!row) {
            const names = (this.db.prepare(`SELECT name FROM groups ORDER BY name`).all() as { name: string }[]).map((g) => g.name);
            throw new UsageError(`no group named '${patch.group}'`, `groups: ${names.join(', ')}`);
          }
          group = row.name;
        }
        if (group !== before.grp) {
          sets.push('grp = ?');
          params.push(group);
          event('group', before.grp, group);
        }
      }
      for (const tag of patch.addTags ?? []) {
        const r = this.db.prepare(`INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`).run(before.id, tag);
        if (r.changes) event('tag_added', null, tag);
      }
      for (const tag of patch.removeTags ?? []) {
        const r = this.db.prepare(`DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?`).run(before.id, tag);
        if (r.changes) event('tag_removed', tag, null);
      }
      if (patch.customFields) {
        const merged = { ...(JSON.parse(before.custom_fields) as object), ...patch.customFields };
        sets.push('custom_fields = ?');
        params.push(JSON.stringify(merged));
        event('custom_fields', null, JSON.stringify(patch.customFields));
      }
      if (changes) {
        sets.push('updated_at = ?');
        params.push(now);
        this.db.prepare(`UPDATE tickets SET ${sets.join(', ')} WHERE id = ?`).run(...params, before.id);
      }
    });
    tx.immediate();
    return this.getTicket(id);
  }

  async addComment(ticketId: string, comment: NewComment): Promise<Comment> {
    const ticket = this.ticketRow(ticketId);
    if (!comment.body.trim()) throw new UsageError('the comment body is empty', 'give some text with --body or --body-file');
    const author = comment.authorId ? this.agent(comment.authorId) : await this.currentAgent();
    if (!author) throw new DeskctlError('the embedded helpdesk has no agents to write as', { hint: `run 'deskctl demo' or import agents first` });
    const now = this.opts.now().toISOString();
    const id = this.db.transaction(() => {
      const res = this.db
        .prepare(`INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (?, ?, 'agent', ?, ?, ?)`)
        .run(ticket.id, author.id, comment.public ? 1 : 0, comment.body, now);
      const sets = ['updated_at = ?'];
      const params: unknown[] = [now];
      if (comment.public && !ticket.first_response_at) {
        sets.push('first_response_at = ?');
        params.push(now);
      }
      if (ticket.status === 'new') sets.push(`status = 'open'`);
      this.db.prepare(`UPDATE tickets SET ${sets.join(', ')} WHERE id = ?`).run(...params, ticket.id);
      return Number(res.lastInsertRowid);
    }).immediate();
    return {
      id: String(id),
      ticketId: String(ticket.id),
      author,
      authorRole: 'agent',
      public: comment.public,
      body: comment.body,
      createdAt: now,
    };
  }

  async *listRatings(range: DateRange): AsyncIterable<Rating[]> {
    const where: string[] = ['id > ?'];
    const params: unknown[] = [];
    if (range.since) {
      where.push('created_at >= ?');
      params.push(range.since.toISOString());
    }
    if (range.until) {
      where.push('created_at < ?');
      params.push(range.until.toISOString());
    }
    const stmt = this.db.prepare(`SELECT * FROM ratings WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${PAGE_SIZE}`);
    let after = 0;
    for (;;) {
      const rows = stmt.all(after, ...params) as RatingRow[];
      if (!rows.length) return;
      yield rows.map(rowToRating);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async listAgents(): Promise<Person[]> {
    const rows = this.db.prepare(`SELECT * FROM people WHERE role IN ('agent','admin') ORDER BY name`).all() as PersonRow[];
    return rows.map(rowToPerson);
  }

  async listGroups(): Promise<Group[]> {
    return this.db.prepare(`SELECT id, name FROM groups ORDER BY name`).all() as Group[];
  }

  async currentAgent(): Promise<Person | null> {
    const ref =
      this.opts.agent ??
      (this.db.prepare(`SELECT value FROM meta WHERE key = 'default_agent'`).get() as { value: string } | undefined)?.value;
    const row = (
      ref
        ? this.db.prepare(`SELECT * FROM people WHERE role IN ('agent','admin') AND (id = ? OR lower(email) = lower(?))`).get(ref, ref)
        : this.db.prepare(`SELECT * FROM people WHERE role IN ('agent','admin') ORDER BY id LIMIT 1`).get()
    ) as PersonRow | undefined;
    return row ? rowToPerson(row) : null;
  }

  async describeAccount(): Promise<{ account: string; user?: string }> {
    const count = (this.db.prepare(`SELECT count(*) AS n FROM tickets`).get() as { n: number }).n;
    const me = await this.currentAgent();
    return { account: `embedded helpdesk at ${this.db.name} (${count} tickets)`, user: me ? `${me.name} <${me.email}>` : undefined };
  }

  async summarizeMetrics(req: MetricsRequest): Promise<SummaryResult> {
    return summaryInSql(this.db, req);
  }

  perTicketMetrics(req: PerTicketRequest): AsyncIterable<PerTicketRow[]> {
    return perTicketInSql(this.db, req);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
