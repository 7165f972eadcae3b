/**
 * The HTTP layer every vendor shares (got 14 underneath).
 *
 * One client per profile: base URL, auth hook (static headers or a token provider that refreshes on 401),
 * JSON in and out, timeouts, `deskctl/<version>` user agent, bounded retries (429 honouring Retry-After in
 * seconds or as an HTTP date, vendor rate-limit headers; 5xx, resets and timeouts with exponential backoff and
 * jitter), a client-side rate limiter shared by all concurrent requests of the profile, a `--verbose` trace
 * with credentials redacted, and vendor errors mapped to deskctl errors (401/403 -> AuthError exit 4,
 * 404 -> NotFoundError, other 4xx -> ApiError with the vendor's message).
 *
 * Writes that are not idempotent (POST, PATCH, or anything the caller marks `idempotent: false`) are repeated
 * only after failures that prove nothing was applied (connection refused, 429, 503 with Retry-After). After an
 * ambiguous failure (timeout, other 5xx, reset after the request went out) they are reconciled instead: the
 * caller's `verifyNotLanded` check runs after a settle delay, with backoff (see SettlePolicy); a write it finds
 * ends in WriteLandedError, one it never finds in UncertainWriteError ("outcome unknown"). Never a resend.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Got } from 'got';
import { ApiError, AuthError, ConfigError, NotFoundError } from '../errors.js';
import { redact, registerSecret } from '../output/redact.js';
import { VERSION } from '../version.js';
import type { ProviderContext } from './registry.js';
import { RateLimiter, realSleep, sharedRateLimiter } from './http/rate-limit.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  DEFAULT_SETTLE,
  formatMs,
  IDEMPOTENT_METHODS,
  NOT_SENT_ERROR_CODES,
  parseRetryAfter,
  RETRYABLE_ERROR_CODES,
  RETRYABLE_STATUSES,
  settleDelays,
  type RetryPolicy,
  type SettlePolicy,
} from './http/retry.js';
import type { Query } from './http/pagination.js';
import { UncertainWriteError, WriteLandedError } from './http/outcome.js';

export { RateLimiter, sharedRateLimiter, realSleep, DEFAULT_BURST_SECONDS, DEFAULT_SAFETY_MARGIN, type RateLimiterOptions } from './http/rate-limit.js';
export { parseRetryAfter, backoffDelay, DEFAULT_RETRY, DEFAULT_SETTLE, settleDelays, type RetryPolicy, type SettlePolicy } from './http/retry.js';
export {
  paginate,
  paginateByCursor,
  paginateByLinkHeader,
  paginateByNextUrl,
  paginateByPage,
  parseLinkHeader,
  guessNextPage,
  guessItems,
  type PageResult,
  type PaginateOptions,
  type Query,
  type QueryValue,
} from './http/pagination.js';

export const USER_AGENT = `deskctl/${VERSION}`;

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
export type Headers = Record<string, string | string[] | undefined>;

/** How requests are authenticated. */
export interface AuthStrategy {
  /** Headers for the next request (may fetch or refresh a token first). */
  headers(): Promise<Record<string, string>> | Record<string, string>;
  /** Called once when the server answers 401 (or a status in `refreshOn`): refresh credentials and return true to retry with new headers. */
  refresh?(): Promise<boolean>;
  /** Statuses besides 401 that mean "credentials not accepted, nothing done" (RT redirects an expired session cookie to its login page). */
  readonly refreshOn?: readonly number[];
  /** Short name for messages: "OAuth token", "API token". */
  readonly label?: string;
}

/** Vendor specifics the generic client cannot know. Everything is optional. */
export interface VendorHooks {
  /** The vendor's error message in an error body (the default understands the common shapes). */
  errorMessage?(body: unknown, status: number): string | undefined;
  /** Milliseconds to wait on a 429 without a usable Retry-After (e.g. from X-RateLimit-Reset). */
  rateLimitWait?(headers: Headers, nowMs: number): number | undefined;
  /** Epoch ms until which the quota is used up, read from every response's headers (remaining = 0). */
  quotaExhaustedUntil?(headers: Headers, nowMs: number): number | undefined;
  /** Hint for 401 errors, e.g. "run 'deskctl login'". */
  authHint?: string;
  /** Hint for 403 errors. */
  forbiddenHint?: string;
}

export interface HttpClientOptions {
  /** Vendor name for messages: "Zendesk". */
  vendor: string;
  /** https://acme.zendesk.com (http:// only for localhost). Relative request paths are appended to it. */
  baseUrl: string;
  auth?: AuthStrategy;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** How ambiguous writes are checked before giving up on them as "outcome unknown" (default DEFAULT_SETTLE). */
  settle?: Partial<SettlePolicy>;
  /** Shared client-side limiter; null or absent = none. */
  limiter?: RateLimiter | null;
  hooks?: VendorHooks;
  /** --verbose trace sink (lines are redacted before they get here). */
  trace?: (line: string) => void;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface RequestOptions {
  method?: HttpMethod | Lowercase<HttpMethod>;
  /** A path (appended to the base URL), or an absolute URL on the same origin (pagination links). */
  path: string;
  query?: Query;
  /** JSON body. */
  json?: unknown;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** Raw body (set content-type in headers). */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** How the response body is read: parsed JSON (default; empty body = undefined) or text. */
  responseType?: 'json' | 'text';
  /** Units taken from the rate limiter (default 1). */
  cost?: number;
  /** Overrides the method's idempotency (e.g. a PUT that appends a comment is NOT idempotent). */
  idempotent?: boolean;
  /**
   * For non-idempotent writes: after an ambiguous failure (reset, timeout, 5xx after the request was sent),
   * resolve true while the helpdesk shows no trace of the write, false once it does (the client then throws
   * WriteLandedError, which the caller can catch to fetch the result). It is asked after a settle delay and
   * again with backoff; still true after the last check, the client throws UncertainWriteError.
   */
  verifyNotLanded?: () => Promise<boolean>;
  /** Names the thing in a NotFoundError: { what: 'ticket', id: '42' }. */
  notFound?: { what: string; id: string; hint?: string };
  /** Statuses returned as responses instead of thrown (e.g. [404] to probe an optional feature). */
  allowStatus?: number[];
  /** Per-request timeout override. */
  timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** The final URL (redacted form is used in traces). */
  url: string;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

export { isUnknownOutcome, UncertainWriteError, WriteLandedError } from './http/outcome.js';

/** A failure the client gave up on after retries (network, 5xx, rate limit beyond the maximum wait). */
export class TransientHttpError extends ApiError {
  readonly code?: string;
  constructor(message: string, opts: { status?: number; code?: string; hint?: string; detail?: string }) {
    super(message, { status: opts.status, hint: opts.hint ?? 'the helpdesk may be down or overloaded; try again later', detail: opts.detail });
    this.name = 'TransientHttpError';
    this.code = opts.code;
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Validates a helpdesk base URL: a ConfigError (exit 4) for garbage or plain http:// to a non-local host. */
export function checkBaseUrl(raw: string, vendor = 'helpdesk'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`invalid ${vendor} URL '${raw}'`, 'give the full address, e.g. https://acme.zendesk.com');
  }
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
    throw new ConfigError(
      `refusing plain http:// URL ${url.origin}: credentials would travel unencrypted`,
      `use https://${url.host}${url.pathname === '/' ? '' : url.pathname} (http:// is allowed only for localhost)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`unsupported URL scheme in '${raw}'`, 'use an https:// URL');
  }
  return url;
}

/** The common ways APIs put a message in an error body. */
export function defaultErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 300) || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const err = b.error;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const s = str(e.message) ?? str(e.title) ?? str(e.description);
    if (s) parts.push(s);
  } else if (str(err)) parts.push(str(err)!);
  for (const k of ['description', 'message', 'error_description', 'title', 'detail']) {
    const s = str(b[k]);
    if (s && !parts.includes(s)) parts.push(s);
  }
  const details = b.details;
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    for (const [field, list] of Object.entries(details as Record<string, unknown>)) {
      const items = Array.isArray(list) ? list : [list];
      for (const item of items) {
        const d = typeof item === 'string' ? item : str((item as Record<string, unknown>)?.description) ?? str((item as Record<string, unknown>)?.message);
        if (d) parts.push(`${field}: ${d}`);
      }
    }
  }
  const errors = Array.isArray(b.errors) ? b.errors : Array.isArray(details) ? details : undefined;
  if (errors) {
    for (const item of errors.slice(0, 5)) {
      if (typeof item === 'string') parts.push(item);
      else if (item && typeof item === 'object') {
        const i = item as Record<string, unknown>;
        const msg = str(i.message) ?? str(i.description) ?? str(i.title) ?? str(i.code);
        const field = str(i.field) ?? str(i.source);
        if (msg) parts.push(field ? `${field}: ${msg}` : msg);
      }
    }
  }
  return parts.length ? parts.join('; ').slice(0, 500) : undefined;
}

const header1 = (h: Headers, name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export class HttpClient {
  readonly vendor: string;
  readonly baseUrl: URL;
  readonly limiter: RateLimiter | null;
  readonly retry: RetryPolicy;
  readonly settle: SettlePolicy;
  private readonly opts: HttpClientOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 32 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 32 }) };
  private gotP?: Promise<Got>;
  /** Requests sent (attempts, including retries) — for traces, tests and benchmarks. */
  attemptsSent = 0;
  /** Responses received (any status): once the server has answered, a refused connection means a restart. */
  private responsesReceived = 0;

  constructor(opts: HttpClientOptions) {
    this.opts = opts;
    this.vendor = opts.vendor;
    this.baseUrl = checkBaseUrl(opts.baseUrl, opts.vendor);
    this.limiter = opts.limiter ?? null;
    this.retry = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
    this.settle = { ...DEFAULT_SETTLE, ...(opts.settle ?? {}) };
    this.sleep = opts.sleep ?? realSleep;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  get auth(): AuthStrategy | undefined {
    return this.opts.auth;
  }

  private trace(line: string): void {
    this.opts.trace?.(redact(line));
  }

  private got(): Promise<Got> {
    return (this.gotP ??= import('got').then((m) => m.default));
  }

  /** Absolute URL for a path (relative to the base) or a same-origin absolute URL, with the query merged in. */
  url(path: string, query?: Query): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      if (url.origin !== this.baseUrl.origin) {
        throw new ApiError(`refusing to send ${this.vendor} credentials to ${url.origin}`, {
          hint: `only ${this.baseUrl.origin} is contacted with this profile's credentials`,
        });
      }
    } else {
      const basePath = this.baseUrl.pathname.replace(/\/+$/, '');
      const rel = path.startsWith('/') ? path : `/${path}`;
      const full = basePath && !rel.startsWith(`${basePath}/`) && rel !== basePath ? `${basePath}${rel}` : rel;
      url = new URL(full, this.baseUrl.origin);
    }
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null) continue;
      url.searchParams.delete(k);
      if (Array.isArray(v)) for (const x of v) url.searchParams.append(k, String(x));
      else url.searchParams.set(k, String(v));
    }
    return url;
  }

  async get<T = unknown>(path: string, query?: Query, opts: Omit<RequestOptions, 'path' | 'query' | 'method'> = {}): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'GET', path, query })).body;
  }

  async post<T = unknown>(path: string, json: unknown, opts: Omit<RequestOptions, 'path' | 'json' | 'method'> = {}): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'POST', path, json })).body;
  }

  async put<T = unknown>(path: string, json: unknown, opts: Omit<RequestOptions, 'path' | 'json' | 'method'> = {}): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'PUT', path, json })).body;
  }

  async patch<T = unknown>(path: string, json: unknown, opts: Omit<RequestOptions, 'path' | 'json' | 'method'> = {}): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'PATCH', path, json })).body;
  }

  async delete<T = unknown>(path: string, opts: Omit<RequestOptions, 'path' | 'method'> = {}): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'DELETE', path })).body;
  }

  /** One logical request: rate limiting, auth, retries and error mapping included. */
  async request<T = unknown>(req: RequestOptions): Promise<HttpResponse<T>> {
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    const url = this.url(req.path, req.query);
    const shown = `${method} ${url.href}`;
    const idempotent = req.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const got = await this.got();
    let failures = 0;
    let rateLimited = 0;
    let refreshed = false;
    let attempts = 0;

    let body: string | Buffer | undefined = req.body;
    const contentHeaders: Record<string, string> = {};
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      contentHeaders['content-type'] = 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      contentHeaders['content-type'] = 'application/x-www-form-urlencoded';
    }

    /**
     * After an ambiguous failure: an idempotent request may simply be repeated; any other write is reconciled
     * (checked after a settle delay, with backoff) and never sent again. Throws for those.
     */
    const mayRepeat = async (what: string, detail: string): Promise<void> => {
      if (idempotent) return;
      const where = `${this.vendor}: ${method} ${url.pathname}`;
      if (!req.verifyNotLanded) {
        throw new UncertainWriteError(`${where}: outcome unknown (${what} after the request was sent); not sent again`, detail);
      }
      const delays = settleDelays(this.settle);
      for (const [i, wait] of delays.entries()) {
        this.trace(`  outcome unknown (${what}): checking whether ${method} ${url.pathname} landed in ${formatMs(wait)} (${i + 1}/${delays.length})`);
        await this.sleep(wait);
        if (!(await req.verifyNotLanded())) {
          this.trace(`  it landed: not repeating`);
          throw new WriteLandedError(`${where} was applied although the response was lost (${what})`, detail);
        }
      }
      const total = delays.reduce((a, b) => a + b, 0);
      this.trace(`  not seen after ${delays.length} checks over ${formatMs(total)}: outcome unknown, not repeating`);
      throw new UncertainWriteError(
        `${where}: outcome unknown (${what}); not seen on the helpdesk after ${delays.length} check${delays.length === 1 ? '' : 's'} over ${formatMs(total)}, not sent again`,
        detail,
      );
    };

    for (;;) {
      if (this.limiter) {
        const waited = await this.limiter.acquire(req.cost ?? 1);
        if (waited >= 50) this.trace(`  rate limiter: waited ${formatMs(waited)}`);
      }
      const authHeaders = this.opts.auth ? await this.opts.auth.headers() : {};
      const headers: Record<string, string> = {
        'user-agent': USER_AGENT,
        accept: 'application/json',
        ...(this.opts.headers ?? {}),
        ...contentHeaders,
        ...authHeaders,
        ...(req.headers ?? {}),
      };
      const started = this.now();
      attempts++;
      this.attemptsSent++;
      let res: { statusCode: number; headers: Headers; rawBody: Buffer; url: string } | undefined;
      let netErr: (Error & { code?: string }) | undefined;
      try {
        res = await got(url, {
          method,
          headers,
          body,
          throwHttpErrors: false,
          followRedirect: false,
          retry: { limit: 0 },
          timeout: { request: req.timeoutMs ?? this.opts.timeoutMs ?? 30_000 },
          responseType: 'buffer',
          agent: { http: this.agents.http, https: this.agents.https },
        });
      } catch (err) {
        netErr = err as Error & { code?: string };
      }
      const ms = Math.round(this.now() - started);

      if (netErr || !res) {
        const code = netErr?.code ?? 'ERR';
        this.trace(`HTTP ${shown} -> ${code} (${ms}ms)`);
        const detail = redact(`${shown}: ${netErr?.message ?? code}`);
        const what = code === 'ETIMEDOUT' ? `timed out after ${formatMs(ms)}` : code;
        const unreachable = code === 'ECONNREFUSED' || code === 'ENOTFOUND';
        // a server that never answered and refuses the first connection is down or misconfigured:
        // backing off (10 s over 5 attempts) would only delay the same answer
        const neverAnswered = unreachable && failures === 0 && this.responsesReceived === 0;
        // a connection that was never made carried nothing: safe to repeat; anything else is reconciled
        if (!NOT_SENT_ERROR_CODES.has(code)) await mayRepeat(what, detail);
        if (!RETRYABLE_ERROR_CODES.has(code) || failures >= this.retry.maxRetries || neverAnswered) {
          throw new TransientHttpError(`${this.vendor}: ${method} ${url.pathname} failed: ${what}${failures ? ` (after ${failures + 1} attempts)` : ''}`, {
            code,
            detail,
            hint: unreachable
              ? `nothing answers at ${this.baseUrl.origin}: check the profile's URL ('deskctl profile show') or that the helpdesk is up`
              : undefined,
          });
        }
        failures++;
        const delay = backoffDelay(failures, this.retry, this.random);
        this.trace(`  retry ${failures}/${this.retry.maxRetries} in ${formatMs(delay)} (${code})`);
        await this.sleep(delay);
        continue;
      }

      const status = res.statusCode;
      this.responsesReceived++;
      this.trace(`HTTP ${shown} -> ${status} (${ms}ms)`);
      const exhausted = this.opts.hooks?.quotaExhaustedUntil?.(res.headers, this.now());
      if (exhausted && this.limiter && exhausted > this.now()) {
        this.trace(`  quota used up: pausing requests for ${formatMs(exhausted - this.now())}`);
        this.limiter.pauseUntil(exhausted);
      }

      if (req.allowStatus?.includes(status)) return this.finish<T>(res, req, attempts, shown, status);

      if (status === 429) {
        const wait =
          parseRetryAfter(header1(res.headers, 'retry-after'), this.now()) ??
          this.opts.hooks?.rateLimitWait?.(res.headers, this.now()) ??
          backoffDelay(rateLimited + 1, { baseDelayMs: 1000, maxDelayMs: 60_000 }, this.random);
        if (wait > this.retry.maxRetryAfterMs || rateLimited >= this.retry.maxRateLimitRetries) {
          throw new TransientHttpError(`${this.vendor} rate limit reached: ${method} ${url.pathname} was refused (429)`, {
            status,
            hint:
              wait > this.retry.maxRetryAfterMs
                ? `the helpdesk asks to wait ${formatMs(wait)}; try again later or lower the rate (--rate-limit, or the profile's rateLimit)`
                : `lower the rate (--rate-limit, or the profile's rateLimit)`,
          });
        }
        rateLimited++;
        this.trace(`  rate limited: waiting ${formatMs(wait)} (attempt ${rateLimited}/${this.retry.maxRateLimitRetries})`);
        // 429 means "not processed": repeating is safe for every method
        if (this.limiter) this.limiter.pauseUntil(this.now() + wait);
        else await this.sleep(wait);
        continue;
      }

      if ((status === 401 || this.opts.auth?.refreshOn?.includes(status)) && this.opts.auth?.refresh && !refreshed) {
        refreshed = true;
        this.trace(`  ${status}: refreshing credentials`);
        if (await this.opts.auth.refresh()) continue;
      }

      if (status >= 500 || RETRYABLE_STATUSES.has(status)) {
        const errBody = this.parseErrorBody(res.rawBody);
        const msg = this.opts.hooks?.errorMessage?.(errBody, status) ?? defaultErrorMessage(errBody);
        const detail = redact(`${shown} -> ${status}${msg ? `: ${msg}` : ''}`);
        const retryAfter = parseRetryAfter(header1(res.headers, 'retry-after'), this.now());
        // 503 with Retry-After says "not processed, come back later"; any other 5xx may follow a write that landed
        if (!(status === 503 && retryAfter !== undefined)) await mayRepeat(`HTTP ${status}`, detail);
        if (failures >= this.retry.maxRetries) {
          throw new TransientHttpError(`${this.vendor}: ${method} ${url.pathname} failed with ${status}${msg ? `: ${msg}` : ''} (after ${failures + 1} attempts)`, {
            status,
            detail,
          });
        }
        failures++;
        const delay = Math.max(retryAfter ?? 0, backoffDelay(failures, this.retry, this.random));
        if (delay > this.retry.maxRetryAfterMs) {
          throw new TransientHttpError(`${this.vendor}: ${method} ${url.pathname} failed with ${status}`, { status, detail });
        }
        this.trace(`  retry ${failures}/${this.retry.maxRetries} in ${formatMs(delay)} (${status})`);
        await this.sleep(delay);
        continue;
      }

      if (status >= 200 && status < 300) {
        try {
          return this.finish<T>(res, req, attempts, shown, status);
        } catch (err) {
          if (!(err instanceof MalformedBody)) throw err;
          const detail = redact(`${shown} -> ${status}: ${err.message}`);
          if (!idempotent) {
            // the write was applied; only its response is unreadable
            throw new WriteLandedError(`${this.vendor}: ${method} ${url.pathname} succeeded but the response was not valid JSON`, detail);
          }
          if (failures >= this.retry.maxRetries) {
            throw new TransientHttpError(`${this.vendor}: ${method} ${url.pathname} returned malformed JSON (after ${failures + 1} attempts)`, { status, detail });
          }
          failures++;
          const delay = backoffDelay(failures, this.retry, this.random);
          this.trace(`  malformed JSON: retry ${failures}/${this.retry.maxRetries} in ${formatMs(delay)}`);
          await this.sleep(delay);
          continue;
        }
      }

      throw this.errorFor(status, res, method, url, req);
    }
  }

  private parseErrorBody(raw: Buffer): unknown {
    const text = raw.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    }
  }

  private finish<T>(
    res: { statusCode: number; headers: Headers; rawBody: Buffer; url: string },
    req: RequestOptions,
    attempts: number,
    _shown: string,
    status: number,
  ): HttpResponse<T> {
    const text = res.rawBody.toString('utf8');
    let body: unknown;
    if (req.responseType === 'text') body = text;
    else if (!text.trim()) body = undefined;
    else {
      try {
        body = JSON.parse(text);
      } catch (err) {
        if (status >= 200 && status < 300) throw new MalformedBody((err as Error).message);
        body = text;
      }
    }
    return { status, headers: res.headers, body: body as T, url: res.url, attempts };
  }

  private errorFor(status: number, res: { headers: Headers; rawBody: Buffer }, method: string, url: URL, req: RequestOptions): Error {
    const errBody = this.parseErrorBody(res.rawBody);
    const msg = this.opts.hooks?.errorMessage?.(errBody, status) ?? defaultErrorMessage(errBody);
    const detail = redact(`${method} ${url.href} -> ${status}${msg ? `: ${msg}` : ''}`);
    const suffix = msg ? `: ${redact(msg)}` : '';
    if (status === 401) {
      return new AuthError(
        `${this.vendor} refused the credentials (401 Unauthorized)${suffix}`,
        this.opts.hooks?.authHint ?? `check the profile's credentials with 'deskctl profile test'`,
        detail,
      );
    }
    if (status === 403) {
      return new AuthError(
        `${this.vendor} denied ${method} ${url.pathname} (403 Forbidden)${suffix}`,
        this.opts.hooks?.forbiddenHint ?? 'the account behind these credentials lacks the permission (or the OAuth scope) for this',
        detail,
      );
    }
    if (status === 404 || status === 410) {
      const nf = new NotFoundError(req.notFound?.what ?? `${this.vendor} resource`, req.notFound?.id ?? `${method} ${url.pathname}`, req.notFound?.hint);
      return nf;
    }
    if (status >= 300 && status < 400) {
      const loc = header1(res.headers, 'location');
      return new ApiError(`${this.vendor}: ${method} ${url.pathname} was redirected (${status})${loc ? ` to ${redact(loc)}` : ''}`, {
        status,
        hint: `check the profile's URL (${this.baseUrl.origin})`,
        detail,
      });
    }
    return new ApiError(`${this.vendor} rejected ${method} ${url.pathname} (${status})${suffix}`, { status, detail });
  }

  /** Releases keep-alive sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

class MalformedBody extends Error {}

// ---------------------------------------------------------------------------------------------------
// Auth strategies

/** Static headers (API keys in a custom header, ...). */
export function headerAuth(headers: Record<string, string>, label = 'API key'): AuthStrategy {
  return { headers: () => headers, label };
}

/** HTTP basic auth; the password and the encoded pair are registered for redaction. */
export function basicAuth(user: string, password: string, label = 'basic auth'): AuthStrategy {
  const encoded = Buffer.from(`${user}:${password}`).toString('base64');
  registerForRedaction(password, encoded);
  return { headers: () => ({ authorization: `Basic ${encoded}` }), label };
}

/** A bearer token; pass a function to fetch/refresh it lazily (see src/providers/oauth.ts). */
export function bearerAuth(token: string | (() => Promise<string>), refresh?: () => Promise<boolean>, label = 'token'): AuthStrategy {
  if (typeof token === 'string') registerForRedaction(token);
  return {
    headers: async () => {
      const t = typeof token === 'string' ? token : await token();
      registerForRedaction(t);
      return { authorization: `Bearer ${t}` };
    },
    refresh,
    label,
  };
}

function registerForRedaction(...values: string[]): void {
  for (const v of values) registerSecret(v);
}

// ---------------------------------------------------------------------------------------------------
// Wiring a client to a profile

export interface VendorHttpSpec {
  /** Registry kind: 'zendesk'. */
  kind: string;
  /** Display name: 'Zendesk'. */
  vendor: string;
  baseUrl: string;
  auth?: AuthStrategy;
  /** Requests per minute when neither --rate-limit nor the profile says. */
  defaultRateLimit: number;
  hooks?: VendorHooks;
  headers?: Record<string, string>;
}

/** Test and tuning knobs read from profile.options (all optional): timeoutMs, retryBaseMs, maxRetries, maxRetryAfterMs, settleMs, settleChecks. */
function numberOption(options: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = options?.[key];
  const n = typeof v === 'string' ? (v.trim() ? Number(v) : undefined) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * The one factory providers use: a client for a profile, with the rate limit from --rate-limit, the profile
 * or the vendor default, a limiter shared by every client of this profile in the process, and the
 * --verbose trace on stderr.
 */
export function createHttpClient(ctx: ProviderContext, spec: VendorHttpSpec, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  const perMinute = ctx.rateLimit ?? ctx.profile.rateLimit ?? spec.defaultRateLimit;
  if (!(perMinute > 0)) throw new ConfigError(`invalid rate limit ${perMinute}`, 'give a positive number of requests per minute');
  const options = ctx.profile.options;
  const retry: Partial<RetryPolicy> = {};
  const base = numberOption(options, 'retryBaseMs');
  if (base !== undefined) retry.baseDelayMs = base;
  const maxRetries = numberOption(options, 'maxRetries');
  if (maxRetries !== undefined) retry.maxRetries = maxRetries;
  const maxAfter = numberOption(options, 'maxRetryAfterMs');
  if (maxAfter !== undefined) retry.maxRetryAfterMs = maxAfter;
  const limiter = sharedRateLimiter(`${spec.kind}:${ctx.profileName}`, { perMinute });
  // DESKCTL_SETTLE_MS / DESKCTL_SETTLE_CHECKS (tests, one-off runs) win over the profile's settleMs / settleChecks
  const settle: Partial<SettlePolicy> = {};
  const settleMs = numberOption(ctx.env, 'DESKCTL_SETTLE_MS') ?? numberOption(options, 'settleMs');
  if (settleMs !== undefined) settle.delayMs = settleMs;
  const settleChecks = numberOption(ctx.env, 'DESKCTL_SETTLE_CHECKS') ?? numberOption(options, 'settleChecks');
  if (settleChecks !== undefined) settle.checks = Math.max(1, Math.floor(settleChecks));
  return new HttpClient({
    vendor: spec.vendor,
    baseUrl: spec.baseUrl,
    auth: spec.auth,
    headers: spec.headers,
    hooks: spec.hooks,
    limiter,
    timeoutMs: numberOption(options, 'timeoutMs'),
    retry,
    settle,
    trace: ctx.io.verbose ? (line) => ctx.io.debug(line) : undefined,
    ...overrides,
  });
}

/** What a provider built on this layer exposes so `deskctl api` can use its credentials, limiter and retries. */
export interface HttpBackedProvider {
  readonly http: HttpClient;
}

export const hasHttp = (p: unknown): p is HttpBackedProvider =>
  Boolean(p && typeof p === 'object' && typeof (p as { http?: { request?: unknown } }).http?.request === 'function');

/** The waits before each further look for an attempt with no outcome: the HTTP layer's settle policy; none where writes are atomic. */
export const providerSettleDelays = (p: unknown): number[] => (hasHttp(p) ? settleDelays(p.http.settle) : []);
