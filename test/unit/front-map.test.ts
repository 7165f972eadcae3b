import { describe, expect, it } from 'vitest';
import {
  conversationToTicket,
  domainStatusToFront,
  frontStatusPlan,
  frontStatusToDomain,
  htmlToText,
  inboxChannel,
  mergeThread,
  messageFacts,
  pageTokenOf,
  textToHtml,
} from '../../src/providers/front/map.js';
import { FrontConversationSchema, FrontMessageSchema, frontPage } from '../../src/providers/front/schemas.js';
import { TicketSchema } from '../../src/domain/schemas.js';

const NOW = Date.parse('2026-11-25T09:00:00Z');
const s = (iso: string) => Date.parse(iso) / 1000;

const teammate = {
  id: 'tea_1',
  email: 'ana@acme.test',
  username: 'ana',
  first_name: 'Ana',
  last_name: 'Silva',
  is_admin: false,
  is_available: true,
  is_blocked: false,
  type: 'user',
  custom_fields: {},
  _links: {},
};

const conv = (over: Record<string, unknown> = {}) =>
  FrontConversationSchema.parse({
    _links: {},
    id: 'cnv_1',
    type: 'conversation',
    subject: 'Refund please',
    status: 'assigned',
    ticket_ids: [],
    assignee: teammate,
    recipient: { _links: {}, name: 'Bob Buyer', handle: 'bob@example.com', role: 'from' },
    tags: [{ _links: {}, id: 'tag_1', name: 'billing', description: null, highlight: null, is_private: false, is_visible_in_conversation_lists: true }],
    links: [],
    custom_fields: { plan: 'pro' },
    created_at: s('2026-11-20T10:00:00Z'),
    updated_at: s('2026-11-21T10:00:00Z'),
    is_private: false,
    scheduled_reminders: [],
    metadata: {},
    ...over,
  });

describe('front status mapping', () => {
  it('maps the conversation statuses', () => {
    expect(frontStatusToDomain({ status: 'unassigned' }, NOW)).toBe('open');
    expect(frontStatusToDomain({ status: 'assigned' }, NOW)).toBe('open');
    expect(frontStatusToDomain({ status: 'archived', scheduled_reminders: [] }, NOW)).toBe('solved');
    expect(frontStatusToDomain({ status: 'deleted' }, NOW)).toBe('closed');
  });
  it('treats an archived conversation with a future reminder as snoozed (pending)', () => {
    expect(frontStatusToDomain({ status: 'archived', scheduled_reminders: [{ scheduled_at: NOW / 1000 + 3600 }] }, NOW)).toBe('pending');
    expect(frontStatusToDomain({ status: 'archived', scheduled_reminders: [{ scheduled_at: NOW / 1000 - 3600 }] }, NOW)).toBe('solved');
  });
  it('prefers the ticketing status category', () => {
    expect(frontStatusToDomain({ status: 'assigned', status_category: 'waiting' }, NOW)).toBe('pending');
    expect(frontStatusToDomain({ status: 'archived', status_category: 'resolved' }, NOW)).toBe('solved');
    expect(frontStatusToDomain({ status: 'archived', status_category: 'open' }, NOW)).toBe('open');
  });
  it('writes statuses Front can hold and refuses "new"', () => {
    expect(domainStatusToFront('open')).toEqual({ kind: 'status', status: 'open' });
    expect(domainStatusToFront('solved')).toEqual({ kind: 'status', status: 'archived' });
    expect(domainStatusToFront('closed')).toEqual({ kind: 'status', status: 'archived' });
    expect(domainStatusToFront('pending')).toEqual({ kind: 'snooze' });
    expect(domainStatusToFront('new')).toBeNull();
  });
  it('plans the listing: q[statuses] for the inbox list, a search for snoozed ones', () => {
    expect(frontStatusPlan(undefined)).toEqual({ list: null, snoozed: false });
    expect(frontStatusPlan(['open'])).toEqual({ list: ['assigned', 'unassigned'], snoozed: false });
    // unsolved: the open ones listed, the snoozed ones searched, the archive not walked
    expect(frontStatusPlan(['new', 'open', 'pending', 'on_hold'])).toEqual({ list: ['assigned', 'unassigned'], snoozed: true });
    expect(frontStatusPlan(['pending'])).toEqual({ list: [], snoozed: true });
    // solved lists the archive, which holds the snoozed ones too
    expect(frontStatusPlan(['solved', 'pending'])).toEqual({ list: ['archived'], snoozed: false });
    expect(frontStatusPlan(['closed'])).toEqual({ list: ['trashed'], snoozed: false });
    expect(frontStatusPlan(['new'])).toEqual({ list: [], snoozed: false });
    expect(frontStatusPlan(['open', 'solved', 'closed', 'pending'])).toEqual({ list: null, snoozed: false });
  });
});

describe('front conversation -> ticket', () => {
  it('maps every field and validates as a domain ticket', () => {
    const t = conversationToTicket(conv(), { nowMs: NOW, inboxName: 'Support', channel: 'email' });
    expect(TicketSchema.parse(t)).toBeTruthy();
    expect(t).toMatchObject({
      id: 'cnv_1',
      url: 'https://app.frontapp.com/open/cnv_1',
      subject: 'Refund please',
      status: 'open',
      priority: 'none',
      channel: 'email',
      group: 'Support',
      tags: ['billing'],
      createdAt: '2026-11-20T10:00:00.000Z',
      updatedAt: '2026-11-21T10:00:00.000Z',
      solvedAt: null,
      customFields: { plan: 'pro' },
    });
    expect(t.requester).toEqual({ id: 'bob@example.com', name: 'Bob Buyer', email: 'bob@example.com', role: 'customer' });
    expect(t.assignee).toMatchObject({ id: 'tea_1', name: 'Ana Silva', email: 'ana@acme.test', role: 'agent' });
  });
  it('unassigned, untitled and archived conversations', () => {
    const t = conversationToTicket(conv({ assignee: null, subject: '', status: 'archived', recipient: { _links: {}, name: null, handle: '+15550100', role: 'from' } }), { nowMs: NOW });
    expect(t.assignee).toBeNull();
    expect(t.subject).toBe('(no subject)');
    expect(t.status).toBe('solved');
    expect(t.solvedAt).toBe('2026-11-21T10:00:00.000Z');
    expect(t.requester).toMatchObject({ id: '+15550100', name: '+15550100', email: null });
    expect(t.channel).toBe('other');
  });
  it('takes first response, reply count and last customer message from messages', () => {
    const msgs = [
      { id: 'msg_1', is_inbound: true, created_at: s('2026-11-20T10:00:00Z'), body: '<p>hi</p>' },
      { id: 'msg_2', is_inbound: false, created_at: s('2026-11-20T12:00:00Z'), body: '<p>hello</p>', author: teammate },
      { id: 'msg_3', is_inbound: true, created_at: s('2026-11-21T08:00:00Z'), body: 'more' },
      { id: 'msg_4', is_inbound: false, draft_mode: 'private', created_at: s('2026-11-20T11:00:00Z'), body: 'draft' },
      { id: 'msg_5', is_inbound: false, created_at: s('2026-11-21T09:00:00Z'), body: 'bye', author: teammate },
    ].map((m) => FrontMessageSchema.parse(m));
    expect(messageFacts(msgs)).toEqual({
      firstResponseAt: '2026-11-20T12:00:00.000Z',
      publicReplyCount: 2,
      lastCustomerMessageAt: '2026-11-21T08:00:00.000Z',
    });
    const t = conversationToTicket(conv(), { nowMs: NOW, messages: msgs });
    expect(t.firstResponseAt).toBe('2026-11-20T12:00:00.000Z');
    expect(t.publicReplyCount).toBe(2);
  });
});

describe('front thread', () => {
  it('merges messages (public) and comments (notes) oldest first, without drafts', () => {
    const messages = [
      { id: 'msg_2', is_inbound: false, created_at: s('2026-11-20T12:00:00Z'), body: '<p>Hello&nbsp;Bob</p><p>Done &amp; dusted</p>', author: teammate },
      { id: 'msg_1', is_inbound: true, created_at: s('2026-11-20T10:00:00Z'), text: 'I want a refund', recipients: [{ name: 'Bob', handle: 'bob@example.com', role: 'from' }] },
      { id: 'msg_3', is_inbound: false, draft_mode: 'shared', created_at: s('2026-11-20T13:00:00Z'), body: 'draft' },
    ].map((m) => FrontMessageSchema.parse(m));
    const comments = [{ id: 'com_1', author: teammate, body: 'checked stripe', posted_at: s('2026-11-20T11:00:00Z') }];
    const thread = mergeThread('cnv_1', messages, comments);
    expect(thread.map((c) => [c.id, c.authorRole, c.public])).toEqual([
      ['msg_1', 'customer', true],
      ['com_1', 'agent', false],
      ['msg_2', 'agent', true],
    ]);
    expect(thread[0]!.author).toMatchObject({ id: 'bob@example.com', role: 'customer' });
    expect(thread[2]!.body).toBe('Hello Bob\nDone & dusted');
  });
});

describe('front helpers', () => {
  it('reads page_token from _pagination.next', () => {
    expect(pageTokenOf('https://acme.api.frontapp.com/conversations?limit=100&page_token=abc123')).toBe('abc123');
    expect(pageTokenOf(null)).toBeNull();
    expect(pageTokenOf('not a url')).toBeNull();
  });
  it('maps inbox channel types', () => {
    expect(inboxChannel([{ id: 'cha_1', type: 'gmail' }])).toBe('email');
    expect(inboxChannel([{ id: 'cha_1', type: 'front_chat' }])).toBe('chat');
    expect(inboxChannel([{ id: 'cha_1', type: 'twilio_whatsapp' }])).toBe('social');
    expect(inboxChannel([{ id: 'cha_1', type: 'talkdesk' }])).toBe('phone');
    expect(inboxChannel([{ id: 'cha_1', type: 'form' }])).toBe('web');
    expect(inboxChannel([])).toBe('other');
  });
  it('converts text and html', () => {
    expect(textToHtml('a < b\n\nline1\nline2')).toBe('<p>a &lt; b</p><p>line1<br>line2</p>');
    expect(htmlToText(textToHtml('a < b & c\n\nsecond'))).toBe('a < b & c\nsecond');
  });
  it('parses a list page with defaults', () => {
    const page = frontPage(FrontConversationSchema).parse({ _pagination: { next: null } });
    expect(page._results).toEqual([]);
  });
});
