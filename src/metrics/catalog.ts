import { CHANNELS, type Channel } from '../domain/model.js';
import type { MetricsResult } from './metric-set.js';

export type MetricUnit = 'percent' | 'seconds' | 'score' | 'nps' | 'count';

/** One number a lead watches: how to read it from a MetricsResult, its sample size, and which way is better. */
export interface MetricDef {
  name: string;
  label: string;
  unit: MetricUnit;
  /** Which direction is an improvement (colours the change). */
  better: 'up' | 'down' | 'none';
  value(m: MetricsResult): number | null;
  n(m: MetricsResult): number;
}

const def = (name: string, label: string, unit: MetricUnit, better: MetricDef['better'], value: MetricDef['value'], n: MetricDef['n']): MetricDef => ({
  name,
  label,
  unit,
  better,
  value,
  n,
});

/** The metrics of a summary, in display order; names are what `metrics trend METRIC` accepts. */
export function metricCatalog(slaChannels: readonly Channel[] = []): MetricDef[] {
  return [
    def('csat', 'CSAT', 'percent', 'up', (m) => m.csat.value, (m) => m.csat.n),
    def('nps', 'NPS', 'nps', 'up', (m) => m.nps.value, (m) => m.nps.n),
    def('ces', 'CES (mean, 1-7)', 'score', 'up', (m) => m.ces.value, (m) => m.ces.n),
    def('ces-easy', 'CES share of 5-7', 'percent', 'up', (m) => m.ces.easyShare, (m) => m.ces.n),
    def('fcr', 'First contact resolution', 'percent', 'up', (m) => m.fcr.value, (m) => m.fcr.n),
    def('first-response', 'First response, median', 'seconds', 'down', (m) => m.firstResponse.median, (m) => m.firstResponse.n),
    def('first-response-p90', 'First response, p90', 'seconds', 'down', (m) => m.firstResponse.p90, (m) => m.firstResponse.n),
    def('first-response-mean', 'First response, mean', 'seconds', 'down', (m) => m.firstResponse.mean, (m) => m.firstResponse.n),
    def('unanswered', 'Not answered by period end', 'count', 'down', (m) => m.firstResponse.unanswered, (m) => m.volume.created),
    def('resolution', 'Resolution, median', 'seconds', 'down', (m) => m.resolution.median, (m) => m.resolution.n),
    def('resolution-p90', 'Resolution, p90', 'seconds', 'down', (m) => m.resolution.p90, (m) => m.resolution.n),
    def('resolution-mean', 'Resolution, mean', 'seconds', 'down', (m) => m.resolution.mean, (m) => m.resolution.n),
    def('sla', 'SLA attainment', 'percent', 'up', (m) => m.sla.value, (m) => m.sla.n),
    ...slaChannels.map((ch) =>
      def(`sla-${ch}`, `SLA attainment, ${ch}`, 'percent', 'up', (m) => m.sla.byChannel[ch]?.value ?? null, (m) => m.sla.byChannel[ch]?.n ?? 0),
    ),
    def('reopen-rate', 'Reopen rate', 'percent', 'down', (m) => m.reopenRate.value, (m) => m.reopenRate.n),
    def('created', 'Created', 'count', 'none', (m) => m.volume.created, (m) => m.volume.created),
    def('solved', 'Solved', 'count', 'up', (m) => m.volume.solved, (m) => m.volume.solved),
    def('reopened', 'Reopened', 'count', 'down', (m) => m.volume.reopened, (m) => m.volume.reopened),
    def('backlog', 'Backlog (unsolved at end)', 'count', 'down', (m) => m.volume.backlog, (m) => m.volume.backlog),
  ];
}

/** A metric's name as a JSON key: `first-response` -> `firstResponse` (the CLI keeps the kebab-case name). */
export const metricKey = (name: string): string => name.replace(/-([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());

export const slaChannelsOf = (targets: Partial<Record<Channel, number>>): Channel[] => CHANNELS.filter((c) => targets[c] !== undefined);

/** Current minus previous; null when either has no data. */
export const change = (cur: number | null, prev: number | null): number | null => (cur === null || prev === null ? null : cur - prev);

/** 45s, 12m 5s, 3h 12m, 2d 4h. */
export function humanDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  if (s < 86400) {
    const m = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)}h${m ? ` ${m}m` : ''}`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return `${Math.floor(s / 86400)}d${h ? ` ${h}h` : ''}`;
}

export const NO_DATA = 'no data';

/** A value for people: "85.2%", "+32", "5.43", "3h 12m", "120"; "no data" when null. */
export function formatValue(unit: MetricUnit, v: number | null): string {
  if (v === null) return NO_DATA;
  switch (unit) {
    case 'percent':
      return `${v.toFixed(1)}%`;
    case 'nps':
      return `${v > 0 ? '+' : ''}${v.toFixed(1)}`;
    case 'score':
      return v.toFixed(2);
    case 'seconds':
      return humanDuration(v);
    case 'count':
      return String(v);
  }
}

/** A change for people: "+3.1 pts", "-12m", "+15"; "" when unknown. */
export function formatChange(unit: MetricUnit, d: number | null): string {
  if (d === null) return '';
  const sign = d > 0 ? '+' : d < 0 ? '-' : '±';
  const a = Math.abs(d);
  switch (unit) {
    case 'percent':
    case 'nps':
      return `${sign}${a.toFixed(1)} pts`;
    case 'score':
      return `${sign}${a.toFixed(2)}`;
    case 'seconds':
      return `${sign}${humanDuration(a)}`;
    case 'count':
      return `${sign}${a}`;
  }
}

/** ▲ / ▼ / ▶ and whether the change is good, bad or neither. */
export function trendOf(better: MetricDef['better'], d: number | null): { arrow: string; mood: 'good' | 'bad' | 'flat' } {
  if (d === null || Math.abs(d) < 1e-9) return { arrow: d === null ? '' : '▶', mood: 'flat' };
  const arrow = d > 0 ? '▲' : '▼';
  if (better === 'none') return { arrow, mood: 'flat' };
  return { arrow, mood: (d > 0) === (better === 'up') ? 'good' : 'bad' };
}

const round = (v: number | null, digits = 2): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/**
 * A flat row for CSV/JSON export: every metric with its sample size. Percentages and means rounded to
 * 2 decimals, times in seconds; empty (null) when there is no data.
 */
export function exportColumns(slaChannels: readonly Channel[]): { key: string; value: (m: MetricsResult) => number | null }[] {
  return [
    { key: 'csat', value: (m) => round(m.csat.value) },
    { key: 'csatN', value: (m) => m.csat.n },
    { key: 'nps', value: (m) => round(m.nps.value) },
    { key: 'npsN', value: (m) => m.nps.n },
    { key: 'ces', value: (m) => round(m.ces.value) },
    { key: 'cesEasyShare', value: (m) => round(m.ces.easyShare) },
    { key: 'cesN', value: (m) => m.ces.n },
    { key: 'fcr', value: (m) => round(m.fcr.value) },
    { key: 'fcrN', value: (m) => m.fcr.n },
    { key: 'firstResponseN', value: (m) => m.firstResponse.n },
    { key: 'firstResponseMedianSeconds', value: (m) => round(m.firstResponse.median) },
    { key: 'firstResponseP90Seconds', value: (m) => round(m.firstResponse.p90) },
    { key: 'firstResponseMeanSeconds', value: (m) => round(m.firstResponse.mean) },
    { key: 'unanswered', value: (m) => m.firstResponse.unanswered },
    { key: 'resolutionN', value: (m) => m.resolution.n },
    { key: 'resolutionMedianSeconds', value: (m) => round(m.resolution.median) },
    { key: 'resolutionP90Seconds', value: (m) => round(m.resolution.p90) },
    { key: 'resolutionMeanSeconds', value: (m) => round(m.resolution.mean) },
    { key: 'sla', value: (m) => round(m.sla.value) },
    { key: 'slaN', value: (m) => m.sla.n },
    ...slaChannels.flatMap((ch) => [
      { key: metricKey(`sla-${ch}`), value: (m: MetricsResult) => round(m.sla.byChannel[ch]?.value ?? null) },
      { key: `${metricKey(`sla-${ch}`)}N`, value: (m: MetricsResult) => m.sla.byChannel[ch]?.n ?? 0 },
    ]),
    { key: 'reopenRate', value: (m) => round(m.reopenRate.value) },
    { key: 'reopenRateN', value: (m) => m.reopenRate.n },
    { key: 'created', value: (m) => m.volume.created },
    { key: 'solved', value: (m) => m.volume.solved },
    { key: 'reopened', value: (m) => m.volume.reopened },
    { key: 'backlog', value: (m) => m.volume.backlog },
  ];
}
