import { resolveAgentRef } from '../domain/agents.js';
import type { SendGuardSession } from '../store/repeats.js';
import type { Comment, Person, Ticket } from '../domain/model.js';
import { UNASSIGNED } from '../domain/query.js';
import { ApiError, NotFoundError, type DeskctlError } from '../errors.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import { applyChanges, type ChangeOutcome } from '../tickets/changes.js';
import { applyChangesLocally, changesToPatch, commentRef, planTicket, type Change, type CommentChange, type PlanContext, type ResolvedAssignee, type TicketPlan } from './plan.js';
import { needsConversation, rulesError, ticketNeedsConversation, type RuleSet, type TicketFacts } from './rules.js';
import type { SentimentAnalyzer } from './sentiment.js';
import type { SlaTargets } from './sla.js';
import { bodyHash, sentKey, type TriageJournal } from './store.js';
import { scoreTicket } from './urgency.js';

/** Runs `fn` over items with at most `limit` calls in flight; results keep the input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Resolves every rule's `assignee:` against the helpdesk's agents; an unknown agent is a usage error naming the line. */
export async function resolveRuleAssignees(set: RuleSet, provider: HelpdeskProvider): Promise<Map<string, ResolvedAssignee>> {
  const out = new Map<string, ResolvedAssignee>();
  const withAssignee = set.rules.map((r, i) => ({ r, i })).filter(({ r }) => r.then.assignee !== undefined);
  if (!withAssignee.length) return out;
  const needAgents = withAssignee.some(({ r }) => r.then.assignee !== null && !['none', 'unassigned'].includes(r.then.assignee!.toLowerCase()));
  const agents: Person[] = needAgents ? await provider.listAgents() : [];
  const me = withAssignee.some(({ r }) => r.then.assignee?.toLowerCase() === 'me') ? await provider.currentAgent() : null;
  for (const { r, i } of withAssignee) {
    const ref = r.then.assignee;
    if (ref === null || ref === undefined) {
      out.set(r.name, null);
      continue;
    }
    try {
      const id = resolveAgentRef(ref, agents, me);
      const agent = agents.find((a) => a.id === id) ?? (me?.id === id ? me : undefined);
      out.set(r.name, id === UNASSIGNED ? null : { id, name: agent?.name ?? id });
    } catch (e) {
      const err = e as DeskctlError;
      throw rulesError(set.file, set.lineOf(['rules', i, 'then', 'assignee']), `rule '${r.name}': ${err.message}`, err.hint);
    }
  }
  return out;
}

export interface PlanDeps {
  provider: HelpdeskProvider;
  journal: Pick<TriageJournal, 'sentStates'>;
  now: Date;
  targets?: SlaTargets;
  analyze: SentimentAnalyzer;
  assignees: ReadonlyMap<string, ResolvedAssignee>;
  concurrency?: number;
}

export interface RulesPlan {
  plans: TicketPlan[];
  /** Tickets whose result would change again on a second run (rules that undo each other). */
  unstable: { ticketId: string; changes: Change[] }[];
}

/** Scores the tickets (reading conversations only when a rule needs them) and plans each one. */
export async function planRules(set: RuleSet, tickets: readonly Ticket[], deps: PlanDeps): Promise<RulesPlan> {
  const withComments = needsConversation(set.rules);
  const sent = await deps.journal.sentStates(tickets.map((t) => t.id));
  const ctx: PlanContext = {
    assignees: deps.assignees,
    alreadySent: (rule, ticketId, kind, ref) => sent.get(sentKey(rule, ticketId, kind, ref)) === 'sent',
  };
  const scoreOpts = { now: deps.now, targets: deps.targets, analyze: deps.analyze };
  const unstable: RulesPlan['unstable'] = [];
  const plans = await mapPool(tickets, deps.concurrency ?? 4, async (ticket) => {
    const needs = withComments && ticketNeedsConversation(set.rules, { ticket, now: deps.now, score: scoreTicket(ticket, undefined, scoreOpts) }, set.tierField);
    const comments = needs ? await deps.provider.listComments(ticket.id) : undefined;
    const facts: TicketFacts = { ticket, comments, now: deps.now, score: scoreTicket(ticket, comments, scoreOpts) };
    const plan = planTicket(set, facts, ctx);
    if (plan.changes.length) {
      // would a second run change the ticket again? (rules whose actions trigger a rule that undoes them)
      const after = applyChangesLocally(ticket, plan.changes);
      const planned = new Set(plan.changes.filter(isComment).map((c) => `${c.rule}\u0000${c.kind}\u0000${commentRef(c)}`));
      const again = planTicket(
        set,
        { ticket: after, comments, now: deps.now, score: scoreTicket(after, comments, scoreOpts) },
        { ...ctx, alreadySent: (rule, id, kind, ref) => planned.has(`${rule}\u0000${kind}\u0000${ref}`) || ctx.alreadySent(rule, id, kind, ref) },
      );
      if (again.changes.length) unstable.push({ ticketId: ticket.id, changes: again.changes });
    }
    return plan;
  });
  return { plans, unstable };
}

const isComment = (c: Change): c is CommentChange => c.kind === 'reply' || c.kind === 'note';

/** Renders a reply/note for a ticket. The command wires it to the templates module. */
export type CommentRenderer = (change: CommentChange, ticket: Ticket) => Promise<{ body: string; public: boolean; after?: (t: Ticket) => Promise<Ticket> }>;

export interface ExecuteDeps {
  provider: HelpdeskProvider;
  journal: TriageJournal;
  render: CommentRenderer;
  now: () => Date;
  session: string;
  concurrency?: number;
  onTicketDone?: (result: ExecResult) => void;
  /** The sent ledger: a reply/note the ticket already got (from any deskctl command) is not sent again. */
  ledger?: SendGuardSession;
}

export interface ExecResult {
  ticketId: string;
  rules: string[];
  applied: Change[];
  /** Changes found already done on the helpdesk (a reply an interrupted run had sent). */
  alreadyDone: Change[];
  /** Changes the helpdesk refused, each with its reason; the ticket's other changes were still attempted. */
  failed: { change: Change; error: string }[];
  /** Set when something failed: the reasons, one line (or why the ticket could not be changed at all). */
  error?: string;
}

/** The field change a per-change outcome of applyChanges is about. */
const outcomeFor = (c: Change, outcomes: readonly ChangeOutcome[]): ChangeOutcome | undefined =>
  outcomes.find((o) => {
    switch (c.kind) {
      case 'addTag':
      case 'removeTag':
        return o.change === c.kind && o.value === c.tag;
      case 'priority':
      case 'status':
      case 'assignee':
      case 'group':
        return o.change === c.kind;
      default:
        return false;
    }
  });

/**
 * Applies plans: the field changes (one update; when the helpdesk refuses it, each change on its own), then
 * each reply/note, journaled before the call and confirmed after. A refused change is reported with its
 * reason and does not stop the ticket's other changes; the triage log records only what was applied.
 */
export async function executePlans(plans: readonly TicketPlan[], deps: ExecuteDeps): Promise<ExecResult[]> {
  const todo = plans.filter((p) => p.changes.length);
  return mapPool(todo, deps.concurrency ?? 4, async (plan) => {
    const result: ExecResult = { ticketId: plan.ticket.id, rules: plan.rules, applied: [], alreadyDone: [], failed: [] };
    const fail = (change: Change, e: unknown) => result.failed.push({ change, error: (e as Error)?.message?.split('\n')[0] ?? String(e) });
    try {
      let ticket = plan.ticket;
      const fieldChanges = plan.changes.filter((c) => !isComment(c));
      if (fieldChanges.length) {
        const done = await applyChanges(deps.provider, ticket.id, changesToPatch(fieldChanges));
        const applied: Change[] = [];
        for (const c of fieldChanges) {
          const o = outcomeFor(c, done.changes);
          if (o?.outcome === 'applied') applied.push(c);
          else fail(c, new Error(o?.error ?? 'not applied'));
        }
        result.applied.push(...applied);
        if (applied.length) await deps.journal.log({ at: deps.now(), source: 'apply', session: deps.session, ticketId: ticket.id, action: 'update', detail: applied });
        if (done.ticket) ticket = done.ticket;
      }
      let conversation: Comment[] | undefined;
      for (const c of plan.changes.filter(isComment)) {
        try {
          const ref = commentRef(c);
          const rendered = await deps.render(c, ticket);
          const hash = bodyHash(rendered.body);
          const previous = await deps.journal.sentState(c.rule, ticket.id, c.kind, ref);
          if (previous?.state === 'pending') {
            // an earlier run stopped between journaling and confirming: look before sending again
            conversation ??= await deps.provider.listComments(ticket.id);
            const found = conversation.find((x) => x.authorRole !== 'customer' && bodyHash(x.body) === (previous.bodyHash ?? hash));
            if (found) {
              await deps.journal.markSent(c.rule, ticket.id, c.kind, ref, found.id, deps.now());
              result.alreadyDone.push(c);
              continue;
            }
          }
          const message = { ticketId: ticket.id, template: c.template ?? null, body: rendered.body, public: rendered.public };
          if (await deps.ledger?.beforeSend(message, { sourceId: c.rule })) {
            result.alreadyDone.push(c);
            continue;
          }
          await deps.journal.markPending(c.rule, ticket.id, c.kind, ref, hash, deps.now());
          let comment: Comment;
          try {
            comment = await deps.provider.addComment(ticket.id, { body: rendered.body, public: rendered.public });
          } catch (e) {
            // a definite refusal means nothing was posted: allow the next run to try again
            if (e instanceof NotFoundError || (e instanceof ApiError && e.status !== undefined && e.status >= 400 && e.status < 500)) {
              await deps.journal.clearPending(c.rule, ticket.id, c.kind, ref);
            }
            throw e;
          }
          await deps.journal.markSent(c.rule, ticket.id, c.kind, ref, comment.id, deps.now());
          await deps.ledger?.afterSend(message, c.rule, comment.id);
          await deps.journal.log({ at: deps.now(), source: 'apply', session: deps.session, ticketId: ticket.id, action: c.kind, detail: { rule: c.rule, ref, commentId: comment.id } });
          result.applied.push(c);
          if (rendered.after) ticket = await rendered.after(ticket);
        } catch (e) {
          fail(c, e);
        }
      }
    } catch (e) {
      // the ticket itself could not be changed (not found, no permission): nothing of it was applied
      result.error = (e as Error).message;
    }
    if (result.failed.length && !result.error) result.error = result.failed.map((f) => f.error).filter((x, i, a) => a.indexOf(x) === i).join('; ');
    deps.onTicketDone?.(result);
    return result;
  });
}
