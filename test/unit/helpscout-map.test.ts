import { describe, expect, it } from 'vitest';
import {
  channelFromConversation,
  commentFromThread,
  csatFromRatingId,
  HsConversationSchema,
  planUpdate,
  ratingsFromReport,
  statusFromHelpScout,
  statusToHelpScout,
  threadFacts,
  ticketFromConversation,
  type HsLookups,
  type HsThread,
} from '../../src/providers/helpscout/map.js';
import { helpScoutErrorMessage, helpScoutRetryAfterMs } from '../../src/providers/helpscout/index.js';

const lookups: HsLookups = {
  user: (id) => (id === 1 ? { id: '1', name: 'Ana Agent', email: 'ana@x.test', role: 'agent' } : undefined),
  mailboxName: (id) => (id === 11 ? 'Support' : undefined),
};

const threads: HsThread[] = [
  { id: 3, type: 'message', status: 'closed', body: '<p>fixed</p>', createdBy: { id: 1, type: 'user' }, createdAt: '2026-11-01T12:00:00Z' },
  { id: 4, type: 'customer', status: 'active', body: 'still broken', createdBy: { id: 9, type: 'customer', first: 'Carl' }, createdAt: '2026-11-02T08:00:00Z' },
  { id: 2, type: 'lineitem', status: 'nochange', body: '', createdBy: { id: 1, type: 'user' }, createdAt: '2026-11-01T10:30:00Z' },
  { id: 1, type: 'customer', status: 'active', body: 'broken', createdBy: { id: 9, type: 'customer' }, createdAt: '2026-11-01T10:00:00Z' },
  { id: 5, type: 'note', status: 'nochange', body: 'internal', createdBy: { id: 1, type: 'user' }, createdAt: '2026-11-02T09:00:00Z' },
];

describe('help scout codes', () => {
  it('maps statuses both ways (snoozed = on_hold, spam = closed)', () => {
    expect(['active', 'pending', 'closed', 'spam'].map((s) => statusFromHelpScout(s))).toEqual(['open', 'pending', 'closed', 'closed']);
    expect(statusFromHelpScout('active', true)).toBe('on_hold');
    expect((['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const).map(statusToHelpScout)).toEqual(['active', 'active', 'pending', 'pending', 'closed', 'closed']);
  });

  it('maps conversation type and source to channels', () => {
    expect(channelFromConversation({ type: 'chat' })).toBe('chat');
    expect(channelFromConversation({ type: 'phone' })).toBe('phone');
    expect(channelFromConversation({ type: 'email', source: { type: 'beacon' } })).toBe('chat');
    expect(channelFromConversation({ type: 'email', source: { type: 'api' } })).toBe('api');
    expect(channelFromConversation({ type: 'email', source: { type: 'web' } })).toBe('web');
    expect(channelFromConversation({ type: 'email', source: { type: 'email' } })).toBe('email');
  });

  it('rates great as satisfied on a 1-5 scale', () => {
    expect([1, 2, 3, 4].map(csatFromRatingId)).toEqual([5, 3, 1, undefined]);
    const ratings = ratingsFromReport({ results: [{ id: 8, ratingId: 1, ratingCreatedAt: '2026-11-03T00:00:00Z', ratingUserId: 1, ratingComments: '' }] });
    expect(ratings).toEqual([{ ticketId: '8', kind: 'csat', score: 5, scale: { min: 1, max: 5 }, comment: null, createdAt: '2026-11-03T00:00:00Z', agentId: '1' }]);
  });
});

describe('help scout conversations and threads', () => {
  it('derives first response, replies, reopens and last customer message from threads', () => {
    expect(threadFacts(threads)).toEqual({ firstResponseAt: '2026-11-01T12:00:00Z', publicReplyCount: 1, reopenCount: 1, lastCustomerMessageAt: '2026-11-02T08:00:00Z' });
  });

  it('maps a conversation to a ticket without priority', () => {
    const c = HsConversationSchema.parse({
      id: 77,
      number: 12,
      type: 'email',
      status: 'active',
      subject: 'Broken',
      mailboxId: 11,
      assignee: { id: 1, first: 'A', last: 'B' },
      primaryCustomer: { id: 9, first: 'Carl', last: 'Cust', email: 'carl@x.test' },
      createdAt: '2026-11-01T10:00:00Z',
      userUpdatedAt: '2026-11-02T09:00:00Z',
      tags: [{ id: 1, tag: 'vip' }],
      customFields: [{ id: 5, name: 'Order', value: '12', text: '12' }],
      _embedded: { threads },
    });
    const t = ticketFromConversation(c, lookups);
    expect(t).toMatchObject({
      id: '77',
      url: 'https://secure.helpscout.net/conversation/77/12',
      status: 'open',
      priority: 'none',
      channel: 'email',
      requester: { id: '9', name: 'Carl Cust', email: 'carl@x.test', role: 'customer' },
      assignee: { id: '1', name: 'Ana Agent' },
      group: 'Support',
      tags: ['vip'],
      updatedAt: '2026-11-02T09:00:00Z',
      firstResponseAt: '2026-11-01T12:00:00Z',
      reopenCount: 1,
      solvedAt: null,
      customFields: { Order: '12', number: 12 },
    });
  });

  it('turns threads into comments; line items are not comments', () => {
    const out = threads.map((t) => commentFromThread(t, '77', lookups));
    expect(out.map((c) => (c ? [c.id, c.authorRole, c.public] : null))).toEqual([['3', 'agent', true], ['4', 'customer', true], null, ['1', 'customer', true], ['5', 'agent', false]]);
    expect(out[0]!.body).toBe('fixed');
    expect(out[0]!.author.name).toBe('Ana Agent');
  });
});

describe('help scout updates', () => {
  it('plans one PATCH per property and a full tag list', () => {
    expect(planUpdate({ status: 'solved', assigneeId: null, group: 'Billing', addTags: ['b'], removeTags: ['a'] }, ['a', 'c'], () => 12)).toEqual({
      ops: [
        { op: 'move', path: '/mailboxId', value: 12 },
        { op: 'remove', path: '/assignTo' },
        { op: 'replace', path: '/status', value: 'closed' },
      ],
      tags: ['c', 'b'],
    });
  });

  it('refuses what Help Scout cannot do', () => {
    expect(() => planUpdate({ priority: 'high' }, [], () => 1)).toThrow(/Help Scout has no priority field/);
    expect(() => planUpdate({ group: null }, [], () => 1)).toThrow(/always belongs to a mailbox/);
    expect(() => planUpdate({ assigneeId: 'ana' }, [], () => 1)).toThrow(/invalid Help Scout user id/);
  });
});

describe('help scout HTTP details', () => {
  it('reads X-RateLimit-Retry-After and error bodies', () => {
    expect(helpScoutRetryAfterMs({ 'x-ratelimit-retry-after': '7' })).toBe(7000);
    expect(helpScoutRetryAfterMs({})).toBeUndefined();
    expect(helpScoutErrorMessage({ message: 'Bad request', _embedded: { errors: [{ path: 'text', message: 'may not be empty' }] } })).toBe('Bad request; text: may not be empty');
  });
});
