/** Retry timing: Retry-After parsing and exponential backoff with jitter. Pure functions. */

export interface RetryPolicy {
  /** Retries after the first attempt (so at most maxRetries + 1 attempts). */
  maxRetries: number;
  /** First backoff delay for 5xx/resets/timeouts. */
  baseDelayMs: number;
  /** Cap of one backoff delay. */
  maxDelayMs: number;
  /** Longest server-requested wait (Retry-After) deskctl accepts; beyond it the request fails with a hint. */
  maxRetryAfterMs: number;
  /** Retries for 429 (rate limited) responses, counted separately: waiting is what the server asked for. */
  maxRateLimitRetries: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 5 * 60_000,
  maxRateLimitRetries: 8,
};

/**
 * Retry-After: delta-seconds ("120", "1.5") or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT").
 * Returns milliseconds to wait (never negative), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const s = v.trim();
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - nowMs);
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay fixed, half random,
 * so concurrent clients spread out but never retry immediately.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Network error codes that mean "the request may be retried" (for idempotent requests). */
export const RETRYABLE_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_GOT_REQUEST_ERROR',
  'UND_ERR_SOCKET',
]);

/**
 * Network error codes raised before a connection existed: the request never reached the server, so even a
 * write that is not idempotent may be sent again.
 */
export const NOT_SENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * How a write whose outcome is unknown (timeout, 5xx, reset after it went out) is reconciled: the helpdesk is
 * checked `checks` times, first after `delayMs`, each wait twice the one before (defaults: 1 s, 2 s, 4 s).
 * Helpdesks apply some writes a moment after answering, so one immediate check is not enough.
 */
export interface SettlePolicy {
  delayMs: number;
  checks: number;
}

export const DEFAULT_SETTLE: SettlePolicy = { delayMs: 1000, checks: 3 };

/** The waits before each check of a settle policy (1000, 2000, 4000 by default). Pure. */
export const settleDelays = (p: SettlePolicy): number[] => Array.from({ length: Math.max(1, p.checks) }, (_, i) => p.delayMs * 2 ** i);

/** Statuses worth retrying for idempotent requests (besides 429, which always waits). */
export const RETRYABLE_STATUSES = new Set([408, 409, 500, 502, 503, 504, 520, 521, 522, 524]);

/** Methods that are safe to repeat. POST and PATCH are not (a caller may still declare a request idempotent). */
export const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export const formatMs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`);
