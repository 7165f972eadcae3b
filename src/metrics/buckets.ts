export const TIME_UNITS = ['day', 'week', 'month'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

const DAY = 86_400_000;

/** Start (UTC) of the day, ISO week (Monday) or month containing `ms`. */
export function bucketStart(ms: number, unit: TimeUnit): number {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'day') return day;
  if (unit === 'week') {
    const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
    return day - dow * DAY;
  }
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextBucketStart(start: number, unit: TimeUnit): number {
  if (unit === 'day') return start + DAY;
  if (unit === 'week') return start + 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Day and week buckets are named by their first day (2026-11-16), months by year-month (2026-11). */
export function bucketLabel(start: number, unit: TimeUnit): string {
  const iso = new Date(start).toISOString();
  return unit === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

export interface Bucket {
  label: string;
  /** Inclusive start, clipped to the period. */
  start: number;
  /** Exclusive end, clipped to the period: backlog is measured here. */
  end: number;
}

/** The buckets covering [since, until); the first and last are clipped to the period. */
export function bucketsFor(since: number, until: number, unit: TimeUnit): Bucket[] {
  const out: Bucket[] = [];
  for (let s = bucketStart(since, unit); s < until; s = nextBucketStart(s, unit)) {
    out.push({ label: bucketLabel(s, unit), start: Math.max(s, since), end: Math.min(nextBucketStart(s, unit), until) });
  }
  return out;
}

/**
 * Finds the bucket index of `ms` in buckets (sorted, contiguous); -1 outside the period.
 * Binary search, so a million lookups over a year of days stay fast.
 */
export function bucketIndex(buckets: readonly Bucket[], ms: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  if (hi < 0 || ms < buckets[0]!.start || ms >= buckets[hi]!.end) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms >= buckets[mid]!.end) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
