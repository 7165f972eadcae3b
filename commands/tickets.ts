import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { Context } from '../src/context.js';
import { PRIORITIES, STATUSES, type Ticket } from '../src/domain/model.js';
import { parseEnum, parseIds, parsePositiveInt } from '../src/domain/parse.js';
import { SORT_FIELDS, type TicketSort } from '../src/domain/query.js';
import { DeskctlError, UsageError } from '../src/errors.js';
import { parseFields, selectColumns, type ListSpec } from '../src/output/format.js';
import { renderTicketDetail, ticketJson, ticketListSpec, ticketShowSpec, withSortColumn } from '../src/output/views/tickets.js';
import { validateFields } from '../src/output/validate.js';
import { readIdArgs } from '../src/bulk/selection.js';
import { batchOutcome, findTickets, forEachId, isEmptyPatch, limitNotice, resolvePatch, type FindReport, type ItemResult, type PatchRefs } from '../src/tickets/service.js';
import { addTicketFilterOptions, hasAnyFilter, parseFilterFlags, resolveQuery, type FilterFlags } from './_shared/filters.js';
import { applyChanges, describeChange, type ChangeOutcome } from '../src/tickets/changes.js';
import { addOutputOptions, collectList, examples, outputFlags } from './_shared/output-flags.js';

const DEFAULT_LIMIT = 30;

export function parseSort(raw: string | undefined): TicketSort | undefined {
  if (!raw) return undefined;
  const [field, dir] = raw.toLowerCase().split(':');
  const f = parseEnum(field ?? '', SORT_FIELDS, '--sort');
  if (dir !== undefined && dir !== 'asc' && dir !== 'desc') throw new UsageError(`invalid --sort direction '${dir}'`, 'use FIELD:asc or FIELD:desc');
  // urgency, priority and dates read naturally as "most first"
  return { field: f, direction: (dir as 'asc' | 'desc' | undefined) ?? (f === 'id' || f === 'subject' || f === 'status' ? 'asc' : 'desc') };
}

/** --status/--priority/--assignee/--group/--add-tag/--remove-tag shared by update and bulk update. */
export function addPatchOptions(cmd: Command): Command {
  return cmd
    .option('--status <status>', `set status: ${STATUSES.join(', ')}`)
    .option('--priority <priority>', `set priority: ${PRIORITIES.join(', ')}`)
    .option('--assignee <agent>', 'assign to an agent (name, email, id, "me") or "none" to unassign')
    .option('--group <group>', 'move to a group (team)')
    .option('--add-tag <tags>', 'add tags (comma-separated or repeated)', collectList)
    .option('--remove-tag <tags>', 'remove tags (comma-separated or repeated)', collectList);
}

export function parsePatchFlags(o: Record<string, unknown>): PatchRefs {
  const patch: PatchRefs = {};
  if (o.status !== undefined) patch.status = parseEnum(String(o.status), STATUSES, '--status');
  if (o.priority !== undefined) patch.priority = parseEnum(String(o.priority), PRIORITIES, '--priority');
  if (o.assignee !== undefined) patch.assignee = String(o.assignee);
  if (o.group !== undefined) patch.group = String(o.group).toLowerCase() === 'none' ? null : String(o.group);
  if ((o.addTag as string[] | undefined)?.length) patch.addTags = o.addTag as string[];
  if ((o.removeTag as string[] | undefined)?.length) patch.removeTags = o.removeTag as string[];
  return patch;
}

/** --body, --body-file, or (on a terminal, like gh) the user's $EDITOR. */
async function readBody(ctx: Context, o: { body?: string; bodyFile?: string }, kind: 'reply' | 'note', stdin: () => string, ids: string[] = []): Promise<string> {
  if (o.body !== undefined && o.bodyFile !== undefined) throw new UsageError('give --body or --body-file, not both');
  let body: string;
  if (o.body !== undefined) body = o.body;
  else if (o.bodyFile !== undefined) {
    try {
      body = o.bodyFile === '-' ? stdin() : readFileSync(o.bodyFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --body-file ${o.bodyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the path');
    }
  } else if (ctx.io.interactive) {
    const { editor } = await ctx.prompts('--body');
    const compose = await import('../src/tickets/compose.js');
    // one ticket: its customer's last message is quoted below the scissors line, for reference
    const last = ids.length === 1 ? compose.lastCustomerMessage(await (await ctx.provider()).listComments(ids[0]!)) : undefined;
    body = compose.stripEditorTemplate(
      await editor({
        message: `Write the ${kind === 'reply' ? 'reply (the customer sees it)' : 'internal note'}; save and close the editor to send, leave it empty to cancel`,
        default: ids.length === 1 ? compose.editorTemplate(ids[0]!, last) : undefined,
        waitForUserInput: false,
      }),
    );
    if (!body.trim()) throw new UsageError('the message is empty, nothing was sent', 'write some text in the editor, or give --body TEXT');
  } else throw new UsageError('a message is needed', 'give --body TEXT or --body-file FILE (- for stdin)');
  if (!body.trim()) throw new UsageError('the message is empty', 'give some text with --body or --body-file');
  return body.replace(/\s+$/, '');
}

/** Opens a helpdesk page in the browser for a person at a terminal; prints the URL otherwise (or if that fails). */
async function openWeb(ctx: Context, url: string): Promise<void> {
  const { canOpenBrowser } = await import('../src/tickets/web.js');
  if (canOpenBrowser(ctx.io, ctx.env)) {
    const { openInBrowser } = await import('../src/providers/oauth.js');
    try {
      await openInBrowser(url, ctx.env);
      ctx.io.info(`Opening ${url} in your browser.`);
      return;
    } catch (err) {
      ctx.io.warn(`could not start a browser (${(err as Error).message}); here is the address`);
    }
  }
  ctx.output.text(url);
}

export function register(program: Command, context: ContextFactory): void {
  const tickets = program.command('tickets').alias('ticket').alias('t').description('List, show, update and answer tickets');
  examples(tickets, ['deskctl tickets list --status unsolved --assignee me', 'deskctl tickets show 42', 'deskctl tickets reply 42 --body "Thanks, on it!" --status pending']);

  // output flags last, so that --help lists the filters, sorting and limits first
  const list = addOutputOptions(
    addTicketFilterOptions(tickets.command('list').alias('ls').description('List and filter tickets (unsolved by default, newest first)'))
      .option('--sort <field[:dir]>', `sort by ${SORT_FIELDS.join(', ')} (asc|desc)`)
      .option('--sla <state>', 'only tickets whose first-response SLA is: breached, at-risk, ok, met')
      .option('-L, --limit <n>', `at most N tickets (default ${DEFAULT_LIMIT})`)
      .option('-a, --all', 'every matching ticket (no limit)')
      .option('-w, --web', "open the list in the helpdesk's web UI (prints the URL without a browser)"),
  ).action(async (o: FilterFlags & Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      // like gh, open work by default: unsolved unless --status says otherwise (--status all for everything)
      const parsed = parseFilterFlags({ ...o, status: o.status?.length ? o.status : ['unsolved'] }, ctx.clock.now());
      const sort = parseSort(o.sort as string | undefined);
      if (o.all && o.limit) throw new UsageError('--all and --limit disagree', 'give only one of them');
      const limit = o.all ? Infinity : o.limit ? parsePositiveInt(String(o.limit), '--limit') : DEFAULT_LIMIT;
      // --sort urgency|sla, --sla and the urgency/sla/sentiment fields are scored by triage (loaded only when asked for)
      const wantsTriage = sort?.field === 'urgency' || sort?.field === 'sla' || o.sla !== undefined || /\b(urgency|sla|sentiment)/.test(String(flags.fields ?? ''));
      const triage = wantsTriage ? (await import('../src/triage/list.js')).triageListing(ctx, o.sla) : undefined;
      const baseSpec = ticketListSpec(() => ctx.clock.now());
      const spec = withSortColumn(triage ? triage.spec(baseSpec) : baseSpec, sort?.field);
      ctx.output.format(flags); // validate before any I/O
      const provider = await ctx.provider();
      const query = await resolveQuery(parsed, provider);
      if (o.web) {
        if (!provider.webListUrl) throw (await import('../src/tickets/web.js')).noWebUi('a list of tickets');
        const { url, filtered } = await provider.webListUrl(query);
        if (!filtered && (hasAnyFilter(o) || o.status !== undefined)) ctx.io.info(`${provider.displayName}'s web UI has no URL for these filters; opening the ticket list.`);
        await openWeb(ctx, url);
        return;
      }
      const report: FindReport = { more: false };
      // the fields printed (and sorted on): a helpdesk may skip reading what none of them shows
      const format = ctx.output.format(flags);
      const printed = flags.fields || format === 'table' || format === 'csv' ? selectColumns(spec, parseFields(flags.fields)).map((c) => c.key) : undefined;
      const fields = printed && sort ? [...printed, `${sort.field}At`, sort.field] : printed;
      const rows = triage ? await triage.find(provider, query, { sort, limit, report }) : await findTickets(provider, query, { sort, limit, report, fields });
      ctx.output.list(rows, spec, flags);
      const notice = limitNotice(rows.length, report);
      if (notice && ctx.io.stdoutIsTTY && !flags.out) ctx.io.info(ctx.io.errColor.dim(notice));
    });
  examples(list, [
    'deskctl tickets list --status open,pending --assignee me',
    'deskctl tickets list --channel chat --priority urgent,high --sort created:asc',
    'deskctl tickets list --tag delivery --created-since 7d --fields id,subject,cf.order_number',
    'deskctl tickets list --all --json > tickets.json',
    'deskctl tickets list --assignee none --format csv --out unassigned.csv',
    'deskctl tickets list --status unsolved --sort urgency --limit 10',
    'deskctl tickets list --status unsolved --fields id,subject,sentiment',
    'deskctl tickets list --status unsolved --sla breached,at-risk --sort sla',
  ]);

  const show = addOutputOptions(tickets.command('show').alias('view').argument('<id>', 'ticket id').description('Show a ticket and its conversation'))
    .option('--no-notes', 'hide internal notes')
    .option('-w, --web', "open the ticket in the helpdesk's web UI (prints the URL without a browser)")
    .action(async (idArg: string, o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const [id] = parseIds(idArg);
      const flags = outputFlags(o);
      ctx.output.format(flags);
      const spec = ticketShowSpec(() => ctx.clock.now());
      validateFields(flags, spec); // --fields id,subject,comments: ticket fields and the conversation, before any I/O
      const provider = await ctx.provider();
      if (o.web) {
        const ticket = await provider.getTicket(id!);
        if (!ticket.url) throw (await import('../src/tickets/web.js')).noWebUi(`ticket ${ticket.id}`);
        await openWeb(ctx, ticket.url);
        return;
      }
      const shown = provider.getTicketWithComments
        ? await provider.getTicketWithComments(id!)
        : { ticket: await provider.getTicket(id!), comments: await provider.listComments(id!) };
      const ticket = shown.ticket;
      const comments = shown.comments.filter((c) => o.notes !== false || c.public);
      ctx.output.record(
        { ...ticket, comments },
        () => renderTicketDetail(ticket, comments, ctx.io.color, ctx.clock.now(), ctx.io.columns),
        flags,
        spec,
      );
    });
  examples(show, ['deskctl tickets show 42', "deskctl tickets show 42 --jq '.comments[].body'", 'deskctl tickets show 42 --json id,subject,status,comments']);

  const update = addPatchOptions(tickets.command('update').alias('edit').argument('<ids...>', 'one or more ticket ids (- reads them from stdin: ids, CSV, or deskctl JSON/NDJSON)').description('Change status, priority, assignee, group or tags'));
  addOutputOptions(update).action(async (ids: string[], o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const idList = await readIdArgs(ids, () => readFileSync(0, 'utf8'));
    const refs = parsePatchFlags(o);
    if (isEmptyPatch({ ...refs, assigneeId: refs.assignee })) {
      throw new UsageError('nothing to change', 'give at least one of --status --priority --assignee --group --add-tag --remove-tag');
    }
    const flags = outputFlags(o);
    const { validateFields } = await import('../src/output/validate.js');
    validateFields(flags, batchSpec('updated'));
    const provider = await ctx.provider();
    if (refs.priority !== undefined && !provider.capabilities.priority) {
      throw new UsageError(`${provider.displayName} has no priority field`, provider.capabilities.hints?.priority ?? 'drop --priority (tags such as --add-tag urgent can mark urgency instead)');
    }
    const patch = await resolvePatch(provider, refs);
    const results = await forEachId(idList, (id) => applyChanges(provider, id, patch), (r) => r.changes);
    reportBatch(ctx, results, flags, 'updated');
    const err = batchOutcome(results, 'updates');
    if (err) throw err;
  });
  examples(update, [
    'deskctl tickets update 42 --status pending --add-tag waiting-on-courier',
    'deskctl tickets update 42 43 44 --assignee me --priority high',
    'deskctl tickets update 42 --assignee none --group Billing',
  ]);

  for (const kind of ['reply', 'note'] as const) {
    const c = tickets
      .command(kind)
      .argument('<ids...>', 'one or more ticket ids (- reads them from stdin: ids, CSV, or deskctl JSON/NDJSON)')
      .description(kind === 'reply' ? 'Send a public reply to the customer' : 'Add an internal note (not visible to the customer)')
      .option('-b, --body <text>', 'the message (on a terminal, without --body, --body-file or --template, your $EDITOR opens)')
      .option('-F, --body-file <file>', 'read the message from FILE (- for stdin)')
      .option('-t, --template <name>', 'render a template (see deskctl templates list) for each ticket, as bulk reply does')
      .option('--status <status>', `also set the status (${STATUSES.join(', ')})`)
      .option('--dry-run', 'print what would be sent, send nothing')
      .option('-y, --yes', 'with --template: do not ask for confirmation (required without a terminal)')
      .option('--allow-repeat', 'send even to tickets that already got this message (from any deskctl command or in the conversation)')
      .option('--repeat-window <duration>', "how far back a sent message counts, e.g. 30d (default: the profile's repeatWindow, else 30d)");
    addOutputOptions(c).action(async (ids: string[], o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      if (ids.includes('-') && o.bodyFile === '-') throw new UsageError('stdin cannot hold both the ticket ids and the message', 'give the ids as arguments, or the message with --body/--body-file FILE');
      const idList = await readIdArgs(ids, () => readFileSync(0, 'utf8'));
      const flags = outputFlags(o);
      // everything the command line says is checked before the helpdesk is asked anything
      const { validateFields } = await import('../src/output/validate.js');
      if (o.dryRun) validateFields(flags, messagePreviewSpec);
      else validateFields(flags, batchSpec(kind === 'reply' ? 'replied' : 'noted'));
      const status = o.status === undefined ? undefined : parseEnum(String(o.status), STATUSES, '--status');
      if (o.template !== undefined && (o.body !== undefined || o.bodyFile !== undefined)) throw new UsageError('give --template or --body/--body-file, not both');
      const { repeatWindowMs } = await import('../src/store/repeats.js');
      const windowMs = repeatWindowMs(o.repeatWindow as string | undefined, (await ctx.profile()).repeatWindow);
      const templates = o.template !== undefined ? await import('../src/templates/index.js') : undefined;
      const template = templates ? await templates.loadTemplate(String(o.template), templates.templateDirs(ctx)) : undefined;
      if (template && !o.dryRun && !o.yes && !ctx.io.interactive) {
        throw new UsageError(`tickets ${kind} --template needs a confirmation and there is no terminal to ask on; nothing was sent`, 'preview with --dry-run, then pass --yes to go ahead');
      }
      const body = template ? undefined : await readBody(ctx, o as { body?: string; bodyFile?: string }, kind, () => readFileSync(0, 'utf8'), idList);
      const provider = await ctx.provider();
      if (kind === 'note' && !provider.capabilities.internalNotes) {
        throw new UsageError(`${provider.displayName} has no internal notes`, "use 'deskctl tickets reply' for a public reply");
      }
      if (template) templates!.checkTemplateSupport({ ...template, public: kind === 'reply' }, provider);
      const patch = { ...(template ? await templates!.templateActionsToPatch(template.actions, provider) : {}), ...(status ? { status } : {}) };
      const { planMessage, sendPlan } = await import('../src/tickets/send.js');
      const ledger = await (await ctx.store()).ledger(() => ctx.clock.now());
      const since = new Date(ctx.clock.now().getTime() - windowMs);
      const plan = await planMessage(provider, ledger, {
        kind,
        ids: idList,
        body,
        template,
        agent: template ? await provider.currentAgent() : null,
        signature: (await ctx.profile()).signature,
        now: ctx.clock.now(),
        since,
        allowRepeat: Boolean(o.allowRepeat),
      });
      const c = ctx.io.errColor;
      for (const s of plan.skipped) ctx.io.warn(`#${s.ticketId} skipped: ${s.reason}${o.allowRepeat ? '' : ' (--allow-repeat sends anyway)'}`);
      if (o.dryRun) {
        ctx.output.list(
          [
            ...plan.ready.map((r) => ({ ticketId: r.ticket.id, result: 'ready', body: r.body, reason: null })),
            ...plan.invalid.map((r) => ({ ticketId: r.ticketId, result: 'invalid', body: null, reason: r.error })),
            ...plan.skipped.map((r) => ({ ticketId: r.ticketId, result: 'skipped', body: null, reason: r.reason })),
          ],
          messagePreviewSpec,
          flags,
        );
        ctx.io.info(`Dry run: ${plan.ready.length} ready, ${plan.skipped.length} skipped, ${plan.invalid.length} cannot be rendered. Nothing was sent.`);
        return;
      }
      if (plan.invalid.length) {
        const first = plan.invalid[0]!;
        throw new DeskctlError(`${plan.invalid.length} of ${idList.length} tickets cannot get template '${template!.name}' (first: #${first.ticketId}: ${first.error}); nothing was sent`, { hint: `check it with: deskctl templates preview ${template!.name} --ticket ${first.ticketId}` });
      }
      if (template && plan.ready.length && !o.yes) {
        const first = plan.ready[0]!;
        ctx.io.info(`${c.bold(`${plan.ready.length} ${kind === 'reply' ? (plan.ready.length === 1 ? 'public reply' : 'public replies') : plan.ready.length === 1 ? 'internal note' : 'internal notes'}`)} from template '${template.name}', first to #${first.ticket.id}:`);
        ctx.io.info(`${c.dim('─'.repeat(40))}\n${first.body.trimEnd()}\n${c.dim('─'.repeat(40))}`);
        const { confirm } = await ctx.prompts('--yes');
        if (!(await confirm({ message: `Send ${plan.ready.length === 1 ? 'it' : `all ${plan.ready.length}`}?`, default: false }).catch(() => false))) {
          ctx.io.info('Nothing was sent.');
          return;
        }
      }
      const results = await sendPlan(provider, ledger, plan, { patch, since, allowRepeat: Boolean(o.allowRepeat), now: () => ctx.clock.now() });
      const all = [...results, ...plan.skipped.map((s) => ({ id: s.ticketId, ok: true, outcome: 'ok' as const, skipped: s }))];
      reportBatch(ctx, all, flags, kind === 'reply' ? 'replied' : 'noted');
      const err = batchOutcome(results, kind === 'reply' ? 'replies' : 'notes');
      if (err) throw err;
    });
    examples(
      c,
      kind === 'reply'
        ? [
            'deskctl tickets reply 42 --body "Your replacement ships today." --status pending',
            'deskctl tickets reply 42 43 --body-file answer.txt',
            'deskctl tickets reply 42 -t need-more-info --dry-run',
            'deskctl tickets reply 42 -t acknowledgement --yes --allow-repeat',
          ]
        : ['deskctl tickets note 42 --body "Courier trace opened: TR-1234"', 'echo "Called the customer" | deskctl tickets note 42 -F -', 'deskctl tickets note 42 -t handover-note --yes'],
    );
  }
}

interface MessagePreviewRow {
  ticketId: string;
  result: string;
  body: string | null;
  reason: string | null;
}

const messagePreviewSpec: ListSpec<MessagePreviewRow> = {
  columns: [
    { key: 'ticketId', header: 'ticket', value: (r) => r.ticketId, cell: (r, c) => c.cyan(`#${r.ticketId}`) },
    { key: 'result', header: 'result', value: (r) => r.result, cell: (r, c) => (r.result === 'ready' ? c.green(r.result) : c.yellow(r.result)) },
    { key: 'body', header: 'body', value: (r) => r.body, flex: true, min: 20 },
    { key: 'reason', header: 'reason', value: (r) => r.reason, flex: true },
  ],
  defaultFields: ['ticketId', 'result', 'body', 'reason'],
};

interface BatchRow {
  ticketId: string;
  result: string;
  error: string | null;
  /** Why a ticket was skipped (the sent ledger found the message already sent). */
  reason: string | null;
  /** How to check a ticket whose outcome is unknown. */
  hint: string | null;
  commentId: string | null;
  /** Per change, applied or failed (updates, and a reply's status and template actions). */
  changes: ChangeOutcome[] | null;
}

const batchSpec = (verb: string): ListSpec<BatchRow> => ({
  columns: [
    { key: 'ticketId', header: 'ticket', value: (r) => r.ticketId, cell: (r, c) => c.cyan(`#${r.ticketId}`), aliases: ['id'] },
    { key: 'ok', header: 'ok', value: (r) => r.result === verb || r.result === 'skipped' },
    { key: 'result', header: 'result', value: (r) => r.result, cell: (r, c) => (r.result === 'failed' ? c.red(r.result) : r.result === verb ? c.green(r.result) : c.yellow(r.result)) },
    { key: 'error', header: 'error', value: (r) => r.error, flex: true, aliases: ['detail'] },
    { key: 'reason', header: 'reason', value: (r) => r.reason, flex: true },
    { key: 'hint', header: 'hint', value: (r) => r.hint },
    { key: 'commentId', header: 'comment', value: (r) => r.commentId },
    { key: 'changes', header: 'changes', value: (r) => r.changes },
  ],
  defaultFields: ['ticketId', 'result', 'error'],
  toJson: (r) => ({
    ticketId: r.ticketId,
    ok: r.result === verb || r.result === 'skipped',
    result: r.result,
    error: r.error,
    ...(r.result === 'skipped' ? { skipped: true, reason: r.reason } : {}),
    ...(r.hint ? { hint: r.hint } : {}),
    ...(r.commentId ? { commentId: r.commentId } : {}),
    ...(r.changes ? { changes: r.changes } : {}),
  }),
});

const commentIdOf = (v: unknown): string | null =>
  typeof v === 'string' ? v : v && typeof v === 'object' && 'comment' in v ? ((v as { comment: { id: string } }).comment.id ?? null) : null;

type BatchResult = ItemResult<unknown> & { skipped?: { reason: string } };

/**
 * One row per ticket. `result` is the verb ('updated', 'replied', 'noted') when everything went through,
 * 'partial' (some changes applied, see `changes`), 'unknown' (outcome unknown, not sent again), 'failed' or 'skipped'.
 */
function reportBatch(ctx: Context, results: BatchResult[], flags: ReturnType<typeof outputFlags>, verb: string): void {
  const resultOf = (r: BatchResult) => (r.skipped ? 'skipped' : r.outcome === 'ok' ? verb : r.outcome);
  const rows: BatchRow[] = results.map((r) => ({
    ticketId: r.id,
    result: resultOf(r),
    error: r.skipped || r.outcome === 'ok' ? null : (r.error ?? 'unknown error'),
    reason: r.skipped?.reason ?? null,
    hint: r.hint ?? null,
    commentId: commentIdOf(r.value),
    changes: r.changes ?? null,
  }));
  const format = ctx.output.format(flags);
  if (format === 'table' && !flags.fields && !flags.out) {
    // on a terminal, one line per ticket (like gh); a failure's reason is on its line
    const c = ctx.io.errColor;
    for (const r of results) {
      const done = (r.changes ?? []).filter((x) => x.outcome === 'applied').map(describeChange);
      if (r.skipped) ctx.io.info(`${c.yellow('-')} #${r.id} skipped: ${r.skipped.reason}`);
      else if (r.outcome === 'ok') ctx.io.info(`${c.green('✓')} #${r.id} ${verb}${done.length ? ` (${done.join(', ')})` : ''}`);
      else if (r.outcome === 'partial') ctx.io.info(`${c.yellow('!')} #${r.id} ${verb === 'updated' ? 'partly updated' : `${verb}, but`}: ${r.error}${done.length ? `; applied: ${done.join(', ')}` : ''}`);
      else if (r.outcome === 'unknown') ctx.io.info(`${c.yellow('?')} #${r.id} outcome unknown: ${r.error}; ${r.hint}`);
      else ctx.io.info(`${c.red('✗')} #${r.id} failed: ${r.error ?? 'unknown error'}`);
    }
    return;
  }
  ctx.output.list(rows, batchSpec(verb), flags);
}
