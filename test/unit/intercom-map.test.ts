import { describe, expect, it } from 'vitest';
import {
  buildSearch,
  buildTicketSearch,
  isIntercomTicketRef,
  intercomTicketId,
  statusToTicketCategory,
  ticketCategoryToStatus,
  conversationRating,
  conversationThread,
  conversationToTicket,
  domainStatusToIntercom,
  intercomStateToDomain,
  intercomStatesFor,
  MAX_FILTERS_PER_GROUP,
  sourceTypesFor,
  type IntercomDirectory,
} from '../../src/providers/intercom/map.js';
import { IcConversationSchema } from '../../src/providers/intercom/schemas.js';
import { TicketSchema } from '../../src/domain/schemas.js';

const s = (iso: string) => Date.parse(iso) / 1000;
const dir: IntercomDirectory = {
  admins: new Map([['991', { id: '991', name: 'Ana Silva', email: 'ana@acme.test', role: 'agent' as const }]]),
  teams: new Map([['55', 'Billing']]),
  appId: 'abc123',
};

const conv = (over: Record<string, unknown> = {}) =>
  IcConversationSchema.parse({
    type: 'conversation',
    id: '1001',
    title: null,
    created_at: s('2026-11-20T10:00:00Z'),
    updated_at: s('2026-11-21T10:00:00Z'),
    state: 'open',
    open: true,
    priority: 'priority',
    admin_assignee_id: 991,
    team_assignee_id: 55,
    tags: { type: 'tag.list', tags: [{ type: 'tag', id: '7', name: 'vip' }] },
    source: {
      type: 'email',
      id: 'src1',
      subject: 'Card declined',
      body: '<p>My card was declined</p>',
      author: { type: 'user', id: 'u1', name: 'Bob Buyer', email: 'bob@example.com' },
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: 'u1' }] },
    custom_attributes: { plan: 'pro' },
    statistics: {
      type: 'conversation_statistics',
      first_admin_reply_at: s('2026-11-20T10:30:00Z'),
      last_close_at: s('2026-11-21T09:00:00Z'),
      last_contact_reply_at: s('2026-11-20T11:00:00Z'),
      count_reopens: 2,
    },
    ...over,
  });

describe('intercom states', () => {
  it('reads and writes states', () => {
    expect(intercomStateToDomain('open')).toBe('open');
    expect(intercomStateToDomain('snoozed')).toBe('pending');
    expect(intercomStateToDomain('closed')).toBe('solved');
    expect(intercomStateToDomain(undefined, false)).toBe('solved');
    expect(domainStatusToIntercom('pending')).toBe('snoozed');
    expect(domainStatusToIntercom('on_hold')).toBe('snoozed');
    expect(domainStatusToIntercom('closed')).toBe('close');
    expect(domainStatusToIntercom('new')).toBe('open');
    expect(intercomStatesFor(['open', 'new'])).toEqual(['open']);
    expect(intercomStatesFor(['on_hold'])).toEqual([]);
  });
  it('maps channels to source types', () => {
    expect(sourceTypesFor(['chat'])).toEqual(['conversation']);
    expect(sourceTypesFor(['social'])).toEqual(['facebook', 'instagram', 'twitter', 'whatsapp']);
    expect(sourceTypesFor(['web'])).toEqual([]);
  });
});

describe('intercom conversation -> ticket', () => {
  it('maps every field', () => {
    const t = conversationToTicket(conv(), dir);
    expect(TicketSchema.parse(t)).toBeTruthy();
    expect(t).toMatchObject({
      id: '1001',
      url: 'https://app.intercom.com/a/inbox/abc123/inbox/conversation/1001',
      subject: 'Card declined',
      status: 'open',
      priority: 'high',
      channel: 'email',
      group: 'Billing',
      tags: ['vip'],
      firstResponseAt: '2026-11-20T10:30:00.000Z',
      solvedAt: null,
      reopenCount: 2,
      lastCustomerMessageAt: '2026-11-20T11:00:00.000Z',
      customFields: { plan: 'pro' },
    });
    expect(t.requester).toEqual({ id: 'u1', name: 'Bob Buyer', email: 'bob@example.com', role: 'customer' });
    expect(t.assignee).toMatchObject({ id: '991', name: 'Ana Silva' });
  });
  it('closed, unassigned, chat conversation without a title takes the body as subject', () => {
    const t = conversationToTicket(
      conv({ state: 'closed', open: false, admin_assignee_id: null, team_assignee_id: 0, priority: 'not_priority', source: { type: 'conversation', body: '<p>Hi there, the app crashes</p>', author: { type: 'lead', id: 'l1', name: null, email: null } } }),
      { admins: new Map(), teams: new Map() },
    );
    expect(t).toMatchObject({ status: 'solved', solvedAt: '2026-11-21T09:00:00.000Z', assignee: null, group: null, priority: 'none', channel: 'chat', subject: 'Hi there, the app crashes', url: null });
    expect(t.requester).toMatchObject({ id: 'l1', role: 'customer' });
  });
  it('leaves an unknown customer name empty, never the contact id, so a template default applies', async () => {
    const byAdmin = conversationToTicket(
      conv({ source: { type: 'admin_initiated', body: 'Hello', author: { type: 'admin', id: '991', name: 'Ana' } }, contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: '6762f1261bb69f9f2193bba7' }] } }),
      dir,
    );
    expect(byAdmin.requester).toEqual({ id: '6762f1261bb69f9f2193bba7', name: '', email: null, role: 'customer' });
    const lead = conversationToTicket(conv({ source: { type: 'conversation', body: 'x', author: { type: 'lead', id: 'l1', name: null, email: 'l@x.test' } } }), dir);
    expect(lead.requester).toEqual({ id: 'l1', name: '', email: 'l@x.test', role: 'customer' });
    const { parseTemplate, renderTemplate } = await import('../../src/templates/index.js');
    const t = parseTemplate('---\ndescription: d\n---\nHi {{ ticket.requester.first_name | default: "there" }},', '/x/t.liquid', 'project');
    expect(await renderTemplate(t, { ticket: byAdmin, agent: null, now: new Date('2026-11-25T09:00:00Z') })).toBe('Hi there,');
  });
  it('reads the rating as CSAT 1-5', () => {
    expect(conversationRating(conv())).toBeNull();
    const r = conversationRating(conv({ conversation_rating: { rating: 4, remark: 'quick', created_at: s('2026-11-21T10:00:00Z'), teammate: { type: 'admin', id: '991' } } }));
    expect(r).toEqual({ ticketId: '1001', kind: 'csat', score: 4, scale: { min: 1, max: 5 }, comment: 'quick', createdAt: '2026-11-21T10:00:00.000Z', agentId: '991' });
  });
});

describe('intercom thread', () => {
  it('source first, then parts with a body; notes private; admins resolved', () => {
    const c = conv({
      conversation_parts: {
        type: 'conversation_part.list',
        total_count: 4,
        conversation_parts: [
          { type: 'conversation_part', id: 'p1', part_type: 'assignment', body: null, created_at: s('2026-11-20T10:05:00Z'), author: { type: 'bot', id: 'b1', name: 'Operator' } },
          { type: 'conversation_part', id: 'p2', part_type: 'note', body: '<p>check billing</p>', created_at: s('2026-11-20T10:10:00Z'), author: { type: 'admin', id: '991' } },
          { type: 'conversation_part', id: 'p3', part_type: 'comment', body: '<p>Fixed it</p>', created_at: s('2026-11-20T10:30:00Z'), author: { type: 'admin', id: '991', name: 'Ana' } },
          { type: 'conversation_part', id: 'p4', part_type: 'comment', body: 'thanks', created_at: s('2026-11-20T11:00:00Z'), author: { type: 'user', id: 'u1', name: 'Bob Buyer' } },
        ],
      },
    });
    const thread = conversationThread(c, dir.admins);
    expect(thread.map((x) => [x.id, x.authorRole, x.public, x.body])).toEqual([
      ['src1', 'customer', true, 'My card was declined'],
      ['p2', 'agent', false, 'check billing'],
      ['p3', 'agent', true, 'Fixed it'],
      ['p4', 'customer', true, 'thanks'],
    ]);
    expect(thread[1]!.author.name).toBe('Ana Silva');
    expect(conversationToTicket(c, dir).publicReplyCount).toBe(1);
  });
});

describe('intercom search plan', () => {
  const lookups = { teamIdByName: new Map([['billing', '55']]), tagIdByName: new Map([['vip', '7']]) };
  it('nothing to push down lists instead of searching', () => {
    expect(buildSearch({}, lookups)).toEqual({ query: null, empty: false });
    expect(buildSearch({ text: 'refund' }, lookups)).toEqual({ query: null, empty: false });
  });
  it('one filter alone, several in an AND group', () => {
    expect(buildSearch({ status: ['open'] }, lookups).query).toEqual({ field: 'state', operator: 'IN', value: ['open'] });
    const plan = buildSearch(
      { status: ['pending', 'solved'], group: ['Billing'], tags: ['VIP'], assigneeIds: ['991', 'none'], createdSince: new Date('2026-11-01T00:00:00Z') },
      lookups,
    );
    expect(plan.query).toEqual({
      operator: 'AND',
      value: [
        { field: 'state', operator: 'IN', value: ['closed', 'snoozed'] },
        { field: 'admin_assignee_id', operator: 'IN', value: [991, 0] },
        { field: 'team_assignee_id', operator: 'IN', value: [55] },
        { field: 'tag_ids', operator: '=', value: '7' },
        { field: 'created_at', operator: '>', value: s('2026-11-01T00:00:00Z') },
      ],
    });
  });
  it('unknown tag or team, or a status Intercom never has, matches nothing', () => {
    expect(buildSearch({ tags: ['nope'] }, lookups).empty).toBe(true);
    expect(buildSearch({ group: ['Nope'] }, lookups).empty).toBe(true);
    expect(buildSearch({ status: ['on_hold'] }, lookups).empty).toBe(true);
  });
  it('all three states is no filter at all', () => {
    expect(buildSearch({ status: ['open', 'pending', 'solved'] }, lookups).query).toBeNull();
  });
  it('never exceeds the per-group filter limit', () => {
    const tags = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const many = { teamIdByName: new Map(), tagIdByName: new Map(tags.map((t, i) => [t, String(i)])) };
    const plan = buildSearch({ tags }, many);
    expect((plan.query as { value: unknown[] }).value).toHaveLength(MAX_FILTERS_PER_GROUP);
  });
});

describe('intercom tickets', () => {
  it('t<id> refs', () => {
    expect(isIntercomTicketRef('t123')).toBe(true);
    expect(isIntercomTicketRef('123')).toBe(false);
    expect(isIntercomTicketRef('tx1')).toBe(false);
    expect(intercomTicketId('t123')).toBe('123');
  });
  it('state categories both ways', () => {
    expect(['submitted', 'in_progress', 'waiting_on_customer', 'resolved'].map(ticketCategoryToStatus)).toEqual(['new', 'open', 'pending', 'solved']);
    expect((['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const).map(statusToTicketCategory)).toEqual([
      'submitted',
      'in_progress',
      'waiting_on_customer',
      'waiting_on_customer',
      'resolved',
      'resolved',
    ]);
  });
  it('searches customer tickets; filters tickets cannot meet empty the search', () => {
    const teams = new Map([['billing', '55']]);
    expect(buildTicketSearch({}, teams)).toEqual({ query: { field: 'category', operator: '=', value: 'request' }, empty: false });
    expect(buildTicketSearch({ assigneeIds: ['none'], group: ['Billing'] }, teams).query).toEqual({
      operator: 'AND',
      value: [
        { field: 'category', operator: '=', value: 'request' },
        { field: 'admin_assignee_id', operator: 'IN', value: ['0'] },
        { field: 'team_assignee_id', operator: 'IN', value: ['55'] },
      ],
    });
    expect(buildTicketSearch({ tags: ['vip'] }, teams).empty).toBe(true);
    expect(buildTicketSearch({ channel: ['chat'] }, teams).empty).toBe(true);
    expect(buildTicketSearch({ priority: ['high'] }, teams).empty).toBe(true);
    expect(buildTicketSearch({ group: ['Nope'] }, teams).empty).toBe(true);
  });
});
