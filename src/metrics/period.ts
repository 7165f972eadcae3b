import type { Channel } from '../domain/model.js';
import { bucketIndex, bucketsFor, type Bucket } from './buckets.js';
import type { GroupDim, Grouping, TicketFacts } from './grouping.js';
import { MetricSet, type MetricsResult, type RatingInput } from './metric-set.js';
import { slaOutcomeMs } from './sla-targets.js';

export interface PeriodOptions {
  since: Date;
  until: Date;
  /** Evaluation time for SLA of unanswered tickets (usually ctx.clock.now()). */
  now: Date;
  grouping: Grouping;
  slaTargets: Partial<Record<Channel, number>>;
}

export interface GroupResult {
  /** Dimension -> value, in --group-by order, e.g. { channel: 'chat', week: '2026-11-16' }. */
  key: Partial<Record<GroupDim, string>>;
  label: string;
  /** The time bucket of the group, clipped to the period (time grouping only). */
  bucket?: { start: string; end: string };
  metrics: MetricsResult;
}

export interface PeriodResult {
  since: string;
  until: string;
  totals: MetricsResult;
  groups: GroupResult[];
}

interface GroupCell {
  combo: string[];
  bucket: number;
  set: MetricSet;
}

const SEP = '\u0001';

/**
 * Streaming accumulator of every metric for one period [since, until), optionally grouped.
 * Feed it tickets and ratings in any order, one at a time; memory is O(groups) counters plus
 * one 8-byte sample per response/resolution time (for exact percentiles). Never holds tickets.
 *
 * Each fact is dated by its own event: created/first response/SLA by creation, resolution/FCR/reopen
 * rate by the last solve, ratings by the rating's creation, backlog at the end of each bucket.
 */
export class PeriodAccumulator {
  readonly since: number;
  readonly until: number;
  private readonly now: number;
  private readonly grouping: Grouping;
  private readonly targets: Partial<Record<Channel, number>>;
  readonly buckets: Bucket[];
  private readonly total = new MetricSet();
  private readonly cells = new Map<string, GroupCell>();
  /** Backlog per attribute combination as a difference array over bucket ends (time grouping only). */
  private readonly backlogDiff = new Map<string, { combo: string[]; diff: Int32Array }>();
  private readonly grouped: boolean;

  constructor(opts: PeriodOptions) {
    this.since = opts.since.getTime();
    this.until = opts.until.getTime();
    this.now = opts.now.getTime();
    this.grouping = opts.grouping;
    this.targets = opts.slaTargets;
    this.grouped = opts.grouping.dims.length > 0;
    this.buckets = opts.grouping.time ? bucketsFor(this.since, this.until, opts.grouping.time) : [];
  }

  private inPeriod(t: number | null): t is number {
    return t !== null && t >= this.since && t < this.until;
  }

  /** The group cells a fact dated `at` belongs to (none when not grouped, or outside the buckets). */
  private cellsFor(combos: string[][], at: number): MetricSet[] {
    if (!this.grouped) return [];
    let bucket = -1;
    if (this.grouping.time) {
      bucket = bucketIndex(this.buckets, at);
      if (bucket < 0) return [];
    }
    const out: MetricSet[] = [];
    for (const combo of combos) {
      const key = `${combo.join(SEP)}${SEP}${bucket}`;
      let cell = this.cells.get(key);
      if (!cell) this.cells.set(key, (cell = { combo, bucket, set: new MetricSet() }));
      out.push(cell.set);
    }
    return out;
  }

  /** One ticket; `combos` from attrCombos(ticket, grouping.attrDims). */
  addTicket(f: TicketFacts, combos: string[][]): void {
    if (this.inPeriod(f.created)) {
      const frt = f.firstResponse === null ? null : (f.firstResponse - f.created) / 1000;
      const sla = slaOutcomeMs(f.channel, f.created, f.firstResponse, this.targets, this.now);
      this.total.addCreated(frt, f.channel, sla);
      for (const s of this.cellsFor(combos, f.created)) s.addCreated(frt, f.channel, sla);
    }
    if (this.inPeriod(f.solved)) {
      const res = (f.solved - f.created) / 1000;
      this.total.addSolved(res, f.replies, f.reopenCount);
      for (const s of this.cellsFor(combos, f.solved)) s.addSolved(res, f.replies, f.reopenCount);
    }
    if (f.reopenCount > 0) {
      const at = f.solved ?? f.updated;
      if (this.inPeriod(at)) {
        this.total.addReopened();
        for (const s of this.cellsFor(combos, at)) s.addReopened();
      }
    }
    this.addBacklog(f, combos);
  }

  private addBacklog(f: TicketFacts, combos: string[][]): void {
    const openAt = (end: number) => f.created < end && (f.solved === null || f.solved >= end);
    if (openAt(this.until)) this.total.backlog++;
    if (!this.grouped) return;
    if (!this.grouping.time) {
      if (openAt(this.until)) for (const s of this.cellsFor(combos, this.until)) s.backlog++;
      return;
    }
    // buckets i where created < end_i <= solved: one contiguous range, marked in O(1)
    const b = this.buckets;
    const n = b.length;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid]!.end > f.created) hi = mid;
      else lo = mid + 1;
    }
    const first = lo;
    let last = n - 1;
    if (f.solved !== null) {
      lo = 0;
      hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (b[mid]!.end > f.solved) hi = mid;
        else lo = mid + 1;
      }
      last = lo - 1;
    }
    if (first > last) return;
    for (const combo of combos) {
      const key = combo.join(SEP);
      let entry = this.backlogDiff.get(key);
      if (!entry) this.backlogDiff.set(key, (entry = { combo, diff: new Int32Array(n + 1) }));
      entry.diff[first]!++;
      entry.diff[last + 1]!--;
    }
  }

  /** One rating; `combos` from its ticket (null when the ticket is unknown or filtered out: not counted). */
  addRating(r: RatingInput & { created: number }, combos: string[][] | null): void {
    if (combos === null || !this.inPeriod(r.created)) return;
    this.total.addRating(r);
    for (const s of this.cellsFor(combos, r.created)) s.addRating(r);
  }

  result(): PeriodResult {
    const groups: GroupResult[] = [];
    if (this.grouped) {
      // spread backlog difference arrays over the time buckets
      for (const { combo, diff } of this.backlogDiff.values()) {
        let running = 0;
        for (let i = 0; i < this.buckets.length; i++) {
          running += diff[i]!;
          if (running > 0) {
            const key = `${combo.join(SEP)}${SEP}${i}`;
            let cell = this.cells.get(key);
            if (!cell) this.cells.set(key, (cell = { combo, bucket: i, set: new MetricSet() }));
            cell.set.backlog = running;
          }
        }
      }
      // grouped by time only: every bucket appears, empty ones included (a trend needs them)
      if (this.grouping.time && this.grouping.attrDims.length === 0) {
        for (let i = 0; i < this.buckets.length; i++) {
          const key = `${SEP}${i}`;
          if (!this.cells.has(key)) this.cells.set(key, { combo: [], bucket: i, set: new MetricSet() });
        }
      }
      const cells = [...this.cells.values()].sort((a, b) => compareCombos(a.combo, b.combo) || a.bucket - b.bucket);
      for (const c of cells) groups.push(this.groupResult(c));
    }
    return {
      since: new Date(this.since).toISOString(),
      until: new Date(this.until).toISOString(),
      totals: this.total.result(this.targets),
      groups,
    };
  }

  private groupResult(c: GroupCell): GroupResult {
    const key: Partial<Record<GroupDim, string>> = {};
    let a = 0;
    for (const d of this.grouping.dims) {
      if (d === this.grouping.time) key[d] = this.buckets[c.bucket]!.label;
      else key[d] = c.combo[a++]!;
    }
    const b = this.grouping.time ? this.buckets[c.bucket] : undefined;
    const bucket = b ? { start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() } : undefined;
    return { key, label: Object.values(key).join(' / '), ...(bucket ? { bucket } : {}), metrics: c.set.result(this.targets) };
  }
}

/** Placeholders such as "(unassigned)" sort after real names. */
function compareCombos(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const pa = a[i]!.startsWith('(');
    const pb = b[i]!.startsWith('(');
    if (pa !== pb) return pa ? 1 : -1;
    const c = a[i]!.localeCompare(b[i]!);
    if (c) return c;
  }
  return a.length - b.length;
}
