/** Epoch milliseconds of a stored ISO time (null when absent or unreadable), as the metrics compute it. */
const ms = (col: string) => `CAST(round(unixepoch(${col}, 'subsec') * 1000) AS INTEGER)`;

/** The embedded helpdesk's tables (namespace 'helpdesk' in its own helpdesk.db). Append-only. */
export const HELPDESK_MIGRATIONS: readonly string[] = [
  `CREATE TABLE people (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     email TEXT,
     role TEXT NOT NULL CHECK (role IN ('customer','agent','admin','system')),
     grp TEXT,
     signature TEXT
   );
   CREATE INDEX people_email ON people(lower(email));
   CREATE TABLE groups (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE tickets (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subject TEXT NOT NULL,
     status TEXT NOT NULL,
     priority TEXT NOT NULL,
     channel TEXT NOT NULL,
     requester_id TEXT NOT NULL REFERENCES people(id),
     assignee_id TEXT REFERENCES people(id),
     grp TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     first_response_at TEXT,
     solved_at TEXT,
     reopen_count INTEGER NOT NULL DEFAULT 0,
     custom_fields TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX tickets_status ON tickets(status);
   CREATE INDEX tickets_created ON tickets(created_at);
   CREATE INDEX tickets_updated ON tickets(updated_at);
   CREATE TABLE ticket_tags (
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     tag TEXT NOT NULL,
     PRIMARY KEY (ticket_id, tag)
   );
   CREATE INDEX ticket_tags_tag ON ticket_tags(tag);
   CREATE TABLE comments (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     author_id TEXT NOT NULL REFERENCES people(id),
     author_role TEXT NOT NULL CHECK (author_role IN ('customer','agent','system')),
     public INTEGER NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX comments_ticket ON comments(ticket_id, created_at);
   CREATE TABLE ratings (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     kind TEXT NOT NULL CHECK (kind IN ('csat','nps','ces')),
     score REAL NOT NULL,
     scale_min REAL NOT NULL,
     scale_max REAL NOT NULL,
     comment TEXT,
     created_at TEXT NOT NULL,
     agent_id TEXT
   );
   CREATE INDEX ratings_created ON ratings(created_at);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     at TEXT NOT NULL,
     actor_id TEXT,
     field TEXT NOT NULL,
     old_value TEXT,
     new_value TEXT
   );
   CREATE INDEX events_ticket ON events(ticket_id);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // public agent replies per ticket, kept at write time (FCR without counting comments per ticket);
  // the last solve is indexed for the metrics' "solved in the period" and backlog ranges
  `ALTER TABLE tickets ADD COLUMN public_replies INTEGER NOT NULL DEFAULT 0;
   UPDATE tickets SET public_replies =
     (SELECT count(*) FROM comments c WHERE c.ticket_id = tickets.id AND c.author_role = 'agent' AND c.public = 1);
   CREATE TRIGGER comments_public_reply_insert AFTER INSERT ON comments
     WHEN NEW.author_role = 'agent' AND NEW.public = 1
   BEGIN UPDATE tickets SET public_replies = public_replies + 1 WHERE id = NEW.ticket_id; END;
   CREATE TRIGGER comments_public_reply_delete AFTER DELETE ON comments
     WHEN OLD.author_role = 'agent' AND OLD.public = 1
   BEGIN UPDATE tickets SET public_replies = public_replies - 1 WHERE id = OLD.ticket_id; END;
   CREATE TRIGGER comments_public_reply_update AFTER UPDATE OF ticket_id, author_role, public ON comments
   BEGIN
     UPDATE tickets SET public_replies = public_replies - 1 WHERE id = OLD.ticket_id AND OLD.author_role = 'agent' AND OLD.public = 1;
     UPDATE tickets SET public_replies = public_replies + 1 WHERE id = NEW.ticket_id AND NEW.author_role = 'agent' AND NEW.public = 1;
   END;
   -- a conversation written before its ticket row (the demo, imports) is counted when the ticket arrives
   CREATE TRIGGER tickets_public_replies_insert AFTER INSERT ON tickets
   BEGIN
     UPDATE tickets SET public_replies =
       (SELECT count(*) FROM comments c WHERE c.ticket_id = NEW.id AND c.author_role = 'agent' AND c.public = 1)
     WHERE id = NEW.id;
   END;
   CREATE INDEX tickets_solved ON tickets(solved_at);`,
  // a ticket's ratings by kind and date: the latest rating of a period per ticket (per-ticket export), and
  // deleting a ticket no longer scans every rating for the cascade
  `CREATE INDEX ratings_ticket ON ratings(ticket_id, kind, created_at);`,
  // Imported tickets may carry the time of the latest customer message without the messages
  // (a `tickets list --json` export); the import sets public_replies itself from publicReplyCount.
  `ALTER TABLE tickets ADD COLUMN imported_last_customer_at TEXT;`,
  // metrics ranges that stay on indexes: tickets solved in a period (solved_at, or updated_at when a solved
  // ticket has none) and the backlog's open tickets by status and creation (count without the table)
  `DROP INDEX tickets_solved;
   CREATE INDEX tickets_solved_updated ON tickets(solved_at, updated_at);
   DROP INDEX tickets_status;
   CREATE INDEX tickets_status_created ON tickets(status, created_at);`,
  // covering indexes for the metrics' ranges (a summary reads index entries, not ticket rows): created
  // (first response, channel), solved (with replies and reopens) and open tickets (for the backlog), and
  // the few reopened tickets still open, by last update
  `DROP INDEX tickets_created;
   CREATE INDEX tickets_created_facts ON tickets(created_at, first_response_at, channel, status);
   DROP INDEX tickets_solved_updated;
   CREATE INDEX tickets_solved_facts ON tickets(solved_at, updated_at, status, created_at, public_replies, reopen_count);
   DROP INDEX tickets_status_created;
   CREATE INDEX tickets_status_facts ON tickets(status, created_at, solved_at, updated_at);
   CREATE INDEX tickets_reopened_open ON tickets(updated_at) WHERE reopen_count > 0 AND status IN ('new','open','pending','on_hold');`,
  // Epoch milliseconds of the times the metrics compare and subtract, as generated columns: every write
  // (import, sync, the provider, the demo, a test's INSERT) keeps them without knowing of them, the indexes
  // store them (a summary reads integers from the index entries, no date parsing per ticket), and a row
  // read whole computes them only when asked. solved_ms is the metrics' "last solve" (ticketFacts().solved):
  // null while unsolved, else solved_at, or the last update of a solved ticket without one. The created
  // index leads with the channel so that per-channel counts come out grouped without a sort.
  `ALTER TABLE tickets ADD COLUMN created_ms INTEGER GENERATED ALWAYS AS (${ms('created_at')}) VIRTUAL;
   ALTER TABLE tickets ADD COLUMN first_response_ms INTEGER GENERATED ALWAYS AS (${ms('first_response_at')}) VIRTUAL;
   ALTER TABLE tickets ADD COLUMN updated_ms INTEGER GENERATED ALWAYS AS (${ms('updated_at')}) VIRTUAL;
   ALTER TABLE tickets ADD COLUMN solved_ms INTEGER GENERATED ALWAYS AS
     (CASE WHEN status IN ('solved','closed') THEN coalesce(${ms('solved_at')}, ${ms('updated_at')}, ${ms('created_at')}) END) VIRTUAL;
   ALTER TABLE ratings ADD COLUMN created_ms INTEGER GENERATED ALWAYS AS (${ms('created_at')}) VIRTUAL;
   DROP INDEX tickets_created_facts;
   CREATE INDEX tickets_channel_created_ms ON tickets(channel, created_ms, first_response_ms);
   DROP INDEX tickets_solved_facts;
   CREATE INDEX tickets_solved_ms ON tickets(solved_ms, created_ms, public_replies, reopen_count);
   DROP INDEX tickets_status_facts;
   CREATE INDEX tickets_status ON tickets(status);
   DROP INDEX tickets_reopened_open;
   CREATE INDEX tickets_reopened_open_ms ON tickets(updated_ms) WHERE reopen_count > 0 AND status IN ('new','open','pending','on_hold');
   CREATE INDEX ratings_created_ms ON ratings(created_ms, kind, score, scale_min, scale_max);`,
];
