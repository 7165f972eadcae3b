import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { metricCatalog } from '../../src/metrics/catalog.js';
import { computeSummary } from '../../src/metrics/engine.js';
import { NO_GROUPING, parseGroupBy } from '../../src/metrics/grouping.js';
import { DEFAULT_SLA_TARGETS } from '../../src/metrics/sla-targets.js';
import { exportRows, exportSpec, groupRows, metricRows, metricRowSpec, renderTrendChart, summaryJson } from '../../src/metrics/views.js';
import { toCsv } from '../../src/output/formatters.js';
import { fakeProvider, NOW, RATINGS, SINCE, TICKETS, UNTIL } from './metrics-fixture.js';

const base = { since: SINCE, until: UNTIL, now: NOW, filter: {}, slaTargets: DEFAULT_SLA_TARGETS };
const summarize = (groupBy?: string) => computeSummary(fakeProvider(TICKETS, RATINGS).provider, { ...base, grouping: groupBy ? parseGroupBy(groupBy) : NO_GROUPING, compare: true });

describe('summary JSON', () => {
  it('carries the period, the previous one and the change of each metric', async () => {
    const j = summaryJson(await summarize());
    expect(j.period).toEqual({ since: '2026-11-01T00:00:00.000Z', until: '2026-11-08T00:00:00.000Z' });
    expect(j.previousPeriod).toEqual({ since: '2026-10-25T00:00:00.000Z', until: '2026-11-01T00:00:00.000Z' });
    expect(j.change!.csat).toBeCloseTo((2 / 3) * 100 - 100, 9);
    expect(j.change!.nps).toBeNull(); // no NPS before: no change, not a change from 0
    expect(j.change!.created).toBe(4);
    expect(j.groups).toEqual([]);
  });

  it('compares each group with the same group of the previous period', async () => {
    const j = summaryJson(await summarize('channel'));
    const email = j.groups.find((g) => g.key.channel === 'email')!;
    expect(email.previous!.volume.created).toBe(1); // ticket 5
    expect(email.change!.created).toBe(1);
    const chat = j.groups.find((g) => g.key.channel === 'chat')!;
    expect(chat.previous!.csat.value).toBeNull(); // nothing there before: no data
    expect(chat.change!.created).toBe(2);
  });
});

describe('tables', () => {
  it('shows "no data", arrows and colours the change by whether it is better', async () => {
    const s = await summarize();
    const rows = metricRows(s);
    const c = new Chalk({ level: 1 });
    const cell = (name: string, key: string) => {
      const row = rows.find((r) => r.def.name === name)!;
      return metricRowSpec.columns.find((col) => col.key === key)!.cell!(row, c);
    };
    expect(cell('csat', 'change')).toBe(c.red('▼ -33.3 pts')); // CSAT fell: worse
    expect(cell('first-response', 'change')).toBe(c.green('▼ -58m')); // 120 s vs 1 h before: faster is better
    expect(cell('nps', 'previous')).toBe(c.dim('no data'));
    expect(cell('created', 'change')).toBe('▲ +4'); // more tickets is neither good nor bad
  });

  it('groups rows keep the previous period of their group', async () => {
    const rows = groupRows(await summarize('channel'));
    expect(rows.map((r) => r.group.label)).toEqual(['chat', 'email', 'phone', 'web']);
    expect(rows.every((r) => r.previous)).toBe(true);
    expect(groupRows(await summarize('day')).every((r) => r.previous === undefined)).toBe(true);
  });
});

describe('export rows', () => {
  it('one flat CSV row per group, with sample sizes and empty cells for no data', async () => {
    const s = await summarize('channel');
    const spec = exportSpec(s.groupBy, ['chat', 'email', 'social', 'phone', 'web']);
    const csv = toCsv(exportRows(s), spec.columns).trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 5)).toEqual(['since', 'until', 'channel', 'csat', 'csatN']);
    const phone = Object.fromEntries(header.map((h, i) => [h, csv.find((l) => l.includes(',phone,'))!.split(',')[i]]));
    expect(phone.csat).toBe('');
    expect(phone.csatN).toBe('0');
    expect(phone.slaPhone).toBe('0');
    expect(phone.backlog).toBe('1');
    const chat = Object.fromEntries(header.map((h, i) => [h, csv.find((l) => l.includes(',chat,'))!.split(',')[i]]));
    expect(chat.firstResponseMedianSeconds).toBe('30');
    expect(chat.csat).toBe('50');
  });
});

describe('trend chart', () => {
  it('draws the known values, flat across buckets without data', async () => {
    const plot = (await import('asciichart' as string)).default.plot;
    const def = metricCatalog().find((d) => d.name === 'csat')!;
    const points = [
      { bucket: '2026-11-02', start: '', end: '', value: 50, n: 2 },
      { bucket: '2026-11-09', start: '', end: '', value: null, n: 0 },
      { bucket: '2026-11-16', start: '', end: '', value: 100, n: 1 },
    ];
    const chart = renderTrendChart(points, def, plot, 80, new Chalk({ level: 0 }))!;
    expect(chart.split('\n')[0]).toBe('CSAT');
    expect(chart).toMatch(/100\.0 ┤/);
    expect(chart).toMatch(/50\.0 ┼/);
    expect(chart).toMatch(/2026-11-02 +2026-11-16/);
    expect(renderTrendChart([{ ...points[1]! }], def, plot, 80, new Chalk({ level: 0 }))).toBeNull();
  });
});

describe('read counter', () => {
  it('redraws one stderr line at most every 100 ms on a terminal and erases it at the end; silent otherwise', async () => {
    const { createReadCounter } = await import('../../src/metrics/progress.js');
    const { Writable } = await import('node:stream');
    const sink = () => {
      const chunks: string[] = [];
      const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) as InstanceType<typeof Writable> & { isTTY?: boolean };
      return { w, chunks };
    };
    const io = (w: unknown, quiet = false) => ({ stderr: w, quiet, errColor: new Chalk({ level: 0 }) }) as never;
    let t = 1000;
    const tty = sink();
    tty.w.isTTY = true;
    const c = createReadCounter(io(tty.w), () => t);
    c.update({ tickets: 1000, ratings: 20 });
    t += 50;
    c.update({ tickets: 2000, ratings: 20 }); // too soon: skipped
    t += 100;
    c.update({ tickets: 12000, ratings: 3100 });
    c.stop();
    expect(tty.chunks).toEqual(['\r\u001b[2Kreading… 1,000 tickets, 20 ratings', '\r\u001b[2Kreading… 12,000 tickets, 3,100 ratings', '\r\u001b[2K']);
    const pipe = sink();
    const p = createReadCounter(io(pipe.w), () => t);
    p.update({ tickets: 1, ratings: 1 });
    p.stop();
    const quiet = sink();
    quiet.w.isTTY = true;
    createReadCounter(io(quiet.w, true), () => t).update({ tickets: 1, ratings: 1 });
    expect(pipe.chunks).toEqual([]);
    expect(quiet.chunks).toEqual([]);
  });
});
