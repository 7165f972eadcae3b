import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { Context } from '../src/context.js';
import { profileDataDir } from '../src/config/paths.js';
import { STATUSES, type Status, type Ticket } from '../src/domain/model.js';
import { parseEnum, parseEnumList, parseIds, parsePositiveInt } from '../src/domain/parse.js';
import { DeskctlError, NotFoundError, PartialFailure, UsageError } from '../src/errors.js';
import type { FollowUp, FollowUpState, ScheduleInput } from '../src/followups/index.js';
import { collect } from '../src/providers/provider.js';
import type { ListSpec } from '../src/output/format.js';
import { packageRoot } from '../src/package-root.js';
import { addTicketFilterOptions, hasAnyFilter, parseFilterFlags, resolveQuery, type FilterFlags } from './_shared/filters.js';
import { addOutputOptions, collectList, examples, outputFlags } from './_shared/output-flags.js';

// Everything under src/followups is imported lazily so `deskctl --help` stays fast.
const followups = () => import('../src/followups/index.js');
const views = () => import('../src/followups/view.js');

interface ScheduleFlags extends FilterFlags {
  template?: string;
  in?: string;
  at?: string;
  tz?: string;
  unlessReplied?: boolean;
  onlyIfStatus?: string[];
  setStatus?: string;
  addTag?: string[];
  note?: string;
  yes?: boolean;
  dryRun?: boolean;
  replace?: boolean;
  allowRepeat?: boolean;
}

/** All flag checks that need no I/O: a bad flag exits 2 before anything is read or written. */
async function parseScheduleFlags(ids: string[], o: ScheduleFlags, now: Date) {
  const { parseTimeZone, resolveWhen, systemTimeZone } = await followups();
  const ticketIds = ids.length ? await (await import('../src/bulk/selection.js')).readIdArgs(ids, () => readFileSync(0, 'utf8')) : [];
  const filtered = hasAnyFilter(o);
  if (ticketIds.length && filtered) throw new UsageError('give ticket ids or filters, not both', 'e.g. `followup schedule 12 13 ...` or `followup schedule --status solved --tag delivery ...`');
  if (!ticketIds.length && !filtered) throw new UsageError('which tickets?', 'give ticket ids, or select tickets with the `tickets list` filters (--status, --tag, --solved-since, ...)');
  const setStatus = o.setStatus !== undefined ? parseEnum(o.setStatus, STATUSES, '--set-status') : undefined;
  const addTags = o.addTag ?? [];
  for (const t of addTags) if (/\s/.test(t)) throw new UsageError(`invalid --add-tag '${t}'`, 'tags are single words such as followed-up');
  if (!o.template && !setStatus && !addTags.length) {
    throw new UsageError('a follow-up needs --template NAME (or an action such as --set-status)', "see 'deskctl templates list'");
  }
  const onlyIfStatus = o.onlyIfStatus?.length ? parseEnumList(o.onlyIfStatus, STATUSES, '--only-if-status') : undefined;
  const tz = o.tz !== undefined ? parseTimeZone(o.tz) : systemTimeZone();
  const dueAt = await resolveWhen({ in: o.in, at: o.at }, now, tz);
  const selection = filtered ? parseFilterFlags(o, now) : undefined;
  return { ticketIds, selection, setStatus, addTags, onlyIfStatus, tz, dueAt };
}

/** Fetches the named tickets; every unknown id is reported together and nothing is scheduled. */
async function fetchTickets(ctx: Context, ids: string[]): Promise<Ticket[]> {
  const provider = await ctx.provider();
  const found: Ticket[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    try {
      found.push(await provider.getTicket(id));
    } catch (err) {
      if (err instanceof NotFoundError) missing.push(id);
      else throw err;
    }
  }
  if (missing.length) {
    throw new DeskctlError(`${missing.length === 1 ? 'ticket' : 'tickets'} ${missing.join(', ')} not found; nothing was scheduled`, {
      hint: "check the ids with 'deskctl tickets list'",
    });
  }
  return found;
}

function binPath(): string {
  const fromArgv = process.argv[1] ? resolve(process.argv[1]) : '';
  if (fromArgv && existsSync(fromArgv) && /deskctl(\.js)?$/.test(fromArgv)) return realpathSync(fromArgv);
  return join(packageRoot(), 'bin', 'deskctl.js');
}

/** Quotes a word for /bin/sh inside a crontab line (% is special to cron). */
const shellWord = (s: string): string => (/^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`).replace(/%/g, '\\%');

export function cronSchedule(every: string): string {
  const m = /^(\d+)\s*(m|min|minutes?|h|hours?)$/i.exec(every.trim());
  const n = m ? Number(m[1]) : NaN;
  const unit = m?.[2]!.toLowerCase().startsWith('h') ? 'h' : 'm';
  if (!m || n <= 0 || (unit === 'm' && n > 59) || (unit === 'h' && n > 23)) {
    throw new UsageError(`invalid --every '${every}'`, 'use minutes (5m, 15m, 30m) or hours (1h, 2h, ... 23h)');
  }
  if (unit === 'm') return n === 1 ? '* * * * *' : `*/${n} * * * *`;
  return n === 1 ? '0 * * * *' : `0 */${n} * * *`;
}

/** What `followup schedule --dry-run` lists. */
const schedulePreviewSpec: ListSpec<{ ticketId: string; template?: string | null; dueAt: string; tz?: string }> = {
  columns: [
    { key: 'ticketId', header: 'TICKET', value: (r) => r.ticketId, aliases: ['ticket'] },
    { key: 'template', header: 'TEMPLATE', value: (r) => r.template, cell: (r) => r.template ?? '-' },
    { key: 'dueAt', header: 'DUE', value: (r) => r.dueAt, aliases: ['due'] },
    { key: 'tz', header: 'TZ', value: (r) => r.tz },
  ],
  defaultFields: ['ticketId', 'template', 'dueAt', 'tz'],
};

export function register(program: Command, context: ContextFactory): void {
  const group = program
    .command('followup')
    .alias('followups')
    .description('Schedule follow-ups and send the due ones (for cron)');
  examples(group, [
    'deskctl followup schedule 4512 --template follow-up-check-in --in 7d',
    'deskctl followup list --due',
    'deskctl followup run --dry-run',
    'deskctl followup cron >> /tmp/crontab.txt',
  ]);

  // ---------------------------------------------------------------- schedule
  const schedule = addOutputOptions(
    addTicketFilterOptions(
      group
        .command('schedule')
        .alias('add')
        .argument('[ids...]', 'ticket ids, - to read them from stdin (or select tickets with the filters below)')
        .description('Schedule a template reply for later, skipped if the customer writes first'),
      'IANA time zone for --at and the date filters (default: the system zone for --at, UTC for filters)',
    ),
  )
    .option('-t, --template <name>', 'template to send (see `deskctl templates list`)')
    .option('--in <duration>', 'send after this long: 90m, 12h, 7d, 2w')
    .option('--at <when>', 'send at: "2026-12-01 09:00", "next monday 9am", "tomorrow" (a day alone means 09:00)')
    .option('--unless-replied', 'skip it if the customer replied after scheduling (default)')
    .option('--no-unless-replied', 'send even if the customer replied meanwhile')
    .option('--only-if-status <list>', `send only while the ticket is one of: ${STATUSES.join(', ')}`, collectList)
    .option('--set-status <status>', 'after sending, set the status')
    .option('--add-tag <tags>', 'after sending, add tags (comma-separated or repeated)', collectList)
    .option('--note <text>', 'a note for yourself, shown by `followup show`')
    .option('--replace', 'replace a follow-up already scheduled for the same ticket and template')
    .option('--allow-repeat', 'schedule even when the same ticket and template already has one scheduled')
    .option('--dry-run', 'show what would be scheduled; schedule nothing')
    .option('-y, --yes', 'do not ask for confirmation when scheduling over a selection')
    .action(async (ids: string[], o: ScheduleFlags & Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      ctx.output.format(flags);
      const now = ctx.clock.now();
      const { validateFields } = await import('../src/output/validate.js');
      if (o.dryRun) validateFields(flags, schedulePreviewSpec);
      else validateFields(flags, (await views()).followupListSpec(() => now));
      const p = await parseScheduleFlags(ids, o, now);
      if (o.replace && o.allowRepeat) throw new UsageError('--replace and --allow-repeat disagree', 'give only one of them');
      const { templateDirs, loadTemplate, checkTemplateSupport, templateNeedsComments } = await import('../src/templates/index.js');
      const { templateComposer } = await import('../src/followups/compose.js');
      const { scheduleFollowups, pendingDuplicates, duplicateError, formatInZone } = await followups();

      // Validate everything (template, tickets, a trial render) before writing anything.
      const dirs = templateDirs(ctx);
      const template = o.template ? await loadTemplate(o.template, dirs) : undefined;
      const provider = await ctx.provider();
      if (template) checkTemplateSupport(template, provider);
      if (p.addTags.length && !provider.capabilities.tags) throw new UsageError(`${provider.displayName} has no tags`, 'leave out --add-tag');
      let tickets: Ticket[];
      if (p.selection) {
        const query = await resolveQuery(p.selection, provider);
        tickets = await collect(provider.listTickets(query));
        if (!tickets.length) throw new DeskctlError('no tickets match these filters; nothing was scheduled', { hint: "try the same filters with 'deskctl tickets list'" });
      } else tickets = await fetchTickets(ctx, p.ticketIds);

      const closed = tickets.filter((t) => t.status === 'closed');
      if (closed.length) {
        ctx.io.warn(
          `${closed.length === 1 ? 'ticket' : 'tickets'} ${closed.map((t) => t.id).slice(0, 10).join(', ')}${closed.length > 10 ? ', ...' : ''} ${closed.length === 1 ? 'is' : 'are'} closed: ${closed.length === 1 ? 'its follow-up' : 'their follow-ups'} will be skipped unless reopened`,
        );
      }
      const agent = await provider.currentAgent();
      if (template) {
        const compose = templateComposer({ dirs, provider, agent, signature: (await ctx.profile()).signature, now: p.dueAt });
        const needsComments = await templateNeedsComments(template);
        const problems: string[] = [];
        for (const t of tickets) {
          try {
            await compose(
              { template: template.name, templateFile: template.file } as FollowUp,
              t,
              needsComments ? await provider.listComments(t.id) : [],
            );
          } catch (err) {
            problems.push((err as Error).message);
          }
        }
        if (problems.length) {
          throw new DeskctlError(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; nothing was scheduled`, {
            hint: `preview it with 'deskctl templates preview ${template.name} ${tickets[0]!.id}'`,
          });
        }
      }

      const inputs: ScheduleInput[] = tickets.map((t) => ({
        ticketId: t.id,
        template: template?.name ?? null,
        templateFile: template?.file ?? null,
        dueAt: p.dueAt,
        now,
        tz: p.tz,
        scheduledBy: agent ? (agent.email ?? agent.id) : null,
        note: o.note ?? null,
        unlessReplied: o.unlessReplied !== false,
        onlyIfStatus: p.onlyIfStatus,
        setStatus: p.setStatus as Status | undefined,
        addTags: p.addTags,
        allowRepeat: Boolean(o.allowRepeat),
      }));
      const when = `${formatInZone(p.dueAt, p.tz)} (${p.dueAt.toISOString()})`;
      const pending = o.replace ? 'replace' : o.allowRepeat ? 'allow' : 'refuse';
      const store = await ctx.store();
      const dups = await pendingDuplicates(store, inputs);
      // scheduleFollowups refuses again inside its transaction; this is the same answer before the preview
      if (dups.length && pending === 'refuse') throw duplicateError(dups);
      for (const d of dups) ctx.io.info(`${pending === 'replace' ? 'Replaces' : 'In addition to'} follow-up #${d.id} for ticket ${d.ticketId} (${d.template}, due ${d.dueAt})`);
      if (o.dryRun) {
        ctx.io.info(`Would schedule ${inputs.length} follow-up${inputs.length === 1 ? '' : 's'} for ${when}; nothing was scheduled`);
        ctx.output.list(
          inputs.map((i) => ({ ticketId: i.ticketId, template: i.template, dueAt: i.dueAt.toISOString(), tz: i.tz })),
          schedulePreviewSpec,
          flags,
        );
        return;
      }
      if (p.selection && !o.yes) {
        const prompts = await ctx.prompts('--yes (or --dry-run to preview)');
        const ok = await prompts.confirm({ message: `Schedule ${tickets.length} follow-up${tickets.length === 1 ? '' : 's'} for ${when}?`, default: false });
        if (!ok) {
          ctx.io.info('Nothing was scheduled.');
          return;
        }
      }
      const scheduled = await scheduleFollowups(store, inputs, { pending });
      ctx.io.info(`${ctx.io.errColor.green('✓')} Scheduled ${scheduled.length} follow-up${scheduled.length === 1 ? '' : 's'} for ${when}`);
      const { followupListSpec } = await views();
      ctx.output.list(scheduled, followupListSpec(() => now), flags);
    });
  examples(schedule, [
    'deskctl followup schedule 4512 --template follow-up-check-in --in 7d',
    'deskctl followup schedule 4512 4513 -t satisfaction-survey --at "next monday 9am" --tz Europe/Paris',
    'deskctl followup schedule 4512 -t follow-up-check-in --at "2026-12-01 09:00" --set-status closed --add-tag followed-up',
    'deskctl followup schedule --status solved --solved-since yesterday --solved-until today --tag delivery -t follow-up-check-in --in 3d --yes',
    'deskctl followup schedule 4512 -t follow-up-check-in --in 2w --only-if-status solved,pending',
  ]);

  // ---------------------------------------------------------------- list
  const list = addOutputOptions(group.command('list').alias('ls').description('List follow-ups (scheduled ones unless --status says otherwise)'))
    .option('--due', 'only those due now (scheduled, due time passed)')
    .option('--status <list>', 'scheduled, sending, sent, skipped, failed, unknown, cancelled, action-failed (sent, but a ticket change afterwards failed), or all', collectList)
    .option('--ticket <ids>', 'only follow-ups of these tickets', collectList)
    .option('-L, --limit <n>', 'at most N follow-ups')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      ctx.output.format(flags);
      const { listFollowups, parseStateList, FOLLOWUP_STATES } = await followups();
      const given = ((o.status as string[] | undefined) ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      const actionFailed = given.some((v) => v.toLowerCase() === 'action-failed');
      const raw = given.filter((v) => v.toLowerCase() !== 'action-failed');
      const states: FollowUpState[] = raw.some((s) => s.toLowerCase() === 'all') ? [...FOLLOWUP_STATES] : raw.length ? parseStateList(raw) : actionFailed ? [] : ['scheduled', 'sending'];
      const ticketIds = o.ticket ? parseIds(o.ticket as string[]) : undefined;
      const limit = o.limit ? parsePositiveInt(String(o.limit), '--limit') : undefined;
      const now = ctx.clock.now();
      const rows = await listFollowups(await ctx.store(), { states, actionFailed, dueBy: o.due ? now : undefined, ticketIds, limit });
      const { followupListSpec } = await views();
      ctx.output.list(rows, followupListSpec(() => now), flags);
    });
  examples(list, [
    'deskctl followup list',
    'deskctl followup list --due',
    'deskctl followup list --status sent,skipped --ticket 4512',
    'deskctl followup list --status failed --json',
    'deskctl followup list --status unknown,action-failed',
  ]);

  // ---------------------------------------------------------------- show
  const show = addOutputOptions(group.command('show').alias('view').argument('<id>', 'follow-up id (see `followup list`)').description('Show one follow-up'))
    .action(async (idArg: string, o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      ctx.output.format(flags);
      const { getFollowup, parseFollowupId } = await followups();
      const id = parseFollowupId(idArg);
      const f = await getFollowup(await ctx.store(), id);
      const { renderFollowupDetail } = await views();
      ctx.output.record(f, () => renderFollowupDetail(f, ctx.io.color, ctx.clock.now()), flags);
    });
  examples(show, ['deskctl followup show 12', 'deskctl followup show 12 --json']);

  // ---------------------------------------------------------------- cancel / retry
  /** cancel and retry: ids and/or --ticket, per-id refusals as warnings, exit 1 if none changed, 3 if some. */
  const changeCommand = (name: 'cancel' | 'retry', from: FollowUpState, verb: string, description: string) =>
    addOutputOptions(group.command(name).argument('[ids...]', 'follow-up ids').description(description))
      .option('--ticket <ids>', `${name} every ${from} follow-up of these tickets`, collectList)
      .action(async (ids: string[], o: Record<string, unknown>, cmd: Command) => {
        const ctx = context(cmd);
        const flags = outputFlags(o);
        ctx.output.format(flags);
        (await import('../src/output/validate.js')).validateFields(flags, (await views()).followupListSpec(() => ctx.clock.now()));
        const { cancelFollowups, retryFollowups, listFollowups, parseFollowupId } = await followups();
        const wanted = ids.flatMap((i) => i.split(',')).filter(Boolean).map(parseFollowupId);
        const ticketIds = o.ticket ? parseIds(o.ticket as string[]) : [];
        if (!wanted.length && !ticketIds.length) throw new UsageError('which follow-ups?', `give follow-up ids, or --ticket ID for all ${from} ones of a ticket`);
        const store = await ctx.store();
        if (ticketIds.length) wanted.push(...(await listFollowups(store, { states: [from], ticketIds })).map((f) => f.id));
        const unique = [...new Set(wanted)];
        if (!unique.length) {
          ctx.io.info(`No ${from} follow-ups for ticket ${ticketIds.join(', ')}`);
          return;
        }
        const now = ctx.clock.now();
        const r = await (name === 'cancel' ? cancelFollowups(store, unique, now) : retryFollowups(store, unique, now));
        for (const x of r.refused) ctx.io.warn(`follow-up #${x.id} not ${verb}: ${x.reason}`);
        if (r.changed.length) {
          ctx.io.info(`${verb} ${r.changed.length} follow-up${r.changed.length === 1 ? '' : 's'}${name === 'retry' ? '; the next `followup run` sends them' : ''}`);
          const { followupListSpec } = await views();
          ctx.output.list(r.changed, followupListSpec(() => now), flags);
        }
        if (r.refused.length && !r.changed.length) {
          const only = r.refused.length === 1 ? r.refused[0]! : undefined;
          throw new DeskctlError(only ? `follow-up #${only.id} not ${verb}: ${only.reason}` : `none of the ${r.refused.length} follow-ups could be ${verb}`, {
            hint: "see 'deskctl followup list --status all'",
          });
        }
        if (r.refused.length) throw new PartialFailure(`${r.refused.length} of ${unique.length} follow-ups not ${verb}: ${r.refused.map((x) => `#${x.id}`).join(', ')}`);
      });
  examples(changeCommand('cancel', 'scheduled', 'cancelled', 'Cancel scheduled follow-ups'), ['deskctl followup cancel 12 13', 'deskctl followup cancel --ticket 4512']);
  examples(changeCommand('retry', 'failed', 'requeued', 'Put failed follow-ups back in the queue (a reply already posted is not posted again)'), [
    'deskctl followup retry 12',
    'deskctl followup retry --ticket 4512',
    "deskctl followup list --status failed --json | jq -r '.[].id' | xargs deskctl followup retry",
  ]);

  // ---------------------------------------------------------------- run
  const run = addOutputOptions(group.command('run').description('Send every due follow-up once (for cron: no prompts, one summary line, exit 3 if some failed)'))
    .option('--dry-run', 'show what would be sent and skipped; send nothing')
    .option('-L, --limit <n>', 'at most N follow-ups in this run')
    .option('--concurrency <n>', 'parallel sends (default: what the helpdesk suggests, at most 4)')
    .addOption(new Option('--no-lock', 'do not take the run lock (per-item claims still prevent double sends)').hideHelp())
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      const explicit = flags.json || flags.format !== undefined || flags.out !== undefined;
      if (explicit) ctx.output.format(flags);
      (await import('../src/output/validate.js')).validateFields(flags, null);
      const limit = o.limit ? parsePositiveInt(String(o.limit), '--limit') : undefined;
      const concurrency = o.concurrency ? parsePositiveInt(String(o.concurrency), '--concurrency') : undefined;
      const { runDue } = await followups();
      const { templateComposer } = await import('../src/followups/compose.js');
      const { templateDirs } = await import('../src/templates/index.js');
      const now = ctx.clock.now();
      const store = await ctx.store();
      const provider = await ctx.provider();
      const compose = templateComposer({
        dirs: templateDirs(ctx),
        provider,
        agent: await provider.currentAgent(),
        signature: (await ctx.profile()).signature,
        now,
      });
      const { followupLedgerGuard, repeatWindowMs } = await import('../src/store/repeats.js');
      const windowMs = repeatWindowMs(undefined, (await ctx.profile()).repeatWindow);
      const ledger = followupLedgerGuard(await store.ledger(() => ctx.clock.now()), new Date(now.getTime() - windowMs), () => ctx.clock.now());
      const { providerSettleDelays } = await import('../src/providers/http.js');
      const summary = await runDue({
        store,
        provider,
        compose,
        ledger,
        settleDelays: providerSettleDelays(provider),
        now,
        dryRun: Boolean(o.dryRun),
        lock: o.lock !== false,
        limit,
        concurrency,
        onItem: (r) => {
          const what = `follow-up #${r.id} (ticket ${r.ticketId}${r.template ? `, ${r.template}` : ''})`;
          if (r.outcome === 'failed' || r.outcome === 'would-fail') ctx.io.warn(`${what} ${r.outcome === 'failed' ? 'failed' : 'would fail'}: ${r.reason}`);
          else if (r.outcome === 'unknown') ctx.io.warn(`${what}: outcome unknown, not sent again (the next run checks the ticket): ${r.reason}`);
          else if (r.actionError) ctx.io.warn(`${what} sent, but changing the ticket afterwards failed: ${r.actionError}`);
          else ctx.io.debug(`${what}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
        },
      }).finally(() => ledger.stop());
      const { runSummaryLine, runItemListSpec } = await views();
      if (explicit) ctx.output.record(summary, () => runSummaryLine(summary), flags);
      else {
        if (ctx.io.stdoutIsTTY && summary.items.length) ctx.output.list(summary.items, runItemListSpec(), { format: 'table' });
        ctx.output.text(runSummaryLine(summary));
      }
      if (!summary.dryRun && (summary.failed || summary.actionErrors || summary.unknown)) {
        const { runProblems } = await views();
        const { message, hint } = runProblems(summary);
        throw new PartialFailure(message, hint);
      }
    });
  examples(run, ['deskctl followup run', 'deskctl followup run --dry-run', 'deskctl --profile work followup run --json >> followups.log']);

  // ---------------------------------------------------------------- cron
  const cron = addOutputOptions(group.command('cron').description('Print a crontab line that runs `followup run` (does not edit your crontab)'))
    .option('--every <interval>', 'how often: 5m, 15m, 30m, 1h, ...', '15m')
    .option('--log <file>', 'append the output of each run to FILE (default: in the profile data folder)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      const explicit = flags.json || flags.format !== undefined || flags.out !== undefined;
      if (explicit) ctx.output.format(flags);
      const when = cronSchedule(String(o.every));
      const profile = await ctx.profileName();
      const log = resolve(o.log ? String(o.log) : join(profileDataDir(ctx.paths, profile), 'followup-run.log'));
      mkdirSync(dirname(log), { recursive: true });
      const env = ctx.env.DESKCTL_HOME ? [`DESKCTL_HOME=${shellWord(resolve(ctx.env.DESKCTL_HOME))}`] : [];
      const command = [...env, shellWord(process.execPath), shellWord(binPath()), '--profile', shellWord(profile), 'followup', 'run', '>>', shellWord(log), '2>&1'].join(' ');
      const line = `${when} ${command}`;
      if (explicit) {
        ctx.output.record({ schedule: when, command, line, log, profile }, () => line, flags);
        return;
      }
      ctx.output.text(line);
      ctx.io.info(
        [
          '',
          `This runs 'deskctl followup run' for profile '${profile}' (${when}) and appends its output to ${log}.`,
          "To install it, paste the line above into 'crontab -e', or in one go:",
          `  (crontab -l 2>/dev/null; deskctl followup cron${o.every !== '15m' ? ` --every ${String(o.every)}` : ''}) | crontab -`,
          `Check with 'crontab -l'; watch with 'tail -f ${log}'.`,
          'A run exits 3 when some follow-ups failed; two runs at once never send a follow-up twice.',
          "Nothing was changed on this machine's crontab.",
        ].join('\n'),
      );
    });
  examples(cron, ['deskctl followup cron', 'deskctl followup cron --every 5m --log ~/deskctl-followups.log', 'deskctl --profile work followup cron --json']);
}
