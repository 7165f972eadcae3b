import { describe, expect, it } from 'vitest';
import { MetricSet } from '../../src/metrics/metric-set.js';

describe('MetricSet.merge', () => {
  it('adds every counter, sample and SLA cell of the other set (a new counter cannot be forgotten)', () => {
    const other = new MetricSet();
    const counters = Object.keys(other).filter((k) => typeof (other as unknown as Record<string, unknown>)[k] === 'number');
    expect(counters.length).toBeGreaterThan(15);
    counters.forEach((k, i) => ((other as unknown as Record<string, number>)[k] = i + 1));
    other.addCreated(30, 'chat', 'met');
    other.addSolved(120, 1, 0);
    const into = new MetricSet();
    into.addCreated(90, 'chat', 'missed');
    into.merge(other);
    const after = into as unknown as Record<string, number>;
    for (const k of counters) expect(after[k], k).toBe((other as unknown as Record<string, number>)[k]! + (k === 'created' ? 1 : 0));
    expect(into.frt.summary()).toMatchObject({ n: 2, mean: 60 });
    expect(into.res.summary()).toMatchObject({ n: 1, median: 120 });
    expect(into.sla.get('chat')).toEqual({ met: 1, missed: 1 });
  });
});
