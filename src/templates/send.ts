import type { Comment, Ticket, TicketPatch } from '../domain/model.js';
import { UsageError } from '../errors.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import { isEmptyPatch, resolvePatch } from '../tickets/service.js';
import { renderTemplate, templateNeedsComments } from './render.js';
import type { RenderInput, Template, TemplateActions } from './types.js';

const patchCache = new WeakMap<HelpdeskProvider, Map<string, Promise<TicketPatch>>>();

/** Checks that the helpdesk can do what a template asks (priority, tags, internal notes). */
export function checkTemplateSupport(t: Pick<Template, 'name' | 'public' | 'actions'>, provider: HelpdeskProvider): void {
  const caps = provider.capabilities;
  const why = (what: string) => new UsageError(`template '${t.name}' ${what}, but ${provider.displayName} has no such thing`, `remove it from the template's front matter`);
  if (t.actions.priority && !caps.priority) throw why(`sets priority '${t.actions.priority}'`);
  if ((t.actions.addTags?.length || t.actions.removeTags?.length) && !caps.tags) throw why('changes tags');
  if (!t.public && !caps.internalNotes) throw why('is an internal note (public: false)');
}

export { isEmptyPatch };

/** Turns template actions into a ticket patch, resolving the assignee reference (me, name, email, id, none). */
export async function templateActionsToPatch(actions: TemplateActions, provider: HelpdeskProvider): Promise<TicketPatch> {
  const key = JSON.stringify(actions);
  let perProvider = patchCache.get(provider);
  if (!perProvider) patchCache.set(provider, (perProvider = new Map()));
  let p = perProvider.get(key);
  if (!p) {
    p = resolvePatch(provider, {
      status: actions.status,
      priority: actions.priority,
      addTags: actions.addTags?.length ? [...actions.addTags] : undefined,
      removeTags: actions.removeTags?.length ? [...actions.removeTags] : undefined,
      assignee: actions.assignee?.trim() || undefined,
    }).then((patch) => Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as TicketPatch);
    p.catch(() => perProvider!.delete(key));
    perProvider.set(key, p);
  }
  return p;
}

/** Renders, adds the comment (public per template), applies the actions. Used by bulk, follow-ups and triage. */
export async function sendTemplate(
  provider: HelpdeskProvider,
  ticket: Ticket,
  t: Template,
  input: Omit<RenderInput, 'ticket'>,
): Promise<{ body: string; comment: Comment; ticket: Ticket }> {
  checkTemplateSupport(t, provider);
  let comments = input.comments;
  if (!comments && (await templateNeedsComments(t))) comments = await provider.listComments(ticket.id);
  const body = await renderTemplate(t, { ...input, comments, ticket });
  const patch = await templateActionsToPatch(t.actions, provider);
  const comment = await provider.addComment(ticket.id, { body, public: t.public });
  const updated = isEmptyPatch(patch) ? ticket : await provider.updateTicket(ticket.id, patch);
  return { body, comment, ticket: updated };
}
