import { describe, expect, it } from 'vitest';
import { dryRunSpec, itemListSpec, jobListSpec } from '../../src/bulk/view.js';
import type { Ticket } from '../../src/domain/model.js';
import { followupListSpec, runItemListSpec } from '../../src/followups/view.js';
import { exportSpec, groupRowSpec, metricRowSpec, perTicketSpec, trendSpec } from '../../src/metrics/views.js';
import { selectColumns, type ListSpec } from '../../src/output/format.js';
import { pickFields, toCsv } from '../../src/output/formatters.js';
import { bulkUpdateDryRunSpec, ticketJson, ticketListSpec } from '../../src/output/views/tickets.js';
import { scoreJson, triageColumns } from '../../src/triage/list.js';
import { scoreTicket } from '../../src/triage/urgency.js';

const now = () => new Date('2026-11-27T12:00:00Z');
const ticket: Ticket = {
  id: '42',
  url: null,
  subject: 'Where is my order?',
  status: 'open',
  priority: 'high',
  channel: 'email',
  requester: { id: 'c1', name: 'Ann Lee', email: 'ann@example.com', role: 'customer' },
  assignee: { id: 'a1', name: 'Maya', email: 'maya@example.com', role: 'agent' },
  group: 'Support',
  tags: ['delivery'],
  createdAt: '2026-11-26T10:00:00Z',
  updatedAt: '2026-11-26T11:00:00Z',
  firstResponseAt: null,
  solvedAt: null,
  reopenCount: 0,
  customFields: { order_number: 'ORD-186457' },
};

const getPath = (obj: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k]), obj);

// camelCase segments; custom field names after `customFields.` are the helpdesk's own
const CAMEL_PATH = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/;

describe('one JSON vocabulary', () => {
  const specs: [string, ListSpec<never>][] = [
    ['tickets', ticketListSpec(now) as ListSpec<never>],
    ['bulk update dry run', bulkUpdateDryRunSpec(now, 'status → solved') as ListSpec<never>],
    ['bulk reply dry run', dryRunSpec as ListSpec<never>],
    ['bulk jobs', jobListSpec as ListSpec<never>],
    ['bulk items', itemListSpec as ListSpec<never>],
    ['follow-ups', followupListSpec(now, 'UTC') as ListSpec<never>],
    ['follow-up run', runItemListSpec() as ListSpec<never>],
    ['metrics summary', metricRowSpec as ListSpec<never>],
    ['metrics grouped', groupRowSpec(['channel'], ['chat', 'email']) as ListSpec<never>],
    ['metrics export', exportSpec(['agent'], ['chat', 'email']) as ListSpec<never>],
    ['metrics per ticket', perTicketSpec as ListSpec<never>],
    ['metrics trend', trendSpec('percent') as ListSpec<never>],
  ];

  it.each(specs)('%s: every field is a camelCase name (or path)', (_name, spec) => {
    const bad = spec.columns.map((c) => c.key).filter((k) => !CAMEL_PATH.test(k));
    expect(bad).toEqual([]);
    for (const k of spec.defaultFields) expect(spec.columns.some((c) => c.key === k), k).toBe(true);
  });

  it('a ticket field is the value at that path of the ticket JSON', () => {
    const spec = ticketListSpec(now);
    const json = ticketJson(ticket);
    for (const col of spec.columns) expect(col.value(ticket), col.key).toEqual(getPath(json, col.key) ?? null);
  });

  it('the urgency and SLA fields are paths into the scored ticket JSON', () => {
    const score = scoreTicket(ticket, undefined, { now: now(), targets: { email: 86_400 }, analyze: () => ({ score: 0, comparative: 0, label: 'neutral', positive: [], negative: [] }) });
    const json = { ...ticketJson(ticket), ...scoreJson(score) };
    for (const col of triageColumns(new Map([[ticket.id, score]]))) expect(col.value(ticket), col.key).toEqual(getPath(json, col.key) ?? null);
  });

  it('old --fields names still select the new fields', () => {
    const cols = selectColumns(ticketListSpec(now), ['created', 'updated', 'first_response', 'requester_email', 'cf.order_number', 'reopens']);
    expect(cols.map((c) => c.key)).toEqual(['createdAt', 'updatedAt', 'firstResponseAt', 'requester.email', 'customFields.order_number', 'reopenCount']);
    const exp = selectColumns(exportSpec([], []), ['first_response_median_s', 'csat_n', 'reopen_n']);
    expect(exp.map((c) => c.key)).toEqual(['firstResponseMedianSeconds', 'csatN', 'reopenRateN']);
    expect(selectColumns(dryRunSpec, ['ticket']).map((c) => c.key)).toEqual(['ticketId']);
    expect(() => selectColumns(ticketListSpec(now), ['nope'])).toThrow(/unknown field 'nope'/);
  });

  it('dotted fields come out nested in JSON and as the path in CSV headers', () => {
    const cols = selectColumns(ticketListSpec(now), ['id', 'requester.email', 'cf.order_number']);
    expect(pickFields(ticket, cols)).toEqual({ id: '42', requester: { email: 'ann@example.com' }, customFields: { order_number: 'ORD-186457' } });
    expect(toCsv([ticket], cols).split('\n')[0]).toBe('id,requester.email,customFields.order_number');
    // a whole object and one of its parts: the object wins, unchanged
    const both = selectColumns(ticketListSpec(now), ['requester', 'requester.email']);
    expect(pickFields(ticket, both)).toEqual({ requester: ticket.requester });
    expect(toCsv([ticket], selectColumns(ticketListSpec(now), ['requester'])).split('\n')[1]).toBe('Ann Lee');
  });
});
