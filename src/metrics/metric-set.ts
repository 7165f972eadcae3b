import type { Channel, RatingKind } from '../domain/model.js';
import { cesEasy, cesScore, csatSatisfied, npsClass, npsScore } from './ratings.js';
import type { SlaOutcome } from './sla-targets.js';
import { percent, Samples, type DurationSummary } from './stats.js';

/** A share in percent with its sample size; value is null when n is 0 ("no data", never 0). */
export interface Rate {
  value: number | null;
  n: number;
}

export interface MetricsResult {
  csat: Rate & { satisfied: number };
  nps: Rate & { promoters: number; passives: number; detractors: number };
  /** value = mean effort on 1-7; easyShare = % of 5-7. */
  ces: Rate & { easyShare: number | null };
  /** value = % of solved tickets with exactly one public agent reply and never reopened. */
  fcr: Rate & { firstContact: number; unknownReplies: number };
  /** Seconds from creation to the first public agent reply, over tickets created in the period. */
  firstResponse: DurationSummary & { unanswered: number };
  /** Seconds from creation to the last solve, over tickets solved in the period. */
  resolution: DurationSummary;
  sla: Rate & { met: number; missed: number; pending: number; byChannel: Partial<Record<Channel, Rate & { met: number; target: number }>> };
  /** value = % of solved tickets that were reopened at least once; reopens = their total reopen count. */
  reopenRate: Rate & { reopened: number; reopens: number };
  volume: { created: number; solved: number; reopened: number; backlog: number };
}

export interface RatingInput {
  kind: RatingKind;
  score: number;
  scale: { min: number; max: number };
}

interface SlaCell {
  met: number;
  missed: number;
}

/** The plain counters of a MetricSet (what merge adds up). */
const COUNTERS = [
  'csatN', 'csatSatisfied', 'npsN', 'promoters', 'passives', 'detractors', 'cesN', 'cesSum', 'cesEasy', 'fcrN', 'fcrYes', 'fcrUnknown',
  'unanswered', 'slaPending', 'solvedForReopen', 'reopenedSolved', 'reopens', 'created', 'solved', 'reopened', 'backlog',
] as const satisfies readonly (keyof MetricSet)[];

/** Counters and samples for one group of one period. Every update is O(1). */
export class MetricSet {
  csatN = 0;
  csatSatisfied = 0;
  npsN = 0;
  promoters = 0;
  passives = 0;
  detractors = 0;
  cesN = 0;
  cesSum = 0;
  cesEasy = 0;
  fcrN = 0;
  fcrYes = 0;
  fcrUnknown = 0;
  frt = new Samples(4);
  unanswered = 0;
  res = new Samples(4);
  slaPending = 0;
  sla = new Map<Channel, SlaCell>();
  solvedForReopen = 0;
  reopenedSolved = 0;
  reopens = 0;
  created = 0;
  solved = 0;
  reopened = 0;
  backlog = 0;

  addRating(r: RatingInput): void {
    if (r.kind === 'csat') {
      this.csatN++;
      if (csatSatisfied(r.score, r.scale)) this.csatSatisfied++;
    } else if (r.kind === 'nps') {
      this.npsN++;
      const c = npsClass(npsScore(r.score, r.scale));
      if (c === 'promoter') this.promoters++;
      else if (c === 'passive') this.passives++;
      else this.detractors++;
    } else if (r.kind === 'ces') {
      const s = cesScore(r.score, r.scale);
      this.cesN++;
      this.cesSum += s;
      if (cesEasy(s)) this.cesEasy++;
    }
  }

  /**
   * A ticket created in the period: its first response time (null = not answered by the end of the
   * period, see PeriodAccumulator) and its SLA outcome as of that end.
   */
  addCreated(firstResponseSec: number | null, channel: Channel, sla: SlaOutcome): void {
    this.created++;
    if (firstResponseSec === null) this.unanswered++;
    else this.frt.push(Math.max(0, firstResponseSec));
    if (sla === 'met' || sla === 'missed') {
      let cell = this.sla.get(channel);
      if (!cell) this.sla.set(channel, (cell = { met: 0, missed: 0 }));
      cell[sla]++;
    } else if (sla === 'pending') this.slaPending++;
  }

  /** A ticket solved in the period: resolution time, public agent replies (null = unknown), reopens. */
  addSolved(resolutionSec: number, replies: number | null, reopenCount: number): void {
    this.solved++;
    this.res.push(Math.max(0, resolutionSec));
    if (replies === null) this.fcrUnknown++;
    else {
      this.fcrN++;
      if (replies === 1 && reopenCount === 0) this.fcrYes++;
    }
    this.solvedForReopen++;
    if (reopenCount > 0) {
      this.reopenedSolved++;
      this.reopens += reopenCount;
    }
  }

  /** addCreated for `c.created` tickets of one channel at once (counts computed by a store, e.g. in SQL); response times go to `frt`. */
  addCreatedCounts(channel: Channel, c: { created: number; unanswered: number; met: number; missed: number; pending: number }): void {
    this.created += c.created;
    this.unanswered += c.unanswered;
    this.slaPending += c.pending;
    if (c.met || c.missed) {
      let cell = this.sla.get(channel);
      if (!cell) this.sla.set(channel, (cell = { met: 0, missed: 0 }));
      cell.met += c.met;
      cell.missed += c.missed;
    }
  }

  /** Adds every counter and sample of `other` (a set counted apart, e.g. inside an SQL aggregate). */
  merge(other: MetricSet): void {
    for (const k of COUNTERS) this[k] += other[k];
    this.frt.append(other.frt);
    this.res.append(other.res);
    for (const [channel, cell] of other.sla) {
      const mine = this.sla.get(channel);
      if (mine) {
        mine.met += cell.met;
        mine.missed += cell.missed;
      } else this.sla.set(channel, { ...cell });
    }
  }

  /** A reopened ticket whose latest activity (last solve, or last update while reopened) is in the period. */
  addReopened(): void {
    this.reopened++;
  }

  result(targets: Partial<Record<Channel, number>>): MetricsResult {
    let met = 0;
    let missed = 0;
    const byChannel: MetricsResult['sla']['byChannel'] = {};
    for (const [ch, target] of Object.entries(targets) as [Channel, number][]) {
      const cell = this.sla.get(ch) ?? { met: 0, missed: 0 };
      met += cell.met;
      missed += cell.missed;
      const n = cell.met + cell.missed;
      byChannel[ch] = { value: percent(cell.met, n), n, met: cell.met, target };
    }
    const npsValue = this.npsN > 0 ? ((this.promoters - this.detractors) / this.npsN) * 100 : null;
    return {
      csat: { value: percent(this.csatSatisfied, this.csatN), n: this.csatN, satisfied: this.csatSatisfied },
      nps: { value: npsValue, n: this.npsN, promoters: this.promoters, passives: this.passives, detractors: this.detractors },
      ces: { value: this.cesN ? this.cesSum / this.cesN : null, n: this.cesN, easyShare: percent(this.cesEasy, this.cesN) },
      fcr: { value: percent(this.fcrYes, this.fcrN), n: this.fcrN, firstContact: this.fcrYes, unknownReplies: this.fcrUnknown },
      firstResponse: { ...this.frt.summary(), unanswered: this.unanswered },
      resolution: this.res.summary(),
      sla: { value: percent(met, met + missed), n: met + missed, met, missed, pending: this.slaPending, byChannel },
      reopenRate: { value: percent(this.reopenedSolved, this.solvedForReopen), n: this.solvedForReopen, reopened: this.reopenedSolved, reopens: this.reopens },
      volume: { created: this.created, solved: this.solved, reopened: this.reopened, backlog: this.backlog },
    };
  }
}
