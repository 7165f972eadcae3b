import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { Context } from '../src/context.js';
import { parseIds } from '../src/domain/parse.js';
import { DeskctlError, UsageError } from '../src/errors.js';
import { wrapText } from '../src/output/formatters.js';
import type { ListSpec } from '../src/output/format.js';
import {
  checkTemplateSupport,
  loadTemplate,
  renderTemplate,
  scanTemplates,
  templateActionsToPatch,
  templateDirs,
  templateNeedsComments,
  type Template,
  type TemplateActions,
  type TemplateEntry,
} from '../src/templates/index.js';
import { lintTemplateFile, type LintIssue } from '../src/templates/lint.js';
import { addOutputOptions, collectList, examples, outputFlags } from './_shared/output-flags.js';

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** "status → solved, +refunded, assign to me" */
export function describeActions(a: TemplateActions): string {
  const parts: string[] = [];
  if (a.status) parts.push(`status → ${a.status}`);
  if (a.priority) parts.push(`priority → ${a.priority}`);
  if (a.addTags?.length) parts.push(a.addTags.map((t) => `+${t}`).join(' '));
  if (a.removeTags?.length) parts.push(a.removeTags.map((t) => `-${t}`).join(' '));
  if (a.assignee) parts.push(`assign to ${a.assignee}`);
  return parts.join(', ');
}

const actionsJson = (a: TemplateActions) => ({
  status: a.status ?? null,
  priority: a.priority ?? null,
  addTags: a.addTags ?? [],
  removeTags: a.removeTags ?? [],
  assignee: a.assignee ?? null,
});

export const templateJson = (t: Template) => ({
  name: t.name,
  description: t.description,
  public: t.public,
  actions: actionsJson(t.actions),
  origin: t.origin,
  file: t.file,
  body: t.body,
});

const listSpec: ListSpec<TemplateEntry> = {
  columns: [
    { key: 'name', header: 'name', value: (e) => e.name, cell: (e, c) => (e.error ? c.red(e.name) : c.bold(e.name)) },
    { key: 'kind', header: 'kind', value: (e) => (e.template ? (e.template.public ? 'reply' : 'note') : ''), cell: (e, c) => (e.template?.public === false ? c.yellow('note') : e.template ? 'reply' : '') },
    { key: 'origin', header: 'from', value: (e) => e.origin, cell: (e, c) => c.dim(e.origin) },
    { key: 'actions', header: 'actions', value: (e) => (e.template ? describeActions(e.template.actions) : ''), flex: true, min: 16 },
    {
      key: 'description',
      header: 'description',
      value: (e) => e.template?.description ?? '',
      cell: (e, c) => (e.error ? c.red(`invalid: ${e.error.message.replace(`${e.file}: `, '')}`) : (e.template?.description ?? '')),
      flex: true,
      min: 20,
    },
    { key: 'file', header: 'file', value: (e) => e.file },
    { key: 'error', header: 'error', value: (e) => e.error?.message ?? null },
  ],
  defaultFields: ['name', 'kind', 'origin', 'actions', 'description'],
  toJson: (e) => (e.template ? { ...templateJson(e.template), shadows: e.shadows } : { name: e.name, origin: e.origin, file: e.file, error: e.error?.message }),
  emptyMessage: 'No templates found.',
};

const issueSpec: ListSpec<LintIssue> = {
  columns: [
    { key: 'template', header: 'template', value: (i) => i.template },
    { key: 'line', header: 'line', value: (i) => i.line ?? null, align: 'right' },
    { key: 'severity', header: 'level', value: (i) => i.severity, cell: (i, c) => (i.severity === 'error' ? c.red('error') : c.yellow('warning')) },
    { key: 'message', header: 'message', value: (i) => i.message, flex: true },
    { key: 'file', header: 'file', value: (i) => i.file },
  ],
  defaultFields: ['template', 'line', 'severity', 'message'],
};

/** key=value pairs for row.<key> in previews. */
function parseRowPairs(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const row: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`invalid --row '${p}'`, 'use --row column=value (repeat for more columns)');
    row[p.slice(0, i).trim()] = p.slice(i + 1);
  }
  return row;
}

const SCAFFOLD = (name: string, description: string, isPublic: boolean) => `---
name: ${name}
description: ${description}
# true: a reply the customer sees; false: an internal note
public: ${isPublic}
# Optional changes made together with the reply:
# status: pending            # new, open, pending, on_hold, solved, closed
# priority: high             # none, low, normal, high, urgent
# add_tags: [example-tag]
# remove_tags: []
# assignee: me               # me, an agent's name, email or id, or none
---
Hi {{ ticket.requester.first_name | default: "there" }},

Thank you for your message about "{{ ticket.subject }}".

Write your reply here in plain, friendly words.
{% comment %}
  Placeholders: ticket.id, ticket.subject, ticket.requester.name / first_name / email,
  ticket.custom_fields.<field> (e.g. order_number), ticket.latest_customer_comment,
  agent.name, agent.signature, row.<column> (from an --ids-file CSV), now.
  Filters: default, date, capitalize, upcase, ... A placeholder with no value stops the send;
  give a fallback with | default: "...". Check with: deskctl templates lint ${name}
{% endcomment %}

{{ agent.signature }}
`;

async function renderPreview(ctx: Context, t: Template, ticketId: string, row?: Record<string, string>) {
  const provider = await ctx.provider();
  checkTemplateSupport(t, provider);
  const ticket = await provider.getTicket(ticketId);
  const comments = (await templateNeedsComments(t)) ? await provider.listComments(ticket.id) : undefined;
  const agent = await provider.currentAgent();
  const profile = await ctx.profile();
  const body = await renderTemplate(t, { ticket, comments, agent, signature: profile.signature, row, now: ctx.clock.now() });
  // resolving the actions checks that an assignee reference exists
  await templateActionsToPatch(t.actions, provider);
  return { ticket, body };
}

export function register(program: Command, context: ContextFactory): void {
  const templates = program.command('templates').alias('template').description('List, preview, lint and create reply templates');
  examples(templates, [
    'deskctl templates list',
    'deskctl templates preview delay-apology --ticket 1042',
    'deskctl templates lint',
    'deskctl templates new order-delay',
  ]);

  const list = addOutputOptions(templates.command('list').alias('ls').description('List templates (project ./templates, then your own, then the shipped ones)'));
  list.action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const entries = await scanTemplates(templateDirs(ctx));
    ctx.output.list(entries, listSpec, flags);
    const broken = entries.filter((e) => e.error).length;
    if (broken) ctx.io.warn(`${broken} template${broken > 1 ? 's are' : ' is'} invalid; run 'deskctl templates lint' for details`);
  });
  examples(list, ['deskctl templates list', 'deskctl templates list --json | jq -r .[].name']);

  const show = addOutputOptions(templates.command('show').alias('view').argument('<name>', 'template name or .liquid file').description('Show a template: where it comes from, its actions and its text'));
  show.action(async (name: string, o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const t = await loadTemplate(name, templateDirs(ctx));
    const c = ctx.io.color;
    ctx.output.record(templateJson(t), () => {
      const head = [
        `${c.bold(t.name)}  ${c.dim(`(${t.origin}: ${t.file})`)}`,
        t.description,
        `${t.public ? 'public reply' : c.yellow('internal note')}${describeActions(t.actions) ? `; then ${describeActions(t.actions)}` : ''}`,
      ];
      return `${head.join('\n')}\n\n${t.body.trimEnd()}`;
    }, flags);
  });
  examples(show, ['deskctl templates show delay-apology', 'deskctl templates show ./templates/mine.liquid --json']);

  const preview = addOutputOptions(
    templates
      .command('preview')
      .argument('<name>', 'template name or .liquid file')
      .description('Render a template against a real ticket (nothing is sent)')
      .requiredOption('-t, --ticket <id>', 'ticket to render against')
      .option('--row <column=value>', 'value for row.<column> (as from an --ids-file CSV); repeatable', (v: string, prev: string[] = []) => [...prev, v]),
  );
  preview.action(async (name: string, o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const [ticketId] = parseIds(String(o.ticket));
    if (!ticketId) throw new UsageError('--ticket needs a ticket id');
    const row = parseRowPairs(o.row as string[] | undefined);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const t = await loadTemplate(name, templateDirs(ctx));
    const { ticket, body } = await renderPreview(ctx, t, ticketId, row);
    const c = ctx.io.color;
    ctx.output.record({ template: t.name, ticketId: ticket.id, public: t.public, actions: actionsJson(t.actions), body }, () => {
      const to = `${ticket.requester.name}${ticket.requester.email ? ` <${ticket.requester.email}>` : ''}`;
      const width = Math.min(ctx.io.columns, 80);
      const head = `${t.public ? 'Reply to' : 'Internal note on'} ${c.cyan(`#${ticket.id}`)} ${c.dim(`(${to})`)}\n${c.bold(ticket.subject)}`;
      const tail = describeActions(t.actions) ? `\n${c.dim(`Then: ${describeActions(t.actions)}`)}` : '';
      const rule = c.dim('─'.repeat(width));
      return `${head}\n${rule}\n${wrapText(body, width)}\n${rule}${tail}`;
    }, flags);
  });
  examples(preview, [
    'deskctl templates preview delay-apology --ticket 1042',
    'deskctl templates preview shipping-update --ticket 1042 --row tracking_url=https://track.example/1Z99',
    'deskctl templates preview ./templates/draft.liquid -t 1042 --json',
  ]);

  const lint = addOutputOptions(
    templates.command('lint').argument('[names...]', 'templates to check (default: all)').description('Check templates: variables, front matter, actions, empty bodies, plain language'),
  ).option('--errors-only', 'do not report warnings');
  lint.action(async (names: string[], o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const dirs = templateDirs(ctx);
    let targets: { name: string; file: string }[];
    if (names.length) {
      targets = [];
      for (const n of names) {
        try {
          const t = await loadTemplate(n, dirs);
          targets.push({ name: t.name, file: t.file });
        } catch (err) {
          // a template whose front matter does not parse is still linted (that is the point)
          const entry = err instanceof DeskctlError && 'file' in err ? { name: n, file: String((err as { file: string }).file) } : undefined;
          if (!entry) throw err;
          targets.push(entry);
        }
      }
    } else {
      targets = (await scanTemplates(dirs)).map((e) => ({ name: e.name, file: e.file }));
    }
    let issues: LintIssue[] = [];
    for (const t of targets) issues.push(...(await lintTemplateFile(t)));
    if (o.errorsOnly) issues = issues.filter((i) => i.severity === 'error');
    const errors = issues.filter((i) => i.severity === 'error');
    const warnings = issues.length - errors.length;
    if (issues.length || ctx.output.format(flags) !== 'table') ctx.output.list(issues, issueSpec, flags);
    const summary = `checked ${targets.length} template${targets.length === 1 ? '' : 's'}: ${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    if (errors.length) {
      const bad = [...new Set(errors.map((e) => e.template))];
      throw new DeskctlError(summary, { hint: `fix ${bad.join(', ')} before sending; nothing is sent from a template with errors` });
    }
    ctx.io.info(`${warnings ? ctx.io.errColor.yellow('!') : ctx.io.errColor.green('✓')} ${summary.charAt(0).toUpperCase()}${summary.slice(1)}`);
  });
  examples(lint, ['deskctl templates lint', 'deskctl templates lint delay-apology refund-processed', 'deskctl templates lint --json > lint.json']);

  const scaffold = templates
    .command('new')
    .argument('<name>', 'name of the new template (letters, digits, - and _)')
    .description('Create a template file to edit (in ./templates, or with --user in your own folder)')
    .option('--user', `create it in your template folder instead of ./templates`)
    .option('-d, --description <text>', 'one line saying when to use it')
    .option('--note', 'an internal note instead of a public reply')
    .option('-f, --force', 'overwrite an existing file');
  scaffold.action(async (name: string, o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    if (!NAME.test(name)) throw new UsageError(`invalid template name '${name}'`, 'use letters, digits, - and _ (e.g. order-delay)');
    const dirs = templateDirs(ctx);
    const dir = o.user ? dirs.user : dirs.project;
    const file = join(dir, `${name}.liquid`);
    if (existsSync(file) && !o.force) throw new UsageError(`${file} already exists`, `edit it, choose another name, or pass --force to overwrite it`);
    mkdirSync(dir, { recursive: true });
    const description = String(o.description ?? 'One line saying when to use this template').replace(/\n/g, ' ');
    const { stringify } = await import('yaml');
    writeFileSync(file, SCAFFOLD(name, stringify(description).trim(), !o.note));
    ctx.io.info(`Created ${file}`);
    ctx.io.info(`Edit it, then: deskctl templates lint ${name} && deskctl templates preview ${name} --ticket ID`);
    ctx.output.text(file);
  });
  examples(scaffold, ['deskctl templates new order-delay', 'deskctl templates new internal-escalation --note --user -d "Hand over to tier 2"']);
  void collectList;
}
