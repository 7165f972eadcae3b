import type { ChalkInstance } from 'chalk';
import { PRIORITIES, type Comment, type Person, type Priority, type Ticket } from '../domain/model.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import type { Template } from '../templates/index.js';
import type { SentimentAnalyzer } from './sentiment.js';
import type { SlaTargets } from './sla.js';
import type { TriageJournal } from './store.js';
import { scoreTicket, type TicketScore } from './urgency.js';
import { truncate, wrapText } from '../output/formatters.js';
import { renderCard, type WalkAction } from './view.js';
import { keyPrompt, type KeyPrompt } from './key-prompt.js';

type Prompts = typeof import('@inquirer/prompts');

/**
 * The interactive walk: one ticket at a time, most urgent first, one key per action. The next
 * ticket (fresh copy + conversation) is fetched while the user reads the current one. Every action
 * goes through the provider and is recorded in the triage log.
 */
export interface WalkDeps {
  provider: HelpdeskProvider;
  prompts: Prompts;
  /** The one-keypress action prompt (default: the real terminal prompt; tests inject a script). */
  keyPrompt?: KeyPrompt;
  print(text: string): void;
  color: ChalkInstance;
  width: number;
  now: () => Date;
  targets: SlaTargets;
  analyze: SentimentAnalyzer;
  journal: TriageJournal;
  session: string;
  me: Person | null;
  /** Public (reply) and private (note) templates available. */
  templates(): Promise<Template[]>;
  renderTemplate(t: Template, ticket: Ticket, comments: Comment[]): Promise<string>;
  sendTemplate(t: Template, ticket: Ticket, comments: Comment[]): Promise<Ticket>;
  /** Snooze via follow-ups: schedules a reopen at `when` and returns a description; absent when follow-ups are not available. */
  snooze?: (ticket: Ticket, when: string) => Promise<{ ticket: Ticket; text: string }>;
}

interface Loaded {
  ticket: Ticket;
  comments: Comment[];
  score: TicketScore;
}

type Letter = 'r' | 'n' | 'a' | 'p' | 't' | 'z' | 's' | 'k' | 'b' | 'q';
type Key = 'reply' | 'note' | 'assign' | 'priority' | 'tags' | 'snooze' | 'solve' | 'skip' | 'back' | 'quit';

export interface WalkResult {
  actions: WalkAction[];
  seen: number;
}

const isExit = (e: unknown) => (e as Error)?.name === 'ExitPromptError' || (e as Error)?.name === 'AbortPromptError';

export async function walkQueue(queue: readonly Ticket[], deps: WalkDeps): Promise<WalkResult> {
  const { prompts, color: c } = deps;
  const askKey = deps.keyPrompt ?? keyPrompt;
  const cache = new Map<number, Promise<Loaded>>();
  const load = (i: number): Promise<Loaded> => {
    let p = cache.get(i);
    if (!p) {
      const id = queue[i]!.id;
      p = Promise.all([deps.provider.getTicket(id), deps.provider.listComments(id)]).then(([ticket, comments]) => ({
        ticket,
        comments,
        score: scoreTicket(ticket, comments, { now: deps.now(), targets: deps.targets, analyze: deps.analyze }),
      }));
      p.catch(() => cache.delete(i));
      cache.set(i, p);
    }
    return p;
  };
  const actions: WalkAction[] = [];
  const seen = new Set<number>();
  const record = async (ticket: Ticket, action: string, detail: string, data?: unknown) => {
    actions.push({ ticketId: ticket.id, action, detail });
    await deps.journal.log({ at: deps.now(), source: 'walk', session: deps.session, ticketId: ticket.id, action, detail: data ?? detail });
    deps.print(c.green(`✓ ${action}: ${detail}`));
  };

  type Choice = { key: Letter; name: string; value: Key };
  const choices: Choice[] = [
    { key: 'r', name: 'reply with a template', value: 'reply' as Key },
    { key: 'n', name: 'internal note', value: 'note' as Key },
    { key: 'a', name: 'assign', value: 'assign' as Key },
    ...(deps.provider.capabilities.priority ? [{ key: 'p', name: 'set priority', value: 'priority' } as Choice] : []),
    ...(deps.provider.capabilities.tags ? [{ key: 't', name: 'add/remove tags', value: 'tags' } as Choice] : []),
    ...(deps.snooze ? [{ key: 'z', name: 'snooze (follow up later)', value: 'snooze' } as Choice] : []),
    { key: 's', name: 'solve', value: 'solve' as Key },
    { key: 'k', name: 'skip to the next ticket', value: 'skip' as Key },
    { key: 'b', name: 'back to the previous ticket', value: 'back' as Key },
    { key: 'q', name: 'quit', value: 'quit' as Key },
  ];

  let i = 0;
  let showCard = true;
  walk: while (i >= 0 && i < queue.length) {
    let current: Loaded;
    try {
      current = await load(i);
    } catch (e) {
      deps.print(c.yellow(`#${queue[i]!.id}: could not be loaded (${(e as Error).message}); skipping`));
      i++;
      continue;
    }
    seen.add(i);
    if (i + 1 < queue.length) void load(i + 1).catch(() => undefined); // prefetch while the user reads
    if (showCard) {
      deps.print(renderCard({ ...current, position: i + 1, total: queue.length, now: deps.now(), color: c, width: deps.width }));
    }
    showCard = true;
    let key: Key;
    try {
      key = await askKey({ message: `#${current.ticket.id}: action?`, choices, default: 'k' });
    } catch (e) {
      if (isExit(e)) break;
      throw e;
    }
    const t = current.ticket;
    const stay = (ticket: Ticket) => {
      // same ticket, updated: re-score, keep the conversation, prompt again without the full card
      const fresh: Loaded = { ticket, comments: current.comments, score: scoreTicket(ticket, current.comments, { now: deps.now(), targets: deps.targets, analyze: deps.analyze }) };
      cache.set(i, Promise.resolve(fresh));
      showCard = false;
    };
    try {
      switch (key) {
        case 'quit':
          break walk;
        case 'skip':
          i++;
          break;
        case 'back':
          if (i === 0) {
            deps.print(c.dim('(this is the first ticket)'));
            showCard = false;
          } else {
            cache.delete(i - 1); // re-read: it may have changed
            i--;
          }
          break;
        case 'reply':
        case 'note': {
          const pub = key === 'reply';
          const available = (await deps.templates()).filter((x) => x.public === pub);
          let body: string | undefined;
          let template: Template | undefined;
          if (pub || available.length) {
            const choice = await prompts.select<string>({
              message: pub ? 'Reply with which template?' : 'Note from a template, or write one?',
              choices: [
                ...(pub ? [] : [{ name: 'write a note', value: '' }]),
                ...available.map((x) => ({ name: truncate(x.description ? `${x.name} — ${x.description}` : x.name, Math.max(30, deps.width - 4)), short: x.name, value: x.name })),
                { name: 'cancel', value: '\u0000cancel' },
              ],
              pageSize: 12,
            });
            if (choice === '\u0000cancel') {
              showCard = false;
              break;
            }
            template = available.find((x) => x.name === choice);
          }
          if (template) {
            body = await deps.renderTemplate(template, t, current.comments);
            deps.print(`${c.bold(pub ? 'Reply preview' : 'Note preview')} ${c.dim(`(${template.name})`)}\n${wrapText(body, Math.min(deps.width, 100), '┆ ').split('\n').map((l) => `${c.dim('┆')}${l.slice(1)}`).join('\n')}`);
            const ok = await prompts.confirm({ message: pub ? `Send this reply to #${t.id}?` : `Add this note to #${t.id}?`, default: true });
            if (!ok) {
              showCard = false;
              break;
            }
            const updated = await deps.sendTemplate(template, t, current.comments);
            await record(updated, pub ? 'reply' : 'note', `template ${template.name}`, { template: template.name });
            if (pub) i++;
            else stay(updated);
          } else {
            const text = await prompts.input({ message: 'Note (internal):' });
            if (!text.trim()) {
              showCard = false;
              break;
            }
            await deps.provider.addComment(t.id, { body: text.trim(), public: false });
            await record(t, 'note', text.trim().length > 50 ? `${text.trim().slice(0, 49)}…` : text.trim(), { text: text.trim() });
            stay(t);
          }
          break;
        }
        case 'assign': {
          const agents = (await deps.provider.listAgents()).filter((a) => a.id !== deps.me?.id).sort((a, b) => a.name.localeCompare(b.name));
          const target = await prompts.select<string>({
            message: `Assign #${t.id} to`,
            choices: [
              ...(deps.me ? [{ name: `me (${deps.me.name})`, value: deps.me.id }] : []),
              ...agents.map((a) => ({ name: `${a.name}${a.group ? ` — ${a.group}` : ''}`, value: a.id })),
              ...(t.assignee ? [{ name: 'nobody (unassign)', value: '\u0000none' }] : []),
              { name: 'cancel', value: '\u0000cancel' },
            ],
            pageSize: 12,
          });
          if (target === '\u0000cancel') {
            showCard = false;
            break;
          }
          const assigneeId = target === '\u0000none' ? null : target;
          if ((t.assignee?.id ?? null) === assigneeId) {
            deps.print(c.dim('(already assigned so)'));
            showCard = false;
            break;
          }
          const updated = await deps.provider.updateTicket(t.id, { assigneeId });
          await record(updated, 'assign', updated.assignee?.name ?? 'nobody', { from: t.assignee?.id ?? null, to: assigneeId });
          stay(updated);
          break;
        }
        case 'priority': {
          const p = await prompts.select<Priority>({
            message: `Priority of #${t.id}`,
            choices: PRIORITIES.map((x) => ({ name: x === t.priority ? `${x} (current)` : x, value: x })),
            default: t.priority,
          });
          if (p === t.priority) {
            showCard = false;
            break;
          }
          const updated = await deps.provider.updateTicket(t.id, { priority: p });
          await record(updated, 'priority', `${t.priority} → ${p}`, { from: t.priority, to: p });
          stay(updated);
          break;
        }
        case 'tags': {
          const raw = await prompts.input({ message: `Tags (${t.tags.join(' ') || 'none'}): +tag to add, -tag to remove` });
          const words = raw.split(/[\s,]+/).filter(Boolean);
          const has = new Set(t.tags);
          const addTags = words.filter((w) => !w.startsWith('-')).map((w) => w.replace(/^\+/, '')).filter((w) => w && !has.has(w));
          const removeTags = words.filter((w) => w.startsWith('-')).map((w) => w.slice(1)).filter((w) => has.has(w));
          if (!addTags.length && !removeTags.length) {
            deps.print(c.dim('(no tag change)'));
            showCard = false;
            break;
          }
          const updated = await deps.provider.updateTicket(t.id, { addTags, removeTags });
          await record(updated, 'tags', [...addTags.map((x) => `+${x}`), ...removeTags.map((x) => `-${x}`)].join(' '), { addTags, removeTags });
          stay(updated);
          break;
        }
        case 'snooze': {
          const when = await prompts.input({ message: 'Snooze until (e.g. 2d, 4h, tomorrow 9am, next monday):' });
          if (!when.trim()) {
            showCard = false;
            break;
          }
          const res = await deps.snooze!(t, when.trim());
          await record(res.ticket, 'snooze', res.text, { until: when.trim() });
          i++;
          break;
        }
        case 'solve': {
          const updated = await deps.provider.updateTicket(t.id, { status: 'solved' });
          await record(updated, 'solve', `${t.status} → solved`, { from: t.status });
          i++;
          break;
        }
      }
    } catch (e) {
      if (isExit(e)) break;
      // a refused action (bad date, API error) is reported and the same ticket is offered again
      deps.print(c.red(`✗ ${(e as Error).message}${(e as { hint?: string }).hint ? ` (${(e as { hint?: string }).hint})` : ''}`));
      showCard = false;
    }
  }
  if (i >= queue.length) deps.print(c.dim('End of the queue.'));
  return { actions, seen: seen.size };
}
