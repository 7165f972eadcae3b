import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { Context } from '../src/context.js';
import type { TicketPatch } from '../src/domain/model.js';
import { parseIds, parsePositiveInt } from '../src/domain/parse.js';
import type { TicketQuery } from '../src/domain/query.js';
import { DeskctlError, PartialFailure, UsageError } from '../src/errors.js';
import { recordSpec, type ListSpec, type OutputFlags } from '../src/output/format.js';
import { plural, truncate } from '../src/output/formatters.js';
import type { HelpdeskProvider } from '../src/providers/provider.js';
import type { IdsFile } from '../src/bulk/selection.js';
import type { JobRecord } from '../src/bulk/journal.js';
import type { SkippedSend } from '../src/store/repeats.js';
import { openCount } from '../src/bulk/journal.js';
import { addTicketFilterOptions, FILTER_KEYS, hasAnyFilter, parseFilterFlags, parseWhere, resolveQuery, type FilterFlags } from './_shared/filters.js';

export { parseWhere };
import { addOutputOptions, collectList, examples, outputFlags } from './_shared/output-flags.js';
import { addPatchOptions, parsePatchFlags } from './tickets.js';

/** How tickets were chosen, validated without I/O. */
interface SelectionFlags {
  filters: FilterFlags;
  ids?: string[];
  idsFile?: string;
  limit?: number;
}

function parseSelection(o: Record<string, unknown>, filters: FilterFlags, now: Date) {
  const parsed = parseFilterFlags(filters, now);
  const ids = (o.ids as string[] | undefined)?.length ? parseIds(o.ids as string[]) : undefined;
  const idsFile = o.idsFile as string | undefined;
  if (ids && idsFile) throw new UsageError('give --ids or --ids-file, not both');
  const limit = o.limit !== undefined ? parsePositiveInt(String(o.limit), '--limit') : undefined;
  if (!ids && !idsFile && !hasAnyFilter(filters)) {
    throw new UsageError('choose the tickets first', 'use tickets list filters (e.g. --status open --tag delivery), --ids 1,2,3 or --ids-file FILE');
  }
  return { parsed, sel: { filters, ids, idsFile, limit } satisfies SelectionFlags };
}

function describeSelection(s: SelectionFlags, count?: number, where = false): string {
  const parts: string[] = [];
  if (s.ids) parts.push(`--ids ${s.ids.length > 6 ? `${s.ids.slice(0, 6).join(',')},... (${s.ids.length})` : s.ids.join(',')}`);
  if (s.idsFile) parts.push(`--ids-file ${s.idsFile}${count !== undefined ? ` (${count} ids)` : ''}`);
  const filterKeys = new Set<string>(Object.values(FILTER_KEYS));
  for (const [k, v] of Object.entries(s.filters)) {
    if (!filterKeys.has(k) || v === undefined || (Array.isArray(v) && !v.length)) continue;
    const flag = k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
    const value = Array.isArray(v) ? v.join(',') : String(v);
    parts.push(where ? `--where ${flag}=${value}` : `--${flag} ${value}`);
  }
  for (const [name, value] of Object.entries(s.filters.customFields ?? {})) parts.push(`--where cf.${name}=${value}`);
  if (s.limit) parts.push(`--limit ${s.limit}`);
  return parts.join(' ');
}

/** The result of a run (bulk reply/update/resume): --fields picks these keys (docs/json.md). */
const JOB_RESULT_SPEC = recordSpec<object>(['id', 'kind', 'state', 'template', 'public', 'changes', 'selection', 'total', 'createdAt', 'finishedAt', 'counts', 'thisRun', 'failed', 'skipped']);

function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option('--ids <list>', 'ticket ids (comma-separated or repeated)', collectList)
    .option('--ids-file <file>', 'one ticket id a line, or a CSV with an id column (other columns become row.<column>); - for stdin')
    .option('-L, --limit <n>', 'at most N tickets of the selection');
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--concurrency <n>', 'requests in flight at once (default: the profile\'s, else the helpdesk\'s suggestion)')
    .option('--dry-run', 'render and report everything, send nothing')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)');
}

/** On stderr: which tickets already got the message, and how to send anyway. */
function repeatNotice(ctx: Context, skips: SkippedSend[], allowRepeat: boolean): void {
  if (!skips.length) return;
  const c = ctx.io.errColor;
  ctx.io.warn(`${plural(skips.length, 'ticket')} already got this message or ${skips.length === 1 ? 'is' : 'are'} getting it from another run, and ${skips.length === 1 ? 'is' : 'are'} skipped:`);
  for (const s of skips.slice(0, 10)) ctx.io.info(`  ${c.cyan(`#${s.ticketId}`)} ${s.reason}`);
  if (skips.length > 10) ctx.io.info(c.dim(`  … and ${skips.length - 10} more (--dry-run lists them all)`));
  if (!allowRepeat) ctx.io.info(c.dim('  send to them anyway with --allow-repeat'));
}

function checkConfirmable(ctx: Context, o: Record<string, unknown>, what: string): void {
  if (!o.dryRun && !o.yes && !ctx.io.interactive) {
    throw new UsageError(`bulk ${what} needs a confirmation and there is no terminal to ask on; nothing was sent`, 'preview with --dry-run, then pass --yes to go ahead');
  }
}

async function concurrencyFor(ctx: Context, o: Record<string, unknown>, provider: HelpdeskProvider): Promise<number> {
  if (o.concurrency !== undefined) return parsePositiveInt(String(o.concurrency), '--concurrency');
  const profile = await ctx.profile();
  return profile.concurrency ?? provider.capabilities.defaultConcurrency;
}

async function confirm(ctx: Context, message: string): Promise<boolean> {
  const { confirm: ask } = await ctx.prompts('--yes');
  try {
    return await ask({ message, default: false });
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError' || (err as Error)?.name === 'AbortPromptError') return false;
    throw err;
  }
}

async function openJournal(ctx: Context) {
  const [{ BulkJournal }, store] = await Promise.all([import('../src/bulk/journal.js'), ctx.store()]);
  return BulkJournal.open(store, () => ctx.clock.now());
}

/** Reads --ids-file (a usage error when it is unusable), before anything talks to the helpdesk. */
async function readSelectionFile(sel: SelectionFlags): Promise<IdsFile | undefined> {
  if (!sel.idsFile) return undefined;
  const { readIdsFile } = await import('../src/bulk/selection.js');
  return readIdsFile(sel.idsFile, () => readFileSync(0, 'utf8'));
}

async function loadSelection(
  ctx: Context,
  provider: HelpdeskProvider,
  parsed: ReturnType<typeof parseFilterFlags>,
  sel: SelectionFlags,
  file: IdsFile | undefined,
  concurrency: number,
  where = false,
) {
  const { selectTickets } = await import('../src/bulk/selection.js');
  const ids = sel.ids ?? file?.ids;
  const query: TicketQuery | undefined = hasAnyFilter(sel.filters) ? await resolveQuery(parsed, provider) : undefined;
  ctx.io.info(ids ? `Loading ${ids.length} ticket${ids.length === 1 ? '' : 's'}...` : 'Finding the tickets...');
  const selected = await selectTickets(provider, { ids, query, limit: sel.limit }, concurrency);
  return { ...selected, rows: file?.rows, description: describeSelection(sel, file?.ids.length, where) };
}

/** --allow-repeat and --repeat-window (reply only). */
function addRepeatOptions(cmd: Command): Command {
  return cmd
    .option('--allow-repeat', 'also send to tickets that already got this message (from any deskctl command or in the conversation)')
    .option('--repeat-window <duration>', "how far back a sent message counts, e.g. 30d, 12h (default: the profile's repeatWindow, else 30d)");
}

async function repeatPolicy(ctx: Context, o: Record<string, unknown>) {
  const { repeatWindowMs } = await import('../src/store/repeats.js');
  const windowMs = repeatWindowMs(o.repeatWindow as string | undefined, (await ctx.profile()).repeatWindow);
  return { windowMs, allowRepeat: Boolean(o.allowRepeat), since: () => new Date(ctx.clock.now().getTime() - windowMs) };
}

/** The sent ledger's part of a reply job's run (claims, records); the job remembers its policy. */
async function openLedgerRun(ctx: Context, job: JobRecord) {
  const [{ bulkLedgerRun }, store] = await Promise.all([import('../src/store/repeats.js'), ctx.store()]);
  const windowMs = job.repeatWindowMs ?? (await repeatPolicy(ctx, {})).windowMs;
  return bulkLedgerRun(await store.ledger(() => ctx.clock.now()), job, new Date(ctx.clock.now().getTime() - windowMs), () => ctx.clock.now());
}
type LedgerRun = Awaited<ReturnType<typeof openLedgerRun>>;

/** Runs a job with a progress bar and Ctrl-C handling, prints the summary, and fails with exit 3 when some tickets failed. */
async function runJob(ctx: Context, provider: HelpdeskProvider, jobId: string, concurrency: number, flags: OutputFlags, retryFailed = false, opened?: LedgerRun): Promise<void> {
  const { executeJob } = await import('../src/bulk/executor.js');
  const { providerSettleDelays } = await import('../src/providers/http.js');
  const { createProgress } = await import('../src/bulk/progress.js');
  const { jobJson, summaryText } = await import('../src/bulk/view.js');
  const journal = await openJournal(ctx);
  const job = await journal.getJob(jobId);
  const ledgerRun = opened ?? (job.kind === 'reply' ? await openLedgerRun(ctx, job) : undefined);
  const c = await journal.counts(jobId);
  const open = openCount(c) + (retryFailed ? c.failed : 0);
  const ac = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      ctx.io.warn(`stopping now; the journal knows what was sent: deskctl bulk resume ${jobId}`);
      process.exit(130);
    }
    ctx.io.warn('stopping after the requests in flight (Ctrl-C again to quit at once)');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  ctx.io.info(`Job ${jobId}: ${open} ticket${open === 1 ? '' : 's'} to go, ${concurrency} at a time.`);
  const progress = await createProgress(ctx.io, open, job.kind === 'reply' ? 'Sending' : 'Updating');
  let result;
  try {
    result = await executeJob(journal, jobId, provider, {
      concurrency,
      signal: ac.signal,
      retryFailed,
      guard: ledgerRun?.guard,
      settleDelays: providerSettleDelays(provider),
      onProgress: ({ processed }) => progress.update(processed),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    // an attempt with no confirmed outcome keeps its ticket claimed until a resume checks it
    await ledgerRun?.stop((await journal.items(jobId, ['intent', 'unknown'])).map((i) => i.ticketId));
  }
  const failedItems = await journal.items(jobId, ['failed']);
  const skipped = (await journal.items(jobId, ['skipped'])).map((i) => ledgerRun?.skips.get(i.ticketId) ?? { ticketId: i.ticketId, reason: i.error ?? 'skipped', sentBy: null, sentAt: null });
  if (ledgerRun?.skips.size) repeatNotice(ctx, [...ledgerRun.skips.values()], job.allowRepeat);
  const unknownItems = await journal.items(jobId, ['unknown']);
  ctx.output.record(
    {
      ...jobJson(result.job, result),
      failed: failedItems.map((i) => ({ ticketId: i.ticketId, error: i.error, ...(i.changes ? { changes: i.changes } : {}) })),
      unknown: unknownItems.map((i) => ({ ticketId: i.ticketId, error: i.error })),
      skipped,
    },
    () => summaryText(result, ctx.io.color, failedItems, unknownItems),
    flags,
    JOB_RESULT_SPEC,
  );
  const { counts } = result;
  if (result.interrupted) {
    throw new DeskctlError(`job ${jobId} was stopped with ${openCount(counts)} tickets to go`, { hint: `continue with: deskctl bulk resume ${jobId}` });
  }
  if (counts.failed > 0 || counts.unknown > 0) {
    const parts = [counts.failed ? `${counts.failed} of ${result.job.total} tickets failed` : '', counts.unknown ? `${counts.unknown} of ${result.job.total} have an unknown outcome (not sent again)` : ''].filter(Boolean);
    const msg = `${parts.join(' and ')} in job ${jobId}`;
    const hint = [
      counts.unknown ? `'deskctl bulk resume ${jobId}' checks the unknown ones on the helpdesk and sends only where the reply is missing` : '',
      counts.failed ? `retry the failed ones with 'deskctl bulk resume ${jobId} --retry-failed'` : '',
      `details: 'deskctl bulk status ${jobId}'`,
    ]
      .filter(Boolean)
      .join('; ');
    // partial (3) when some tickets changed at all: done, or failed after the reply or part of the changes went through
    throw counts.done === 0 && !(await journal.partlyApplied(jobId)) ? new DeskctlError(msg, { hint }) : new PartialFailure(msg, hint);
  }
}

const FIELDS_HINT = 'a --dry-run lists tickets; the run prints one job object (see docs/json.md)';

export function register(program: Command, context: ContextFactory): void {
  const bulk = program.command('bulk').description('Reply to or update many tickets at once, safely and resumably');
  examples(bulk, [
    'deskctl bulk reply --template delay-apology --tag delivery --status open --dry-run',
    'deskctl bulk update --where tag=spam --status closed --yes',
    'deskctl bulk status',
    'deskctl bulk resume k7m2qx',
  ]);

  // ---------------------------------------------------------------- reply
  const reply = addOutputOptions(
    addRunOptions(
      addSelectionOptions(
        addTicketFilterOptions(
          bulk
            .command('reply')
            .description('Send a reply template to every selected ticket, exactly once each')
            .requiredOption('-t, --template <name>', 'template name (see deskctl templates list) or .liquid file'),
        ),
      ).option('--skip-invalid', 'send to the tickets that render and skip (and report) the others'),
    ),
  );
  addRepeatOptions(reply);
  reply.action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const view = await import('../src/bulk/view.js');
    (await import('../src/output/validate.js')).validateFields(flags, o.dryRun ? view.dryRunSpec : JOB_RESULT_SPEC, FIELDS_HINT);
    const { parsed, sel } = parseSelection(o, o as FilterFlags, ctx.clock.now());
    checkConfirmable(ctx, o, 'reply');
    const policy = await repeatPolicy(ctx, o);
    const file = await readSelectionFile(sel);
    const { loadTemplate, templateDirs, checkTemplateSupport, templateActionsToPatch } = await import('../src/templates/index.js');
    const template = await loadTemplate(String(o.template), templateDirs(ctx));
    const provider = await ctx.provider();
    checkTemplateSupport(template, provider);
    const patch = await templateActionsToPatch(template.actions, provider);
    const concurrency = await concurrencyFor(ctx, o, provider);
    const selected = await loadSelection(ctx, provider, parsed, sel, file, concurrency);
    if (!selected.tickets.length && !selected.missing.length) throw new DeskctlError('no tickets match the selection', { hint: 'check the filters with deskctl tickets list' });

    const { renderAll } = await import('../src/bulk/selection.js');
    const { createProgress } = await import('../src/bulk/progress.js');
    const agent = await provider.currentAgent();
    const profile = await ctx.profile();
    const progress = await createProgress(ctx.io, selected.tickets.length, 'Rendering');
    const rendered = await renderAll(provider, template, selected.tickets, {
      agent,
      signature: profile.signature,
      rows: selected.rows,
      now: ctx.clock.now(),
      concurrency,
      onProgress: (d) => progress.update(d),
    }).finally(() => progress.stop());
    const ready = rendered.filter((r) => r.body !== undefined);
    const invalid = rendered.filter((r) => r.body === undefined);
    const problems = invalid.length + selected.missing.length;
    const agents = patch.assigneeId ? await provider.listAgents() : [];
    const changes = view.describePatch(patch, (id) => agents.find((a) => a.id === id)?.name);

    if (problems) {
      ctx.io.warn(`${problems} of ${rendered.length + selected.missing.length} tickets cannot get this reply:`);
      for (const l of view.failureLines(invalid, selected.missing)) ctx.io.info(l);
    }

    // the sent ledger, other runs' claims and the conversations: who already got it
    const { findRepeats } = await import('../src/store/repeats.js');
    const readToRender = new Map(ready.map((r) => [r.ticket.id, r.comments]));
    const ledger = await (await ctx.store()).ledger(() => ctx.clock.now());
    const repeats = await findRepeats(
      ledger,
      provider,
      ready.map((r) => ({ ticketId: r.ticket.id, template: template.name, body: r.body!, public: template.public })),
      // a conversation read to render the template is not read again
      { since: policy.since(), holderId: null, allowRepeat: policy.allowRepeat, concurrency, comments: (id) => readToRender.get(id) },
    );
    const toSend = ready.filter((r) => !repeats.has(r.ticket.id));
    repeatNotice(ctx, [...repeats.values()], policy.allowRepeat);

    if (o.dryRun) {
      const rows = [
        ...rendered.map((r) => ({
          ticketId: r.ticket.id,
          requester: r.ticket.requester,
          subject: r.ticket.subject,
          result: (r.body === undefined ? 'invalid' : repeats.has(r.ticket.id) ? 'skipped' : 'ready') as 'ready' | 'invalid' | 'skipped',
          body: r.body ?? null,
          error: r.error ?? repeats.get(r.ticket.id)?.reason ?? null,
          variable: r.variable ?? null,
        })),
        ...selected.missing.map((m) => ({ ticketId: m.id, requester: null, subject: '', result: 'not found' as const, body: null, error: m.error, variable: null })),
      ];
      if (ctx.output.format(flags) === 'table' && toSend.length) {
        ctx.io.info(view.replyPreviewText({ template: template.name, public: template.public, ready: toSend, invalid, missing: selected.missing, changes, repeats: repeats.size }, ctx.io.errColor, ctx.io.columns));
      }
      ctx.output.list(rows, view.dryRunSpec, flags);
      ctx.io.info(`Dry run: ${toSend.length} ready, ${repeats.size ? `${repeats.size} already sent, ` : ''}${problems} cannot be sent. Nothing was sent.`);
      if (problems && !o.skipInvalid) throw new DeskctlError(`${problems} ticket${problems === 1 ? '' : 's'} cannot get this reply`, { hint: 'fix the template, or pass --skip-invalid to send to the others' });
      return;
    }

    if (problems && !o.skipInvalid) {
      const first = invalid[0];
      const msg = first?.variable
        ? `template '${template.name}' needs {{ ${first.variable} }} and ticket ${first.ticket.id} has no value for it; ${problems} of ${rendered.length + selected.missing.length} replies cannot be rendered, nothing was sent`
        : `${problems} of ${rendered.length + selected.missing.length} tickets cannot get this reply (first: ${first ? `#${first.ticket.id}: ${first.error}` : `#${selected.missing[0]!.id}: ${selected.missing[0]!.error}`}); nothing was sent`;
      const fix = first ? `fix the template (deskctl templates preview ${template.name} --ticket ${first.ticket.id})` : 'fix the selection';
      throw new DeskctlError(msg, { hint: ready.length ? `${fix}, or pass --skip-invalid to send to the other ${ready.length}` : fix });
    }
    if (!ready.length) throw new DeskctlError('no ticket can get this reply; nothing was sent');
    if (!toSend.length) {
      // not a failure: the message is already where it should be
      ctx.output.record({ id: null, state: 'done', template: template.name, total: 0, skipped: [...repeats.values()] }, () => `Nothing to send: ${plural(repeats.size, 'ticket')} already got '${template.name}'.`, flags, JOB_RESULT_SPEC);
      return;
    }

    ctx.io.info(view.replyPreviewText({ template: template.name, public: template.public, ready: toSend, invalid, missing: selected.missing, changes, repeats: repeats.size }, ctx.io.errColor, ctx.io.columns));
    if (!o.yes && !(await confirm(ctx, `Send ${template.public ? plural(toSend.length, 'reply', 'replies') : plural(toSend.length, 'note')}${changes ? ` (then ${changes})` : ''}?`))) {
      ctx.io.info('Nothing was sent.');
      return;
    }
    const journal = await openJournal(ctx);
    const job = await journal.createJob({
      kind: 'reply',
      template: template.name,
      public: template.public,
      patch,
      selection: selected.description,
      concurrency,
      allowRepeat: policy.allowRepeat,
      repeatWindowMs: policy.windowMs,
      items: [
        ...toSend.map((r) => ({ ticketId: r.ticket.id, body: r.body })),
        ...[...repeats.values()].map((r) => ({ ticketId: r.ticketId, skipped: r.reason })),
        ...invalid.map((r) => ({ ticketId: r.ticket.id, skipped: r.error ?? 'could not be rendered' })),
        ...selected.missing.map((m) => ({ ticketId: m.id, skipped: m.error })),
      ],
    });
    // claimed before the first send: a run that started meanwhile keeps the tickets it claimed first
    const ledgerRun = await openLedgerRun(ctx, job);
    for (const r of repeats.values()) ledgerRun.skips.set(r.ticketId, r);
    for (const r of await ledgerRun.claimAll(await journal.items(job.id, ['pending']))) await journal.markSkipped(job.id, r.ticketId, r.reason);
    ctx.io.info(`Started job ${job.id} (if it is interrupted: deskctl bulk resume ${job.id}).`);
    await runJob(ctx, provider, job.id, concurrency, flags, false, ledgerRun);
  });
  examples(reply, [
    'deskctl bulk reply --template delay-apology --tag delivery --status open --dry-run',
    'deskctl bulk reply -t delay-apology --tag delivery --status open',
    'deskctl bulk reply -t outage-resolved --ids-file affected.txt --yes',
    'deskctl bulk reply -t shipping-update --ids-file shipped.csv --skip-invalid --yes   # CSV: id,tracking_url',
    'deskctl bulk reply -t need-more-info --ids 101,102,103 --dry-run --json | jq -r .[].body',
    'deskctl bulk reply -t acknowledgement --ids 600,601 --allow-repeat --yes   # even to tickets that already got it',
  ]);

  // ---------------------------------------------------------------- update
  const update = addOutputOptions(
    addRunOptions(
      addSelectionOptions(
        addPatchOptions(bulk.command('update').description('Change status, priority, assignee, group or tags of every selected ticket'))
          .option('--where <filter=value>', 'select with a tickets list filter, e.g. status=open, tag=delivery, created-since=7d, cf.order_number=ORD-1 (repeatable)', (v: string, prev: string[] = []) => [...prev, v]),
      ),
    ),
  );
  update.action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    (await import('../src/output/validate.js')).validateFields(flags, o.dryRun ? (await import('../src/output/views/tickets.js')).bulkUpdateDryRunSpec(() => ctx.clock.now(), '') : JOB_RESULT_SPEC, FIELDS_HINT);
    const refs = parsePatchFlags(o);
    const { isEmptyPatch, resolvePatch } = await import('../src/tickets/service.js');
    if (isEmptyPatch({ ...refs, assigneeId: refs.assignee })) {
      throw new UsageError('nothing to change', 'give at least one of --status --priority --assignee --group --add-tag --remove-tag');
    }
    const filters = parseWhere(o.where as string[] | undefined, {});
    const { parsed, sel } = parseSelection(o, filters, ctx.clock.now());
    checkConfirmable(ctx, o, 'update');
    const file = await readSelectionFile(sel);
    const provider = await ctx.provider();
    const patch: TicketPatch = await resolvePatch(provider, refs);
    const concurrency = await concurrencyFor(ctx, o, provider);
    const selected = await loadSelection(ctx, provider, parsed, sel, file, concurrency, true);
    const view = await import('../src/bulk/view.js');
    const agents = patch.assigneeId ? await provider.listAgents() : [];
    const changes = view.describePatch(patch, (id) => agents.find((a) => a.id === id)?.name);
    if (selected.missing.length) {
      ctx.io.warn(`${selected.missing.length} ticket${selected.missing.length === 1 ? '' : 's'} cannot be found and will be skipped:`);
      for (const l of view.failureLines([], selected.missing)) ctx.io.info(l);
    }
    if (!selected.tickets.length) throw new DeskctlError('no tickets match the selection', { hint: 'check the filters with deskctl tickets list' });
    if (o.dryRun) {
      // the tickets as `tickets list` shows them, plus the change each would get
      const { bulkUpdateDryRunSpec } = await import('../src/output/views/tickets.js');
      ctx.output.list(selected.tickets, bulkUpdateDryRunSpec(() => ctx.clock.now(), changes), flags);
      ctx.io.info(`Dry run: ${plural(selected.tickets.length, 'ticket')} would change (${changes}). Nothing was changed.`);
      return;
    }
    ctx.io.info(`${ctx.io.errColor.bold(plural(selected.tickets.length, 'ticket'))} will change: ${changes}`);
    // which ones, before asking: the first few (all of them with --dry-run)
    if (!o.yes) {
      const c = ctx.io.errColor;
      const shown = selected.tickets.slice(0, 8);
      for (const t of shown) ctx.io.info(`  ${c.cyan(`#${t.id}`)} ${truncate(t.subject, Math.max(20, ctx.io.columns - 12 - t.id.length))}`);
      if (selected.tickets.length > shown.length) ctx.io.info(c.dim(`  … and ${selected.tickets.length - shown.length} more (see them all with --dry-run)`));
    }
    if (!o.yes && !(await confirm(ctx, `Update ${plural(selected.tickets.length, 'ticket')}?`))) {
      ctx.io.info('Nothing was changed.');
      return;
    }
    const journal = await openJournal(ctx);
    const job = await journal.createJob({
      kind: 'update',
      patch,
      selection: selected.description,
      concurrency,
      items: [...selected.tickets.map((t) => ({ ticketId: t.id })), ...selected.missing.map((m) => ({ ticketId: m.id, skipped: m.error }))],
    });
    ctx.io.info(`Started job ${job.id} (if it is interrupted: deskctl bulk resume ${job.id}).`);
    await runJob(ctx, provider, job.id, concurrency, flags);
  });
  examples(update, [
    'deskctl bulk update --where status=pending --where updated-since=30d --status solved --dry-run',
    'deskctl bulk update --where tag=outage --add-tag outage-2026-11 --priority high --yes',
    'deskctl bulk update --ids-file handover.txt --assignee maya@example.com --group Billing',
  ]);

  // ---------------------------------------------------------------- resume
  const resume = addOutputOptions(
    bulk
      .command('resume')
      .argument('<job>', 'job id (see deskctl bulk status)')
      .description('Continue an interrupted job without sending anything twice')
      .option('--concurrency <n>', 'requests in flight at once (default: as when the job started)')
      .option('--retry-failed', 'also retry the tickets that failed (each is checked on the helpdesk first)'),
  );
  resume.action(async (jobId: string, o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    (await import('../src/output/validate.js')).validateFields(flags, JOB_RESULT_SPEC);
    const concurrencyFlag = o.concurrency !== undefined ? parsePositiveInt(String(o.concurrency), '--concurrency') : undefined;
    const journal = await openJournal(ctx);
    const job = await journal.getJob(jobId);
    const c = await journal.counts(jobId);
    const open = openCount(c) + (o.retryFailed ? c.failed : 0);
    if (open === 0) {
      const { jobJson } = await import('../src/bulk/view.js');
      ctx.io.info(`Job ${jobId} has nothing left to do (${job.state}: ${c.done} done, ${c.failed} failed, ${c.skipped} skipped).${c.failed && !o.retryFailed ? ' Use --retry-failed to try the failed ones again.' : ''}`);
      ctx.output.record({ ...jobJson(job), counts: c }, () => `Job ${jobId}: ${job.state}`, flags, JOB_RESULT_SPEC);
      return;
    }
    const unsure = c.intent + c.unknown;
    if (unsure) ctx.io.info(`${unsure} ticket${unsure === 1 ? ' has' : 's have'} an unconfirmed or unknown outcome; checking the helpdesk before sending again.`);
    const provider = await ctx.provider();
    await runJob(ctx, provider, jobId, concurrencyFlag ?? job.concurrency, flags, Boolean(o.retryFailed));
  });
  examples(resume, ['deskctl bulk resume k7m2qx', 'deskctl bulk resume k7m2qx --retry-failed']);

  // ---------------------------------------------------------------- status
  const status = addOutputOptions(
    bulk
      .command('status')
      .argument('[job]', 'a job id: its per-ticket outcomes (default: list the jobs)')
      .description('List bulk jobs, or show what happened to each ticket of one job')
      .option('--failed', 'only the tickets that failed, have an unknown outcome or were skipped')
      .option('--failed-out <file>', 'write the failed, unknown and skipped ticket ids with the reason as CSV (id,state,reason)')
      .option('-L, --limit <n>', 'at most N jobs (default 20)'),
  );
  status.action(async (jobId: string | undefined, o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const limit = o.limit !== undefined ? parsePositiveInt(String(o.limit), '--limit') : 20;
    if (o.failedOut && !jobId) throw new UsageError('--failed-out needs a job id', 'deskctl bulk status JOB --failed-out failed.csv');
    const view = await import('../src/bulk/view.js');
    const journal = await openJournal(ctx);
    if (!jobId) {
      const rows = await Promise.all((await journal.listJobs(limit)).map(async (job) => ({ job, counts: await journal.counts(job.id) })));
      ctx.output.list(rows, view.jobListSpec, flags);
      return;
    }
    const job = await journal.getJob(jobId);
    const items = await journal.items(jobId, o.failed ? ['failed', 'unknown', 'skipped'] : undefined);
    if (o.failedOut) {
      const { writeFileAtomic } = await import('../src/output/file.js');
      const { stringify } = await import('csv-stringify/sync');
      const bad = await journal.items(jobId, ['failed', 'unknown', 'skipped']);
      writeFileAtomic(String(o.failedOut), stringify(bad.map((i) => [i.ticketId, i.state, i.error ?? '']), { header: true, columns: ['id', 'state', 'reason'] }));
      ctx.io.info(`Wrote ${bad.length} ticket${bad.length === 1 ? '' : 's'} to ${String(o.failedOut)}`);
    }
    const c = await journal.counts(jobId);
    if (ctx.output.format(flags) === 'table') {
      ctx.io.info(
        `Job ${job.id} (${job.kind}${job.template ? ` '${job.template}'` : ''}${view.describePatch(job.patch) ? `, ${view.describePatch(job.patch)}` : ''}): ${job.state}${view.runBy(job)}; ` +
          `${c.done} done, ${c.failed} failed, ${c.unknown ? `${c.unknown} unknown (resume checks them), ` : ''}${c.skipped} skipped, ${openCount(c) - c.unknown} open of ${c.total}. Selection: ${job.selection}`,
      );
    }
    ctx.output.list(items, view.itemListSpec, flags);
  });
  examples(status, ['deskctl bulk status', 'deskctl bulk status k7m2qx', 'deskctl bulk status k7m2qx --failed-out failed.csv', 'deskctl bulk status k7m2qx --json']);
}
