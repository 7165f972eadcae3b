import type { Capabilities, HelpdeskProvider } from '../../src/providers/provider.js';
import type { Comment, NewComment, Person, Ticket, TicketPatch } from '../../src/domain/model.js';
import { matchesQuery, type TicketQuery } from '../../src/domain/query.js';
import { NotFoundError, ApiError } from '../../src/errors.js';

export const AGENTS: Person[] = [
  { id: 'a1', name: 'Maya Patel', email: 'maya@example.com', role: 'agent', signature: 'Maya\nAcme Support' },
  { id: 'a2', name: 'Tom Berg', email: 'tom@example.com', role: 'agent', signature: null },
];

export function makeTicket(n: number, extra: Partial<Ticket> = {}): Ticket {
  return {
    id: String(n),
    subject: `Order question ${n}`,
    status: 'open',
    priority: 'normal',
    channel: 'email',
    requester: { id: `c${n}`, name: `Customer${n} Lastname`, email: `c${n}@example.org`, role: 'customer' },
    assignee: null,
    group: 'Support',
    tags: ['delivery'],
    createdAt: '2026-11-01T10:00:00Z',
    updatedAt: '2026-11-02T10:00:00Z',
    reopenCount: 0,
    customFields: { order_number: `ORD-${100000 + n}`, tier: 'standard' },
    ...extra,
  };
}

export interface FakeOptions {
  /** Ticket ids whose addComment fails with an ApiError. */
  failComment?: Set<string>;
  /** Called before each write; may throw or wait. */
  beforeWrite?: (kind: 'comment' | 'update', ticketId: string) => Promise<void> | void;
  concurrency?: number;
  capabilities?: Partial<Capabilities>;
}

/** An in-memory helpdesk for unit tests. Counts calls and tracks the highest number of writes in flight. */
export class FakeHelpdesk implements HelpdeskProvider {
  readonly kind = 'fake';
  readonly displayName = 'Fake Desk';
  readonly capabilities: Capabilities;
  tickets = new Map<string, Ticket>();
  comments = new Map<string, Comment[]>();
  calls = { addComment: 0, updateTicket: 0, listComments: 0, getTicket: 0 };
  inFlight = 0;
  maxInFlight = 0;
  private seq = 0;

  constructor(count = 10, private readonly opts: FakeOptions = {}) {
    this.capabilities = {
      priority: true, channels: true, groups: true, internalNotes: true, tags: true, ratings: ['csat'],
      serverFilters: [], defaultConcurrency: opts.concurrency ?? 4, ...opts.capabilities,
    };
    for (let i = 1; i <= count; i++) {
      const t = makeTicket(i);
      this.tickets.set(t.id, t);
      this.comments.set(t.id, [
        { id: `m${i}`, ticketId: t.id, author: t.requester, authorRole: 'customer', public: true, body: `Where is my parcel ${i}?`, createdAt: '2026-11-01T10:00:00Z' },
      ]);
    }
  }

  async *listTickets(query: TicketQuery): AsyncIterable<Ticket[]> {
    const all = [...this.tickets.values()].filter((t) => matchesQuery(t, query));
    for (let i = 0; i < all.length; i += 3) yield all.slice(i, i + 3).map((t) => structuredClone(t));
  }
  async getTicket(id: string): Promise<Ticket> {
    this.calls.getTicket++;
    const t = this.tickets.get(id);
    if (!t) throw new NotFoundError('ticket', id);
    return structuredClone(t);
  }
  async listComments(ticketId: string): Promise<Comment[]> {
    this.calls.listComments++;
    await this.getTicket(ticketId);
    return structuredClone(this.comments.get(ticketId) ?? []);
  }
  private async write<T>(kind: 'comment' | 'update', id: string, fn: () => T): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 1));
      await this.opts.beforeWrite?.(kind, id);
      return fn();
    } finally {
      this.inFlight--;
    }
  }
  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    this.calls.updateTicket++;
    return this.write('update', id, () => {
      const t = this.tickets.get(id);
      if (!t) throw new NotFoundError('ticket', id);
      if (patch.status) t.status = patch.status;
      if (patch.priority) t.priority = patch.priority;
      if (patch.assigneeId !== undefined) t.assignee = patch.assigneeId === null ? null : AGENTS.find((a) => a.id === patch.assigneeId) ?? null;
      if (patch.group !== undefined) t.group = patch.group;
      if (patch.addTags) t.tags = [...new Set([...t.tags, ...patch.addTags])];
      if (patch.removeTags) t.tags = t.tags.filter((x) => !patch.removeTags!.includes(x));
      return structuredClone(t);
    });
  }
  async addComment(ticketId: string, c: NewComment): Promise<Comment> {
    this.calls.addComment++;
    return this.write('comment', ticketId, () => {
      if (this.opts.failComment?.has(ticketId)) throw new ApiError(`Fake Desk refused the comment on ticket ${ticketId}`, { status: 422 });
      const t = this.tickets.get(ticketId);
      if (!t) throw new NotFoundError('ticket', ticketId);
      const comment: Comment = { id: `new${++this.seq}`, ticketId, author: AGENTS[0]!, authorRole: 'agent', public: c.public, body: c.body, createdAt: new Date().toISOString() };
      this.comments.get(ticketId)!.push(comment);
      return structuredClone(comment);
    });
  }
  async *listRatings(): AsyncIterable<never[]> {}
  async listAgents(): Promise<Person[]> {
    return structuredClone(AGENTS);
  }
  async listGroups() {
    return [{ id: 'g1', name: 'Support' }];
  }
  async currentAgent(): Promise<Person | null> {
    return structuredClone(AGENTS[0]!);
  }
  async close(): Promise<void> {}

  /** Agent comments on a ticket (public or not) after the seeded customer message. */
  agentReplies(id: string): Comment[] {
    return (this.comments.get(id) ?? []).filter((c) => c.authorRole === 'agent');
  }
}
