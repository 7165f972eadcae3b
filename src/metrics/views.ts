import type { ChalkInstance } from 'chalk';
import type { Channel } from '../domain/model.js';
import type { Column, ListSpec } from '../output/format.js';
import { change, exportColumns, metricKey, formatChange, formatValue, metricCatalog, NO_DATA, slaChannelsOf, trendOf, type MetricDef, type MetricUnit } from './catalog.js';
import type { PerTicketRow, SummaryResult } from './engine.js';
import type { GroupDim } from './grouping.js';
import type { MetricsResult } from './metric-set.js';
import type { GroupResult } from './period.js';

/** The JSON of `metrics summary`: the period's metrics, the previous period's, and the change of each headline number. */
export function summaryJson(s: SummaryResult) {
  const catalog = metricCatalog(slaChannelsOf(s.slaTargets));
  const changes = (cur: MetricsResult, prev: MetricsResult | undefined) =>
    prev ? Object.fromEntries(catalog.map((d) => [metricKey(d.name), change(d.value(cur), d.value(prev))])) : null;
  const prevGroups = new Map((s.previous?.groups ?? []).map((g) => [g.label, g.metrics]));
  return {
    period: { since: s.current.since, until: s.current.until },
    previousPeriod: s.previous ? { since: s.previous.since, until: s.previous.until } : null,
    groupBy: s.groupBy,
    slaTargets: s.slaTargets,
    metrics: s.current.totals,
    previous: s.previous?.totals ?? null,
    change: changes(s.current.totals, s.previous?.totals),
    groups: s.current.groups.map((g) => {
      // a group with no activity in the previous period: counts were 0 there, rates had no data
      const prev = s.previous && !groupedByTime(s.groupBy) ? (prevGroups.get(g.label) ?? zeroMetrics(s.slaTargets)) : undefined;
      return { key: g.key, metrics: g.metrics, previous: prev ?? null, change: changes(g.metrics, prev) };
    }),
    read: s.read,
  };
}

const groupedByTime = (dims: GroupDim[]) => dims.some((d) => d === 'day' || d === 'week' || d === 'month');

function zeroMetrics(targets: Partial<Record<Channel, number>>): MetricsResult {
  const none = { value: null, n: 0 };
  return {
    csat: { ...none, satisfied: 0 },
    nps: { ...none, promoters: 0, passives: 0, detractors: 0 },
    ces: { ...none, easyShare: null },
    fcr: { ...none, firstContact: 0, unknownReplies: 0 },
    firstResponse: { n: 0, median: null, p90: null, mean: null, unanswered: 0 },
    resolution: { n: 0, median: null, p90: null, mean: null },
    sla: {
      ...none,
      met: 0,
      missed: 0,
      pending: 0,
      byChannel: Object.fromEntries(Object.entries(targets).map(([ch, t]) => [ch, { ...none, met: 0, target: t }])),
    },
    reopenRate: { ...none, reopened: 0, reopens: 0 },
    volume: { created: 0, solved: 0, reopened: 0, backlog: 0 },
  };
}

const colorMood = (c: ChalkInstance, mood: 'good' | 'bad' | 'flat', text: string) => (mood === 'good' ? c.green(text) : mood === 'bad' ? c.red(text) : text);

export interface MetricRow {
  def: MetricDef;
  value: number | null;
  n: number;
  previous: number | null;
  previousN: number | null;
  change: number | null;
}

/** Ungrouped summary: one row per metric with its sample size and the change against the previous period. */
export function metricRows(s: SummaryResult): MetricRow[] {
  return metricCatalog(slaChannelsOf(s.slaTargets)).map((def) => {
    const value = def.value(s.current.totals);
    const previous = s.previous ? def.value(s.previous.totals) : null;
    return { def, value, n: def.n(s.current.totals), previous, previousN: s.previous ? def.n(s.previous.totals) : null, change: change(value, previous) };
  });
}

export const metricRowSpec: ListSpec<MetricRow> = {
  columns: [
    { key: 'metric', header: 'metric', value: (r) => r.def.name, cell: (r) => r.def.label },
    { key: 'value', header: 'value', align: 'right', value: (r) => r.value, cell: (r, c) => (r.value === null ? c.dim(NO_DATA) : c.bold(formatValue(r.def.unit, r.value))) },
    { key: 'n', header: 'n', align: 'right', value: (r) => r.n },
    { key: 'previous', header: 'previous', align: 'right', value: (r) => r.previous, cell: (r, c) => (r.previousN === null ? '' : r.previous === null ? c.dim(NO_DATA) : formatValue(r.def.unit, r.previous)) },
    {
      key: 'change',
      header: 'change',
      value: (r) => r.change,
      cell: (r, c) => {
        const t = trendOf(r.def.better, r.change);
        return r.change === null ? '' : colorMood(c, t.mood, `${t.arrow} ${formatChange(r.def.unit, r.change)}`);
      },
    },
  ],
  defaultFields: ['metric', 'value', 'n', 'previous', 'change'],
};

export interface GroupRow {
  group: GroupResult;
  previous?: MetricsResult;
}

/** Grouped summary: one row per group, the headline metrics as columns (arrows against the previous period). */
export function groupRowSpec(dims: GroupDim[], slaChannels: Channel[]): ListSpec<GroupRow> {
  const catalog = metricCatalog(slaChannels);
  const pick = (name: string) => catalog.find((d) => d.name === name)!;
  const metricCol = (name: string, header: string): Column<GroupRow> => {
    const d = pick(name);
    return {
      key: metricKey(name),
      aliases: [name],
      header,
      align: 'right',
      value: (r) => d.value(r.group.metrics),
      cell: (r, c) => {
        const v = d.value(r.group.metrics);
        if (v === null) return c.dim('–');
        const text = formatValue(d.unit, v);
        if (!r.previous) return text;
        const t = trendOf(d.better, change(v, d.value(r.previous)));
        return t.arrow ? `${text} ${colorMood(c, t.mood, t.arrow)}` : text;
      },
    };
  };
  const dimCols: Column<GroupRow>[] = dims.map((d) => ({ key: d, header: d, value: (r) => r.group.key[d] ?? '', flex: !['day', 'week', 'month'].includes(d) }));
  const cols: Column<GroupRow>[] = [
    ...dimCols,
    metricCol('created', 'created'),
    metricCol('solved', 'solved'),
    metricCol('backlog', 'backlog'),
    metricCol('first-response', 'frt med'),
    metricCol('resolution', 'res med'),
    metricCol('sla', 'sla'),
    metricCol('fcr', 'fcr'),
    metricCol('reopen-rate', 'reopen'),
    metricCol('csat', 'csat'),
    metricCol('nps', 'nps'),
    metricCol('ces', 'ces'),
    ...catalog.filter((d) => !['created', 'solved', 'backlog', 'first-response', 'resolution', 'sla', 'fcr', 'reopen-rate', 'csat', 'nps', 'ces'].includes(d.name)).map((d) => metricCol(d.name, d.name)),
  ];
  return {
    columns: cols,
    defaultFields: [...dims, 'created', 'solved', 'backlog', 'firstResponse', 'resolution', 'sla', 'fcr', 'csat', 'nps', 'ces'],
    emptyMessage: 'no tickets or ratings in this period',
  };
}

export function groupRows(s: SummaryResult): GroupRow[] {
  const prev = new Map((s.previous?.groups ?? []).map((g) => [g.label, g.metrics]));
  const comparable = s.previous && !groupedByTime(s.groupBy);
  return s.current.groups.map((group) => ({ group, previous: comparable ? (prev.get(group.label) ?? zeroMetrics(s.slaTargets)) : undefined }));
}

/** A heading for the terminal: "1 Nov 2026 – 1 Dec 2026 (30 days), compared with the 30 days before". */
export function periodHeading(s: SummaryResult, c: ChalkInstance): string {
  const days = (Date.parse(s.current.until) - Date.parse(s.current.since)) / 86_400_000;
  const fmt = (iso: string) => iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z').replace(' 00:00Z', '');
  const span = Number.isInteger(days) ? `${days} day${days === 1 ? '' : 's'}` : `${days.toFixed(1)} days`;
  const by = s.groupBy.length ? `, by ${s.groupBy.join(' and ')}` : '';
  const vs = s.previous ? `, compared with the ${span} before` : '';
  return c.bold(`Metrics ${fmt(s.current.since)} → ${fmt(s.current.until)} (${span}${by})`) + c.dim(vs);
}

/** One flat row per group (or one row for the whole selection) for `metrics export`. */
export interface ExportRow {
  since: string;
  until: string;
  key: Partial<Record<GroupDim, string>>;
  metrics: MetricsResult;
}

export function exportRows(s: SummaryResult): ExportRow[] {
  const base = { since: s.current.since, until: s.current.until };
  if (!s.groupBy.length) return [{ ...base, key: {}, metrics: s.current.totals }];
  return s.current.groups.map((g) => ({ ...base, key: g.key, metrics: g.metrics }));
}

/** Pre-1.0 snake_case export names (first_response_median_s, reopen_n) still work in --fields. */
function exportAliases(key: string): string[] {
  const snake = key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
  return [snake.replace(/_seconds$/, '_s'), ...(key === 'reopenRateN' ? ['reopen_n'] : [])];
}

export function exportSpec(dims: GroupDim[], slaChannels: Channel[]): ListSpec<ExportRow> {
  const cols: Column<ExportRow>[] = [
    { key: 'since', header: 'since', value: (r) => r.since },
    { key: 'until', header: 'until', value: (r) => r.until },
    ...dims.map((d): Column<ExportRow> => ({ key: d, header: d, value: (r) => r.key[d] ?? '' })),
    ...exportColumns(slaChannels).map((c): Column<ExportRow> => ({ key: c.key, aliases: exportAliases(c.key), header: c.key, align: 'right', value: (r) => c.value(r.metrics) })),
  ];
  // JSON rows are as flat as the CSV ones
  return { columns: cols, defaultFields: cols.map((c) => c.key), toJson: (r) => Object.fromEntries(cols.map((c) => [c.key, c.value(r) ?? null])) };
}

export const perTicketSpec: ListSpec<PerTicketRow> = (() => {
  const keys: (keyof PerTicketRow)[] = [
    'id', 'channel', 'status', 'agent', 'group', 'tags', 'createdAt', 'firstResponseAt', 'firstResponseSeconds', 'solvedAt',
    'resolutionSeconds', 'replies', 'reopens', 'slaTargetSeconds', 'slaMet', 'csat', 'nps', 'ces', 'subject',
  ];
  // the same name as on a ticket
  const name = (k: keyof PerTicketRow): string => (k === 'reopens' ? 'reopenCount' : k);
  const columns: Column<PerTicketRow>[] = keys.map((k) => ({ key: name(k), header: name(k), value: (r) => r[k], flex: k === 'subject', aliases: k === 'reopens' ? ['reopens'] : undefined }));
  return {
    columns,
    defaultFields: columns.map((c) => c.key),
    toJson: (r) => Object.fromEntries(keys.map((k) => [name(k), r[k]])),
  };
})();

export interface TrendPoint {
  bucket: string;
  start: string;
  end: string;
  value: number | null;
  n: number;
}

export const trendSpec = (unit: MetricUnit): ListSpec<TrendPoint> => ({
  columns: [
    { key: 'bucket', header: 'bucket', value: (p) => p.bucket },
    { key: 'start', header: 'start', value: (p) => p.start },
    { key: 'end', header: 'end', value: (p) => p.end },
    { key: 'value', header: 'value', align: 'right', value: (p) => p.value, cell: (p, c) => (p.value === null ? c.dim(NO_DATA) : formatValue(unit, p.value)) },
    { key: 'n', header: 'n', align: 'right', value: (p) => p.n },
  ],
  defaultFields: ['bucket', 'value', 'n'],
});

type Plot = (series: number[], cfg: { height?: number; format?: (x: number) => string; colors?: string[] }) => string;

/**
 * A line chart of the series (asciichart). Buckets without data are drawn at the last known value and
 * listed as "no data" in the numbers below; each point is widened to use the terminal width.
 */
export function renderTrendChart(points: TrendPoint[], def: MetricDef, plot: Plot, width: number, c: ChalkInstance): string | null {
  const known = points.filter((p) => p.value !== null);
  if (!known.length) return null;
  let last = known[0]!.value!;
  const filled = points.map((p) => (p.value === null ? last : (last = p.value)));
  const labelWidth = 12;
  const repeat = Math.max(1, Math.min(6, Math.floor((width - labelWidth) / Math.max(1, filled.length))));
  const series = filled.flatMap((v) => Array<number>(repeat).fill(v));
  const format = (x: number) => {
    const text = def.unit === 'seconds' ? formatValue('seconds', Math.max(0, x)) : def.unit === 'count' ? String(Math.round(x)) : x.toFixed(1);
    return text.padStart(10).slice(-10);
  };
  const flat = Math.max(...series) === Math.min(...series);
  const chart = plot(series, { height: flat ? 1 : 10, format });
  const first = points[0]!.bucket;
  const lastLabel = points.at(-1)!.bucket;
  const axisWidth = series.length;
  const axis = ' '.repeat(labelWidth) + first + ' '.repeat(Math.max(1, axisWidth - first.length - lastLabel.length)) + (points.length > 1 ? lastLabel : '');
  return `${c.bold(def.label)}\n${chart}\n${c.dim(axis)}`;
}
