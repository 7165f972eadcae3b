import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';
import type { Comment, Person, Ticket, TicketPatch } from '../../src/domain/model.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { StateStore } from '../../src/store/state-store.js';
import type { Template } from '../../src/templates/index.js';
import { parseSlaFlag, triageCompare } from '../../src/triage/list.js';
import { loadSentimentAnalyzer, type SentimentAnalyzer } from '../../src/triage/sentiment.js';
import { TriageJournal } from '../../src/triage/store.js';
import { scoreTicket } from '../../src/triage/urgency.js';
import { renderCard, renderSummary } from '../../src/triage/view.js';
import type { KeyPrompt, KeyPromptConfig } from '../../src/triage/key-prompt.js';
import { walkQueue, type WalkDeps } from '../../src/triage/walk.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const plain = new Chalk({ level: 0 });
const me: Person = { id: 'a1', name: 'Alex Rivera', email: 'alex@x.test', role: 'agent' };
const grace: Person = { id: 'a2', name: 'Grace Mensah', email: 'grace@x.test', role: 'agent', group: 'VIP Care' };

function ticket(id: string, over: Partial<Ticket> = {}): Ticket {
  return {
    id,
    subject: `Subject ${id}`,
    status: 'open',
    priority: 'normal',
    channel: 'email',
    requester: { id: 'c1', name: 'Cam Customer', email: 'cam@example.com', role: 'customer' },
    assignee: null,
    group: null,
    tags: ['order'],
    createdAt: ago(3600),
    updatedAt: ago(3600),
    firstResponseAt: null,
    solvedAt: null,
    reopenCount: 0,
    customFields: {},
    ...over,
  };
}

/** A helpdesk in memory that records every call. */
class Desk implements HelpdeskProvider {
  readonly kind = 'memory';
  readonly displayName = 'Memory';
  readonly capabilities = { priority: true, channels: true, groups: true, internalNotes: true, tags: true, ratings: [], serverFilters: [], defaultConcurrency: 2 };
  calls: string[] = [];
  constructor(public tickets: Map<string, Ticket>) {}
  async *listTickets() {
    yield [...this.tickets.values()];
  }
  async getTicket(id: string) {
    this.calls.push(`get ${id}`);
    return this.tickets.get(id)!;
  }
  async listComments(id: string): Promise<Comment[]> {
    this.calls.push(`comments ${id}`);
    return [{ id: `c${id}`, ticketId: id, author: this.tickets.get(id)!.requester, authorRole: 'customer', public: true, body: 'My order is late, this is terrible.', createdAt: ago(3600) }];
  }
  async updateTicket(id: string, patch: TicketPatch) {
    this.calls.push(`update ${id} ${JSON.stringify(patch)}`);
    const t = { ...this.tickets.get(id)! };
    if (patch.priority) t.priority = patch.priority;
    if (patch.status) t.status = patch.status;
    if (patch.assigneeId !== undefined) t.assignee = [me, grace].find((a) => a.id === patch.assigneeId) ?? null;
    t.tags = [...t.tags.filter((x) => !(patch.removeTags ?? []).includes(x)), ...(patch.addTags ?? [])];
    this.tickets.set(id, t);
    return t;
  }
  async addComment(id: string, c: { body: string; public: boolean }) {
    this.calls.push(`comment ${id} ${c.public ? 'public' : 'private'} ${c.body}`);
    return { id: 'new', ticketId: id, author: me, authorRole: 'agent' as const, public: c.public, body: c.body, createdAt: NOW.toISOString() };
  }
  async *listRatings() {}
  async listAgents() {
    return [me, grace];
  }
  async listGroups() {
    return [];
  }
  async currentAgent() {
    return me;
  }
  async close() {}
}

/** Prompts that answer from a script: each call takes the next answer for its kind (`keys`: the one-key action prompt). */
function scripted(answers: { keys: string[]; select?: string[]; input?: string[]; confirm?: boolean[] }) {
  const asked: string[] = [];
  const next = <T>(list: T[] | undefined, kind: string, message: string): T => {
    asked.push(`${kind}: ${message}`);
    if (!list?.length) throw Object.assign(new Error('no more answers'), { name: 'ExitPromptError' });
    return list.shift()!;
  };
  const keyPrompt: KeyPrompt = async <V>(cfg: KeyPromptConfig<V>) => {
    const key = next(answers.keys, 'key', cfg.message);
    const choice = cfg.choices.find((c) => c.key === key);
    if (!choice) throw new Error(`no choice '${key}' (have ${cfg.choices.map((c) => c.key).join('')})`);
    return choice.value;
  };
  const prompts = {
    select: async (cfg: { message: string; choices: { value: string }[] }) => {
      const v = next(answers.select, 'select', cfg.message);
      if (!cfg.choices.some((c) => c.value === v)) throw new Error(`no option '${v}' in ${cfg.message}`);
      return v;
    },
    input: async (cfg: { message: string }) => next(answers.input, 'input', cfg.message),
    confirm: async (cfg: { message: string }) => next(answers.confirm, 'confirm', cfg.message),
  };
  return { prompts: prompts as unknown as WalkDeps['prompts'], keyPrompt, asked };
}

const templates: Template[] = [
  { name: 'ack', description: 'Acknowledge', public: true, actions: { status: 'pending' }, body: 'Hi {{ name }}', file: '/x/ack.liquid', origin: 'shipped' },
  { name: 'handover', description: 'Handover', public: false, actions: {}, body: 'Over to you', file: '/x/handover.liquid', origin: 'shipped' },
];

let dir: string;
let store: StateStore;
let journal: TriageJournal;
let analyze: SentimentAnalyzer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'triage-walk-unit-'));
  store = await StateStore.open(resolvePaths({ DESKCTL_HOME: dir }), 'test');
  journal = await TriageJournal.open(store);
  analyze = await loadSentimentAnalyzer();
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function deps(desk: Desk, script: { prompts: WalkDeps['prompts']; keyPrompt: KeyPrompt }, out: string[], extra: Partial<WalkDeps> = {}): WalkDeps {
  return {
    provider: desk,
    prompts: script.prompts,
    keyPrompt: script.keyPrompt,
    print: (t) => out.push(t),
    color: plain,
    width: 100,
    now: () => NOW,
    targets: {},
    analyze,
    journal,
    session: extra.session ?? 'unit',
    me,
    templates: async () => templates,
    renderTemplate: async (t, tk) => `${t.name} for ${tk.requester.name}`,
    sendTemplate: async (t, tk) => {
      await desk.addComment(tk.id, { body: `${t.name} for ${tk.requester.name}`, public: t.public });
      return t.actions.status ? desk.updateTicket(tk.id, { status: t.actions.status }) : tk;
    },
    ...extra,
  };
}

describe('the triage walk', () => {
  it('runs every action through the provider and records it', async () => {
    const desk = new Desk(new Map(['1', '2', '3', '4', '5'].map((id) => [id, ticket(id)])));
    const script = scripted({
      //       #1: note from template, priority, tags, reply (moves on)
      //       #2: typed note, assign to Grace, back to #1, skip to #2, skip to #3
      //       #3: snooze (moves on)   #4: solve (moves on)   #5: quit
      keys: ['n', 'p', 't', 'r', 'n', 'a', 'b', 'k', 'k', 'z', 's', 'q'],
      select: ['handover', 'urgent', 'ack', '', 'a2'],
      input: ['+vip -order', 'Customer called, see CRM', '2d'],
      confirm: [true, true],
    });
    const out: string[] = [];
    const snoozed: string[] = [];
    const result = await walkQueue(
      [...desk.tickets.values()],
      deps(desk, script, out, {
        session: 's-all',
        snooze: async (t, when) => {
          snoozed.push(`${t.id} ${when}`);
          return { ticket: await desk.updateTicket(t.id, { status: 'pending' }), text: `pending until ${when}` };
        },
      }),
    );
    expect(result.actions.map((a) => `#${a.ticketId} ${a.action}: ${a.detail}`)).toEqual([
      '#1 note: template handover',
      '#1 priority: normal → urgent',
      '#1 tags: +vip -order',
      '#1 reply: template ack',
      '#2 note: Customer called, see CRM',
      '#2 assign: Grace Mensah',
      '#3 snooze: pending until 2d',
      '#4 solve: open → solved',
    ]);
    expect(result.seen).toBe(5);
    expect(desk.calls.filter((c) => !c.startsWith('get') && !c.startsWith('comments'))).toEqual([
      'comment 1 private handover for Cam Customer',
      'update 1 {"priority":"urgent"}',
      'update 1 {"addTags":["vip"],"removeTags":["order"]}',
      'comment 1 public ack for Cam Customer',
      'update 1 {"status":"pending"}',
      'comment 2 private Customer called, see CRM',
      'update 2 {"assigneeId":"a2"}',
      'update 3 {"status":"pending"}',
      'update 4 {"status":"solved"}',
    ]);
    expect(snoozed).toEqual(['3 2d']);
    expect(desk.tickets.get('1')).toMatchObject({ priority: 'urgent', status: 'pending', tags: ['vip'] });
    expect(desk.tickets.get('2')!.assignee?.name).toBe('Grace Mensah');
    expect(script.asked.filter((a) => a.startsWith('confirm'))).toEqual(['confirm: Add this note to #1?', 'confirm: Send this reply to #1?']);
    expect(out.some((o) => o.includes('Reply preview (ack)') && o.includes('ack for Cam Customer'))).toBe(true);
    const logged = (await journal.entries('s-all')).map((e) => `${e.ticketId}:${e.action}`);
    expect(logged).toEqual(['1:note', '1:priority', '1:tags', '1:reply', '2:note', '2:assign', '3:snooze', '4:solve']);
    expect((await journal.entries('s-all'))[5]!.detail).toEqual({ from: null, to: 'a2' });
  });

  it('prefetches the next ticket while the current one is shown', async () => {
    const desk = new Desk(new Map(['1', '2', '3'].map((id) => [id, ticket(id)])));
    await walkQueue([...desk.tickets.values()], deps(desk, scripted({ keys: ['q'] }), []));
    // #2 was loaded although the user never moved to it
    expect(desk.calls).toEqual(['get 1', 'comments 1', 'get 2', 'comments 2']);
  });

  it('cancelled dialogs change nothing; Ctrl-C ends the walk with what was done; no snooze key without follow-ups', async () => {
    const desk = new Desk(new Map(['1', '2'].map((id) => [id, ticket(id)])));
    const script = scripted({ keys: ['r', 'r', 'a', 'b'], select: ['ack', '\u0000cancel', '\u0000cancel'], confirm: [false] });
    const out: string[] = [];
    const result = await walkQueue([...desk.tickets.values()], deps(desk, script, out));
    expect(result.actions).toEqual([]);
    expect(desk.calls.filter((c) => c.startsWith('update') || c.startsWith('comment '))).toEqual([]);
    expect(out).toContain('(this is the first ticket)');
    expect(script.asked.at(-1)).toBe('key: #1: action?'); // the script ran out: treated as Ctrl-C
    const keys = await (async () => {
      let seen: string[] = [];
      const keyPrompt = (async (cfg: KeyPromptConfig<string>) => ((seen = cfg.choices.map((c) => c.key)), 'quit')) as KeyPrompt;
      await walkQueue([ticket('9')], deps(new Desk(new Map([['9', ticket('9')]])), { prompts: script.prompts, keyPrompt }, []));
      return seen.join('');
    })();
    expect(keys).toBe('rnaptskbq');
  });

  it('reports a refused action and offers the same ticket again', async () => {
    const desk = new Desk(new Map([['1', ticket('1')]]));
    desk.updateTicket = async () => {
      throw Object.assign(new Error('ticket is closed'), { hint: 'reopen it first' });
    };
    const out: string[] = [];
    const result = await walkQueue([ticket('1')], deps(desk, scripted({ keys: ['s', 'q'] }), out));
    expect(result.actions).toEqual([]);
    expect(out).toContain('✗ ticket is closed (reopen it first)');
  });
});

describe('ticket card and summary', () => {
  it('shows the header, SLA, urgency with reasons, mood and latest messages', async () => {
    const t = ticket('42', { channel: 'chat', priority: 'high', createdAt: ago(600), customFields: { tier: 'vip' }, subject: 'Site down' });
    const comments: Comment[] = [
      { id: '1', ticketId: '42', author: t.requester, authorRole: 'customer', public: true, body: 'Your site is down. Unacceptable!', createdAt: ago(600) },
      { id: '2', ticketId: '42', author: me, authorRole: 'agent', public: false, body: 'Checking with ops', createdAt: ago(300) },
    ];
    const card = renderCard({ ticket: t, comments, score: scoreTicket(t, comments, { now: NOW, analyze }), position: 1, total: 7, now: NOW, color: plain, width: 80 });
    const lines = card.split('\n');
    expect(lines[1]).toBe('[1/7] #42 Site down');
    expect(lines[2]).toBe('open · high · chat · from Cam Customer <cam@example.com> · tier vip');
    expect(card).toContain('SLA      breached 9m ago');
    expect(card).toMatch(/Urgency  \d+ critical  priority high \(\+25\), SLA breached 9m ago \(\+25\)/);
    expect(card).toMatch(/Mood {5}negative, \d+% unhappy: .*unacceptable/);
    expect(card).toContain('Alex Rivera (internal note) 5m ago');
    expect(card).toContain('    Your site is down. Unacceptable!');
    expect(renderSummary([{ ticketId: '42', action: 'assign', detail: 'Grace' }], 3, 7, plain)).toBe(
      'Triage summary: 3 of 7 tickets seen, 1 changed, 1 action\n  #42 assign: Grace',
    );
  });

  it('fits a narrow terminal: long header, urgency reasons and messages wrap between words', () => {
    const t = ticket('43', {
      channel: 'chat',
      priority: 'high',
      createdAt: ago(600),
      customFields: { tier: 'premium' },
      subject: 'Refund for order ORD-136579',
      requester: { id: 'c9', name: 'Kenji Fischer-Yamamoto', email: 'kenji.fischer-yamamoto@example.co.uk', role: 'customer' },
    });
    const body = 'Please refund order ORD-136579. The item was not what was described on the website and I would like my money back today.';
    const comments: Comment[] = [{ id: '1', ticketId: '43', author: t.requester, authorRole: 'customer', public: true, body, createdAt: ago(600) }];
    const card = renderCard({ ticket: t, comments, score: scoreTicket(t, comments, { now: NOW, analyze }), position: 1, total: 7, now: NOW, color: plain, width: 60 });
    for (const line of card.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    // the reasons continue under the label, not at the margin
    const urgency = card.split('\n').findIndex((l) => l.startsWith('Urgency'));
    expect(card.split('\n')[urgency + 1]).toMatch(/^ {9}\S/);
    // the message loses no word
    expect(card.replace(/\s+/g, ' ')).toContain(body);
  });
});

describe('tickets list helpers', () => {
  it('parses --sla and sorts the most pressing first by default', async () => {
    expect(parseSlaFlag('breached,at-risk')).toEqual(['breached', 'at_risk']);
    expect(parseSlaFlag(undefined)).toBeUndefined();
    expect(() => parseSlaFlag('late')).toThrow("invalid --sla 'late'");
    const a = ticket('1', { channel: 'chat', createdAt: ago(7200) }); // breached long ago
    const b = ticket('2', { channel: 'email', createdAt: ago(22 * 3600) }); // at risk
    const c = ticket('3', { channel: 'email', createdAt: ago(600), priority: 'urgent' }); // SLA ok, but urgent
    const scores = new Map([a, b, c].map((t) => [t.id, scoreTicket(t, undefined, { now: NOW, analyze })]));
    const cmp = triageCompare(scores);
    const desc = (field: 'sla' | 'urgency') => [a, b, c].sort((x, y) => -cmp(field, x, y)).map((t) => t.id);
    expect(desc('sla')).toEqual(['1', '2', '3']);
    // chat breached 2h: 10 + 25 + 15 wait + 10 chat = 60; urgent email: 40; email at risk: 10 + 15 + 7 = 32
    expect([a, b, c].map((t) => scores.get(t.id)!.urgency.score)).toEqual([60, 32, 40]);
    expect(desc('urgency')).toEqual(['1', '3', '2']);
  });
});
