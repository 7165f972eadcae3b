import type { Channel, Rating, Status, Ticket } from '../../src/domain/model.js';
import { matchesQuery, type TicketQuery } from '../../src/domain/query.js';
import { NotFoundError } from '../../src/errors.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';

/**
 * A hand-made week (2026-11-01 .. 2026-11-08, now = 2026-11-08T12:00Z) whose metrics are computed
 * by hand in metrics-calculators.test.ts and metrics-engine.test.ts.
 */
export const SINCE = new Date('2026-11-01T00:00:00Z');
export const UNTIL = new Date('2026-11-08T00:00:00Z');
export const NOW = new Date('2026-11-08T12:00:00Z');

const agent = (name: string) => ({ id: name.toLowerCase(), name, role: 'agent' as const, email: `${name.toLowerCase()}@x.example` });

export function ticket(p: Partial<Ticket> & { id: string; channel: Channel; createdAt: string; status: Status }): Ticket {
  return {
    subject: `ticket ${p.id}`,
    priority: 'normal',
    requester: { id: `c${p.id}`, name: `Customer ${p.id}`, role: 'customer' },
    assignee: null,
    group: null,
    tags: [],
    updatedAt: p.solvedAt ?? p.firstResponseAt ?? p.createdAt,
    firstResponseAt: null,
    solvedAt: null,
    reopenCount: 0,
    publicReplyCount: 0,
    customFields: {},
    ...p,
  };
}

export const TICKETS: Ticket[] = [
  // email, answered after 2 h, solved after 1 day with one reply: first contact resolution
  ticket({ id: '1', channel: 'email', status: 'solved', createdAt: '2026-11-01T10:00:00Z', firstResponseAt: '2026-11-01T12:00:00Z', solvedAt: '2026-11-02T10:00:00Z', publicReplyCount: 1, assignee: agent('Ann'), group: 'Support', tags: ['delivery', 'vip'] }),
  // chat answered after 120 s (misses 60 s), solved after 1 h with 3 replies
  ticket({ id: '2', channel: 'chat', status: 'closed', createdAt: '2026-11-02T09:00:00Z', firstResponseAt: '2026-11-02T09:02:00Z', solvedAt: '2026-11-02T10:00:00Z', publicReplyCount: 3, assignee: agent('Bob'), group: 'Support', tags: ['delivery'] }),
  // chat answered after 30 s, reopened twice, solved after 3 days with one reply
  ticket({ id: '3', channel: 'chat', status: 'solved', createdAt: '2026-11-03T09:00:00Z', firstResponseAt: '2026-11-03T09:00:30Z', solvedAt: '2026-11-06T09:00:00Z', publicReplyCount: 1, reopenCount: 2, assignee: agent('Ann'), group: 'Billing', tags: ['refund'] }),
  // phone, never answered, still open
  ticket({ id: '4', channel: 'phone', status: 'open', createdAt: '2026-11-04T08:00:00Z', publicReplyCount: 0, group: 'Support' }),
  // created before the period, solved in it after 11 d 6 h with 2 replies
  ticket({ id: '5', channel: 'email', status: 'solved', createdAt: '2026-10-25T00:00:00Z', firstResponseAt: '2026-10-25T01:00:00Z', solvedAt: '2026-11-05T06:00:00Z', publicReplyCount: 2, assignee: agent('Bob'), group: 'Billing', tags: ['refund'] }),
  // stale backlog: created long before, pending, not updated since October
  ticket({ id: '6', channel: 'web', status: 'pending', createdAt: '2026-10-20T00:00:00Z', firstResponseAt: '2026-10-20T01:00:00Z', updatedAt: '2026-10-21T00:00:00Z', publicReplyCount: 1, assignee: agent('Ann'), group: 'Support' }),
  // email created late in the period, unanswered but still within 24 h at NOW: SLA pending
  ticket({ id: '7', channel: 'email', status: 'new', createdAt: '2026-11-07T23:00:00Z', publicReplyCount: 0, group: 'Support', tags: ['delivery'] }),
  // created after the period: ignored
  ticket({ id: '8', channel: 'chat', status: 'open', createdAt: '2026-11-08T01:00:00Z', firstResponseAt: '2026-11-08T01:00:10Z', publicReplyCount: 1 }),
];

const rating = (ticketId: string, kind: Rating['kind'], score: number, createdAt: string, scale = kind === 'nps' ? { min: 0, max: 10 } : kind === 'ces' ? { min: 1, max: 7 } : { min: 1, max: 5 }): Rating => ({
  ticketId,
  kind,
  score,
  scale,
  createdAt,
});

export const RATINGS: Rating[] = [
  rating('1', 'csat', 5, '2026-11-02T11:00:00Z'), // satisfied
  rating('2', 'csat', 3, '2026-11-03T10:00:00Z'), // not satisfied
  rating('3', 'csat', 1, '2026-11-06T10:00:00Z', { min: 0, max: 1 }), // "good" on a good/bad helpdesk
  rating('5', 'csat', 4, '2026-10-30T10:00:00Z'), // before the period
  rating('3', 'csat', 2, '2026-11-09T10:00:00Z'), // after the period
  rating('1', 'nps', 10, '2026-11-02T11:00:00Z'), // promoter
  rating('2', 'nps', 6, '2026-11-03T10:00:00Z'), // detractor
  rating('3', 'nps', 8, '2026-11-07T10:00:00Z'), // passive
  rating('1', 'ces', 7, '2026-11-02T11:00:00Z'),
  rating('2', 'ces', 4, '2026-11-03T10:00:00Z'),
];

/** An in-memory HelpdeskProvider over tickets and ratings, paging by 3, recording the queries it got. */
export function fakeProvider(tickets: Ticket[], ratings: Rating[], opts: { serverIds?: boolean } = {}) {
  const queries: TicketQuery[] = [];
  const lookups: string[] = [];
  const commentCalls: string[] = [];
  const provider: HelpdeskProvider = {
    kind: 'fake',
    displayName: 'Fake',
    capabilities: {
      priority: true, channels: true, groups: true, internalNotes: true, tags: true,
      ratings: ['csat', 'nps', 'ces'],
      serverFilters: opts.serverIds === false ? [] : ['ids'],
      defaultConcurrency: 2,
    },
    async *listTickets(q) {
      queries.push(q);
      const hits = tickets.filter((t) => matchesQuery(t, q));
      for (let i = 0; i < hits.length; i += 3) yield hits.slice(i, i + 3);
    },
    async getTicket(id) {
      lookups.push(id);
      const t = tickets.find((x) => x.id === id);
      if (!t) throw new NotFoundError('ticket', id);
      return t;
    },
    async listComments(id) {
      commentCalls.push(id);
      const t = tickets.find((x) => x.id === id)!;
      const agentP = { id: 'a', name: 'A', role: 'agent' as const };
      const n = (t.customFields.replies as number | undefined) ?? 0;
      return [
        { id: `${id}-q`, ticketId: id, author: t.requester, authorRole: 'customer' as const, public: true, body: 'q', createdAt: t.createdAt },
        { id: `${id}-n`, ticketId: id, author: agentP, authorRole: 'agent' as const, public: false, body: 'note', createdAt: t.createdAt },
        ...Array.from({ length: n }, (_, i) => ({ id: `${id}-${i}`, ticketId: id, author: agentP, authorRole: 'agent' as const, public: true, body: 'a', createdAt: t.createdAt })),
      ];
    },
    async updateTicket() { throw new Error('read only'); },
    async addComment() { throw new Error('read only'); },
    async *listRatings(range) {
      const hits = ratings.filter((r) => (!range.since || Date.parse(r.createdAt) >= range.since.getTime()) && (!range.until || Date.parse(r.createdAt) < range.until.getTime()));
      for (let i = 0; i < hits.length; i += 4) yield hits.slice(i, i + 4);
    },
    async listAgents() { return []; },
    async listGroups() { return []; },
    async currentAgent() { return null; },
    async close() {},
  };
  return { provider, queries, lookups, commentCalls };
}
