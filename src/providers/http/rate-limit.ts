/**
 * A client-side rate limiter shared by every concurrent request of a profile.
 *
 * Token bucket sized so that no 60-second window ever carries more than `perMinute` units, less a
 * safety margin: a burst of `burst` units is allowed, then units refill at
 * (perMinute * (1 - safetyMargin) - burst) per minute.
 * Requests may cost more than one unit (Help Scout counts writes double, a Freshdesk ticket with includes
 * five); a cost larger than the burst is saved up for, and the refill then leaves room for it, so the
 * bound holds with any cost. When the server says
 * "stop" (429 or a remaining-quota header at zero) every waiting request pauses until it allows again.
 */
export interface RateLimiterOptions {
  /** Units (requests) per minute. */
  perMinute: number;
  /** Units that may go at once; defaults to one second's worth of the budget (at least 1). */
  burst?: number;
  /** Share of the budget left unused so no window reaches the server's limit (default 0.01 = 1%). */
  safetyMargin?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/*
 * Why these defaults: the burst is paid for out of the refill (a window holding a full burst must still
 * stay under the limit), so the steady rate is the budget minus the burst. In the bulk benchmark
 * (bench/bulk.js, 700/min against a 60 s sliding window) a tenth of a minute as burst settled at ~90% of the
 * limit, one second's worth at ~98.8% with no refusals. Pacing at exactly the limit once had a request
 * refused at the edge of the server's window (the two clocks and the network do not agree to the
 * millisecond); at 99% none were, hence the 1% margin.
 */
/** Default burst: one second's worth of the per-minute budget. */
export const DEFAULT_BURST_SECONDS = 1;
/** Default share of the budget kept in reserve. */
export const DEFAULT_SAFETY_MARGIN = 0.01;

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class RateLimiter {
  readonly perMinute: number;
  readonly burst: number;
  /** Units per minute in steady state (after the burst is spent). */
  refillPerMinute: number;
  private ratePerMs: number;
  /** Units the bucket holds: the burst, or the largest cost asked for when that is more. */
  private capacity: number;
  private readonly budget: number;
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** FIFO of waiters so concurrent callers are served in order. */
  private queue: Promise<void> = Promise.resolve();
  /** Units granted so far (for tests and benchmarks). */
  granted = 0;

  constructor(opts: RateLimiterOptions) {
    if (!(opts.perMinute > 0)) throw new RangeError('perMinute must be positive');
    this.perMinute = opts.perMinute;
    const margin = opts.safetyMargin ?? DEFAULT_SAFETY_MARGIN;
    if (!(margin >= 0 && margin < 1)) throw new RangeError('safetyMargin must be in [0, 1)');
    this.budget = opts.perMinute * (1 - margin);
    this.burst = Math.max(1, Math.min(opts.burst ?? Math.floor((opts.perMinute * DEFAULT_BURST_SECONDS) / 60), opts.perMinute));
    this.capacity = this.burst;
    this.refillPerMinute = Math.max(this.budget - this.capacity, opts.perMinute / 10);
    this.ratePerMs = this.refillPerMinute / 60_000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.tokens = this.burst;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.ratePerMs);
      this.last = t;
    }
  }

  /** A cost larger than the bucket: the bucket grows to hold it and the refill slows by as much. */
  private fitCost(cost: number): void {
    if (cost <= this.capacity) return;
    this.refill();
    this.capacity = Math.min(cost, this.perMinute);
    this.refillPerMinute = Math.max(this.budget - this.capacity, this.perMinute / 10);
    this.ratePerMs = this.refillPerMinute / 60_000;
  }

  /** Milliseconds until `cost` units are available (0 = now). */
  delayFor(cost = 1): number {
    this.fitCost(cost);
    this.refill();
    const pause = Math.max(0, this.pausedUntil - this.now());
    const need = Math.min(cost, this.capacity) - this.tokens;
    const refillWait = need > 0 ? Math.ceil(need / this.ratePerMs) : 0;
    return Math.max(pause, refillWait);
  }

  /** Waits until `cost` units are available and takes them. Callers are served first come, first served. */
  acquire(cost = 1): Promise<number> {
    const start = this.now();
    const turn = this.queue.then(async () => {
      for (;;) {
        const wait = this.delayFor(cost);
        if (wait <= 0) break;
        await this.sleep(wait);
      }
      this.refill();
      this.tokens -= Math.min(cost, this.capacity);
      this.granted += cost;
    });
    this.queue = turn.catch(() => undefined);
    return turn.then(() => this.now() - start);
  }

  /** The server asked us to stop until `untilMs` (epoch ms): every request waits. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
    // the server's window restarts: do not burst right after the pause
    this.tokens = Math.min(this.tokens, 0);
  }
}

const shared = new Map<string, RateLimiter>();

/** One limiter per key (vendor + profile) for the whole process, so concurrent requests share the budget. */
export function sharedRateLimiter(key: string, opts: RateLimiterOptions): RateLimiter {
  const existing = shared.get(key);
  if (existing && existing.perMinute === opts.perMinute) return existing;
  const limiter = new RateLimiter(opts);
  shared.set(key, limiter);
  return limiter;
}
