import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { Context } from '../src/context.js';
import type { Ticket } from '../src/domain/model.js';
import { parseIds, parsePositiveInt } from '../src/domain/parse.js';
import { UNASSIGNED, type TicketQuery } from '../src/domain/query.js';
import { DeskctlError, PartialFailure, UsageError } from '../src/errors.js';
import type { ListSpec, OutputFlags } from '../src/output/format.js';
import { plural } from '../src/output/formatters.js';
import type { LogRow } from '../src/triage/store.js';
import { addTicketFilterOptions, hasAnyFilter, parseFilterFlags, resolveQuery, type FilterFlags } from './_shared/filters.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';
import { parseSort } from './tickets.js';

/** One ticket of `triage apply`: the rules that matched and the changes, planned or applied. */
interface ApplyRow {
  ticketId: string;
  subject: string;
  rules: string[];
  result: 'would change' | 'applied' | 'partly applied' | 'failed';
  changes: { rule: string; kind: string; change: string; result: 'would change' | 'applied' | 'already done' | 'failed' | 'not applied'; error?: string }[];
  error?: string;
}

const applySpec: ListSpec<ApplyRow> = {
  columns: [
    { key: 'ticketId', header: 'ticket', value: (r) => r.ticketId, cell: (r, c) => c.cyan(`#${r.ticketId}`), align: 'right', aliases: ['ticket'] },
    { key: 'subject', header: 'subject', value: (r) => r.subject, flex: true },
    { key: 'rules', header: 'rule', value: (r) => r.rules, cell: (r) => r.rules.join(', '), flex: true },
    {
      key: 'changes',
      header: 'changes',
      value: (r) => r.changes,
      cell: (r, c) => r.changes.map((x) => (x.result === 'failed' || x.result === 'not applied' ? c.red(x.change) : x.change)).join('; '),
      flex: true,
    },
    {
      key: 'result',
      header: 'result',
      value: (r) => r.result,
      cell: (r, c) => (r.result === 'failed' ? c.red(r.result) : r.result === 'applied' ? c.green(r.result) : c.yellow(r.result)),
    },
    { key: 'error', header: 'error', value: (r) => r.error ?? null, flex: true },
  ],
  defaultFields: ['ticketId', 'rules', 'changes', 'result'],
  emptyMessage: 'Nothing to change: every ticket is already as the rules want.',
};

/** On a terminal the plan reads best one change per line, the ticket id on its first line only. */
interface ChangeLine {
  ticketId: string;
  first: boolean;
  rule: string;
  change: string;
  result: string;
}

const changeLineSpec = (withResult: boolean): ListSpec<ChangeLine> => ({
  columns: [
    { key: 'ticketId', header: 'ticket', value: (r) => r.ticketId, cell: (r, c) => (r.first ? c.cyan(`#${r.ticketId}`) : ''), align: 'right' },
    { key: 'rule', header: 'rule', value: (r) => r.rule, cell: (r, c) => c.dim(r.rule), flex: true, min: 12 },
    {
      key: 'change',
      header: 'change',
      value: (r) => r.change,
      cell: (r, c) => (r.result === 'failed' || r.result === 'not applied' ? c.red(r.change) : r.change),
      flex: true,
      min: 30,
    },
    {
      key: 'result',
      header: 'result',
      value: (r) => r.result,
      cell: (r, c) => (r.result === 'failed' || r.result === 'not applied' ? c.red(r.result) : r.result === 'applied' ? c.green(r.result) : c.dim(r.result)),
    },
  ],
  defaultFields: withResult ? ['ticketId', 'rule', 'change', 'result'] : ['ticketId', 'rule', 'change'],
  emptyMessage: applySpec.emptyMessage,
});

function listApply(ctx: Context, rows: ApplyRow[], flags: OutputFlags, withResult: boolean): void {
  if (ctx.output.format(flags) !== 'table' || flags.fields || flags.out) {
    ctx.output.list(rows, applySpec, flags);
    return;
  }
  const lines: ChangeLine[] = rows.flatMap((r) => [
    ...r.changes.map((x, i) => ({ ticketId: r.ticketId, first: i === 0, rule: x.rule, change: x.change, result: x.result })),
    ...(r.error ? [{ ticketId: r.ticketId, first: !r.changes.length, rule: '', change: r.error, result: 'failed' }] : []),
  ]);
  ctx.output.list(lines, changeLineSpec(withResult), flags);
}

const logSpec = (describeLogDetail: (detail: unknown) => string): ListSpec<LogRow> => ({
  columns: [
    { key: 'at', header: 'at', value: (r) => r.at, cell: (r) => `${r.at.slice(0, 10)} ${r.at.slice(11, 19)}` },
    { key: 'source', header: 'source', value: (r) => r.source },
    { key: 'ticketId', header: 'ticket', value: (r) => r.ticketId, cell: (r, c) => c.cyan(`#${r.ticketId}`), align: 'right', aliases: ['ticket'] },
    { key: 'action', header: 'action', value: (r) => r.action },
    { key: 'detail', header: 'detail', value: (r) => r.detail, cell: (r) => describeLogDetail(r.detail), flex: true },
    { key: 'session', header: 'session', value: (r) => r.session },
  ],
  defaultFields: ['at', 'source', 'ticketId', 'action', 'detail'],
  emptyMessage: 'Triage has not done anything in this profile yet.',
});

const DEFAULT_STATUSES = ['unsolved'];

async function triageTools(ctx: Context) {
  const [{ profileSentiment }, { resolveSlaTargets }, { TriageJournal }] = await Promise.all([
    import('../src/triage/sentiment-store.js'),
    import('../src/triage/sla.js'),
    import('../src/triage/store.js'),
  ]);
  const [profile, store] = await Promise.all([ctx.profile(), ctx.store()]);
  const [{ analyze, model }, journal] = await Promise.all([profileSentiment(store), TriageJournal.open(store)]);
  return { analyze, model, profile, targets: resolveSlaTargets(profile.sla), journal, store };
}

export function register(program: Command, context: ContextFactory): void {
  const triage = program.command('triage').description('Walk the queue interactively, or apply triage rules (`deskctl triage` = `deskctl triage walk`)');
  const walk = triage
    .command('walk', { isDefault: true })
    .description('Walk the queue one ticket at a time, most urgent first, acting with one key (needs a terminal)')
    .option('--any-assignee', 'include tickets assigned to others (default: unassigned or mine)')
    .option('--sort <field[:dir]>', 'queue order (default urgency)')
    .option('--sla <state>', 'only tickets whose first-response SLA is: breached, at-risk, ok, met')
    .option('-L, --limit <n>', 'at most N tickets in the queue');
  addTicketFilterOptions(walk).action(async (o: FilterFlags & Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const sort = parseSort((o.sort as string | undefined) ?? 'urgency');
    const limit = o.limit ? parsePositiveInt(String(o.limit), '--limit') : Infinity;
    const parsed = parseFilterFlags({ ...o, status: o.status?.length ? o.status : DEFAULT_STATUSES }, ctx.clock.now());
    const { triageListing } = await import('../src/triage/list.js');
    const listing = triageListing(ctx, o.sla); // validates --sla
    if (!ctx.io.interactive) {
      throw new UsageError('triage walks the queue interactively and needs a terminal', "to triage from scripts or cron, use 'deskctl triage apply --rules FILE --yes'");
    }
    const provider = await ctx.provider();
    const me = await provider.currentAgent();
    let query: TicketQuery = await resolveQuery(parsed, provider);
    if (!o.assignee?.length && !o.anyAssignee) query = { ...query, assigneeIds: me ? [UNASSIGNED, me.id] : [UNASSIGNED] };

    const tools = await triageTools(ctx);
    const queue = await listing.find(provider, query, { sort, limit });
    if (!queue.length) {
      ctx.io.info(hasAnyFilter(o) ? 'No tickets match.' : 'The queue is empty: nothing unsolved is unassigned or yours. Try --any-assignee.');
      return;
    }
    const { walkQueue } = await import('../src/triage/walk.js');
    const { renderSummary } = await import('../src/triage/view.js');
    const templatesMod = await import('../src/templates/index.js');
    const { renderFor } = await import('../src/triage/service.js');
    const dirs = templatesMod.templateDirs(ctx);
    const rc = { provider, agent: me, signature: tools.profile.signature, now: () => ctx.clock.now() };
    let followups: typeof import('../src/followups/index.js') | undefined;
    try {
      followups = await import('../src/followups/index.js');
    } catch {
      followups = undefined;
    }
    const session = randomUUID();
    ctx.io.info(`${plural(queue.length, 'ticket')} in the queue, ${sort?.field === 'urgency' ? 'most urgent first' : `by ${sort?.field}`}.`);
    const keys = ['r reply', 'n note', 'a assign', ...(provider.capabilities.priority ? ['p priority'] : []), ...(provider.capabilities.tags ? ['t tags'] : []), 'z snooze', 's solve', 'k/Enter skip', 'b back', 'q quit', 'h help'];
    // wrapped between keys, never inside one
    const keyLines = keys.reduce<string[]>((lines, k, i) => {
      const item = `${k}${i < keys.length - 1 ? ',' : '.'}`;
      const last = lines[lines.length - 1]!;
      if (last.length + 1 + item.length > Math.min(ctx.io.columns, 110)) lines.push(`      ${item}`);
      else lines[lines.length - 1] = `${last} ${item}`;
      return lines;
    }, ['Keys:']);
    ctx.io.info(ctx.io.errColor.dim(keyLines.join('\n')));
    const result = await walkQueue(queue, {
      provider,
      prompts: await ctx.prompts('--yes'),
      print: (text) => ctx.output.text(text),
      color: ctx.io.color,
      width: ctx.io.columns,
      now: () => ctx.clock.now(),
      targets: tools.targets,
      analyze: tools.analyze,
      journal: tools.journal,
      session,
      me,
      templates: () => templatesMod.listTemplates(dirs),
      renderTemplate: (t, ticket, comments) => renderFor(t, ticket, rc, comments),
      sendTemplate: async (t, ticket, comments) => (await templatesMod.sendTemplate(provider, ticket, t, { comments, agent: me, signature: tools.profile.signature, now: ctx.clock.now() })).ticket,
      snooze: followups
        ? async (ticket, when) => {
            const f = followups!;
            const now = ctx.clock.now();
            const tz = f.systemTimeZone();
            const dueAt = await f.parseAt(when, now, tz, 'snooze time');
            if (dueAt.getTime() <= now.getTime()) throw new UsageError(`'${when}' is in the past`, 'give a time in the future');
            // wake-up: a follow-up that reopens the ticket unless the customer writes first
            await f.scheduleFollowup(tools.store, {
              ticketId: ticket.id,
              dueAt,
              now,
              tz,
              scheduledBy: me?.email ?? me?.name ?? null,
              source: 'snooze',
              note: 'snoozed in triage',
              setStatus: 'open',
              addTags: ['snoozed'],
            });
            const updated = ticket.status === 'pending' ? ticket : await provider.updateTicket(ticket.id, { status: 'pending' });
            return { ticket: updated, text: `pending until ${f.formatInZone(dueAt, tz)}` };
          }
        : undefined,
    });
    ctx.output.text(renderSummary(result.actions, result.seen, queue.length, ctx.io.color));
  });
  examples(walk, [
    'deskctl triage                                 # unassigned or mine, unsolved, most urgent first',
    'deskctl triage --channel chat --any-assignee',
    'deskctl triage --group Billing --sort sla',
    'deskctl triage --sla breached,at-risk',
    'deskctl triage apply --rules examples/triage-rules.yaml --dry-run',
  ]);
  examples(triage, [
    'deskctl triage                                      # unassigned or mine, most urgent first',
    'deskctl triage --channel chat --any-assignee',
    'deskctl triage apply --rules rules.yaml --dry-run   # preview what the rules change',
    'deskctl triage apply --rules rules.yaml --yes       # from cron',
  ]);

  const apply = triage
    .command('apply')
    .description('Apply YAML triage rules to tickets (preview first; --yes for cron)')
    .requiredOption('-r, --rules <file>', 'rules file (YAML); see examples/triage-rules.yaml')
    .option('-n, --dry-run', 'show which rule matches each ticket and what would change; change nothing')
    .option('-y, --yes', 'apply without asking (for cron and scripts)')
    .option('--mode <mode>', 'override the file: first-match or all-match')
    .option('-L, --limit <n>', 'look at N tickets at most (in the helpdesk\'s listing order)');
  addOutputOptions(addTicketFilterOptions(apply)).action(async (o: FilterFlags & Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    const dryRun = Boolean(o.dryRun);
    if (dryRun && o.yes) throw new UsageError('--dry-run and --yes disagree', 'give only one of them');
    if (!dryRun && !o.yes && !ctx.io.interactive) {
      throw new UsageError('triage apply changes tickets and there is no terminal to confirm on', 'pass --yes to apply, or --dry-run to preview');
    }
    const mode = o.mode === undefined ? undefined : String(o.mode);
    if (mode !== undefined && mode !== 'first-match' && mode !== 'all-match') throw new UsageError(`invalid --mode '${mode}'`, 'use first-match or all-match');
    const limit = o.limit ? parsePositiveInt(String(o.limit), '--limit') : Infinity;
    const parsed = parseFilterFlags({ ...o, status: o.status?.length ? o.status : DEFAULT_STATUSES }, ctx.clock.now());
    ctx.output.format(flags);
    (await import('../src/output/validate.js')).validateFields(flags, applySpec);
    const file = String(o.rules);
    const { readRulesFile, loadRules, commentRenderer, templateEffects } = await import('../src/triage/service.js');
    const text = readRulesFile(file);
    // a bad file is reported before the helpdesk is touched
    const { parseRules } = await import('../src/triage/rules.js');
    const set = await parseRules(text, file);

    const provider = await ctx.provider();
    const loaded = await loadRules(ctx, provider, set);
    for (const w of loaded.warnings) ctx.io.warn(w);
    if (mode) loaded.set.mode = mode;
    const query = await resolveQuery(parsed, provider);
    const tools = await triageTools(ctx);
    const { collect } = await import('../src/providers/provider.js');
    const { planRules, executePlans } = await import('../src/triage/apply.js');
    const { describeChange } = await import('../src/triage/plan.js');
    const tickets: Ticket[] = await collect(provider.listTickets(query), limit);
    const now = ctx.clock.now();
    const concurrency = (await ctx.profile()).concurrency ?? provider.capabilities.defaultConcurrency;
    const plan = await planRules(loaded.set, tickets, {
      provider,
      journal: tools.journal,
      now,
      targets: tools.targets,
      analyze: tools.analyze,
      assignees: loaded.assignees,
      concurrency,
    });
    for (const u of plan.unstable) {
      ctx.io.warn(`#${u.ticketId}: the rules disagree; a second run would change it again (${u.changes.map(describeChange).join(', ')}). Make the conditions exclusive.`);
    }
    const describe = (c: Parameters<typeof describeChange>[0]) =>
      describeChange(c) + (c.kind === 'reply' || (c.kind === 'note' && c.template) ? templateEffects(loaded.templates.get(c.template!)) : '');
    const changing = plan.plans.filter((p) => p.changes.length);
    const planned: ApplyRow[] = changing.map((p) => ({
      ticketId: p.ticket.id,
      subject: p.ticket.subject,
      rules: p.rules,
      result: 'would change',
      changes: p.changes.map((c) => ({ rule: c.rule, kind: c.kind, change: describe(c), result: 'would change' as const })),
    }));
    const changeCount = planned.reduce((n, r) => n + r.changes.length, 0);
    const matchedOnly = plan.plans.filter((p) => p.rules.length && !p.changes.length).length;
    const summary = `${plural(changeCount, 'change')} on ${plural(changing.length, 'ticket')}; ${plural(tickets.length, 'ticket')} checked, ${matchedOnly} already as the rules want`;

    if (dryRun) {
      listApply(ctx, planned, flags, false);
      ctx.io.info(`Dry run: ${summary}. Nothing was changed.`);
      return;
    }
    if (!planned.length) {
      ctx.output.list([], applySpec, flags);
      if (ctx.output.format(flags) !== 'table') ctx.io.info(`Nothing to change; ${plural(tickets.length, 'ticket')} checked.`);
      return;
    }
    if (!o.yes) {
      listApply(ctx, planned, { format: 'table' }, false);
      const prompts = await ctx.prompts('--yes');
      const ok = await prompts.confirm({ message: `Apply ${plural(changeCount, 'change')} to ${plural(changing.length, 'ticket')}?`, default: false });
      if (!ok) {
        ctx.io.info('Nothing was changed.');
        return;
      }
    }
    const rc = { provider, agent: await provider.currentAgent(), signature: tools.profile.signature, now: () => ctx.clock.now() };
    const byId = new Map(plan.plans.map((p) => [p.ticket.id, p]));
    const { sendGuard, repeatWindowMs } = await import('../src/store/repeats.js');
    const since = new Date(ctx.clock.now().getTime() - repeatWindowMs(undefined, tools.profile.repeatWindow));
    const ledger = sendGuard(await (await ctx.store()).ledger(() => ctx.clock.now()), 'triage', 'triage apply', since, () => ctx.clock.now());
    const results = await executePlans(plan.plans, {
      provider,
      journal: tools.journal,
      render: commentRenderer(rc, loaded.templates),
      now: () => ctx.clock.now(),
      session: randomUUID(),
      concurrency,
      ledger,
    }).finally(() => ledger.stop());
    const rows: ApplyRow[] = results.map((r) => {
      const p = byId.get(r.ticketId)!;
      const changes = p.changes.map((c) => {
        const refused = r.failed.find((f) => f.change === c);
        return {
          rule: c.rule,
          kind: c.kind,
          change: describe(c),
          result: r.applied.includes(c) ? ('applied' as const) : r.alreadyDone.includes(c) ? ('already done' as const) : refused || r.error ? ('failed' as const) : ('not applied' as const),
          ...(refused ? { error: refused.error } : {}),
        };
      });
      const ok = changes.filter((c) => c.result === 'applied' || c.result === 'already done').length;
      return {
        ticketId: r.ticketId,
        subject: p.ticket.subject,
        rules: p.rules,
        result: !r.error ? 'applied' : ok ? 'partly applied' : 'failed',
        changes,
        ...(r.error ? { error: r.error } : {}),
      };
    });
    listApply(ctx, rows, flags, true);
    const count = (result: string) => rows.reduce((n, r) => n + r.changes.filter((c) => c.result === result).length, 0);
    const appliedCount = count('applied');
    const failedCount = rows.reduce((n, r) => n + r.changes.filter((c) => c.result === 'failed' || c.result === 'not applied').length, 0);
    const touched = rows.filter((r) => r.result !== 'failed').length;
    const withFailures = rows.filter((r) => r.result !== 'applied');
    ctx.io.info(
      `Applied ${plural(appliedCount, 'change')} to ${plural(touched, 'ticket')}${failedCount ? `; ${plural(failedCount, 'change')} failed on ${plural(withFailures.length, 'ticket')}` : ''}; ${plural(tickets.length, 'ticket')} checked, ${matchedOnly} already as the rules want`,
    );
    if (withFailures.length) {
      const ids = withFailures.map((f) => `#${f.ticketId}${f.result === 'partly applied' ? ' (partly)' : ''}`).join(', ');
      const nothing = rows.every((r) => r.result === 'failed') && !count('already done');
      if (nothing) throw new DeskctlError(`every ticket failed: ${withFailures[0]!.error}`, { hint: 'nothing was changed on those tickets; fix the cause and run again' });
      throw new PartialFailure(
        `${plural(failedCount, 'change')} failed on ${withFailures.length} of ${plural(results.length, 'ticket')}: ${ids}`,
        'the other changes were applied (see the list above or triage log); fix the cause and run the same command again: what was done is skipped',
      );
    }
  });
  registerSentimentCommands(triage, context);

  const log = triage
    .command('log')
    .description('Show what triage did: actions of the interactive walk and of triage apply, oldest first')
    .option('--ticket <id>', 'only this ticket')
    .option('--source <source>', 'walk or apply')
    .option('-L, --limit <n>', 'the latest N entries (default 50)');
  addOutputOptions(log).action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    const source = o.source === undefined ? undefined : String(o.source);
    if (source !== undefined && source !== 'walk' && source !== 'apply') throw new UsageError(`invalid --source '${source}'`, 'use walk or apply');
    const ticketId = o.ticket === undefined ? undefined : parseIds(String(o.ticket))[0];
    const limit = o.limit ? parsePositiveInt(String(o.limit), '--limit') : 50;
    ctx.output.format(flags);
    const [{ TriageJournal }, { describeLogDetail }] = await Promise.all([import('../src/triage/store.js'), import('../src/triage/view.js')]);
    let rows = await (await TriageJournal.open(await ctx.store())).entries({ ticketId, source: source as 'walk' | 'apply' | undefined, limit });
    const isAssign = (r: LogRow) => r.action === 'assign' && typeof r.detail === 'object' && r.detail !== null && !Array.isArray(r.detail);
    if (ctx.output.format(flags) === 'table' && !flags.fields && rows.some(isAssign)) {
      // on a terminal, agents by name rather than by id (the JSON keeps the ids)
      const names = await ctx
        .provider()
        .then((p) => p.listAgents())
        .then((agents) => new Map(agents.map((a) => [a.id, a.name])))
        .catch(() => new Map<string, string>());
      rows = rows.map((r) =>
        isAssign(r) ? { ...r, detail: Object.fromEntries(Object.entries(r.detail as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? (names.get(v) ?? v) : v])) } : r,
      );
    }
    ctx.output.list(rows, logSpec(describeLogDetail), flags);
  });
  examples(log, ['deskctl triage log', 'deskctl triage log --ticket 42 --json', 'deskctl triage log --source apply --limit 200']);

  examples(apply, [
    'deskctl triage apply --rules examples/triage-rules.yaml --dry-run',
    'deskctl triage apply --rules rules.yaml                 # preview, then asks',
    'deskctl triage apply --rules rules.yaml --yes --quiet   # from cron',
    'deskctl triage apply --rules rules.yaml --channel email --created-since 1d --dry-run --json',
  ]);
  apply.addHelpText(
    'after',
    `
Rules file (YAML):
  mode: all-match              # every matching rule applies (the earlier wins a conflict); or first-match
  tierField: tier              # custom field with the customer tier
  rules:
    - name: refunds-to-billing
      when:                    # every condition must hold
        status: unsolved
        text: { keywords: [refund, chargeback] }
      then:
        group: Billing
        addTags: [refund]
        reply: acknowledgement # template; sent once per ticket and rule

  Conditions: status priority channel assigned group tags{all,any,none} requester{email,domain}
    subject/body/text{keywords,regex,caseSensitive} sentiment{min,max}|negative|neutral|positive
    urgency{min,max}|low|medium|high|critical age{min,max} sla tier any not
  Actions: priority raisePriority status assignee group addTags removeTags reply note({template}|{text})
  Unknown fields and bad regexes exit 2 naming the line; nothing is changed.
`,
  );
}

/** `triage explain ID` and `triage learn`: the sentiment and urgency of a ticket laid bare, and a profile's own model. */
function registerSentimentCommands(triage: Command, context: ContextFactory): void {
  const explain = triage
    .command('explain')
    .argument('<id>', 'ticket id')
    .description("Show the whole breakdown of a ticket's urgency: every factor's points, the sentiment's words and patterns, the SLA");
  addOutputOptions(explain).action(async (idArg: string, o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    const [id] = parseIds(idArg);
    ctx.output.format(flags);
    const provider = await ctx.provider();
    const [ticket, comments, tools] = await Promise.all([provider.getTicket(id!), provider.listComments(id!), triageTools(ctx)]);
    const [{ scoreTicket }, { compileModel }, { explainJson, renderExplain }] = await Promise.all([
      import('../src/triage/urgency.js'),
      import('../src/triage/sentiment-model.js'),
      import('../src/triage/sentiment-view.js'),
    ]);
    const score = scoreTicket(ticket, comments, { now: ctx.clock.now(), targets: tools.targets, analyze: tools.analyze });
    const { stripQuoted } = await import('../src/triage/sentiment.js');
    const prediction = compileModel(tools.model).predict(stripQuoted(score.latestMessage ?? ticket.subject));
    const explanation = { ticket, score, model: tools.model, prediction };
    ctx.output.record(explainJson(explanation), () => renderExplain(explanation, ctx.io.color, ctx.io.columns), flags);
  });
  examples(explain, ['deskctl triage explain 42', 'deskctl triage explain 42 --json | jq .sentiment.features']);

  const learn = triage
    .command('learn')
    .description("Learn this profile's own sentiment model from its rated tickets (CSAT 1-2 / NPS 0-6 unhappy, CSAT 4-5 / NPS 9-10 happy); used only when it beats the default on held-out tickets")
    .option('--since <when>', 'ratings since (default 365d)')
    .option('--max-tickets <n>', 'learn from the N most recently rated tickets at most (default 2000; one conversation read each)')
    .option('--from <profile>', "read the ratings from another profile's helpdesk, e.g. this one's local mirror (the model is stored with this profile)")
    .option('-n, --dry-run', 'train and compare, save nothing')
    .option('--list', "list this profile's learned models")
    .option('--reset', 'go back to the shipped model (learned models are kept)');
  addOutputOptions(learn).action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const flags = outputFlags(o);
    const modes = ['list', 'reset', 'dryRun'].filter((k) => o[k]);
    if (modes.length > 1) throw new UsageError(`--${modes.map((m) => (m === 'dryRun' ? 'dry-run' : m)).join(' and --')} disagree`, 'give only one of them');
    if ((o.since !== undefined || o.maxTickets !== undefined || o.from !== undefined) && (o.list || o.reset)) {
      throw new UsageError('--since, --max-tickets and --from are for learning', 'drop them, or --list/--reset');
    }
    const maxTickets = o.maxTickets === undefined ? 2000 : parsePositiveInt(String(o.maxTickets), '--max-tickets');
    const now = ctx.clock.now();
    const { parseDateArg } = await import('../src/domain/parse.js');
    const since = parseDateArg(o.since === undefined ? '365d' : String(o.since), now, '--since');
    ctx.output.format(flags);
    const { SentimentModels } = await import('../src/triage/sentiment-store.js');
    const models = await SentimentModels.open(await ctx.store());
    if (o.list) {
      const rows = await models.list();
      ctx.output.list(rows, learnedModelsSpec, flags);
      return;
    }
    if (o.reset) {
      const was = await models.deactivate();
      ctx.output.record({ reset: true, wasActive: was ?? null }, () => (was ? `Triage uses the shipped model again (profile v${was} is kept; 'deskctl triage learn' learns anew).` : 'Triage already uses the shipped model.'), flags);
      return;
    }
    const source = o.from === undefined ? undefined : String(o.from);
    const provider = source === undefined ? await ctx.provider() : await openProfileProvider(ctx, source);
    try {
      if (!provider.capabilities.ratings.some((k) => k === 'csat' || k === 'nps')) {
        throw new DeskctlError(`${provider.displayName} has no CSAT or NPS ratings to learn from`, { hint: 'learn on a profile whose helpdesk records ratings, or on a mirror of it' });
      }
      const [{ ratedTickets, learnFromRatings, NotEnoughRatings }, { loadDefaultModel }, { learnJson, renderLearn }] = await Promise.all([
        import('../src/triage/learn.js'),
        import('../src/triage/sentiment.js'),
        import('../src/triage/sentiment-view.js'),
      ]);
      ctx.io.info(`Reading the ratings since ${since.toISOString().slice(0, 10)} and the rated tickets' conversations...`);
      const concurrency = (await ctx.profile()).concurrency ?? provider.capabilities.defaultConcurrency;
      const rated = await ratedTickets(provider, { since, until: now }, { concurrency, max: maxTickets });
      const version = await models.nextVersion();
      let result;
      try {
        result = learnFromRatings(rated, loadDefaultModel(), {
          name: `profile v${version}`,
          trainedOn: `${rated.length} rated tickets of profile ${source ?? (await ctx.profileName())} since ${since.toISOString().slice(0, 10)}, fine-tuning the shipped model`,
          now,
        });
      } catch (e) {
        if (e instanceof NotEnoughRatings) throw new DeskctlError(e.message, { hint: 'widen --since (e.g. --since 2y), or keep the shipped model' });
        throw e;
      }
      const dryRun = Boolean(o.dryRun);
      const saved = dryRun ? undefined : await models.save(result.model, { tickets: result.counts, heldOut: result.heldOut, better: result.better }, result.better, now);
      const outcome = { result, version: saved, used: !dryRun && result.better, dryRun, since };
      ctx.output.record(learnJson(outcome), () => renderLearn(outcome, ctx.io.color, ctx.io.columns), flags);
    } finally {
      if (source !== undefined) await provider.close();
    }
  });
  examples(learn, [
    'deskctl triage learn                    # learn from the last year of ratings; used only when better',
    'deskctl triage learn --since 90d --dry-run',
    'deskctl triage learn --from work-mirror # read the ratings from the local mirror (deskctl sync)',
    'deskctl triage learn --list',
    'deskctl triage learn --reset            # back to the shipped model',
  ]);
}

/** The helpdesk of another profile (`triage learn --from`): usage error when there is no such profile. */
async function openProfileProvider(ctx: Context, name: string) {
  const config = await ctx.config();
  if (!config.hasProfile(name)) throw new UsageError(`no profile named '${name}' (--from)`, "run 'deskctl profile list' to see profiles");
  const { createProvider } = await import('../src/providers/registry.js');
  return createProvider({ profileName: name, profile: config.getProfile(name), config, paths: ctx.paths, clock: ctx.clock, io: ctx.io, rateLimit: ctx.options.rateLimit });
}

const learnedModelsSpec: ListSpec<import('../src/triage/sentiment-store.js').StoredModelInfo> = {
  columns: [
    { key: 'version', header: 'version', value: (r) => r.version, cell: (r) => `v${r.version}`, align: 'right' },
    { key: 'created', header: 'learned', value: (r) => r.createdAt, cell: (r) => `${r.createdAt.slice(0, 10)} ${r.createdAt.slice(11, 16)}` },
    { key: 'active', header: 'used', value: (r) => r.active, cell: (r, c) => (r.active ? c.green('yes') : c.dim('no')) },
    {
      key: 'summary',
      header: 'held-out negative F1 (default → learned)',
      value: (r) => r.summary,
      cell: (r) => {
        const s = r.summary as { heldOut?: { default?: { negative?: { f1: number } }; learned?: { negative?: { f1: number } } } };
        const f = (x?: { f1: number }) => (x ? x.f1.toFixed(2) : '-');
        return `${f(s.heldOut?.default?.negative)} → ${f(s.heldOut?.learned?.negative)}`;
      },
      flex: true,
    },
  ],
  defaultFields: ['version', 'created', 'active', 'summary'],
  emptyMessage: "No learned model yet: 'deskctl triage learn' learns one from this profile's ratings.",
};
