import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { htmlToText, textToHtml } from '../../src/providers/html.js';
import {
  channelFromSource,
  commentFromConversation,
  csatScore,
  descriptionComment,
  FdTicketSchema,
  priorityFromFreshdesk,
  priorityToFreshdesk,
  ratingFromFreshdesk,
  statusFromFreshdesk,
  statusToFreshdesk,
  ticketFromFreshdesk,
  updateBodyFromPatch,
  type FdLookups,
} from '../../src/providers/freshdesk/map.js';
import { buildFilterPlan, filterQuery, splitRange, wantsFilterQuery } from '../../src/providers/freshdesk/search.js';

const lookups: FdLookups = {
  agent: (id) => (id === 7 ? { id: '7', name: 'Ana', email: 'ana@x.test', role: 'agent' } : undefined),
  contact: (id) => (id === 9 ? { id: '9', name: 'Carl', email: 'carl@x.test', role: 'customer' } : undefined),
  groupName: (id) => (id === 3 ? 'Billing' : undefined),
};

const raw = FdTicketSchema.parse({
  id: 42,
  subject: 'Broken',
  status: 4,
  priority: 2,
  source: 7,
  requester_id: 9,
  responder_id: 7,
  group_id: 3,
  tags: ['a'],
  custom_fields: { cf_order: '12' },
  type: 'Question',
  description_text: 'It broke',
  created_at: '2026-11-01T10:00:00Z',
  updated_at: '2026-11-02T10:00:00Z',
  stats: { first_responded_at: '2026-11-01T11:00:00Z', resolved_at: '2026-11-02T09:00:00Z', reopened_at: null, requester_responded_at: null },
});

describe('freshdesk codes', () => {
  it('maps status codes both ways, custom statuses as on_hold', () => {
    expect([2, 3, 4, 5, 6, 9].map(statusFromFreshdesk)).toEqual(['open', 'pending', 'solved', 'closed', 'on_hold', 'on_hold']);
    expect((['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const).map(statusToFreshdesk)).toEqual([2, 2, 3, 3, 4, 5]);
  });

  it('maps priorities both ways and refuses none', () => {
    expect([1, 2, 3, 4].map(priorityFromFreshdesk)).toEqual(['low', 'normal', 'high', 'urgent']);
    expect((['low', 'normal', 'high', 'urgent'] as const).map(priorityToFreshdesk)).toEqual([1, 2, 3, 4]);
    expect(() => priorityToFreshdesk('none')).toThrow(UsageError);
  });

  it('maps sources to channels', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, null].map(channelFromSource)).toEqual([
      'email', 'web', 'phone', 'web', 'social', 'social', 'chat', 'other', 'web', 'email', 'other', 'other',
    ]);
  });

  it('puts survey answers on a 1-5 scale where positive answers are 4-5', () => {
    expect([103, 102, 101, 100, -101, -102, -103].map(csatScore)).toEqual([5, 5, 4, 3, 2, 1, 1]);
  });
});

describe('freshdesk tickets and comments', () => {
  it('maps a ticket with stats', () => {
    const t = ticketFromFreshdesk(raw, lookups, 'https://acme.freshdesk.com/');
    expect(t).toMatchObject({
      id: '42',
      url: 'https://acme.freshdesk.com/a/tickets/42',
      status: 'solved',
      priority: 'normal',
      channel: 'chat',
      requester: { id: '9', name: 'Carl' },
      assignee: { id: '7', name: 'Ana' },
      group: 'Billing',
      firstResponseAt: '2026-11-01T11:00:00Z',
      solvedAt: '2026-11-02T09:00:00Z',
      reopenCount: 0,
      lastCustomerMessageAt: '2026-11-01T10:00:00Z',
      customFields: { cf_order: '12', type: 'Question' },
    });
  });

  it('uses the embedded requester and leaves unknown people recognisable', () => {
    const t = ticketFromFreshdesk({ ...raw, requester: { id: 99, name: 'Dora', email: 'dora@x.test' }, requester_id: 99, responder_id: 55, group_id: 8, stats: undefined }, lookups, 'https://a.freshdesk.com');
    expect(t.requester).toMatchObject({ id: '99', name: 'Dora', email: 'dora@x.test' });
    expect(t.assignee).toMatchObject({ id: '55', name: 'agent 55' });
    expect(t.group).toBe('group 8');
    expect(t.firstResponseAt).toBeNull();
  });

  it('turns the description and conversations into comments', () => {
    const requester = { id: '9', name: 'Carl', email: 'carl@x.test', role: 'customer' as const };
    expect(descriptionComment(raw, requester)).toMatchObject({ id: '42-description', authorRole: 'customer', public: true, body: 'It broke' });
    const note = commentFromConversation({ id: 5, body: '<p>inside &amp; only</p>', private: true, incoming: false, user_id: 7, created_at: '2026-11-01T12:00:00Z' }, '42', lookups);
    expect(note).toMatchObject({ id: '5', ticketId: '42', public: false, authorRole: 'agent', body: 'inside & only', author: { name: 'Ana' } });
    const incoming = commentFromConversation({ id: 6, body_text: 'thanks', private: false, incoming: true, user_id: 9, created_at: '2026-11-01T13:00:00Z' }, '42', lookups);
    expect(incoming).toMatchObject({ authorRole: 'customer', public: true, author: { name: 'Carl' } });
  });

  it('reads both rating shapes', () => {
    const base = { id: 1, ticket_id: 42, created_at: '2026-11-03T00:00:00Z', agent_id: 7, feedback: 'ok' };
    expect(ratingFromFreshdesk({ ...base, ratings: { default_question: 103 } })).toMatchObject({ ticketId: '42', kind: 'csat', score: 5, agentId: '7', comment: 'ok' });
    expect(ratingFromFreshdesk({ ...base, rating: -103 })).toMatchObject({ score: 1 });
    expect(ratingFromFreshdesk({ ...base })).toBeNull();
  });

  it('builds the PUT body, replacing the tag list', () => {
    expect(updateBodyFromPatch({ status: 'pending', assigneeId: null, group: 'Billing', addTags: ['b', 'a'], removeTags: ['x'] }, ['x', 'a'], () => 3)).toEqual({
      status: 3,
      responder_id: null,
      group_id: 3,
      tags: ['a', 'b'],
    });
    expect(() => updateBodyFromPatch({ assigneeId: 'ana' }, [], () => 1)).toThrow(/invalid Freshdesk agent id/);
  });
});

describe('freshdesk filter queries', () => {
  const today = new Date('2026-11-25T09:00:00Z');
  it('needs the filter endpoint only for filters the list endpoint lacks', () => {
    expect(wantsFilterQuery({ createdSince: today })).toBe(false);
    expect(wantsFilterQuery({ status: ['open'] })).toBe(true);
  });

  it('builds the query language from a TicketQuery', () => {
    const plan = buildFilterPlan(
      { status: ['open', 'solved'], priority: ['urgent'], assigneeIds: ['7', 'none'], group: ['Billing'], tags: ["o'neil"], createdSince: new Date('2026-11-01T05:00:00Z') },
      (n) => (n === 'Billing' ? 3 : undefined),
      today,
    );
    expect(plan.empty).toBe(false);
    expect(filterQuery(plan, plan.created)).toBe(
      `"(status:2 OR status:4) AND priority:4 AND (agent_id:7 OR agent_id:null) AND group_id:3 AND tag:'o\\'neil' AND created_at:>'2026-11-01' AND created_at:<'2026-11-25'"`,
    );
  });

  it('knows when nothing can match and leaves on_hold to the local filter', () => {
    expect(buildFilterPlan({ status: ['new'] }, () => 1, today).empty).toBe(true);
    expect(buildFilterPlan({ group: ['nope'] }, () => undefined, today).empty).toBe(true);
    expect(buildFilterPlan({ status: ['on_hold', 'open'] }, () => 1, today).clauses).toEqual([]);
  });

  it('keeps the query under 512 characters', () => {
    const tags = Array.from({ length: 60 }, (_, i) => `tag-number-${i}`);
    const plan = buildFilterPlan({ tags }, () => 1, today);
    expect(filterQuery(plan, plan.created).length).toBeLessThanOrEqual(512);
    expect(plan.clauses.length).toBeLessThan(60);
  });

  it('splits day ranges in halves down to one day', () => {
    expect(splitRange({ from: '2026-11-01', to: '2026-11-04' })).toEqual([
      { from: '2026-11-01', to: '2026-11-02' },
      { from: '2026-11-03', to: '2026-11-04' },
    ]);
    expect(splitRange({ from: '2026-11-01', to: '2026-11-01' })).toBeUndefined();
  });
});

describe('html bodies', () => {
  it('converts both ways', () => {
    expect(htmlToText('<p>Hi &lt;you&gt;</p><p>line<br>two</p>')).toBe('Hi <you>\nline\ntwo');
    expect(textToHtml('Hi <you>\n\nline\ntwo')).toBe('<p>Hi &lt;you&gt;</p><p>line<br>two</p>');
    expect(textToHtml('<p>already</p>')).toBe('<p>already</p>');
  });
});
