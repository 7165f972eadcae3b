import type { Liquid, Template as LiquidTemplate } from 'liquidjs';
import type { Comment, Person, Ticket } from '../domain/model.js';
import { TemplateFileError, TemplateRenderError, type RenderInput, type Template } from './types.js';

let enginePromise: Promise<Liquid> | undefined;

/** The Liquid engine every template renders with: strict variables and filters, plain text output, no file access. */
export function liquidEngine(): Promise<Liquid> {
  return (enginePromise ??= import('liquidjs').then(
    ({ Liquid }) =>
      new Liquid({
        strictVariables: true,
        strictFilters: true,
        // `{% if x %}` and `{{ x | default: "..." }}` may test for a value that is not there
        lenientIf: true,
        ownPropertyOnly: true,
        root: [],
        partials: [],
        layouts: [],
        relativeReference: false,
        cache: false,
      }),
  ));
}

const parsedCache = new Map<string, LiquidTemplate[]>();

/** Parses a template body once (keyed by file and source). Syntax errors name the file and line. */
export async function parseBody(t: Pick<Template, 'file' | 'body' | 'name'>): Promise<LiquidTemplate[]> {
  const key = `${t.file}\u0000${t.body}`;
  const hit = parsedCache.get(key);
  if (hit) return hit;
  const engine = await liquidEngine();
  try {
    const parsed = engine.parse(t.body, t.file);
    parsedCache.set(key, parsed);
    return parsed;
  } catch (err) {
    throw new TemplateFileError(t.file, `template '${t.name}': ${liquidMessage(err)}`, `run 'deskctl templates lint ${t.name}'`);
  }
}

/** liquidjs messages end with ", line:N, col:M"; keep them but drop the file path it may add. */
const liquidMessage = (err: unknown): string => ((err as Error).message ?? String(err)).replace(/, file:[^,]*$/, '');

/** The variable paths a template reads, e.g. ["ticket","requester","first_name"]. */
export async function templateVariables(t: Pick<Template, 'file' | 'body' | 'name'>): Promise<string[][]> {
  const engine = await liquidEngine();
  const segments = engine.globalVariableSegmentsSync(await parseBody(t));
  return segments.map((s) => s.map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : '*')));
}

/** True when rendering needs the conversation (latest customer comment or the comment list). */
export async function templateNeedsComments(t: Pick<Template, 'file' | 'body' | 'name'>): Promise<boolean> {
  return (await templateVariables(t)).some((s) => s[0] === 'ticket' && (s[1] === 'latest_customer_comment' || s[1] === 'comments'));
}

/** Values that are unknown are left undefined (not null), so that strict rendering names them. */
const def = <T>(v: T | null | undefined): T | undefined => (v === null || v === undefined || v === '' ? undefined : v);

function splitName(name: string | undefined): { first?: string; last?: string } {
  const n = (name ?? '').trim();
  if (!n || n.includes('@')) return {};
  const parts = n.split(/\s+/);
  return { first: parts[0], last: parts.length > 1 ? parts[parts.length - 1] : undefined };
}

export function personVars(p: Person | null | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  const { first, last } = splitName(p.name);
  return {
    id: p.id,
    name: def(p.name),
    first_name: first,
    last_name: last,
    email: def(p.email),
    role: p.role,
  };
}

const commentVars = (c: Comment) => ({
  id: c.id,
  author: personVars(c.author),
  author_role: c.authorRole,
  public: c.public,
  body: c.body,
  created_at: c.createdAt,
});

/** The latest public message written by the customer, or undefined. */
export function latestCustomerComment(comments: Comment[]): Comment | undefined {
  let latest: Comment | undefined;
  for (const c of comments) {
    if (c.authorRole !== 'customer' || !c.public) continue;
    if (!latest || Date.parse(c.createdAt) >= Date.parse(latest.createdAt)) latest = c;
  }
  return latest;
}

/** The profile's signature, else the agent's own, else the agent's name. */
export function resolveSignature(agent: Person | null, profileSignature?: string): string | undefined {
  return def(profileSignature?.trim()) ?? def(agent?.signature?.trim()) ?? def(agent?.name?.trim());
}

/** The Liquid variables for one ticket: ticket.*, agent.*, row.*, now. */
export function renderVariables(input: RenderInput): Record<string, unknown> {
  const t = input.ticket;
  const ticket: Record<string, unknown> = {
    id: t.id,
    url: def(t.url),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    group: def(t.group),
    tags: t.tags,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    solved_at: def(t.solvedAt),
    reopen_count: t.reopenCount,
    requester: personVars(t.requester),
    assignee: personVars(t.assignee),
    custom_fields: Object.fromEntries(Object.entries(t.customFields).filter(([, v]) => v !== null && v !== undefined && v !== '')),
  };
  if (input.comments) {
    ticket.latest_customer_comment = def(latestCustomerComment(input.comments)?.body.trim());
    ticket.comments = input.comments.map(commentVars);
  }
  const signature = resolveSignature(input.agent, input.signature);
  const agent = input.agent ? { ...personVars(input.agent), signature } : signature ? { signature } : undefined;
  const vars: Record<string, unknown> = { ticket, now: input.now.toISOString() };
  if (agent) vars.agent = agent;
  vars.row = input.row ?? {};
  return vars;
}

const MISSING = /undefined variable: ([^,]+)/;

// Customer data (a subject, a name, a CSV column) may contain `{{`: its braces are swapped for a
// private-use character while rendering, so the leftover-markup check sees only the template's own.
const BRACE_MARK = '\uE000';
const BRACE_MARK_ALL = /\uE000/g;
function markBraces(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('{') ? v.replace(/\{/g, BRACE_MARK) : v;
  if (Array.isArray(v)) return v.map(markBraces);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, markBraces(x)]));
  return v;
}

function explainMissing(variable: string, input: RenderInput): string {
  if (variable === 'row' || variable.startsWith('row.')) {
    return input.row ? `the --ids-file has no column '${variable.slice(4)}'` : `row.* variables need --ids-file with a CSV header`;
  }
  if (variable === 'agent' || variable.startsWith('agent.')) return `no current agent is known for this profile`;
  if (variable.startsWith('ticket.custom_fields.')) return `the ticket has no custom field '${variable.slice('ticket.custom_fields.'.length)}'`;
  if (variable === 'ticket.latest_customer_comment') return input.comments ? 'the customer has not written on this ticket' : 'comments were not loaded';
  return 'there is no such value';
}

/** Tidies rendered text: no trailing spaces, at most one blank line in a row, no leading/trailing blank lines. */
export function tidyRendered(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .replace(/\s+$/, '');
}

/**
 * Renders a template for one ticket. Strict: a variable with no value throws TemplateRenderError naming
 * the variable and the ticket; a result that still contains `{{` or `{%` is refused.
 */
export async function renderTemplate(t: Template, input: RenderInput): Promise<string> {
  const engine = await liquidEngine();
  const parsed = await parseBody(t);
  let out: string;
  try {
    out = String(await engine.render(parsed, markBraces(renderVariables(input)) as Record<string, unknown>));
  } catch (err) {
    const msg = liquidMessage(err);
    const m = MISSING.exec(msg);
    if (m) {
      const variable = m[1]!.trim();
      throw new TemplateRenderError(`template '${t.name}' needs {{ ${variable} }} but ticket ${input.ticket.id} has no value for it (${explainMissing(variable, input)})`, {
        template: t.name,
        ticketId: input.ticket.id,
        variable,
        hint: `fix the spelling, or give a fallback: {{ ${variable} | default: "..." }}`,
      });
    }
    throw new TemplateRenderError(`template '${t.name}' failed for ticket ${input.ticket.id}: ${msg}`, { template: t.name, ticketId: input.ticket.id });
  }
  const marked = tidyRendered(out);
  // only the template's own markup can be left over: braces from the data are still marked here
  const left = /\{\{|\{%/.exec(marked);
  if (left) {
    throw new TemplateRenderError(`template '${t.name}' left '${left[0]}' in the reply for ticket ${input.ticket.id}; it will not be sent`, {
      template: t.name,
      ticketId: input.ticket.id,
      hint: 'a value or the template itself contains Liquid markup; fix the template (or the value) first',
    });
  }
  const body = marked.replace(BRACE_MARK_ALL, '{');
  if (!body.trim()) {
    throw new TemplateRenderError(`template '${t.name}' rendered an empty reply for ticket ${input.ticket.id}`, { template: t.name, ticketId: input.ticket.id });
  }
  return body;
}
