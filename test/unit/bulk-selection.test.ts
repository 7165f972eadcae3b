import { describe, expect, it } from 'vitest';
import { mapLimit, parseIdsFile, renderAll, selectTickets } from '../../src/bulk/selection.js';
import { describePatch, failureLines } from '../../src/bulk/view.js';
import { parseWhere } from '../../commands/bulk.js';
import { parseTemplate } from '../../src/templates/index.js';
import { UsageError } from '../../src/errors.js';
import { AGENTS, FakeHelpdesk } from './bulk-fake-helpdesk.js';

describe('parseIdsFile', () => {
  it('reads one id a line, skipping blanks and comments, without duplicates', async () => {
    expect(await parseIdsFile('12\n\n# a comment\n13\n12\n', 'f')).toEqual({ ids: ['12', '13'], rows: new Map(), columns: [] });
  });

  it('reads a CSV with an id column; the other columns become rows', async () => {
    const f = await parseIdsFile('\uFEFFid,tracking_url,note\n5,https://t/1,"late, sorry"\n6,https://t/2,\n', 'f.csv');
    expect(f.ids).toEqual(['5', '6']);
    expect(f.columns).toEqual(['tracking_url', 'note']);
    expect(f.rows.get('5')).toEqual({ tracking_url: 'https://t/1', note: 'late, sorry' });
    expect((await parseIdsFile('Ticket_ID\n7\n', 'f')).ids).toEqual(['7']);
  });

  it("reads deskctl's own JSON, NDJSON and CSV: ticketId wins over an object's own id", async () => {
    const tickets = JSON.stringify([{ id: '720', subject: 'Late', requester: { name: 'Ann' } }, { id: '719', subject: 'Refund' }], null, 2);
    const j = await parseIdsFile(tickets, 'stdin');
    expect(j.ids).toEqual(['720', '719']);
    expect(j.rows.get('720')).toEqual({ subject: 'Late' });
    const followups = '{"id":3,"ticketId":"42","state":"scheduled"}\n{"id":4,"ticketId":"43","state":"sent"}\n';
    expect((await parseIdsFile(followups, 'stdin')).ids).toEqual(['42', '43']);
    expect((await parseIdsFile('["5", 6]', 'f')).ids).toEqual(['5', '6']);
    expect((await parseIdsFile('id,ticketId,state\n3,42,sent\n', 'f.csv')).ids).toEqual(['42']);
    await expect(parseIdsFile('[{"subject":"x"}]', 'stdin')).rejects.toThrow(/without an id or ticketId field/);
    await expect(parseIdsFile('[{"id":"1"},', 'stdin')).rejects.toThrow(/stdin is not valid JSON/);
    await expect(parseIdsFile('[]', 'stdin')).rejects.toThrow(/has no ticket ids/);
  });

  it('refuses files it cannot use, naming the problem', async () => {
    await expect(parseIdsFile('ticket,x\n', 'f')).rejects.toThrow(/no ticket ids/);
    await expect(parseIdsFile('number,x\n1,2\n', 'f.csv')).rejects.toThrow(/no 'id' column/);
    await expect(parseIdsFile('12\nhello world\n', 'f')).rejects.toThrow(/line 2: 'hello world' is not a ticket id/);
    await expect(parseIdsFile('id,x\n1,a\n1,b\n', 'f')).rejects.toThrow(/ticket 1 appears twice/);
    await expect(parseIdsFile('', 'f')).rejects.toBeInstanceOf(UsageError);
  });
});

describe('selection and rendering', () => {
  it('selects by ids (reporting missing ones) or by filters', async () => {
    const desk = new FakeHelpdesk(8);
    desk.tickets.get('3')!.status = 'pending';
    const byIds = await selectTickets(desk, { ids: ['2', '3', '99'] }, 2);
    expect(byIds.tickets.map((t) => t.id)).toEqual(['2', '3']);
    expect(byIds.missing).toEqual([{ id: '99', error: 'ticket 99 not found' }]);
    expect((await selectTickets(desk, { ids: ['2', '3'], query: { status: ['pending'] } }, 2)).tickets.map((t) => t.id)).toEqual(['3']);
    expect((await selectTickets(desk, { query: { status: ['open'] }, limit: 4 }, 2)).tickets.map((t) => t.id)).toEqual(['1', '2', '4', '5']);
  });

  it('keeps one item per ticket when two ids name the same ticket (16 and 016 on a lenient helpdesk)', async () => {
    const desk = new FakeHelpdesk(20);
    desk.tickets.set('016', desk.tickets.get('16')!);
    const selected = await selectTickets(desk, { ids: ['16', '016', '17'] }, 2);
    expect(selected.tickets.map((t) => t.id)).toEqual(['16', '17']);
  });

  it('renders every ticket first, collecting failures, and loads comments only when needed', async () => {
    const desk = new FakeHelpdesk(4);
    delete desk.tickets.get('2')!.customFields.order_number;
    const t = parseTemplate('---\ndescription: d\n---\nOrder {{ ticket.custom_fields.order_number }} {{ row.x | default: "-" }}\n', '/x/t.liquid', 'project');
    const tickets = (await selectTickets(desk, { ids: ['1', '2', '3'] }, 2)).tickets;
    const out = await renderAll(desk, t, tickets, { agent: AGENTS[0]!, now: new Date(), concurrency: 2, rows: new Map([['3', { x: 'X3' }]]) });
    expect(out.map((o) => o.body ?? o.variable)).toEqual(['Order ORD-100001 -', 'ticket.custom_fields.order_number', 'Order ORD-100003 X3']);
    expect(desk.calls.listComments).toBe(0);
    const withComment = parseTemplate('---\ndescription: d\n---\nYou said {{ ticket.latest_customer_comment }}\n', '/x/c.liquid', 'project');
    const out2 = await renderAll(desk, withComment, tickets, { agent: null, now: new Date(), concurrency: 2 });
    expect(out2[2]!.body).toBe('You said Where is my parcel 3?');
    expect(desk.calls.listComments).toBe(3);
    expect(failureLines(out.filter((o) => o.error), [{ id: '99', error: 'ticket 99 not found' }])).toEqual([
      '  {{ ticket.custom_fields.order_number }} has no value on 1 ticket: #2',
      '  #99: ticket 99 not found',
    ]);
  });

  it('mapLimit keeps order and bounds concurrency', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n));
      active--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe('bulk update flags', () => {
  it('--where maps onto the tickets list filters', () => {
    expect(parseWhere(['status=open,pending', 'tag=a', 'tag=b', 'created-since=7d', 'query=late box'])).toEqual({
      status: ['open', 'pending'],
      tag: ['a', 'b'],
      createdSince: '7d',
      query: 'late box',
    });
    expect(() => parseWhere(['colour=red'])).toThrow(/invalid --where 'colour=red'/);
    expect(() => parseWhere(['status='])).toThrow(/has no value/);
  });

  it('describes a patch in words', () => {
    expect(describePatch({ status: 'solved', assigneeId: 'a1', addTags: ['x'], removeTags: ['y'], group: null }, (id) => (id === 'a1' ? 'Maya' : undefined))).toBe(
      'status → solved, assign to Maya, no group, +x, -y',
    );
  });
});
