/** Count, median, p90 and mean of a set of durations (seconds); null everywhere when there are none. */
export interface DurationSummary {
  n: number;
  median: number | null;
  p90: number | null;
  mean: number | null;
}

/**
 * The p-th percentile by nearest rank: the value at rank ceil(p/100 * n) (1-based) of the sorted values.
 * `sorted` must be ascending; returns null when it is empty.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1]!;
}

/**
 * A growable list of numbers in a Float64Array (8 bytes per value, no per-value objects), so that
 * exact percentiles over a million durations stay cheap in memory.
 */
export class Samples {
  private buf: Float64Array;
  private len = 0;
  private sum = 0;

  constructor(initial = 16) {
    this.buf = new Float64Array(initial);
  }

  get n(): number {
    return this.len;
  }

  push(value: number): void {
    if (this.len === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = value;
    this.sum += value;
  }

  summary(): DurationSummary {
    if (this.len === 0) return { n: 0, median: null, p90: null, mean: null };
    const sorted = this.buf.slice(0, this.len).sort();
    return {
      n: this.len,
      median: nearestRank(sorted, 50),
      p90: nearestRank(sorted, 90),
      mean: this.sum / this.len,
    };
  }
}

/** summary() of plain numbers (for tests and small inputs). */
export function summarizeDurations(values: Iterable<number>): DurationSummary {
  const s = new Samples();
  for (const v of values) s.push(v);
  return s.summary();
}

/** part / whole x 100, or null when whole is 0 (no data is not 0 %). */
export const percent = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);
