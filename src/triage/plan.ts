import type { Person, Priority, Status, Ticket, TicketPatch } from '../domain/model.js';
import { PRIORITY_RANK } from '../domain/query.js';
import { matchingRules, templateOf, type Rule, type RuleSet, type TicketFacts } from './rules.js';

/**
 * Turning matched rules into changes: the rules' actions are merged (in all-match mode the first
 * rule that sets a field wins: the file is in order of importance), then compared with the ticket so that only real differences are planned. That is what
 * makes `triage apply` idempotent: a second run finds nothing to change. Replies and notes are
 * planned only when the journal says this rule has not sent them to this ticket yet.
 */
export type Change =
  | { kind: 'priority'; rule: string; from: Priority; to: Priority }
  | { kind: 'status'; rule: string; from: Status; to: Status }
  | { kind: 'assignee'; rule: string; from: string | null; fromName: string | null; to: string | null; toName: string | null }
  | { kind: 'group'; rule: string; from: string | null; to: string | null }
  | { kind: 'addTag'; rule: string; tag: string }
  | { kind: 'removeTag'; rule: string; tag: string }
  | { kind: 'reply'; rule: string; template: string }
  | { kind: 'note'; rule: string; template?: string; text?: string };

export type CommentChange = Extract<Change, { kind: 'reply' | 'note' }>;

export interface TicketPlan {
  ticket: Ticket;
  /** Names of the rules that matched, in order. */
  rules: string[];
  /** What would change (empty when the ticket already is as the rules want). */
  changes: Change[];
}

/** An assignee action resolved against the helpdesk's agents: null = unassign. */
export type ResolvedAssignee = { id: string; name: string } | null;

export interface PlanContext {
  /** Rule name -> resolved assignee, for rules with an assignee action. */
  assignees: ReadonlyMap<string, ResolvedAssignee>;
  /** Was this reply/note already sent by this rule to this ticket (journal)? */
  alreadySent(rule: string, ticketId: string, kind: 'reply' | 'note', ref: string): boolean;
}

/** The key under which a reply/note is journaled: the template name, or "text:" + the fixed text. */
export function commentRef(c: CommentChange): string {
  if (c.kind === 'reply') return c.template;
  return c.template ?? `text:${c.text ?? ''}`;
}

const sameGroup = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** Changes the actions of `rules` make to `ticket`, no-ops removed. Pure. */
export function planActions(ticket: Ticket, rules: readonly Rule[], ctx: PlanContext): Change[] {
  let priority: { to: Priority; rule: string; raise: boolean } | undefined;
  let status: { to: Status; rule: string } | undefined;
  let assignee: { to: ResolvedAssignee; rule: string } | undefined;
  let group: { to: string | null; rule: string } | undefined;
  const tags = new Map<string, { tag: string; op: 'add' | 'remove'; rule: string }>();
  const comments: CommentChange[] = [];

  // earlier rules win where rules disagree (the file is in order of importance)
  for (const rule of rules) {
    const a = rule.then;
    if (a.priority !== undefined) priority ??= { to: a.priority, rule: rule.name, raise: false };
    if (a.raisePriority !== undefined) priority ??= { to: a.raisePriority, rule: rule.name, raise: true };
    if (a.status !== undefined) status ??= { to: a.status, rule: rule.name };
    if (a.assignee !== undefined) {
      if (!ctx.assignees.has(rule.name)) throw new Error(`assignee of rule '${rule.name}' was not resolved`);
      assignee ??= { to: ctx.assignees.get(rule.name)!, rule: rule.name };
    }
    if (a.group !== undefined) group ??= { to: a.group, rule: rule.name };
    for (const t of a.addTags ?? []) if (!tags.has(t.toLowerCase())) tags.set(t.toLowerCase(), { tag: t, op: 'add', rule: rule.name });
    for (const t of a.removeTags ?? []) if (!tags.has(t.toLowerCase())) tags.set(t.toLowerCase(), { tag: t, op: 'remove', rule: rule.name });
    const reply = templateOf(a.reply);
    if (reply) comments.push({ kind: 'reply', rule: rule.name, template: reply });
    if (a.note !== undefined) {
      const template = templateOf(a.note);
      comments.push(template ? { kind: 'note', rule: rule.name, template } : { kind: 'note', rule: rule.name, text: (a.note as { text: string }).text });
    }
  }

  const changes: Change[] = [];
  if (status && status.to !== ticket.status) changes.push({ kind: 'status', rule: status.rule, from: ticket.status, to: status.to });
  if (priority && priority.to !== ticket.priority && !(priority.raise && PRIORITY_RANK[ticket.priority] >= PRIORITY_RANK[priority.to])) changes.push({ kind: 'priority', rule: priority.rule, from: ticket.priority, to: priority.to });
  if (assignee) {
    const current = ticket.assignee?.id ?? null;
    const wanted = assignee.to?.id ?? null;
    if (current !== wanted) {
      changes.push({
        kind: 'assignee',
        rule: assignee.rule,
        from: current,
        fromName: ticket.assignee ? personName(ticket.assignee) : null,
        to: wanted,
        toName: assignee.to?.name ?? null,
      });
    }
  }
  if (group && !sameGroup(group.to, ticket.group)) changes.push({ kind: 'group', rule: group.rule, from: ticket.group ?? null, to: group.to });
  const has = new Set(ticket.tags.map((t) => t.toLowerCase()));
  for (const { tag, op, rule } of tags.values()) {
    if (op === 'add' && !has.has(tag.toLowerCase())) changes.push({ kind: 'addTag', rule, tag });
    if (op === 'remove' && has.has(tag.toLowerCase())) changes.push({ kind: 'removeTag', rule, tag });
  }
  for (const c of comments) {
    if (!ctx.alreadySent(c.rule, ticket.id, c.kind, commentRef(c))) changes.push(c);
  }
  return changes;
}

/** Which rules match a ticket and what they would change. Pure. */
export function planTicket(set: Pick<RuleSet, 'rules' | 'mode' | 'tierField'>, facts: TicketFacts, ctx: PlanContext): TicketPlan {
  const rules = matchingRules(set, facts);
  return { ticket: facts.ticket, rules: rules.map((r) => r.name), changes: rules.length ? planActions(facts.ticket, rules, ctx) : [] };
}

/** The field changes of a plan as one TicketPatch (comments are sent separately). */
export function changesToPatch(changes: readonly Change[]): TicketPatch {
  const patch: TicketPatch = {};
  for (const c of changes) {
    switch (c.kind) {
      case 'priority':
        patch.priority = c.to;
        break;
      case 'status':
        patch.status = c.to;
        break;
      case 'assignee':
        patch.assigneeId = c.to;
        break;
      case 'group':
        patch.group = c.to;
        break;
      case 'addTag':
        (patch.addTags ??= []).push(c.tag);
        break;
      case 'removeTag':
        (patch.removeTags ??= []).push(c.tag);
        break;
      default:
        break;
    }
  }
  return patch;
}

/** The ticket as it would look after the field changes (for the stability check and previews). */
export function applyChangesLocally(ticket: Ticket, changes: readonly Change[]): Ticket {
  const t: Ticket = { ...ticket, tags: [...ticket.tags] };
  for (const c of changes) {
    if (c.kind === 'priority') t.priority = c.to;
    else if (c.kind === 'status') t.status = c.to;
    else if (c.kind === 'group') t.group = c.to;
    else if (c.kind === 'assignee') t.assignee = c.to ? { id: c.to, name: c.toName ?? c.to, role: 'agent' } : null;
    else if (c.kind === 'addTag') t.tags.push(c.tag);
    else if (c.kind === 'removeTag') t.tags = t.tags.filter((x) => x.toLowerCase() !== c.tag.toLowerCase());
  }
  return t;
}

const personName = (p: Person) => p.name || p.email || p.id;

/** "priority normal → urgent", "+tag vip", "reply: refund-processed". */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'priority':
      return `priority ${c.from} → ${c.to}`;
    case 'status':
      return `status ${c.from} → ${c.to}`;
    case 'assignee':
      return `assignee ${c.fromName ?? '(none)'} → ${c.toName ?? '(none)'}`;
    case 'group':
      return `group ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`;
    case 'addTag':
      return `+tag ${c.tag}`;
    case 'removeTag':
      return `-tag ${c.tag}`;
    case 'reply':
      return `reply with template ${c.template}`;
    case 'note':
      return c.template ? `internal note from template ${c.template}` : `internal note "${truncate(c.text ?? '', 40)}"`;
    default:
      return '';
  }
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
