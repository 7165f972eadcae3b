import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  listTemplates,
  loadTemplate,
  parseTemplate,
  renderTemplate,
  sendTemplate,
  templateActionsToPatch,
  TemplateRenderError,
  type TemplateDirs,
} from '../../src/templates/index.js';
import { packageRoot } from '../../src/templates/library.js';
import { UsageError } from '../../src/errors.js';
import { AGENTS, FakeHelpdesk, makeTicket } from './bulk-fake-helpdesk.js';

const now = new Date('2026-11-25T09:00:00Z');
const tpl = (body: string, fm = 'description: test\npublic: true') => parseTemplate(`---\n${fm}\n---\n${body}`, '/x/t.liquid', 'project');

describe('renderTemplate', () => {
  it('fills helpdesk-style placeholders', async () => {
    const t = tpl('Hi {{ ticket.requester.first_name }}, order {{ ticket.custom_fields.order_number }} ({{ ticket.id }}: {{ ticket.subject | upcase }})\n\n{{ agent.signature }}');
    const out = await renderTemplate(t, { ticket: makeTicket(7), agent: AGENTS[0]!, now });
    expect(out).toBe('Hi Customer7, order ORD-100007 (7: ORDER QUESTION 7)\n\nMaya\nAcme Support');
  });

  it('uses the profile signature first, then the agent signature, then the agent name', async () => {
    const t = tpl('{{ agent.signature }}');
    expect(await renderTemplate(t, { ticket: makeTicket(1), agent: AGENTS[0]!, signature: 'Team Acme', now })).toBe('Team Acme');
    expect(await renderTemplate(t, { ticket: makeTicket(1), agent: AGENTS[0]!, now })).toBe('Maya\nAcme Support');
    expect(await renderTemplate(t, { ticket: makeTicket(1), agent: AGENTS[1]!, now })).toBe('Tom Berg');
  });

  it('names the missing variable and the ticket', async () => {
    const t = tpl('Order {{ ticket.custom_fields.ordr_number }}');
    const err = await renderTemplate(t, { ticket: makeTicket(42), agent: null, now }).catch((e) => e);
    expect(err).toBeInstanceOf(TemplateRenderError);
    expect(err.variable).toBe('ticket.custom_fields.ordr_number');
    expect(err.ticketId).toBe('42');
    expect(err.message).toContain('ticket.custom_fields.ordr_number');
    expect(err.message).toContain('ticket 42');
  });

  it('treats an empty name as missing but lets default and if handle it', async () => {
    const ticket = makeTicket(3, { requester: { id: 'c', name: '', email: 'x@y.z', role: 'customer' } });
    await expect(renderTemplate(tpl('Hi {{ ticket.requester.first_name }}'), { ticket, agent: null, now })).rejects.toThrow(/first_name/);
    expect(await renderTemplate(tpl('Hi {{ ticket.requester.first_name | default: "there" }}'), { ticket, agent: null, now })).toBe('Hi there');
    expect(await renderTemplate(tpl('{% if ticket.assignee %}A{% else %}B{% endif %}'), { ticket, agent: null, now })).toBe('B');
  });

  it('refuses a body whose template leaves Liquid markup', async () => {
    await expect(renderTemplate(tpl('{% raw %}{% if %}{% endraw %}'), { ticket: makeTicket(1), agent: null, now })).rejects.toThrow(/ticket 1.*will not be sent/);
    await expect(renderTemplate(tpl('{% raw %}Hi {{ name }}{% endraw %}'), { ticket: makeTicket(1), agent: null, now })).rejects.toThrow(/left '\{\{'/);
  });

  it('sends customer data that contains {{ or {% as it is (issue 12: a subject with {{ blocked every template)', async () => {
    const ticket = makeTicket(5, {
      subject: 'Broken {{ braces }}',
      requester: { id: 'c5', name: 'Ann {% Lee', email: 'ann@example.com', role: 'customer' },
      customFields: { order_number: '{{ORD}}' },
    });
    const out = await renderTemplate(tpl('Re: {{ ticket.subject }} / {{ ticket.requester.name }} / {{ ticket.custom_fields.order_number | upcase }}'), { ticket, agent: null, now });
    expect(out).toBe('Re: Broken {{ braces }} / Ann {% Lee / {{ORD}}');
    const withRow = await renderTemplate(tpl('Tracking {{ row.tracking }}'), { ticket, agent: null, now, row: { tracking: '{{x}}' } });
    expect(withRow).toBe('Tracking {{x}}');
  });

  it('gives the latest public customer comment and CSV row columns', async () => {
    const ticket = makeTicket(9);
    const comments = [
      { id: '1', ticketId: '9', author: ticket.requester, authorRole: 'customer' as const, public: true, body: 'first', createdAt: '2026-11-01T10:00:00Z' },
      { id: '2', ticketId: '9', author: AGENTS[0]!, authorRole: 'agent' as const, public: true, body: 'reply', createdAt: '2026-11-02T10:00:00Z' },
      { id: '3', ticketId: '9', author: ticket.requester, authorRole: 'customer' as const, public: true, body: ' second ', createdAt: '2026-11-03T10:00:00Z' },
    ];
    const t = tpl('You said: {{ ticket.latest_customer_comment }} / {{ row.tracking }}');
    expect(await renderTemplate(t, { ticket, comments, agent: null, row: { tracking: 'TRK1' }, now })).toBe('You said: second / TRK1');
    await expect(renderTemplate(t, { ticket, comments, agent: null, now })).rejects.toThrow(/row\.tracking.*--ids-file/);
  });

  it('renders dates with the date filter and tidies blank lines', async () => {
    const t = tpl('Opened {{ ticket.created_at | date: "%Y-%m-%d" }}\n\n\n\n{% if false %}x{% endif %}\nBye   ');
    expect(await renderTemplate(t, { ticket: makeTicket(1), agent: null, now })).toBe('Opened 2026-11-01\n\nBye');
  });
});

describe('template lookup', () => {
  let root: string;
  let dirs: TemplateDirs;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tpl-'));
    dirs = { project: join(root, 'proj', 'templates'), user: join(root, 'user'), shipped: join(packageRoot(), 'templates') };
    mkdirSync(dirs.project, { recursive: true });
    mkdirSync(dirs.user, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('prefers project over user over shipped', async () => {
    writeFileSync(join(dirs.user, 'acknowledgement.liquid'), '---\ndescription: user ack\n---\nuser\n');
    writeFileSync(join(dirs.user, 'mine.liquid'), '---\ndescription: mine\n---\nuser mine\n');
    writeFileSync(join(dirs.project, 'mine.liquid'), '---\ndescription: project mine\n---\nproject mine\n');
    const list = await listTemplates(dirs);
    expect(list.find((t) => t.name === 'acknowledgement')?.origin).toBe('user');
    expect(list.find((t) => t.name === 'mine')?.origin).toBe('project');
    expect(list.find((t) => t.name === 'closing-thank-you')?.origin).toBe('shipped');
    expect((await loadTemplate('mine', dirs)).body).toBe('project mine\n');
  });

  it('ships at least 8 templates that all load', async () => {
    const shipped = (await listTemplates(dirs)).filter((t) => t.origin === 'shipped');
    expect(shipped.length).toBeGreaterThanOrEqual(8);
    for (const t of shipped) expect(t.description.length).toBeGreaterThan(10);
  });

  it('an unknown name is a usage error listing the available ones', async () => {
    const err = await loadTemplate('delay-apolgy', dirs).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain("'delay-apolgy'");
    expect(err.hint).toContain("did you mean 'delay-apology'");
    expect(err.hint).toContain('acknowledgement');
  });

  it('refuses invalid front matter with the reason', async () => {
    writeFileSync(join(dirs.project, 'bad.liquid'), '---\ndescription: x\nstatus: done\nadd_tag: [a]\n---\nbody\n');
    const err = await loadTemplate('bad', dirs).catch((e) => e);
    expect(err.message).toMatch(/status/);
    expect(err.message).toMatch(/add_tag/);
  });
});

describe('actions and sending', () => {
  it('turns actions into a patch, resolving the assignee', async () => {
    const desk = new FakeHelpdesk(2);
    expect(await templateActionsToPatch({ status: 'solved', addTags: ['x'], assignee: 'tom@example.com' }, desk)).toEqual({ status: 'solved', addTags: ['x'], assigneeId: 'a2' });
    expect(await templateActionsToPatch({ assignee: 'me' }, desk)).toEqual({ assigneeId: 'a1' });
    expect(await templateActionsToPatch({ assignee: 'none' }, desk)).toEqual({ assigneeId: null });
    await expect(templateActionsToPatch({ assignee: 'nobody-here' }, desk)).rejects.toBeInstanceOf(UsageError);
  });

  it('sendTemplate renders, comments and applies the actions', async () => {
    const desk = new FakeHelpdesk(3);
    const t = tpl('Hi {{ ticket.requester.first_name }}, you wrote "{{ ticket.latest_customer_comment }}"', 'description: d\npublic: false\nstatus: pending\nadd_tags: followed-up');
    const ticket = await desk.getTicket('2');
    const r = await sendTemplate(desk, ticket, t, { agent: AGENTS[0]!, now });
    expect(r.body).toBe('Hi Customer2, you wrote "Where is my parcel 2?"');
    expect(r.comment.public).toBe(false);
    expect(r.ticket.status).toBe('pending');
    expect(r.ticket.tags).toEqual(['delivery', 'followed-up']);
    expect(desk.agentReplies('2')).toHaveLength(1);
  });

  it('refuses actions the helpdesk cannot do, before sending', async () => {
    const desk = new FakeHelpdesk(1, { capabilities: { priority: false } });
    const t = tpl('Hello', 'description: d\npriority: high');
    await expect(sendTemplate(desk, await desk.getTicket('1'), t, { agent: null, now })).rejects.toThrow(/Fake Desk has no such thing/);
    expect(desk.calls.addComment).toBe(0);
  });
});
