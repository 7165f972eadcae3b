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

/** One attribute combination (e.g. ['chat'] or ['Ann', 'refund']): its cells per time bucket (index 0 when not by time). */
interface ComboState {
  combo: string[];
  cells: (MetricSet | undefined)[];
  /** Backlog as a difference array over bucket ends (time grouping only). */
  backlogDiff?: Int32Array;
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
  /** Combination states by their values, and by array identity (callers reuse combo arrays: no key strings per ticket). */
  private readonly combos = new Map<string, ComboState>();
  private readonly comboByArray = new WeakMap<string[], ComboState>();
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

  private comboState(combo: string[]): ComboState {
    let st = this.comboByArray.get(combo);
    if (!st) {
      const key = combo.join(SEP);
      st = this.combos.get(key);
      if (!st) this.combos.set(key, (st = { combo, cells: [] }));
      this.comboByArray.set(combo, st);
    }
    return st;
  }

  private cell(st: ComboState, bucket: number): MetricSet {
    return (st.cells[bucket] ??= new MetricSet());
  }

  /** The bucket a fact dated `at` falls in: 0 when not grouped by time, -1 outside the buckets. */
  private bucketOf(at: number): number {
    return this.grouping.time ? bucketIndex(this.buckets, at) : 0;
  }

  /** One ticket; `combos` from attrCombos(ticket, grouping.attrDims). */
  addTicket(f: TicketFacts, combos: string[][]): void {
    if (this.inPeriod(f.created)) {
      const end = Math.min(this.until, this.now);
      this.addCreatedAsOf(this.total, f, end);
      const b = this.grouped ? this.bucketOf(f.created) : -1;
      if (b >= 0) {
        // each time bucket is judged at its own end
        const bucketEnd = this.grouping.time ? Math.min(this.buckets[b]!.end, this.now) : end;
        for (const c of combos) this.addCreatedAsOf(this.cell(this.comboState(c), b), f, bucketEnd);
      }
    }
    if (this.inPeriod(f.solved)) {
      const res = (f.solved - f.created) / 1000;
      this.total.addSolved(res, f.replies, f.reopenCount);
      const b = this.grouped ? this.bucketOf(f.solved) : -1;
      if (b >= 0) for (const c of combos) this.cell(this.comboState(c), b).addSolved(res, f.replies, f.reopenCount);
    }
    if (f.reopenCount > 0) {
      const at = f.solved ?? f.updated;
      if (this.inPeriod(at)) {
        this.total.addReopened();
        const b = this.grouped ? this.bucketOf(at) : -1;
        if (b >= 0) for (const c of combos) this.cell(this.comboState(c), b).addReopened();
      }
    }
    this.addBacklog(f, combos);
  }

  /**
   * A ticket created in a period judged as of `end` (the period's or bucket's end, or now if earlier):
   * a first response at or after `end` had not happened yet, so the ticket counts as unanswered there,
   * has no response time in that period, and its SLA is missed or pending as of `end`.
   */
  private addCreatedAsOf(set: MetricSet, f: TicketFacts, end: number): void {
    const answered = f.firstResponse !== null && f.firstResponse < end ? f.firstResponse : null;
    const frt = answered === null ? null : (answered - f.created) / 1000;
    set.addCreated(frt, f.channel, slaOutcomeMs(f.channel, f.created, answered, this.targets, end));
  }

  private addBacklog(f: TicketFacts, combos: string[][]): void {
    const openAt = (end: number) => f.created < end && (f.solved === null || f.solved >= end);
    if (openAt(this.until)) this.total.backlog++;
    if (!this.grouped) return;
    if (!this.grouping.time) {
      if (openAt(this.until)) for (const c of combos) this.cell(this.comboState(c), 0).backlog++;
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
    for (const c of combos) {
      const st = this.comboState(c);
      const diff = (st.backlogDiff ??= new Int32Array(n + 1));
      diff[first]!++;
      diff[last + 1]!--;
    }
  }

  /**
   * For a store that aggregates itself (SQL): the counters of the totals (combo null) or of one group
   * cell (bucket 0 when not grouped by time). Counts added there follow the same definitions as addTicket.
   */
  aggregateSet(combo: string[] | null, bucket = 0): MetricSet {
    return combo === null ? this.total : this.cell(this.comboState(combo), bucket);
  }

  /** `count` tickets of a group in the backlog at the end of time buckets first..last (time grouping). */
  addBacklogSpan(combo: string[], first: number, last: number, count: number): void {
    if (first > last) return;
    const st = this.comboState(combo);
    const diff = (st.backlogDiff ??= new Int32Array(this.buckets.length + 1));
    diff[first]! += count;
    diff[last + 1]! -= count;
  }

  /** One rating; `combos` from its ticket (null when the ticket is unknown or filtered out: not counted). */
  addRating(r: RatingInput & { created: number }, combos: string[][] | null): void {
    if (combos === null || !this.inPeriod(r.created)) return;
    this.total.addRating(r);
    const b = this.grouped ? this.bucketOf(r.created) : -1;
    if (b >= 0) for (const c of combos) this.cell(this.comboState(c), b).addRating(r);
  }

  result(): PeriodResult {
    const groups: GroupResult[] = [];
    if (this.grouped) {
      if (this.grouping.time) {
        // grouped by time only: every bucket appears, empty ones included (a trend needs them)
        if (this.grouping.attrDims.length === 0) {
          const st = this.comboState([]);
          for (let i = 0; i < this.buckets.length; i++) this.cell(st, i);
        }
        // spread the backlog difference arrays over the time buckets
        for (const st of this.combos.values()) {
          if (!st.backlogDiff) continue;
          let running = 0;
          for (let i = 0; i < this.buckets.length; i++) {
            running += st.backlogDiff[i]!;
            if (running > 0) this.cell(st, i).backlog = running;
          }
        }
      }
      // in --group-by order: "week,agent" sorts by week first, "agent,week" by agent first
      const timeFirst = this.grouping.time !== undefined && this.grouping.dims[0] === this.grouping.time;
      const cells: { combo: string[]; bucket: number; set: MetricSet }[] = [];
      for (const st of this.combos.values()) st.cells.forEach((set, bucket) => set && cells.push({ combo: st.combo, bucket, set }));
      cells.sort((a, b) =>
        timeFirst ? a.bucket - b.bucket || compareCombos(a.combo, b.combo) : compareCombos(a.combo, b.combo) || a.bucket - b.bucket,
      );
      for (const c of cells) groups.push(this.groupResult(c));
    }
    return {
      since: new Date(this.since).toISOString(),
      until: new Date(this.until).toISOString(),
      totals: this.total.result(this.targets),
      groups,
    };
  }

  private groupResult(c: { combo: string[]; bucket: number; set: MetricSet }): GroupResult {
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
