import { existsSync, renameSync, rmSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { openDatabase, type Database } from '../../store/sqlite.js';
import { openHelpdesk } from './index.js';
import { DEFAULT_SCALES, type ImportTicket } from './import-record.js';

export interface ImportResult {
  imported: number;
  comments: number;
  ratings: number;
  people: number;
  /** Records left out with --skip-invalid: their label and problem. */
  skipped: { record: string; problem: string }[];
}

const BATCH = 5_000;
/** Comments per INSERT statement. */
const MAX_ROWS = 16;
const CLEARED_BY_REPLACE = ['events', 'ratings', 'comments', 'ticket_tags', 'tickets'];

type PersonIn = { id?: string | null; name: string; email?: string | null };

const personKey = (p: PersonIn): string => {
  const email = p.email?.trim().toLowerCase();
  return email ? `e:${email}` : `n:${p.name}`;
};

/**
 * Writes an import into a copy of the profile's helpdesk and swaps it in at the end, so a failed or
 * interrupted import leaves the profile exactly as it was. Rows go in batches of 5,000 tickets; people
 * are found through an in-memory map of normalised emails (names for people without one), so each
 * ticket costs the same however many are already there.
 */
export class HelpdeskImport {
  private readonly temp: string;
  private db!: Database;
  /** The original helpdesk, holding its write lock during the import so no change is lost by the swap. */
  private original: Database | null = null;
  private readonly people = new Map<string, string>();
  private readonly personIds = new Set<string>();
  /** Person ids as the file gives them -> the helpdesk's id. */
  private readonly fileIds = new Map<string, string>();
  private readonly stringIds = new Set<string>();
  private readonly groups = new Set<string>();
  /** Indexes and triggers dropped for the import, re-created before the swap. */
  private deferred: string[] = [];
  private inBatch = 0;
  private stmts!: ReturnType<HelpdeskImport['prepare']>;
  private idSeq = 0;
  readonly result: ImportResult = { imported: 0, comments: 0, ratings: 0, people: 0, skipped: [] };

  private constructor(
    private readonly target: string,
    private readonly opts: { replace: boolean },
  ) {
    this.temp = `${target}.importing-${process.pid}`;
  }

  static async begin(target: string, opts: { replace: boolean }): Promise<HelpdeskImport> {
    const imp = new HelpdeskImport(target, opts);
    try {
      await imp.open();
    } catch (err) {
      imp.abort();
      throw err;
    }
    return imp;
  }

  private async open(): Promise<void> {
    rmSync(this.temp, { force: true });
    if (existsSync(this.target)) {
      const original = await openHelpdesk(this.target);
      this.original = original;
      original.exec('BEGIN IMMEDIATE');
      // a second connection reads the committed state while the first holds the write lock
      const reader = await openDatabase(this.target);
      try {
        reader.prepare('VACUUM INTO ?').run(this.temp);
      } finally {
        reader.close();
      }
    }
    this.db = await openHelpdesk(this.temp);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('cache_size = -32768'); // 32 MB: the rows are appended, a bigger cache only adds RSS
    this.db.pragma('locking_mode = EXCLUSIVE');
    if (this.opts.replace) for (const t of CLEARED_BY_REPLACE) this.db.exec(`DELETE FROM ${t}`);
    const empty = !this.db.prepare('SELECT 1 FROM tickets LIMIT 1').get();
    // This copy is private until the swap: its triggers (public_replies counters) are dropped and the
    // import writes those values itself; on an empty helpdesk the indexes are built once at the end too,
    // several times faster than maintaining them per row.
    const deferred = this.db
      .prepare(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND (type = 'trigger' OR (? AND type = 'index' AND tbl_name <> 'people'))`)
      .all(empty ? 1 : 0) as { type: string; name: string; sql: string }[];
    for (const d of deferred) this.db.exec(`DROP ${d.type.toUpperCase()} "${d.name}"`);
    this.deferred = deferred.map((d) => d.sql);
    for (const p of this.db.prepare('SELECT id, name, email FROM people').iterate() as IterableIterator<{ id: string; name: string; email: string | null }>) {
      const key = personKey(p);
      if (!this.people.has(key)) this.people.set(key, p.id);
      this.personIds.add(p.id);
    }
    this.stmts = this.prepare();
    this.db.exec('BEGIN');
  }

  private prepare() {
    const db = this.db;
    return {
      person: db.prepare(`INSERT INTO people (id, name, email, role, grp) VALUES (?, ?, ?, ?, ?)`),
      group: db.prepare(`INSERT OR IGNORE INTO groups (id, name) VALUES (?, ?)`),
      ticket: db.prepare(
        `INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, grp, created_at, updated_at,
           first_response_at, solved_at, reopen_count, custom_fields, public_replies, imported_last_customer_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      tag: db.prepare(`INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`),
      rating: db.prepare(`INSERT INTO ratings (ticket_id, kind, score, scale_min, scale_max, comment, created_at, agent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  private person(p: PersonIn, role: 'customer' | 'agent', grp: string | null): string {
    // an id seen earlier in this file names the same person (two customers may share a name)
    const same = p.id ? this.fileIds.get(p.id) : undefined;
    if (same) return same;
    const key = personKey(p);
    // without an email, a name identifies a person only when the file gives no id for them
    const found = p.email?.trim() || !p.id ? this.people.get(key) : undefined;
    if (found) {
      if (p.id) this.fileIds.set(p.id, found);
      return found;
    }
    let id = p.id && !this.personIds.has(p.id) ? p.id : null;
    while (!id || this.personIds.has(id)) id = `${role === 'agent' ? 'agent' : 'cust'}-imp-${++this.idSeq}`;
    this.stmts.person.run(id, p.name, p.email?.trim() || null, role, grp);
    this.people.set(key, id);
    this.personIds.add(id);
    if (p.id) this.fileIds.set(p.id, id);
    this.result.people++;
    return id;
  }

  add(t: ImportTicket, label: string): void {
    const s = this.stmts;
    let id: number | null = null;
    if (typeof t.id === 'number' || (t.id !== undefined && /^\d+$/.test(t.id))) id = Number(t.id);
    else if (t.id !== undefined) {
      if (this.stringIds.has(t.id)) throw duplicate(label, t.id);
      this.stringIds.add(t.id);
    }
    if (t.group && !this.groups.has(t.group)) {
      s.group.run(`g-${t.group.toLowerCase()}`, t.group);
      this.groups.add(t.group);
    }
    const requester = this.person(t.requester, 'customer', null);
    const assignee = t.assignee ? this.person(t.assignee, 'agent', t.group ?? null) : null;
    const publicReplies = t.comments.reduce((n, c) => n + (c.public && c.authorRole === 'agent' ? 1 : 0), 0);
    let rowId: number;
    try {
      rowId = Number(
        s.ticket.run(
          id, t.subject, t.status, t.priority, t.channel, requester, assignee, t.group ?? null, t.createdAt, t.updatedAt ?? t.createdAt,
          t.firstResponseAt, t.solvedAt, t.reopenCount, JSON.stringify(t.customFields),
          Math.max(t.publicReplyCount ?? 0, publicReplies), t.lastCustomerMessageAt,
        ).lastInsertRowid,
      );
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err;
      const existed = !this.opts.replace && this.original?.prepare('SELECT 1 FROM tickets WHERE id = ?').get(id);
      if (existed) throw new UsageError(`${label}: ticket ${id} already exists in this helpdesk, nothing imported`, 'pass --replace to replace the tickets, or import into a new profile with --into NAME');
      throw duplicate(label, String(id));
    }
    for (const tag of t.tags) s.tag.run(rowId, tag);
    // one multi-row INSERT per ticket's conversation: each statement call has a fixed cost
    for (let i = 0; i < t.comments.length; i += MAX_ROWS) {
      const part = t.comments.slice(i, i + MAX_ROWS);
      const values: unknown[] = [];
      for (const c of part) values.push(rowId, this.person(c.author, c.authorRole === 'customer' ? 'customer' : 'agent', null), c.authorRole, c.public ? 1 : 0, c.body, c.createdAt);
      this.commentsInsert(part.length).run(values);
    }
    this.result.comments += t.comments.length;
    for (const r of t.ratings) {
      const scale = r.scale ?? DEFAULT_SCALES[r.kind];
      s.rating.run(rowId, r.kind, r.score, scale.min, scale.max, r.comment ?? null, r.createdAt, r.agentId ?? null);
      this.result.ratings++;
    }
    this.result.imported++;
    if (++this.inBatch >= BATCH) {
      this.db.exec('COMMIT; BEGIN');
      this.inBatch = 0;
    }
  }

  private readonly commentInserts: ReturnType<Database['prepare']>[] = [];

  private commentsInsert(rows: number): ReturnType<Database['prepare']> {
    return (this.commentInserts[rows] ??= this.db.prepare(
      `INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
    ));
  }

  skip(record: string, problem: string): void {
    this.result.skipped.push({ record, problem });
  }

  /** Builds the deferred indexes and swaps the new helpdesk in place of the old one. */
  finish(): ImportResult {
    this.db.exec('COMMIT');
    for (const sql of this.deferred) this.db.exec(sql);
    this.db.pragma('journal_mode = DELETE');
    this.db.close();
    if (this.original) {
      this.original.exec('ROLLBACK');
      this.original.close(); // the last connection checkpoints and removes the -wal file
      this.original = null;
    }
    for (const suffix of ['-wal', '-shm']) rmSync(this.target + suffix, { force: true });
    renameSync(this.temp, this.target);
    return this.result;
  }

  /** Drops the copy: the profile is left as it was. */
  abort(): void {
    try {
      if (this.db?.open) this.db.close();
    } catch {
      /* closing a failed copy must not hide the error that aborted it */
    }
    if (this.original?.open) {
      if (this.original.inTransaction) this.original.exec('ROLLBACK');
      this.original.close();
    }
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(this.temp + suffix, { force: true });
  }
}

function duplicate(label: string, id: string): UsageError {
  return new UsageError(`${label}: ticket id ${id} appears twice in the file, nothing imported`, 'give each ticket its own id, or leave ids out to number them');
}
