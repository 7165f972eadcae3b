import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Comment, Person, Ticket, TicketPatch, NewComment } from '../../src/domain/model.js';
import { NotFoundError } from '../../src/errors.js';
import { UncertainWriteError } from '../../src/providers/http.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import type { Dialect } from '../../src/store/state-db.js';
import { StateStore } from '../../src/store/state-store.js';
import type { PgServer } from '../support/pg-server.js';

export const AGENT: Person = { id: 'a1', name: 'Ada Agent', email: 'ada@example.com', role: 'agent' };
const customer = (id: string): Person => ({ id: `c${id}`, name: `Customer ${id}`, email: `c${id}@example.com`, role: 'customer' });

/** A small in-memory helpdesk for follow-up unit tests. */
export class FakeHelpdesk implements HelpdeskProvider {
  readonly kind = 'fake';
  readonly displayName = 'Fake';
  readonly capabilities = {
    priority: true,
    channels: true,
    groups: true,
    internalNotes: true,
    tags: true,
    ratings: [],
    serverFilters: [],
    defaultConcurrency: 4,
  };
  tickets = new Map<string, Ticket>();
  comments = new Map<string, Comment[]>();
  sends = 0;
  private nextComment = 1;
  /** Fails addComment for these ticket ids. */
  failFor = new Set<string>();
  /** Posts the comment, then throws (a timeout after the helpdesk accepted it). */
  failAfterPostFor = new Set<string>();
  /** Throws `unknownError()` instead of answering; posts the comment first when `postBefore` (the helpdesk applied it late). */
  unknownFor = new Map<string, { postBefore: boolean }>();
  /** Tags the helpdesk refuses to add. */
  refusedTags = new Set<string>();

  constructor(count: number, status: Ticket['status'] = 'solved') {
    for (let i = 1; i <= count; i++) this.add(String(i), status);
  }

  add(id: string, status: Ticket['status']): Ticket {
    const t: Ticket = {
      id,
      subject: `Ticket ${id}`,
      status,
      priority: 'normal',
      channel: 'email',
      requester: customer(id),
      assignee: AGENT,
      group: null,
      tags: [],
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
      reopenCount: 0,
      customFields: {},
    };
    this.tickets.set(id, t);
    this.comments.set(id, []);
    return t;
  }

  customerWrites(ticketId: string, at: string, body = 'Still broken!'): void {
    this.comments.get(ticketId)!.push({
      id: `k${this.nextComment++}`,
      ticketId,
      author: this.tickets.get(ticketId)!.requester,
      authorRole: 'customer',
      public: true,
      body,
      createdAt: at,
    });
  }

  async *listTickets(): AsyncIterable<Ticket[]> {
    yield [...this.tickets.values()];
  }
  async getTicket(id: string): Promise<Ticket> {
    const t = this.tickets.get(id);
    if (!t) throw new NotFoundError('ticket', id);
    return structuredClone(t);
  }
  async listComments(id: string): Promise<Comment[]> {
    await new Promise((r) => setImmediate(r));
    return structuredClone(this.comments.get(id) ?? []);
  }
  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    const t = this.tickets.get(id);
    if (!t) throw new NotFoundError('ticket', id);
    const refused = (patch.addTags ?? []).filter((x) => this.refusedTags.has(x));
    if (refused.length) throw new Error(`tag '${refused[0]}' is not allowed`);
    if (patch.status) t.status = patch.status;
    for (const tag of patch.addTags ?? []) if (!t.tags.includes(tag)) t.tags.push(tag);
    return structuredClone(t);
  }
  async addComment(ticketId: string, c: NewComment): Promise<Comment> {
    await new Promise((r) => setImmediate(r));
    if (this.failFor.has(ticketId)) throw new Error(`helpdesk refused the reply on ${ticketId}`);
    this.sends++;
    const comment: Comment = {
      id: `k${this.nextComment++}`,
      ticketId,
      author: AGENT,
      authorRole: 'agent',
      public: c.public,
      body: c.body,
      createdAt: new Date().toISOString(),
    };
    const unknown = this.unknownFor.get(ticketId);
    if (unknown) {
      this.unknownFor.delete(ticketId);
      if (unknown.postBefore) this.comments.get(ticketId)!.push(comment);
      else this.sends--;
      throw new UncertainWriteError(`POST /tickets/${ticketId}/reply: outcome unknown (HTTP 504); not seen on the helpdesk after 3 checks over 7.0s, not sent again`);
    }
    this.comments.get(ticketId)!.push(comment);
    if (this.failAfterPostFor.has(ticketId)) throw new Error(`timeout waiting for the helpdesk (ticket ${ticketId})`);
    return comment;
  }
  async *listRatings() {}
  async listAgents() {
    return [AGENT];
  }
  async listGroups() {
    return [];
  }
  async currentAgent() {
    return AGENT;
  }
  async close() {}
}

/**
 * The stores the follow-up suites run against: SQLite always, PostgreSQL when the file got a test server
 * (`pgForSuite`; it skips with one line without one, and fails under CI=true).
 */
export const storeDialects = (pg: PgServer | undefined): Dialect[] => (pg ? ['sqlite', 'postgres'] : ['sqlite']);

export interface TempStore {
  store: StateStore;
  /** Another connection to the same state (a second process or host). */
  reopen: () => Promise<StateStore>;
  cleanup: () => Promise<void>;
}

/** A fresh state store of this dialect: a temporary SQLite file, or a schema of its own in the test PostgreSQL. */
export async function tempStore(dialect: Dialect = 'sqlite', pg?: PgServer): Promise<TempStore> {
  if (dialect === 'sqlite') return tempSqliteStore();
  if (!pg) throw new Error('a PostgreSQL store needs the test server (pgForSuite)');
  return tempPgStore(pg);
}

async function tempSqliteStore(): Promise<TempStore> {
  return tempStoreIn('deskctl-fu-');
}

/** A store in a fresh temporary folder (SQLite there, or the PostgreSQL `target`), reopenable, closed and removed by cleanup. */
async function tempStoreIn(prefix: string, target?: Parameters<typeof StateStore.open>[2]): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const paths = { configDir: dir, dataDir: join(dir, 'data'), templatesDir: join(dir, 'templates') };
  const opened: StateStore[] = [];
  const reopen = async () => {
    const s = await StateStore.open(paths, 'test', target);
    opened.push(s);
    return s;
  };
  const store = await reopen();
  return {
    store,
    reopen,
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const databases = new WeakMap<PgServer, Promise<string>>();

/** A schema of its own (as an account of its own would have) in one database per test file. */
async function tempPgStore(pg: PgServer): Promise<TempStore> {
  let database = databases.get(pg);
  if (!database) databases.set(pg, (database = pg.freshDatabase('followups')));
  const url = await database;
  const schema = `deskctl_test_${randomBytes(5).toString('hex')}`;
  const target = { url, shown: url, schema, account: `ns:${schema}`, source: 'the test' };
  return tempStoreIn('deskctl-fu-pg-', target);
}
