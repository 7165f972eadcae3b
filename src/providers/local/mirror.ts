import type { Comment, Person, Rating, Ticket } from '../../domain/model.js';
import type { Database } from '../../store/sqlite.js';

/** Where a sync stands, saved in the mirror with every batch it wrote. */
export interface SyncState {
  /** The vendor's incremental cursor (Zendesk), when it has one. */
  cursor?: string;
  /** Where the comment feed resumes (Zendesk's ticket-event export start_time). */
  commentsSince?: string;
  /** Comment edits of that very second already applied (the feed gives that second again). */
  commentEditsSeen?: string[];
  /** Latest updatedAt seen (the fallback listing resumes from it). */
  updatedHighWater?: string;
  /** Ratings created before this were synced. */
  ratingsSince?: string;
  lastSyncAt?: string;
}

/** Times are stored in one form (2026-11-01T09:00:00.000Z) so that they compare as strings, as the demo's and imports' do. */
const utc = (v: string | null | undefined): string | null => (v ? new Date(v).toISOString() : null);

export interface ChangedTicket {
  ticket: Ticket;
  /** The whole conversation, or null to keep the mirror's (new comments come from a comment feed). */
  comments: Comment[] | null;
}

/** A vendor comment id the mirror can keep as the row's id (to recognise the comment when a feed repeats it). */
const commentRowId = (id: string): number | null => (/^\d{1,15}$/.test(id) ? Number(id) : null);

/**
 * Writes what a sync fetched into a local profile's helpdesk: tickets upserted by id with their tags and
 * whole conversation replaced, ratings deduplicated on (ticket, kind, time), and the sync state saved in
 * the same transaction, so a sync killed between batches resumes after the last batch it wrote.
 */
export class MirrorWriter {
  private readonly stateKey: string;

  /**
   * @param keepCommentIds store vendor comment ids as row ids (a source with a comment feed, whose
   *   repeated comments must be recognised); their ids are unique across the source's tickets
   */
  constructor(
    private readonly db: Database,
    source: string,
    private readonly keepCommentIds = false,
  ) {
    this.stateKey = `sync:${source}`;
    db.exec(`CREATE TABLE IF NOT EXISTS sync_ids (source TEXT NOT NULL, source_id TEXT NOT NULL, ticket_id INTEGER NOT NULL, PRIMARY KEY (source, source_id))`);
    // when each ticket was last read from the helpdesk (ms, this machine's clock)
    db.exec(`CREATE TABLE IF NOT EXISTS sync_reads (ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE, read_at INTEGER NOT NULL)`);
  }

  state(): SyncState {
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = ?`).get(this.stateKey) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as SyncState) : {};
  }

  private saveState(state: SyncState): void {
    this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(this.stateKey, JSON.stringify(state));
  }

  /** The local id of a vendor ticket id when the mirror knows it (numeric ids are their own). */
  private knownId(sourceId: string): number | undefined {
    if (/^\d{1,15}$/.test(sourceId)) return Number(sourceId);
    const row = this.db.prepare(`SELECT ticket_id FROM sync_ids WHERE source = ? AND source_id = ?`).get(this.stateKey, sourceId) as { ticket_id: number } | undefined;
    return row?.ticket_id;
  }

  /** The local id of a vendor ticket id: the same number when it is one, else a mapped one. */
  private localId(sourceId: string): number {
    const known = this.knownId(sourceId);
    if (known !== undefined) return known;
    // mapped ids count down from the top of the range, away from the vendor's numeric ids
    const min = (this.db.prepare(`SELECT min(ticket_id) AS m FROM sync_ids`).get() as { m: number | null }).m;
    const id = (min ?? 9_000_000_000_000_000) - 1;
    this.db.prepare(`INSERT INTO sync_ids (source, source_id, ticket_id) VALUES (?, ?, ?)`).run(this.stateKey, sourceId, id);
    return id;
  }

  private person(p: Person, role: 'customer' | 'agent'): string {
    this.db
      .prepare(`INSERT INTO people (id, name, email, role, grp) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email`)
      .run(p.id, p.name || p.email || p.id, p.email ?? null, p.role === 'customer' || p.role === 'system' ? role : p.role, p.group ?? null);
    return p.id;
  }

  /** The local id, updatedAt and last read time (ms; 0 when unknown) of each of these vendor tickets the mirror has. */
  held(sourceIds: string[]): Map<string, { id: number; updatedAt: number; readAt: number }> {
    const out = new Map<string, { id: number; updatedAt: number; readAt: number }>();
    const get = this.db.prepare(`SELECT t.updated_at, r.read_at FROM tickets t LEFT JOIN sync_reads r ON r.ticket_id = t.id WHERE t.id = ?`);
    for (const sourceId of sourceIds) {
      const id = this.knownId(sourceId);
      const row = id === undefined ? undefined : (get.get(id) as { updated_at: string | null; read_at: number | null } | undefined);
      if (row?.updated_at) out.set(sourceId, { id: id!, updatedAt: Date.parse(row.updated_at), readAt: row.read_at ?? 0 });
    }
    return out;
  }

  /** Removes tickets deleted in the helpdesk (their tags, conversation and ratings go with them); returns how many the mirror had. */
  removeTickets(sourceIds: string[], state: SyncState): number {
    let removed = 0;
    this.db.transaction(() => {
      const del = this.db.prepare(`DELETE FROM tickets WHERE id = ?`);
      for (const sourceId of sourceIds) {
        const id = this.knownId(sourceId);
        if (id !== undefined) removed += del.run(id).changes;
      }
      this.saveState(state);
    })();
    return removed;
  }

  /** After a complete listing: removes the tickets it did not return (gone from the helpdesk); returns how many. */
  removeAllBut(seenLocalIds: Set<number>, state: SyncState): number {
    let removed = 0;
    this.db.transaction(() => {
      this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS sync_seen (id INTEGER PRIMARY KEY); DELETE FROM sync_seen`);
      const add = this.db.prepare(`INSERT OR IGNORE INTO sync_seen (id) VALUES (?)`);
      for (const id of seenLocalIds) add.run(id);
      removed = this.db.prepare(`DELETE FROM tickets WHERE id NOT IN (SELECT id FROM sync_seen)`).run().changes;
      this.db.prepare(`DELETE FROM sync_ids WHERE source = ? AND ticket_id NOT IN (SELECT id FROM sync_seen)`).run(this.stateKey);
      this.db.exec(`DROP TABLE sync_seen`);
      this.saveState(state);
    })();
    return removed;
  }

  /** Upserts a batch of changed tickets read at `readAt` and saves the state, in one transaction; returns their local ids. */
  writeBatch(batch: ChangedTicket[], state: SyncState, readAt = Date.now()): number[] {
    const db = this.db;
    const ids: number[] = [];
    db.transaction(() => {
      for (const { ticket: t, comments } of batch) {
        const id = this.localId(t.id);
        ids.push(id);
        const requester = this.person(t.requester, 'customer');
        const assignee = t.assignee ? this.person(t.assignee, 'agent') : null;
        if (t.group) db.prepare(`INSERT OR IGNORE INTO groups (id, name) VALUES (?, ?)`).run(`g-${t.group.toLowerCase()}`, t.group);
        db.prepare(
          `INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, grp, created_at, updated_at, first_response_at, solved_at, reopen_count, custom_fields, imported_last_customer_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET subject = excluded.subject, status = excluded.status, priority = excluded.priority, channel = excluded.channel,
             requester_id = excluded.requester_id, assignee_id = excluded.assignee_id, grp = excluded.grp, created_at = excluded.created_at,
             updated_at = excluded.updated_at, first_response_at = excluded.first_response_at, solved_at = excluded.solved_at,
             reopen_count = excluded.reopen_count, custom_fields = excluded.custom_fields, imported_last_customer_at = excluded.imported_last_customer_at`,
        ).run(
          id, t.subject, t.status, t.priority, t.channel, requester, assignee, t.group ?? null, utc(t.createdAt), utc(t.updatedAt),
          utc(t.firstResponseAt), utc(t.solvedAt), t.reopenCount, JSON.stringify(t.customFields), utc(t.lastCustomerMessageAt),
        );
        db.prepare(`DELETE FROM ticket_tags WHERE ticket_id = ?`).run(id);
        for (const tag of new Set(t.tags)) db.prepare(`INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`).run(id, tag);
        if (comments) this.replaceConversation(id, comments);
        db.prepare(`INSERT INTO sync_reads (ticket_id, read_at) VALUES (?, ?) ON CONFLICT(ticket_id) DO UPDATE SET read_at = excluded.read_at`).run(id, readAt);
        // the helpdesk's own reply count when it has one (its definition, e.g. RT counts Correspond only);
        // else the triggers' count of the conversation's public agent messages
        if (t.publicReplyCount != null) db.prepare(`UPDATE tickets SET public_replies = ? WHERE id = ?`).run(t.publicReplyCount, id);
      }
      this.saveState(state);
    })();
    return ids;
  }

  private insertComment(ticketId: number, c: Comment): number {
    const rowId = this.keepCommentIds ? commentRowId(c.id) : null;
    return this.db
      .prepare(`INSERT INTO comments (id, ticket_id, author_id, author_role, public, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`)
      .run(rowId, ticketId, this.person(c.author, c.authorRole === 'customer' ? 'customer' : 'agent'), c.authorRole, c.public ? 1 : 0, c.body, utc(c.createdAt)).changes;
  }

  private replaceConversation(ticketId: number, comments: Comment[]): void {
    this.db.prepare(`DELETE FROM comments WHERE ticket_id = ?`).run(ticketId);
    for (const c of comments) this.insertComment(ticketId, c);
  }

  /**
   * From a comment feed, in one transaction with the state: comments added to tickets the mirror has
   * (those it already has, by id, and those of tickets it does not have are left out: a new ticket's
   * conversation is read whole), and whole conversations read again. Returns the comments added.
   */
  writeComments(added: Comment[], whole: { ticketId: string; comments: Comment[] }[], state: SyncState): number {
    let written = 0;
    this.db.transaction(() => {
      const exists = this.db.prepare(`SELECT 1 FROM tickets WHERE id = ?`);
      for (const c of added) {
        const id = this.knownId(c.ticketId);
        if (id !== undefined && exists.get(id)) written += this.insertComment(id, c);
      }
      for (const w of whole) {
        const id = this.knownId(w.ticketId);
        if (id !== undefined && exists.get(id)) this.replaceConversation(id, w.comments);
      }
      this.saveState(state);
    })();
    return written;
  }

  /** Adds ratings not already there; ratings of tickets the mirror does not have are left out (counted). */
  writeRatings(ratings: Rating[], state: SyncState): { written: number; orphans: number } {
    let written = 0;
    let orphans = 0;
    this.db.transaction(() => {
      for (const rating of ratings) {
        const r = { ...rating, createdAt: utc(rating.createdAt)! };
        const id = this.knownId(r.ticketId);
        if (id === undefined || !this.db.prepare(`SELECT 1 FROM tickets WHERE id = ?`).get(id)) {
          orphans++;
          continue;
        }
        const exists = this.db.prepare(`SELECT 1 FROM ratings WHERE ticket_id = ? AND kind = ? AND created_at = ?`).get(id, r.kind, r.createdAt);
        if (exists) {
          this.db.prepare(`UPDATE ratings SET score = ?, scale_min = ?, scale_max = ?, comment = ?, agent_id = ? WHERE ticket_id = ? AND kind = ? AND created_at = ?`).run(r.score, r.scale.min, r.scale.max, r.comment ?? null, r.agentId ?? null, id, r.kind, r.createdAt);
        } else {
          this.db.prepare(`INSERT INTO ratings (ticket_id, kind, score, scale_min, scale_max, comment, created_at, agent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(id, r.kind, r.score, r.scale.min, r.scale.max, r.comment ?? null, r.createdAt, r.agentId ?? null);
          written++;
        }
      }
      this.saveState(state);
    })();
    return { written, orphans };
  }
}
