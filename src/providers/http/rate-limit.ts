/**
 * A client-side rate limiter shared by every concurrent request of a profile.
 *
 * Token bucket sized so that no 60-second window ever carries more than `perMinute` units:
 * a burst of `burst` units is allowed, then units refill at (perMinute - burst) per minute.
 * Requests may cost more than one unit (Help Scout counts writes double). When the server says
 * "stop" (429 or a remaining-quota header at zero) every waiting request pauses until it allows again.
 */
export interface RateLimiterOptions {
  /** Units (requests) per minute. */
  perMinute: number;
  /** Units that may go at once; defaults to a tenth of a minute's budget (at least 1). */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class RateLimiter {
  readonly perMinute: number;
  readonly burst: number;
  private readonly ratePerMs: number;
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
    this.burst = Math.max(1, Math.min(opts.burst ?? Math.floor(opts.perMinute / 10), opts.perMinute));
    const refillPerMinute = Math.max(opts.perMinute - this.burst, opts.perMinute / 10);
    this.ratePerMs = refillPerMinute / 60_000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.tokens = this.burst;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (t - this.last) * this.ratePerMs);
      this.last = t;
    }
  }

  /** Milliseconds until `cost` units are available (0 = now). */
  delayFor(cost = 1): number {
    this.refill();
    const pause = Math.max(0, this.pausedUntil - this.now());
    const need = Math.min(cost, this.burst) - this.tokens;
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
      this.tokens -= Math.min(cost, this.burst);
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
