import { readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import type { Comment, Person, Ticket } from '../domain/model.js';
import { UsageError } from '../errors.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import type { Template } from '../templates/index.js';
import { resolveRuleAssignees, type CommentRenderer } from './apply.js';
import type { ResolvedAssignee } from './plan.js';
import { rulesError, templateOf, type RuleSet } from './rules.js';

/** The edges of triage: reading the rules file, templates, and the helpdesk, for the command. */

export interface LoadedRules {
  set: RuleSet;
  assignees: Map<string, ResolvedAssignee>;
  templates: Map<string, Template>;
  /** References the helpdesk does not know (a group that does not exist): said before anything is applied. */
  warnings: string[];
}

/** Reads a rules file (usage error when unreadable). */
export function readRulesFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --rules ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`, 'start from examples/triage-rules.yaml');
  }
}

/**
 * Checks parsed rules against the helpdesk: templates exist and fit (a reply needs a
 * public template), the helpdesk can do what the actions ask, agents exist. Every problem is a
 * usage error naming the line; nothing has been changed at that point.
 */
export async function loadRules(ctx: Context, provider: HelpdeskProvider, set: RuleSet): Promise<LoadedRules> {
  const file = set.file;
  const { loadTemplate, templateDirs, checkTemplateSupport } = await import('../templates/index.js');
  const dirs = templateDirs(ctx);
  const templates = new Map<string, Template>();
  const caps = provider.capabilities;
  for (const [i, rule] of set.rules.entries()) {
    const at = (...path: (string | number)[]) => set.lineOf(['rules', i, 'then', ...path]);
    const fail = (path: string, message: string, hint?: string) => {
      throw rulesError(file, at(path), `rule '${rule.name}': ${message}`, hint);
    };
    const a = rule.then;
    if (a.priority !== undefined && !caps.priority) fail('priority', `${provider.displayName} has no priority field`, 'remove the priority action for this profile');
    if ((a.addTags || a.removeTags) && !caps.tags) fail(a.addTags ? 'addTags' : 'removeTags', `${provider.displayName} has no tags`, 'remove the tag actions for this profile');
    if (a.group !== undefined && !caps.groups) fail('group', `${provider.displayName} has no groups`, 'remove the group action for this profile');
    if (a.note !== undefined && !caps.internalNotes) fail('note', `${provider.displayName} has no internal notes`, 'remove the note action for this profile');
    for (const kind of ['reply', 'note'] as const) {
      const name = templateOf(a[kind]);
      if (!name) continue;
      let t = templates.get(name);
      if (!t) {
        try {
          t = await loadTemplate(name, dirs);
          checkTemplateSupport(t, provider);
        } catch (e) {
          fail(kind, (e as Error).message, (e as { hint?: string }).hint ?? "see 'deskctl templates list'");
        }
        templates.set(name, t!);
      }
      if (kind === 'reply' && !t!.public) fail('reply', `template '${name}' is an internal note (public: false)`, `use note: ${name}`);
    }
  }
  const assignees = await resolveRuleAssignees(set, provider);
  const warnings: string[] = [];
  if (caps.groups) {
    const { missingGroup } = await import('../tickets/service.js');
    for (const rule of set.rules) {
      if (typeof rule.then.group !== 'string') continue;
      const missing = await missingGroup(provider, rule.then.group);
      if (missing) warnings.push(`rule '${rule.name}': ${missing.message}, so its tickets cannot move there (${missing.hint})`);
    }
  }
  return { set, assignees, templates, warnings };
}

export interface RenderContext {
  provider: HelpdeskProvider;
  agent: Person | null;
  signature?: string;
  now: () => Date;
}

/** Renders a template for a ticket the way bulk and follow-ups do (strict; conversation read only when used). */
export async function renderFor(t: Template, ticket: Ticket, rc: RenderContext, comments?: Comment[]): Promise<string> {
  const { renderTemplate, templateNeedsComments } = await import('../templates/index.js');
  const conversation = comments ?? ((await templateNeedsComments(t)) ? await rc.provider.listComments(ticket.id) : undefined);
  return renderTemplate(t, { ticket, comments: conversation, agent: rc.agent, signature: rc.signature, now: rc.now() });
}

/**
 * The renderer `triage apply` uses: a reply/note from a template (a note is always private), or
 * a fixed note text. After a template is sent its own actions (front matter) are applied.
 */
export function commentRenderer(rc: RenderContext, templates: ReadonlyMap<string, Template>): CommentRenderer {
  return async (change, ticket) => {
    if (change.kind === 'note' && !change.template) return { body: change.text ?? '', public: false };
    const t = templates.get(change.template!)!;
    const body = await renderFor(t, ticket, rc);
    return {
      body,
      public: change.kind === 'reply',
      after: async (current) => {
        const { templateActionsToPatch, isEmptyPatch } = await import('../templates/index.js');
        const patch = await templateActionsToPatch(t.actions, rc.provider);
        return isEmptyPatch(patch) ? current : rc.provider.updateTicket(current.id, patch);
      },
    };
  };
}

/** Describes a template's own actions for previews: "then status → open, +refunded". */
export function templateEffects(t: Template | undefined): string {
  if (!t) return '';
  const a = t.actions;
  const parts: string[] = [];
  if (a.status) parts.push(`status → ${a.status}`);
  if (a.priority) parts.push(`priority → ${a.priority}`);
  for (const x of a.addTags ?? []) parts.push(`+${x}`);
  for (const x of a.removeTags ?? []) parts.push(`-${x}`);
  if (a.assignee) parts.push(`assign to ${a.assignee}`);
  return parts.length ? ` (then ${parts.join(', ')})` : '';
}
