import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';
import type { Comment, Person, Ticket, TicketPatch } from '../../src/domain/model.js';
import { ApiError, UsageError } from '../../src/errors.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { StateStore } from '../../src/store/state-store.js';
import { executePlans, planRules, resolveRuleAssignees } from '../../src/triage/apply.js';
import { applyChangesLocally, changesToPatch, describeChange, planActions, planTicket, type PlanContext } from '../../src/triage/plan.js';
import { containsKeyword, matchConditions, matchingRules, needsConversation, parseRules, ticketNeedsConversation, type Conditions, type Rule, type TicketFacts } from '../../src/triage/rules.js';
import { loadSentimentAnalyzer, type SentimentAnalyzer } from '../../src/triage/sentiment.js';
import { TriageJournal } from '../../src/triage/store.js';
import { scoreTicket } from '../../src/triage/urgency.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
let analyze: SentimentAnalyzer;
beforeAll(async () => {
  analyze = await loadSentimentAnalyzer();
});

const agentAna: Person = { id: 'a1', name: 'Ana Senior', email: 'ana@acme.test', role: 'agent' };
const agentBo: Person = { id: 'a2', name: 'Bo Billing', email: 'bo@acme.test', role: 'agent' };

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: '7',
    subject: 'Question about my order',
    status: 'open',
    priority: 'normal',
    channel: 'email',
    requester: { id: 'c1', name: 'Cam', email: 'cam@bigcorp.example', role: 'customer' },
    assignee: null,
    group: null,
    tags: ['order'],
    createdAt: ago(3 * 3600),
    updatedAt: ago(3600),
    firstResponseAt: null,
    solvedAt: null,
    reopenCount: 0,
    customFields: { tier: 'VIP' },
    ...over,
  };
}
const msg = (role: 'customer' | 'agent', body: string, at = ago(3 * 3600), pub = true): Comment => ({
  id: `${role}${at}`,
  ticketId: '7',
  author: role === 'agent' ? agentAna : { id: 'c1', name: 'Cam', role: 'customer' },
  authorRole: role,
  public: pub,
  body,
  createdAt: at,
});
function facts(t: Ticket = ticket(), comments?: Comment[]): TicketFacts {
  return { ticket: t, comments, now: NOW, score: scoreTicket(t, comments, { now: NOW, analyze }) };
}
const m = (c: Conditions, f: TicketFacts = facts()) => matchConditions(c, f);

async function parseError(yaml: string): Promise<UsageError> {
  try {
    await parseRules(yaml, 'rules.yaml');
  } catch (e) {
    return e as UsageError;
  }
  throw new Error('expected a parse error');
}

describe('rules file validation', () => {
  it('reads unquoted numeric ids as ids (assignee: 8678530 was "missing (expected string)")', async () => {
    const set = await parseRules('rules:\n  - name: to-agent\n    when: { group: 360001 }\n    then: { assignee: 8678530, group: 42 }\n', 'r.yaml');
    expect(set.rules[0]!.then).toMatchObject({ assignee: '8678530', group: '42' });
    expect(set.rules[0]!.when).toMatchObject({ group: '360001' });
    await expect(parseRules('rules:\n  - name: r\n    when: { status: open }\n    then: { assignee: 1.5 }\n', 'r.yaml')).rejects.toThrow(UsageError);
  });

  it('parses a valid file with defaults', async () => {
    const set = await parseRules('rules:\n  - name: r1\n    when: { status: unsolved }\n    then: { priority: high }\n', 'r.yaml');
    expect(set.mode).toBe('first-match');
    expect(set.tierField).toBe('tier');
    expect(set.rules[0]!.then).toEqual({ priority: 'high' });
    expect(set.lineOf(['rules', 0, 'then'])).toBe(4);
  });

  it('names the line of an unknown field in conditions, with the valid fields', async () => {
    const e = await parseError(['mode: all-match', 'rules:', '  - name: vip', '    when:', '      tier: vip', '      priorty: high', '    then:', '      group: VIP'].join('\n'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe("rules.yaml:6: unknown field 'priorty' in conditions");
    expect(e.hint).toMatch(/^did you mean 'priority'\? valid fields here: status, priority, channel/);
  });

  it('names the line of an unknown action and of a nested unknown field', async () => {
    const e = await parseError('rules:\n  - name: a\n    when: {}\n    then:\n      prio: high\n');
    expect(e.message).toBe("rules.yaml:5: unknown field 'prio' in actions");
    const e2 = await parseError('rules:\n  - name: a\n    when:\n      tags:\n        nonee: [x]\n    then: { priority: low }\n');
    expect(e2.message).toBe("rules.yaml:5: unknown field 'nonee'");
    expect(e2.hint).toBe("did you mean 'none'? valid fields here: all, any, none");
    const e3 = await parseError('rules:\n  - name: a\n    whenn: {}\n    then: { priority: low }\n');
    expect(e3.message).toBe("rules.yaml:3: unknown field 'whenn'");
    expect(e3.hint).toMatch(/^did you mean 'when'\?/);
  });

  it('names the line of a bad regex', async () => {
    const e = await parseError('rules:\n  - name: a\n    when:\n      subject:\n        regex: "(refund"\n    then: { priority: low }\n');
    expect(e.message).toMatch(/^rules\.yaml:5: regex: invalid regex \/\(refund\/: .*/);
    expect(e.exitCode).toBe(2);
  });

  it('reports bad values, missing parts, duplicates and YAML syntax with lines', async () => {
    expect((await parseError('rules:\n  - name: a\n    when: {}\n    then:\n      priority: hihg\n')).message).toBe(
      'rules.yaml:5: priority: expected one of: none, low, normal, high, urgent',
    );
    expect((await parseError('rules:\n  - name: a\n    when: {}\n')).message).toMatch(/^rules\.yaml:2: .*then.*missing/);
    expect((await parseError('rules:\n  - name: a\n    when: {}\n    then: {}\n')).message).toMatch(/^rules\.yaml:4: .*at least one action/);
    expect((await parseError('rules:\n  - name: a\n    when: {}\n    then: { priority: low }\n  - name: a\n    when: {}\n    then: { priority: low }\n')).message).toBe(
      "rules.yaml:5: name: duplicate rule name 'a'",
    );
    expect((await parseError('rules:\n  - name: a\n    when: { age: { min: soon } }\n    then: { priority: low }\n')).message).toMatch(/^rules\.yaml:3: .*invalid duration 'soon'/);
    expect((await parseError('rules:\n  - name: a\n    when: {\n')).message).toMatch(/^rules\.yaml:\d+: invalid YAML/);
    expect((await parseError('')).message).toBe('rules.yaml:1: the file is empty');
    expect((await parseError('rules:\n  - name: a\n    when: {}\n    then: { priority: low, raisePriority: high }\n')).message).toBe(
      'rules.yaml:4: raisePriority: give priority or raisePriority, not both',
    );
    expect((await parseError('rules: []\n')).message).toBe('rules.yaml:1: rules: the file has no rules');
    expect((await parseError('rules:\n  - name: a\n    when: { sla: late }\n    then: { priority: low }\n')).message).toMatch(/^rules\.yaml:3: .*expected one of: ok, at_risk/);
  });

  it('reports the first problem by line and counts the others', async () => {
    const e = await parseError('rules:\n  - name: a\n    when: { foo: 1 }\n    then: { bar: 2 }\n');
    expect(e.message).toBe("rules.yaml:3: unknown field 'foo' in conditions (1 more problem after this one)");
  });

  it('ships an example rules file that validates', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'triage-rules.yaml'), 'utf8');
    const set = await parseRules(text, 'examples/triage-rules.yaml');
    expect(set.rules.length).toBeGreaterThanOrEqual(4);
  });
});

describe('conditions', () => {
  it('status (with "unsolved"), priority, channel', () => {
    expect(m({ status: 'open' })).toBe(true);
    expect(m({ status: ['new', 'pending'] })).toBe(false);
    expect(m({ status: 'unsolved' })).toBe(true);
    expect(m({ status: 'unsolved' }, facts(ticket({ status: 'solved' })))).toBe(false);
    expect(m({ priority: ['normal', 'high'] })).toBe(true);
    expect(m({ priority: 'urgent' })).toBe(false);
    expect(m({ channel: 'email' })).toBe(true);
    expect(m({ channel: ['chat', 'phone'] })).toBe(false);
  });

  it('assigned and group', () => {
    expect(m({ assigned: false })).toBe(true);
    expect(m({ assigned: true })).toBe(false);
    expect(m({ assigned: true }, facts(ticket({ assignee: agentAna })))).toBe(true);
    expect(m({ group: null })).toBe(true);
    expect(m({ group: 'billing' }, facts(ticket({ group: 'Billing' })))).toBe(true);
    expect(m({ group: ['Support', 'Tier 2'] }, facts(ticket({ group: 'Billing' })))).toBe(false);
    expect(m({ group: null }, facts(ticket({ group: 'Billing' })))).toBe(false);
  });

  it('tags: list = all, any, none', () => {
    const f = facts(ticket({ tags: ['order', 'vip'] }));
    expect(m({ tags: ['order', 'vip'] }, f)).toBe(true);
    expect(m({ tags: ['order', 'spam'] }, f)).toBe(false);
    expect(m({ tags: { any: ['spam', 'VIP'] } }, f)).toBe(true);
    expect(m({ tags: { none: ['vip'] } }, f)).toBe(false);
    expect(m({ tags: { all: ['order'], none: ['spam'] } }, f)).toBe(true);
  });

  it('requester email and domain (subdomains included)', () => {
    expect(m({ requester: { email: 'CAM@bigcorp.example' } })).toBe(true);
    expect(m({ requester: { email: ['x@y.z'] } })).toBe(false);
    expect(m({ requester: { domain: 'bigcorp.example' } })).toBe(true);
    expect(m({ requester: { domain: '@bigcorp.example' } })).toBe(true);
    expect(m({ requester: { domain: 'corp.example' } })).toBe(false);
    expect(m({ requester: { domain: 'example' } })).toBe(true);
    expect(m({ requester: { domain: 'bigcorp.example' } }, facts(ticket({ requester: { id: 'x', name: 'x', role: 'customer', email: null } })))).toBe(false);
  });

  it('subject, body and text: keywords and regex', () => {
    const cs = [msg('customer', 'I was charged twice, please refund me'), msg('agent', 'Looking into the outage'), msg('customer', 'internal', ago(60), false)];
    const f = facts(ticket({ subject: 'Billing question' }), cs);
    expect(m({ subject: ['billing'] }, f)).toBe(true);
    expect(m({ subject: ['bill'] }, f)).toBe(false); // whole words
    expect(m({ body: ['refund'] }, f)).toBe(true);
    expect(m({ body: ['outage'] }, f)).toBe(false); // agent messages are not searched
    expect(m({ body: { keywords: ['charged twice'] } }, f)).toBe(true);
    expect(m({ body: { regex: 'charged\\s+(twice|double)' } }, f)).toBe(true);
    expect(m({ body: { regex: 'CHARGED', caseSensitive: true } }, f)).toBe(false);
    expect(m({ body: { keywords: ['refund'], regex: '^nothing$' } }, f)).toBe(false);
    expect(m({ text: ['billing'] }, f)).toBe(true);
    expect(m({ text: ['refund'] }, f)).toBe(true);
    expect(m({ subject: { regex: '^billing' } }, f)).toBe(true);
    expect(containsKeyword('I can’t log in', "can't log in")).toBe(true);
  });

  it('sentiment by label and range, of the latest customer message', () => {
    const angry = facts(ticket(), [msg('customer', 'This is terrible, unacceptable and broken')]);
    const happy = facts(ticket(), [msg('customer', 'terrible'), msg('customer', 'Thanks, great work!', ago(60))]);
    expect(m({ sentiment: 'negative' }, angry)).toBe(true);
    expect(m({ sentiment: { max: -3 } }, angry)).toBe(true);
    expect(m({ sentiment: 'negative' }, happy)).toBe(false);
    expect(m({ sentiment: 'positive' }, happy)).toBe(true);
    expect(m({ sentiment: { min: 0, max: 1 } }, happy)).toBe(false);
  });

  it('urgency by level and range', () => {
    const hot = facts(ticket({ channel: 'chat', priority: 'urgent', createdAt: ago(3600) }), [msg('customer', 'Site down!', ago(3600))]);
    expect(hot.score.urgency.level).toBe('critical');
    expect(m({ urgency: 'high' }, hot)).toBe(true);
    expect(m({ urgency: 'critical' }, hot)).toBe(true);
    expect(m({ urgency: { max: 50 } }, hot)).toBe(false);
    const calm = facts(ticket({ priority: 'low', createdAt: ago(60) }), [msg('customer', 'Hi', ago(60))]);
    expect(m({ urgency: 'medium' }, calm)).toBe(false);
    expect(m({ urgency: { min: 0, max: 10 } }, calm)).toBe(true);
  });

  it('age with durations and seconds', () => {
    expect(m({ age: { min: '2h' } })).toBe(true);
    expect(m({ age: { min: '4h' } })).toBe(false);
    expect(m({ age: { max: '1d' } })).toBe(true);
    expect(m({ age: { max: 3600 } })).toBe(false);
  });

  it('SLA state', () => {
    const breachedChat = facts(ticket({ channel: 'chat', createdAt: ago(600) }));
    expect(m({ sla: 'breached' }, breachedChat)).toBe(true);
    expect(m({ sla: ['at_risk', 'ok'] }, breachedChat)).toBe(false);
    expect(m({ sla: 'ok' })).toBe(true);
    expect(m({ sla: 'met' }, facts(ticket({ firstResponseAt: ago(3 * 3600 - 60) })))).toBe(true);
  });

  it('customer tier from a custom field (field name configurable)', () => {
    expect(m({ tier: 'vip' })).toBe(true);
    expect(m({ tier: ['gold', 'enterprise'] })).toBe(false);
    expect(m({ tier: 'vip' }, facts(ticket({ customFields: {} })))).toBe(false);
    const f = facts(ticket({ customFields: { plan: 'Enterprise' } }));
    expect(matchConditions({ tier: 'enterprise' }, f, 'plan')).toBe(true);
    expect(matchConditions({ tier: 'enterprise' }, f)).toBe(false);
  });

  it('any, not, and an empty when', () => {
    expect(m({ any: [{ channel: 'chat' }, { tier: 'vip' }] })).toBe(true);
    expect(m({ any: [{ channel: 'chat' }, { tier: 'gold' }] })).toBe(false);
    expect(m({ not: { tags: ['order'] } })).toBe(false);
    expect(m({ not: { tags: ['spam'] } })).toBe(true);
    expect(m({})).toBe(true);
  });

  it('needsConversation only for body/text/sentiment/urgency', () => {
    const r = (when: Conditions): Rule => ({ name: 'x', when, then: { priority: 'low' } });
    expect(needsConversation([r({ status: 'open', tags: ['x'] })])).toBe(false);
    expect(needsConversation([r({ subject: ['x'] })])).toBe(false);
    expect(needsConversation([r({ body: ['x'] })])).toBe(true);
    expect(needsConversation([r({ not: { sentiment: 'negative' } })])).toBe(true);
    expect(needsConversation([r({ any: [{ urgency: 'high' }] })])).toBe(true);
  });

  it('ticketNeedsConversation: only when a rule that reads messages could match on its other conditions', () => {
    const r = (when: Conditions): Rule => ({ name: 'x', when, then: { priority: 'low' } });
    const open = facts(ticket({ status: 'open', group: 'Billing' }));
    const solved = facts(ticket({ status: 'solved', group: 'Billing' }));
    const rules = [r({ status: 'unsolved', group: 'Billing', text: ['refund'] })];
    expect(ticketNeedsConversation(rules, open)).toBe(true);
    expect(ticketNeedsConversation(rules, solved)).toBe(false);
    expect(ticketNeedsConversation(rules, facts(ticket({ status: 'open', group: 'Sales' })))).toBe(false);
    // rules that never read messages need no conversation, whatever they match
    expect(ticketNeedsConversation([r({ status: 'open' })], open)).toBe(false);
    // any/not over message conditions cannot be told without them: read
    expect(ticketNeedsConversation([r({ status: 'solved', any: [{ sentiment: 'negative' }, { tags: ['x'] }] })], solved)).toBe(true);
    expect(ticketNeedsConversation([r({ status: 'open', not: { body: ['thanks'] } })], solved)).toBe(false);
  });
});

describe('rule matching and planned changes', () => {
  const noneSent: PlanContext = { assignees: new Map([['to-ana', { id: 'a1', name: 'Ana Senior' }], ['unassign', null]]), alreadySent: () => false };
  const rule = (name: string, then: Rule['then'], when: Conditions = {}): Rule => ({ name, when, then });

  it('first-match stops at the first rule, all-match collects every rule (and honours stop)', () => {
    const rules = [rule('a', { priority: 'high' }, { tier: 'vip' }), rule('b', { addTags: ['x'] }), rule('c', { addTags: ['y'] }, { channel: 'chat' })];
    expect(matchingRules({ rules, mode: 'first-match', tierField: 'tier' }, facts()).map((r) => r.name)).toEqual(['a']);
    expect(matchingRules({ rules, mode: 'all-match', tierField: 'tier' }, facts()).map((r) => r.name)).toEqual(['a', 'b']);
    const stopping = [{ ...rules[0]!, stop: true }, rules[1]!];
    expect(matchingRules({ rules: stopping, mode: 'all-match', tierField: 'tier' }, facts()).map((r) => r.name)).toEqual(['a']);
    expect(matchingRules({ rules: [{ ...rules[0]!, enabled: false }, rules[1]!], mode: 'first-match', tierField: 'tier' }, facts()).map((r) => r.name)).toEqual(['b']);
  });

  it('every action becomes a change, and no-ops are dropped', () => {
    const t = ticket({ assignee: agentBo, group: 'Support', tags: ['order', 'old'] });
    const changes = planActions(
      t,
      [
        rule('p', { priority: 'urgent', status: 'pending' }),
        rule('to-ana', { assignee: 'ana@acme.test', group: 'Tier 2', addTags: ['vip', 'order'], removeTags: ['old', 'absent'] }),
        rule('r', { reply: 'refund-processed', note: { text: 'Routed by triage' } }),
        rule('n', { note: { template: 'handover-note' } }),
      ],
      noneSent,
    );
    expect(changes.map(describeChange)).toEqual([
      'status open → pending',
      'priority normal → urgent',
      'assignee Bo Billing → Ana Senior',
      'group Support → Tier 2',
      '+tag vip',
      '-tag old',
      'reply with template refund-processed',
      'internal note "Routed by triage"',
      'internal note from template handover-note',
    ]);
    expect(changesToPatch(changes)).toEqual<TicketPatch>({ status: 'pending', priority: 'urgent', assigneeId: 'a1', group: 'Tier 2', addTags: ['vip'], removeTags: ['old'] });
    // the ticket already as wanted: nothing left
    const done = applyChangesLocally(t, changes);
    expect(planActions(done, [rule('p', { priority: 'urgent', status: 'pending' }), rule('to-ana', { assignee: 'x', group: 'tier 2', addTags: ['VIP'], removeTags: ['old'] })], noneSent)).toEqual([]);
  });

  it('unassigning, raisePriority, and earlier rules winning in all-match', () => {
    const t = ticket({ assignee: agentAna });
    expect(planActions(t, [rule('unassign', { assignee: null })], noneSent).map(describeChange)).toEqual(['assignee Ana Senior → (none)']);
    expect(planActions(t, [rule('a', { priority: 'high', addTags: ['z'] }), rule('b', { priority: 'low', removeTags: ['z'] })], noneSent).map(describeChange)).toEqual([
      'priority normal → high',
      '+tag z',
    ]);
    expect(planActions(t, [rule('a', { raisePriority: 'high' })], noneSent).map(describeChange)).toEqual(['priority normal → high']);
    expect(planActions(ticket({ priority: 'urgent' }), [rule('a', { raisePriority: 'high' })], noneSent)).toEqual([]);
    expect(planActions(ticket({ priority: 'high' }), [rule('a', { raisePriority: 'high' })], noneSent)).toEqual([]);
    expect(planActions(ticket({ group: 'Billing' }), [rule('g', { group: null })], noneSent).map(describeChange)).toEqual(['group Billing → (none)']);
  });

  it('replies and notes are planned once per rule and ticket (journal)', () => {
    const sent = new Set(['r|7|reply|refund-processed']);
    const ctx: PlanContext = { assignees: new Map(), alreadySent: (r, t, k, ref) => sent.has(`${r}|${t}|${k}|${ref}`) };
    expect(planActions(ticket(), [rule('r', { reply: { template: 'refund-processed' } })], ctx)).toEqual([]);
    expect(planActions(ticket({ id: '8' }), [rule('r', { reply: 'refund-processed' })], ctx)).toHaveLength(1);
    expect(planActions(ticket(), [rule('other', { reply: 'refund-processed' })], ctx)).toHaveLength(1);
  });

  it('planTicket reports matched rules even when nothing changes', () => {
    const set = { rules: [rule('vip', { priority: 'normal' }, { tier: 'vip' })], mode: 'first-match' as const, tierField: 'tier' };
    expect(planTicket(set, facts(), noneSent)).toMatchObject({ rules: ['vip'], changes: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// planRules + executePlans against an in-memory helpdesk and a real StateStore

class MemoryDesk implements HelpdeskProvider {
  readonly kind = 'memory';
  readonly displayName = 'Memory';
  readonly capabilities = { priority: true, channels: true, groups: true, internalNotes: true, tags: true, ratings: [], serverFilters: [], defaultConcurrency: 2 };
  comments = new Map<string, Comment[]>();
  updates: { id: string; patch: TicketPatch }[] = [];
  posted: { id: string; body: string; public: boolean }[] = [];
  failPost = false;
  constructor(public tickets: Map<string, Ticket>) {}
  async *listTickets() {
    yield [...this.tickets.values()];
  }
  async getTicket(id: string) {
    return this.tickets.get(id)!;
  }
  async listComments(id: string) {
    return this.comments.get(id) ?? [];
  }
  async updateTicket(id: string, patch: TicketPatch) {
    this.updates.push({ id, patch });
    const t = { ...this.tickets.get(id)! };
    if (patch.priority) t.priority = patch.priority;
    if (patch.status) t.status = patch.status;
    if (patch.group !== undefined) t.group = patch.group;
    if (patch.assigneeId !== undefined) t.assignee = patch.assigneeId ? [agentAna, agentBo].find((a) => a.id === patch.assigneeId)! : null;
    t.tags = [...t.tags.filter((x) => !(patch.removeTags ?? []).includes(x)), ...(patch.addTags ?? []).filter((x) => !t.tags.includes(x))];
    this.tickets.set(id, t);
    return t;
  }
  async addComment(id: string, c: { body: string; public: boolean }) {
    if (this.failPost) throw new ApiError('refused', { status: 422 });
    this.posted.push({ id, ...c });
    const comment = msg('agent', c.body, NOW.toISOString(), c.public);
    this.comments.set(id, [...(this.comments.get(id) ?? []), { ...comment, id: `c${this.posted.length}`, ticketId: id }]);
    return comment;
  }
  async *listRatings() {}
  async listAgents() {
    return [agentAna, agentBo];
  }
  async listGroups() {
    return [];
  }
  async currentAgent() {
    return agentAna;
  }
  async close() {}
}

describe('planRules + executePlans', () => {
  let dir: string;
  let store: StateStore;
  let journal: TriageJournal;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'triage-unit-'));
    store = await StateStore.open(resolvePaths({ DESKCTL_HOME: dir }), 'test');
    journal = await TriageJournal.open(store);
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const RULES = `mode: all-match
rules:
  - name: refunds
    when: { body: [refund] }
    then:
      group: Billing
      assignee: bo@acme.test
      addTags: [refund]
      reply: refund-ack
  - name: vip
    when: { tier: vip }
    then: { priority: high, note: { text: "VIP customer" } }
`;

  it('applies once; a second run changes nothing; assignee errors name the line', async () => {
    const desk = new MemoryDesk(new Map([['7', ticket()], ['8', ticket({ id: '8', customFields: {} })], ['9', ticket({ id: '9', customFields: {}, subject: 'hello' })]]));
    desk.comments.set('7', [msg('customer', 'I need a refund')]);
    desk.comments.set('8', [msg('customer', 'refund please')]);
    const set = await parseRules(RULES, 'rules.yaml');
    const assignees = await resolveRuleAssignees(set, desk);
    const deps = { provider: desk, journal, now: NOW, analyze, assignees };
    const first = await planRules(set, [...desk.tickets.values()], deps);
    expect(first.unstable).toEqual([]);
    expect(first.plans.map((p) => [p.ticket.id, p.rules, p.changes.map(describeChange)])).toEqual([
      ['7', ['refunds', 'vip'], ['priority normal → high', 'assignee (none) → Bo Billing', 'group (none) → Billing', '+tag refund', 'reply with template refund-ack', 'internal note "VIP customer"']],
      ['8', ['refunds'], ['assignee (none) → Bo Billing', 'group (none) → Billing', '+tag refund', 'reply with template refund-ack']],
      ['9', [], []],
    ]);
    const render = async (c: { kind: string; template?: string; text?: string }, t: Ticket) => ({ body: c.text ?? `Hi ${t.requester.name}, your refund (${c.template})`, public: c.kind === 'reply' });
    const results = await executePlans(first.plans, { provider: desk, journal, render, now: () => NOW, session: 's1' });
    expect(results.map((r) => [r.ticketId, r.applied.length, r.error])).toEqual([
      ['7', 6, undefined],
      ['8', 4, undefined],
    ]);
    expect(desk.updates).toEqual([
      { id: '7', patch: { priority: 'high', assigneeId: 'a2', group: 'Billing', addTags: ['refund'] } },
      { id: '8', patch: { assigneeId: 'a2', group: 'Billing', addTags: ['refund'] } },
    ]);
    expect([...desk.posted].sort((a, b) => a.id.localeCompare(b.id) || a.body.localeCompare(b.body))).toEqual([
      { id: '7', body: 'Hi Cam, your refund (refund-ack)', public: true },
      { id: '7', body: 'VIP customer', public: false },
      { id: '8', body: 'Hi Cam, your refund (refund-ack)', public: true },
    ]);
    expect((await journal.entries('s1')).map((e) => `${e.ticketId}:${e.action}`)).toEqual(expect.arrayContaining(['7:update', '7:reply', '7:note', '8:update', '8:reply']));

    const second = await planRules(set, [...desk.tickets.values()], deps);
    expect(second.plans.flatMap((p) => p.changes)).toEqual([]);
    expect(await executePlans(second.plans, { provider: desk, journal, render, now: () => NOW, session: 's2' })).toEqual([]);
    expect(desk.updates).toHaveLength(2);
    expect(desk.posted).toHaveLength(3);

    const bad = await parseRules('rules:\n  - name: x\n    when: {}\n    then:\n      assignee: nobody@acme.test\n', 'rules.yaml');
    await expect(resolveRuleAssignees(bad, desk)).rejects.toThrow("rules.yaml:5: rule 'x': no agent matches 'nobody@acme.test'");
  });

  it('a reply left pending by a crash is found in the conversation and not sent twice; a refusal can be retried', async () => {
    const desk = new MemoryDesk(new Map([['20', ticket({ id: '20', customFields: {} })]]));
    desk.comments.set('20', [msg('customer', 'refund now'), msg('agent', 'Hi Cam, your refund (refund-ack)', ago(10))]);
    await journal.markPending('refunds', '20', 'reply', 'refund-ack', (await import('../../src/triage/store.js')).bodyHash('Hi Cam, your refund (refund-ack)'), NOW);
    const set = await parseRules(RULES, 'rules.yaml');
    const deps = { provider: desk, journal, now: NOW, analyze, assignees: await resolveRuleAssignees(set, desk) };
    const render = async (_c: unknown, t: Ticket) => ({ body: `Hi ${t.requester.name}, your refund (refund-ack)`, public: true });
    const plan = await planRules(set, [...desk.tickets.values()], deps);
    const [res] = await executePlans(plan.plans, { provider: desk, journal, render, now: () => NOW, session: 's3' });
    expect(res!.alreadyDone.map(describeChange)).toEqual(['reply with template refund-ack']);
    expect(desk.posted).toEqual([]);
    expect(await journal.isSent('refunds', '20', 'reply', 'refund-ack')).toBe(true);

    const desk2 = new MemoryDesk(new Map([['21', ticket({ id: '21', customFields: {} })]]));
    desk2.comments.set('21', [msg('customer', 'refund now')]);
    desk2.failPost = true;
    const plan2 = await planRules(set, [...desk2.tickets.values()], { ...deps, provider: desk2 });
    const [res2] = await executePlans(plan2.plans, { provider: desk2, journal, render, now: () => NOW, session: 's4' });
    expect(res2!.error).toBe('refused');
    expect(await journal.sentState('refunds', '21', 'reply', 'refund-ack')).toBeUndefined();
  });

  it('warns about rules that undo each other', async () => {
    const set = await parseRules(
      'rules:\n  - name: up\n    when: { priority: normal }\n    then: { priority: high }\n  - name: down\n    when: { priority: high }\n    then: { priority: normal }\n',
      'r.yaml',
    );
    const desk = new MemoryDesk(new Map([['7', ticket()]]));
    const plan = await planRules(set, [...desk.tickets.values()], { provider: desk, journal, now: NOW, analyze, assignees: new Map() });
    expect(plan.unstable.map((u) => [u.ticketId, u.changes.map(describeChange)])).toEqual([['7', ['priority high → normal']]]);
  });
});
