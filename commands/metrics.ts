import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { Context } from '../src/context.js';
import { CHANNELS } from '../src/domain/model.js';
import { parseDateArg, parseEnum } from '../src/domain/parse.js';
import { parseTimeZone } from '../src/domain/zones.js';
import { UsageError } from '../src/errors.js';
import type { OutputFlags } from '../src/output/format.js';
import { wrapText } from '../src/output/formatters.js';
import { TIME_UNITS, type TimeUnit } from '../src/metrics/buckets.js';
import { metricCatalog, slaChannelsOf } from '../src/metrics/catalog.js';
import { alignToBucket, computeSummary, perTicketRows, type MetricsRequest } from '../src/metrics/engine.js';
import { NO_GROUPING, parseGroupBy, type Grouping } from '../src/metrics/grouping.js';
import { createReadCounter } from '../src/metrics/progress.js';
import { resolveSlaTargets } from '../src/metrics/sla-targets.js';
import {
  exportRows,
  exportSpec,
  groupRows,
  groupRowSpec,
  metricRows,
  metricRowSpec,
  perTicketSpec,
  periodHeading,
  renderTrendChart,
  summaryJson,
  trendSpec,
  type TrendPoint,
} from '../src/metrics/views.js';
import { addTicketFilterOptions, parseFilterFlags, resolveQuery, type FilterFlags } from './_shared/filters.js';
import { addOutputOptions, collectList, examples, outputFlags } from './_shared/output-flags.js';

type Opts = FilterFlags & Record<string, unknown>;

/** --since/--until -> a period ending no later than now (--until is exclusive). Usage errors before any I/O. */
export function parsePeriod(o: { since?: string; until?: string; tz?: string }, now: Date, defaultSince: string): { since: Date; until: Date } {
  const tz = o.tz !== undefined ? parseTimeZone(o.tz) : undefined;
  const since = parseDateArg(o.since ?? defaultSince, now, '--since', tz);
  let until = o.until ? parseDateArg(o.until, now, '--until', tz) : now;
  if (until.getTime() > now.getTime()) until = now;
  if (since.getTime() >= until.getTime()) {
    throw new UsageError(`--since ${o.since ?? defaultSince} is not before --until ${o.until ?? 'now'}`, 'give a --since earlier than --until (the period is [since, until))');
  }
  return { since, until };
}

function addPeriodOptions(cmd: Command, defaultSince: string): Command {
  return cmd
    .option('--since <when>', `start of the period: 30d, 2w, yesterday, "last month", 2026-11-01 (default ${defaultSince}; see docs/dates.md)`)
    .option('--until <when>', 'end of the period, exclusive (default now)');
}

/** Everything a metrics computation needs, validated; the helpdesk is touched only after parsing. */
async function prepare(ctx: Context, o: Opts, period: { since: Date; until: Date }, grouping: Grouping) {
  const parsedFilter = parseFilterFlags(o, ctx.clock.now());
  const profile = await ctx.profile();
  const slaTargets = resolveSlaTargets(profile.sla);
  const provider = await ctx.provider();
  const filter = await resolveQuery(parsedFilter, provider);
  const req: MetricsRequest = {
    ...period,
    now: ctx.clock.now(),
    filter,
    grouping,
    slaTargets,
    commentFallback: o.commentFallback !== false,
    debug: (m) => ctx.io.debug(m),
  };
  return { provider, req };
}

/** Runs a metrics computation with a "reading…" line on a terminal's stderr. */
async function withCounter<T>(ctx: Context, req: MetricsRequest, run: (req: MetricsRequest) => Promise<T>): Promise<T> {
  const counter = createReadCounter(ctx.io);
  try {
    return await run({ ...req, onProgress: (r) => counter.update(r) });
  } finally {
    counter.stop();
  }
}

const noteRead = (ctx: Context, read: { tickets: number; ratings: number; conversations: number }) =>
  ctx.io.debug(`metrics: read ${read.tickets} tickets, ${read.ratings} ratings${read.conversations ? `, ${read.conversations} conversations for reply counts` : ''}`);

export function register(program: Command, context: ContextFactory): void {
  const metrics = program
    .command('metrics')
    .description('CSAT, NPS, CES, FCR, response and resolution times, SLA attainment, volume and backlog');
  examples(metrics, [
    'deskctl metrics summary --since 30d',
    'deskctl metrics summary --since 30d --group-by channel',
    'deskctl metrics trend csat --by week --since 90d',
    'deskctl metrics export --since 7d --out metrics.csv',
  ]);
  metrics.addHelpText('after', '\nDefinitions of every metric: see the "Metrics" section of the README.\n');

  // summary ---------------------------------------------------------------
  const summary = addOutputOptions(
    addTicketFilterOptions(addPeriodOptions(metrics.command('summary').description('Every metric for a period, with the change against the previous period'), '30d')),
  )
    .option('-g, --group-by <dims>', 'break down by agent, channel, group, tag, day, week or month (comma-combined, e.g. channel,week)', collectList)
    .option('--no-compare', 'skip the previous period (reads fewer tickets)')
    .option('--no-comment-fallback', 'do not list conversations when the helpdesk gives no reply count (FCR is then "no data")')
    .action(async (o: Opts, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      const period = parsePeriod(o as { since?: string; until?: string; tz?: string }, ctx.clock.now(), '30d');
      const grouping = parseGroupBy(o.groupBy as string[] | undefined);
      const format = ctx.output.format(flags);
      parseFilterFlags(o, ctx.clock.now());
      const { provider, req } = await prepare(ctx, o, period, grouping);
      const result = await withCounter(ctx, { ...req, compare: o.compare !== false }, (r) => computeSummary(provider, r));
      noteRead(ctx, result.read);
      if (format === 'json' || format === 'ndjson') {
        ctx.output.record(summaryJson(result), () => '', flags);
      } else if (format === 'csv') {
        ctx.output.list(exportRows(result), exportSpec(result.groupBy, slaChannelsOf(result.slaTargets)), flags);
      } else {
        if (!flags.out) ctx.output.text(wrapText(periodHeading(result, ctx.io.color), ctx.io.columns));
        if (grouping.dims.length) ctx.output.list(groupRows(result), groupRowSpec(grouping.dims, slaChannelsOf(result.slaTargets)), flags);
        else ctx.output.list(metricRows(result), metricRowSpec, flags);
      }
    });
  examples(summary, [
    'deskctl metrics summary --since 30d',
    'deskctl metrics summary --since 2026-10-01 --until 2026-11-01 --group-by channel',
    'deskctl metrics summary --since 7d --group-by agent --group Support',
    'deskctl metrics summary --since 90d --group-by month --json | jq .groups[].metrics.csat',
  ]);

  // trend -----------------------------------------------------------------
  const names = metricCatalog([...CHANNELS]).map((d) => d.name);
  const trend = addOutputOptions(
    addTicketFilterOptions(
      addPeriodOptions(
        metrics
          .command('trend')
          .argument('<metric>', `one of: ${names.filter((n) => !/^sla-(api|other)$/.test(n)).join(', ')}`)
          .description('A metric per day, week or month: a line chart on the terminal, the series as CSV or JSON'),
        '90d',
      ),
    ),
  )
    .option('--by <unit>', 'day, week or month (default day)')
    .option('--no-comment-fallback', 'do not list conversations when the helpdesk gives no reply count')
    .action(async (metricArg: string, o: Opts, cmd: Command) => {
      const ctx = context(cmd);
      const flags = outputFlags(o);
      const name = metricArg.toLowerCase();
      if (!names.includes(name)) throw new UsageError(`unknown metric '${metricArg}'`, `valid metrics: ${names.join(', ')}`);
      const unit = parseEnum(String(o.by ?? 'day'), TIME_UNITS, '--by') as TimeUnit;
      const period = parsePeriod(o as { since?: string; until?: string; tz?: string }, ctx.clock.now(), '90d');
      const since = alignToBucket(period.since, unit);
      const format = ctx.output.format(flags);
      parseFilterFlags(o, ctx.clock.now());
      // the profile's SLA targets decide which sla-<channel> metrics exist: check before reading the helpdesk
      const def = metricCatalog(slaChannelsOf(resolveSlaTargets((await ctx.profile()).sla))).find((d) => d.name === name);
      if (!def) {
        throw new UsageError(
          `metric '${name}' needs an SLA target for the ${name.slice(4)} channel, and this profile has none`,
          `give the profile one: deskctl profile add ... --sla ${name.slice(4)}=1h --force`,
        );
      }
      const { provider, req } = await prepare(ctx, o, { since, until: period.until }, parseGroupBy(unit));
      const result = await withCounter(ctx, req, (r) => computeSummary(provider, r));
      noteRead(ctx, result.read);
      const points: TrendPoint[] = result.current.groups.map((g) => ({
        bucket: g.label,
        start: g.bucket?.start ?? result.current.since,
        end: g.bucket?.end ?? result.current.until,
        value: def.value(g.metrics),
        n: def.n(g.metrics),
      }));
      if (format === 'table') {
        const plot = ((await import('asciichart' as string)) as { default: { plot: Parameters<typeof renderTrendChart>[2] } }).default.plot;
        const chart = renderTrendChart(points, def, plot, ctx.io.columns, ctx.io.color);
        if (chart && !flags.out) ctx.output.text(chart);
        else if (!chart) ctx.io.info(`No data for ${def.name} in this period.`);
      }
      ctx.output.list(points, trendSpec(def.unit), flags, { fallback: 'json' });
    });
  examples(trend, [
    'deskctl metrics trend csat --by week --since 90d',
    'deskctl metrics trend first-response --by day --since 30d --channel chat',
    'deskctl metrics trend backlog --by day --since 60d --format csv > backlog.csv',
  ]);

  // export ----------------------------------------------------------------
  const exp = addOutputOptions(
    addTicketFilterOptions(addPeriodOptions(metrics.command('export').description('Metrics as CSV or JSON for spreadsheets and cron jobs (no prompts, no colour)'), '30d')),
    { append: true, defaultFormat: 'csv, also on a terminal; else from the --out extension' },
  )
    .option('-g, --group-by <dims>', 'one row per agent, channel, group, tag, day, week or month (comma-combined)', collectList)
    .option('--per-ticket', 'one row per ticket created or solved in the period, with its computed fields')
    .option('--no-comment-fallback', 'do not list conversations when the helpdesk gives no reply count')
    .action(async (o: Opts, cmd: Command) => {
      const ctx = context(cmd);
      const flags: OutputFlags = { ...outputFlags(o) };
      // exports default to CSV, also on a terminal
      if (!flags.format && !flags.json && !flags.out && flags.jq === undefined) flags.format = 'csv';
      const period = parsePeriod(o as { since?: string; until?: string; tz?: string }, ctx.clock.now(), '30d');
      const grouping = parseGroupBy(o.groupBy as string[] | undefined);
      if (o.perTicket && grouping.dims.length) throw new UsageError('--per-ticket and --group-by do not go together', 'per-ticket rows carry channel, agent and group columns already');
      const format = ctx.output.format(flags, 'csv');
      if (format === 'table') throw new UsageError('metrics export writes csv, json or ndjson', 'use --format csv|json|ndjson or an --out FILE ending in .csv/.json');
      if (flags.append && !flags.out) throw new UsageError('--append needs --out FILE');
      parseFilterFlags(o, ctx.clock.now());
      const { provider, req } = await prepare(ctx, o, period, o.perTicket ? NO_GROUPING : grouping);
      if (o.perTicket) {
        const counter = createReadCounter(ctx.io);
        try {
          await ctx.output.listPages(perTicketRows(provider, { ...req, onProgress: (r) => counter.update(r) }), perTicketSpec, flags, { fallback: 'csv' });
        } finally {
          counter.stop();
        }
        return;
      }
      const result = await withCounter(ctx, req, (r) => computeSummary(provider, r));
      noteRead(ctx, result.read);
      ctx.output.list(exportRows(result), exportSpec(result.groupBy, slaChannelsOf(result.slaTargets)), flags, { fallback: 'csv' });
    });
  examples(exp, [
    'deskctl metrics export --since yesterday --until today --group-by channel --out metrics.csv --append',
    'deskctl metrics export --since 30d --group-by agent --out "metrics-%Y-%m-%d.json"',
    'deskctl metrics export --since 7d --per-ticket --out tickets-week.csv',
    'deskctl metrics export --since yesterday --until today --out /srv/reports/daily.csv --append   # crontab: 0 6 * * *',
  ]);
}
