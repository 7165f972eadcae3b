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
    if (this.len === this.buf.length) this.reserve(this.len + 1);
    this.buf[this.len++] = value;
    this.sum += value;
  }

  /** The values, in the order pushed (a view: valid until the next push). */
  values(): Float64Array {
    return this.buf.subarray(0, this.len);
  }

  /** Adds every value of `other` (null: nothing), raised to `floor` when below it. */
  append(other: Samples | null, floor = -Infinity): void {
    if (!other || other.len === 0) return;
    this.reserve(this.len + other.len);
    const src = other.buf;
    const dst = this.buf;
    let at = this.len;
    let sum = this.sum;
    for (let i = 0; i < other.len; i++) {
      const v = src[i]! < floor ? floor : src[i]!;
      dst[at++] = v;
      sum += v;
    }
    this.len = at;
    this.sum = sum;
  }

  private reserve(size: number): void {
    if (size <= this.buf.length) return;
    const next = new Float64Array(Math.max(size, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  summary(): DurationSummary {
    if (this.len === 0) return { n: 0, median: null, p90: null, mean: null };
    // two selections (O(n)) instead of a sort: p90 first, then the median among the values left of it
    const values = this.buf.slice(0, this.len);
    const n = this.len;
    const k90 = Math.min(n, Math.max(1, Math.ceil(0.9 * n))) - 1;
    const k50 = Math.min(n, Math.max(1, Math.ceil(0.5 * n))) - 1;
    const p90 = select(values, k90, 0, n - 1);
    const median = select(values, k50, 0, k90);
    return { n, median, p90, mean: this.sum / n };
  }
}

/**
 * Rearranges a[lo..hi] so that a[k] holds the value it would have if sorted, smaller-or-equal values
 * before it and greater-or-equal after (Hoare's quickselect, median-of-three pivot). Returns a[k].
 */
export function select(a: Float64Array, k: number, lo: number, hi: number): number {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot, guards against sorted input
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** summary() of plain numbers (for tests and small inputs). */
export function summarizeDurations(values: Iterable<number>): DurationSummary {
  const s = new Samples();
  for (const v of values) s.push(v);
  return s.summary();
}

/** part / whole x 100, or null when whole is 0 (no data is not 0 %). */
export const percent = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);
