import { describe, expect, it } from 'vitest';
import { matchesQuery } from '../../src/domain/query.js';
import type { Ticket } from '../../src/domain/model.js';
import {
  customFieldsFromRt,
  rtStatusRefusal,
  commentsFromRt,
  deriveFromTransactions,
  patchToRt,
  priorityFromRt,
  priorityToRt,
  requestorKeys,
  rtComplaints,
  RtTicketSchema,
  RtTransactionSchema,
  sqlString,
  statusFromRt,
  statusToRt,
  ticketFromRt,
  toTicketSql,
  unappliedFields,
} from '../../src/providers/rt/map.js';
import { parseLoginPage, passwordProof, proofMatches, sessionCookie } from '../../src/providers/rt/session.js';
import { tokenUserId } from '../../src/providers/rt/index.js';
import { STATUSES, PRIORITIES } from '../../src/domain/model.js';

// Shapes as a real RT 5.0.3 returns them (trimmed).
const RAW_TICKET = {
  id: '21',
  type: 'ticket',
  _url: 'http://127.0.0.1:8081/REST/2.0/ticket/21',
  Subject: 'Printer on fire',
  Status: 'resolved',
  Priority: '80',
  Queue: { id: '3', type: 'queue', Name: 'Support' },
  Owner: { id: 'ann', type: 'user', Name: 'ann', RealName: 'Ann Agent', EmailAddress: 'ann@example.com' },
  Requestor: [{ id: 'alice@example.com', type: 'user', Name: 'alice@example.com', RealName: 'Alice Liddell', EmailAddress: 'alice@example.com' }],
  Created: '2026-11-25T08:00:00Z',
  LastUpdated: '2026-11-25T09:00:00Z',
  Resolved: '2026-11-25T08:50:00Z',
  CustomFields: [
    { id: '2', name: 'Tags', type: 'customfield', values: ['vip', 'printer'] },
    { id: '3', name: 'Channel', type: 'customfield', values: ['Chat'] },
    { id: '4', name: 'Order', type: 'customfield', values: [] },
  ],
};

const txn = (id: number, Type: string, creator: string, Created: string, extra: Record<string, string> = {}) =>
  RtTransactionSchema.parse({ id: String(id), Type, Created, ObjectId: '21', ObjectType: 'RT::Ticket', Creator: { id: creator, Name: creator, EmailAddress: creator.includes('@') ? creator : `${creator}@example.com` }, ...extra });

const OPTS = { webBase: 'http://rt.example', tagsField: 'Tags', channelField: 'Channel' };

describe('RT status and priority mapping', () => {
  it('maps the default lifecycle both ways', () => {
    expect(['new', 'open', 'stalled', 'resolved', 'rejected', 'deleted'].map(statusFromRt)).toEqual(['new', 'open', 'pending', 'solved', 'closed', 'closed']);
    expect(statusFromRt('waiting-for-parts')).toBe('open');
    expect(STATUSES.map(statusToRt)).toEqual(['new', 'open', 'stalled', 'stalled', 'resolved', 'rejected']);
  });

  it('maps numeric priorities by range and writes values that read back the same', () => {
    expect(['0', '24', '25', '74', '75', '99', '100', '250', ''].map(priorityFromRt)).toEqual(['low', 'low', 'normal', 'normal', 'high', 'high', 'urgent', 'urgent', 'none']);
    for (const p of PRIORITIES.filter((x) => x !== 'none')) expect(priorityFromRt(priorityToRt(p))).toBe(p);
  });
});

describe('ticketFromRt', () => {
  it('maps a search item with expanded users, queue and custom fields', () => {
    const t = ticketFromRt(RtTicketSchema.parse(RAW_TICKET), OPTS);
    expect(t).toMatchObject({
      id: '21',
      url: 'http://rt.example/Ticket/Display.html?id=21',
      status: 'solved',
      priority: 'high',
      channel: 'chat',
      group: 'Support',
      tags: ['vip', 'printer'],
      requester: { id: 'alice@example.com', name: 'Alice Liddell', email: 'alice@example.com', role: 'customer' },
      assignee: { id: 'ann', name: 'Ann Agent', role: 'agent' },
      solvedAt: '2026-11-25T08:50:00.000Z',
      customFields: { Tags: ['vip', 'printer'], Channel: 'Chat', Order: null },
    });
  });

  it('gives a multi-value custom field as an array whatever its count; a single-value one as a value or null', () => {
    const multiValueFields = new Set(['2', 'Tags', '5', 'Labels']);
    const raw = RtTicketSchema.parse({
      ...RAW_TICKET,
      CustomFields: [
        { id: '2', name: 'Tags', type: 'customfield', values: ['vip'] },
        { id: '5', name: 'Labels', type: 'customfield', values: [] },
        { id: '3', name: 'Channel', type: 'customfield', values: ['Chat'] },
        { id: '4', name: 'Order', type: 'customfield', values: [] },
      ],
    });
    expect(ticketFromRt(raw, { ...OPTS, multiValueFields }).customFields).toEqual({ Tags: ['vip'], Labels: [], Channel: 'Chat', Order: null });
    expect(ticketFromRt(raw, { ...OPTS, multiValueFields }).tags).toEqual(['vip']);
  });

  it('treats Nobody as unassigned, 1970 dates as unset, and no tags/channel without the custom fields', () => {
    const raw = RtTicketSchema.parse({ ...RAW_TICKET, Status: 'open', Owner: { id: 'Nobody', Name: 'Nobody', RealName: 'Nobody in particular' }, Resolved: '1970-01-01T00:00:00Z', CustomFields: '' });
    const t = ticketFromRt(raw, { webBase: 'http://rt.example' });
    expect(t.assignee).toBeNull();
    expect(t.solvedAt).toBeNull();
    expect(t.tags).toEqual([]);
    expect(t.channel).toBe('email');
    expect(t.customFields).toEqual({});
  });
});

describe('deriveFromTransactions', () => {
  it('finds the first public agent reply, reopens and the last customer message', () => {
    const ticket = RtTicketSchema.parse(RAW_TICKET);
    const txns = [
      txn(1, 'Create', 'root', '2026-11-25T08:00:00Z'),
      txn(2, 'Comment', 'ann', '2026-11-25T08:05:00Z'),
      txn(3, 'Correspond', 'RT_System', '2026-11-25T08:06:00Z'),
      txn(4, 'Correspond', 'ann', '2026-11-25T08:10:00Z'),
      txn(5, 'Status', 'ann', '2026-11-25T08:11:00Z', { OldValue: 'open', NewValue: 'resolved' }),
      txn(6, 'Correspond', 'alice@example.com', '2026-11-25T08:20:00Z'),
      txn(7, 'Status', 'RT_System', '2026-11-25T08:20:00Z', { OldValue: 'resolved', NewValue: 'open' }),
      txn(8, 'Correspond', 'ann', '2026-11-25T08:30:00Z'),
    ];
    expect(deriveFromTransactions(txns.reverse(), requestorKeys(ticket))).toEqual({
      firstResponseAt: '2026-11-25T08:10:00.000Z',
      reopenCount: 1,
      publicReplyCount: 2,
      lastCustomerMessageAt: '2026-11-25T08:20:00.000Z',
    });
  });
});

describe('commentsFromRt', () => {
  it('credits the first message to whoever created the ticket: an agent who opened it for the customer', () => {
    const ticket = RtTicketSchema.parse(RAW_TICKET);
    const parts = [{ id: '1', TransactionId: '1', ContentType: 'text/plain', Content: 'We will replace your printer.', Filename: '' }];
    const byAgent = commentsFromRt(ticket, [txn(1, 'Create', 'ann', '2026-11-25T08:00:00Z')], parts);
    expect(byAgent.map((c) => [c.authorRole, c.public, c.author.id, c.author.role])).toEqual([['agent', true, 'ann', 'agent']]);
    const bySystem = commentsFromRt(ticket, [txn(1, 'Create', 'RT_System', '2026-11-25T08:00:00Z')], parts);
    expect(bySystem.map((c) => [c.authorRole, c.author.id])).toEqual([['customer', 'alice@example.com']]);
    expect(deriveFromTransactions([txn(1, 'Create', 'ann', '2026-11-25T08:00:00Z')], requestorKeys(ticket)).lastCustomerMessageAt).toBeNull();
  });

  it('lists the files attached to each message: name, type and size', () => {
    const ticket = RtTicketSchema.parse(RAW_TICKET);
    const txns = [txn(1, 'Create', 'alice@example.com', '2026-11-25T08:00:00Z'), txn(4, 'Correspond', 'ann', '2026-11-25T08:10:00Z')];
    const parts = [{ id: '1', TransactionId: '1', ContentType: 'text/plain', Content: 'See the photo', Filename: '' }];
    const files = [
      { id: '2', TransactionId: '1', ContentType: 'image/png', Filename: 'printer.png', ContentLength: '48213' },
      { id: '3', TransactionId: '1', ContentType: 'text/plain', Filename: 'log.txt', ContentLength: '12' },
    ];
    const [first, second] = commentsFromRt(ticket, txns, parts, files);
    expect(first!.attachments).toEqual([
      { name: 'printer.png', contentType: 'image/png', size: 48213 },
      { name: 'log.txt', contentType: 'text/plain', size: 12 },
    ]);
    expect(second!.attachments).toBeUndefined();
  });

  it('turns Create/Correspond/Comment into the conversation with bodies from text parts', () => {
    const ticket = RtTicketSchema.parse(RAW_TICKET);
    const txns = [txn(1, 'Create', 'alice@example.com', '2026-11-25T08:00:00Z'), txn(2, 'EmailRecord', 'RT_System', '2026-11-25T08:00:01Z'), txn(4, 'Correspond', 'ann', '2026-11-25T08:10:00Z'), txn(5, 'Comment', 'ann', '2026-11-25T08:11:00Z'), txn(6, 'Correspond', 'alice@example.com', '2026-11-25T08:20:00Z')];
    const parts = [
      { id: '1', TransactionId: '1', ContentType: 'text/plain', Content: 'It is on fire\n', Filename: '' },
      { id: '2', TransactionId: '2', ContentType: 'text/plain', Content: 'autoreply', Filename: '' },
      { id: '3', TransactionId: '4', ContentType: 'text/html', Content: '<p>We are <b>on it</b></p>', Filename: '' },
      { id: '4', TransactionId: '5', ContentType: 'text/plain', Content: 'log.txt contents', Filename: 'log.txt' },
      { id: '5', TransactionId: '5', ContentType: 'text/plain', Content: 'call the fire brigade', Filename: '' },
      { id: '6', TransactionId: '6', ContentType: 'text/plain', Content: 'thanks!', Filename: '' },
    ];
    const comments = commentsFromRt(ticket, txns, parts);
    expect(comments.map((c) => [c.id, c.authorRole, c.public, c.body, c.author.id])).toEqual([
      ['1', 'customer', true, 'It is on fire', 'alice@example.com'],
      ['4', 'agent', true, 'We are on it', 'ann'],
      ['5', 'agent', false, 'call the fire brigade', 'ann'],
      ['6', 'customer', true, 'thanks!', 'alice@example.com'],
    ]);
  });
});

describe('toTicketSql', () => {
  it('pushes the shared filters down as TicketSQL', () => {
    const { sql, empty } = toTicketSql(
      { status: ['open', 'pending'], group: ['Billing'], assigneeIds: ['ann', 'none'], priority: ['urgent'], tags: ['vip'], text: "O'Brien", createdSince: new Date('2026-11-10T00:00:00Z') },
      { tagsField: 'Tags' },
    );
    expect(empty).toBe(false);
    expect(sql).toBe(
      "(Status = 'open' OR Status = 'stalled') AND Priority >= 100 AND Queue = 'Billing' AND (Owner = 'ann' OR Owner = 'Nobody') AND 'CF.{Tags}' = 'vip' AND Created >= '2026-11-09 00:00:00' AND " +
        "(Subject LIKE 'O\\'Brien' OR Requestor.EmailAddress LIKE 'O\\'Brien' OR Requestor.RealName LIKE 'O\\'Brien' OR Requestor.Name LIKE 'O\\'Brien')",
    );
    expect(toTicketSql({}).sql).toBe('id > 0');
    expect(sqlString("a\\'b")).toBe("'a\\\\\\'b'");
  });

  it('knows which filters can match nothing on RT', () => {
    expect(toTicketSql({ status: ['on_hold'] }).empty).toBe(true);
    expect(toTicketSql({ tags: ['x'] }).empty).toBe(true);
    expect(toTicketSql({ channel: ['chat'] }).empty).toBe(true);
    expect(toTicketSql({ channel: ['chat'] }, { channelField: 'Channel' }).empty).toBe(false);
    expect(toTicketSql({ ids: ['cnv_1'] }).empty).toBe(true);
  });

  it('widens server-side date ranges so the local filter decides exactly', () => {
    const since = new Date('2026-11-20T12:00:00Z');
    const { sql } = toTicketSql({ updatedSince: since, updatedUntil: new Date('2026-11-21T00:00:00Z') });
    expect(sql).toBe("LastUpdated >= '2026-11-19 12:00:00' AND LastUpdated < '2026-11-22 00:00:00'");
    const t = ticketFromRt(RtTicketSchema.parse({ ...RAW_TICKET, LastUpdated: '2026-11-20T06:00:00Z' }), OPTS);
    expect(matchesQuery(t, { updatedSince: since })).toBe(false);
  });
});

describe('patchToRt and read-back checks', () => {
  const before = ticketFromRt(RtTicketSchema.parse(RAW_TICKET), OPTS) as Ticket;

  it('builds the PUT body, tags as the full list of the tags custom field', () => {
    expect(patchToRt({ status: 'on_hold', priority: 'urgent', assigneeId: 'none', group: 'Billing', addTags: ['refund'], removeTags: ['vip'] }, before, OPTS)).toEqual({
      Status: 'stalled',
      Priority: 100,
      Owner: 'Nobody',
      Queue: 'Billing',
      CustomFields: { Tags: ['printer', 'refund'] },
    });
  });

  it('refuses tags without a tags field and clearing the queue', () => {
    expect(() => patchToRt({ addTags: ['x'] }, before, { tagsField: undefined })).toThrow(/no tags/);
    expect(() => patchToRt({ group: null }, before, OPTS)).toThrow(/always in a queue/);
  });

  it('names what RT silently did not apply', () => {
    expect(unappliedFields({ status: 'solved', group: 'support', assigneeId: 'ann' }, before)).toEqual([]);
    expect(unappliedFields({ status: 'new', group: 'Nope', assigneeId: 'bob', priority: 'low' }, before)).toEqual(['status new', 'priority low', 'assignee bob', 'queue Nope']);
    expect(rtComplaints(["Ticket 1: Status changed from 'open' to 'resolved'", 'Ticket 1: Queue Nope does not exist'])).toEqual(['Queue Nope does not exist']);
  });
});

describe('reply status and custom field arity from RT answers', () => {
  it('tells a status RT set (or already had) from one it refused', () => {
    expect(rtStatusRefusal(['Correspondence added', "Status changed from 'open' to 'stalled'"])).toBeUndefined();
    expect(rtStatusRefusal(['Correspondence added', 'That is already the current value'])).toBeUndefined();
    expect(rtStatusRefusal(['Correspondence added', "Status 'new' isn't a valid status for this ticket."])).toMatch(/isn't a valid status/);
    expect(rtStatusRefusal(['Correspondence added'])).toBe('Request Tracker did not report the status change');
  });

  it('a custom field asked with its MaxValues is an array when it takes several values, whatever its count', () => {
    const t = { id: '1', Status: 'open', Created: '2026-11-25T08:00:00Z', CustomFields: [
      { id: '1', name: 'Tags', values: ['vip'], MaxValues: '0' },
      { id: '2', name: 'Channel', values: ['chat'], MaxValues: '1' },
      { id: '3', name: 'Empty', values: [], MaxValues: '1' },
    ] };
    expect(customFieldsFromRt(t)).toEqual({ Tags: ['vip'], Channel: 'chat', Empty: null });
  });
});

describe('auth helpers', () => {
  it('reads the user id from an RT auth token and the user from the login page', () => {
    expect(tokenUserId('1-35-015e53863dbbfe38fb85f8d913a87f03')).toBe('35');
    expect(tokenUserId('not-a-token')).toBeUndefined();
    const page = '<script>\nwindow.RT = {};\nRT.CurrentUser = {"Privileged":true,"id":14,"EmailAddress":"root@localhost","RealName":"Enoch Root","Name":"root"};\nRT.Config = {};\n</script>';
    expect(parseLoginPage(page)).toMatchObject({ id: '14', Name: 'root', Privileged: 1 });
    expect(parseLoginPage('RT.CurrentUser = {};\n')).toBeNull();
    expect(sessionCookie(['RT_SID_deskctl-test.8081=b4f39071731a0689; path=/; HttpOnly'])).toBe('RT_SID_deskctl-test.8081=b4f39071731a0689');
    expect(sessionCookie(['other=1'])).toBeUndefined();
  });

  it('binds a saved session to the password without storing it', () => {
    const proof = passwordProof('s3cret-pass');
    expect(proof).not.toContain('s3cret-pass');
    expect(proofMatches(proof, 's3cret-pass')).toBe(true);
    expect(proofMatches(proof, 's3cret-pasS')).toBe(false);
    expect(proofMatches('garbage', 's3cret-pass')).toBe(false);
    expect(passwordProof('s3cret-pass')).not.toBe(proof); // salted
  });
});
