/**
 * A generic fake vendor server for contract and e2e tests (node:http on 127.0.0.1, port 0).
 *
 *   const server = await FakeServer.start();
 *   server.route('GET', '/api/v2/tickets/:id', (req) => ({ json: { ticket: tickets.get(req.params.id) } }));
 *   server.inject({ type: 'status', status: 503 }, { times: 2, path: /tickets/ });
 *   server.inject({ type: 'reset' }, { method: 'PUT', phase: 'after' });      // write lands, response lost
 *   server.rateLimit({ limit: 10, windowMs: 1000 });                          // 429 + Retry-After beyond it
 *   ... server.requests (the log: method, path, query, headers, body, json, status, fault)
 *   await server.close();
 *
 * Faults: 429 with Retry-After (seconds or an HTTP date), any status (500/502/503/401...), connection reset,
 * slow responses, malformed JSON, and writes applied late (answered 504 or left to time out, then applied
 * 1.5 s later, like a helpdesk whose queue runs behind). Each fault applies `times` times (default 1) to matching requests, either
 * before the handler runs (the request is refused, nothing changes) or after (the handler ran and changed
 * state; only the response is lost or damaged) — the second is how lost-response duplicates are provoked.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body (or form fields as an object), when the body is JSON/form. */
  json?: unknown;
  /** ms since the server started. */
  at: number;
  /** What the server answered (status, or 'reset'). */
  status?: number | 'reset';
  /** The fault applied, if any. */
  fault?: string;
  /** Route parameters (:id) of the matched route. */
  params: Record<string, string>;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** Raw body (string or Buffer); wins over json. */
  body?: string | Buffer;
}

export type RouteHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export type Fault =
  | { type: '429'; retryAfter?: string | number; headers?: Record<string, string>; json?: unknown }
  | { type: 'status'; status: number; headers?: Record<string, string>; json?: unknown }
  | { type: 'unauthorized'; json?: unknown }
  | { type: 'reset' }
  | { type: 'slow'; ms: number }
  | { type: 'malformed' }
  /**
   * The helpdesk that answers first and applies later: `respond` (a status such as 504, or 'hang' to answer
   * nothing until the client times out), then the handler runs `applyAfterMs` later (state changes).
   */
  | { type: 'late'; respond: number | 'hang'; applyAfterMs: number };

export interface FaultOptions {
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
  /** Let this many matching requests through first. */
  skip?: number;
  method?: string;
  path?: string | RegExp;
  /** 'before' (default): instead of handling. 'after': the handler runs first (state changes), then the fault. */
  phase?: 'before' | 'after';
}

interface FaultRule extends Required<Pick<FaultOptions, 'phase'>> {
  fault: Fault;
  remaining: number;
  skip: number;
  method?: string;
  path?: string | RegExp;
}

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  pattern: string;
  handler: RouteHandler;
}

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** Header style for the remaining quota: Zendesk's x-rate-limit-remaining by default. */
  headers?: (remaining: number, resetSeconds: number) => Record<string, string>;
  /** Retry-After format on refusal: seconds (default) or an HTTP date. */
  retryAfter?: 'seconds' | 'date';
}

const compile = (pattern: string): { regex: RegExp; keys: string[] } => {
  const keys: string[] = [];
  const src = pattern
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+?)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${src}$`), keys };
};

const matches = (rule: { method?: string; path?: string | RegExp }, method: string, path: string): boolean => {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (rule.path instanceof RegExp) return rule.path.test(path);
  if (typeof rule.path === 'string') return rule.path === path;
  return true;
};

export class FakeServer {
  readonly requests: FakeRequest[] = [];
  /** Set by the test to refuse unauthenticated requests (401) - return true to accept. */
  auth?: (req: FakeRequest) => boolean;
  /** Body of 401 replies. */
  unauthorizedBody: unknown = { error: 'Couldn\'t authenticate you' };
  /** Body of unmatched routes (404). */
  notFoundBody: (req: FakeRequest) => unknown = () => ({ error: 'InvalidEndpoint', description: 'Not found' });
  private readonly routes: Route[] = [];
  private faults: FaultRule[] = [];
  private limit?: RateLimitRule & { windowStart: number; count: number };
  private seq = 0;
  private readonly started = Date.now();
  /** Requests refused by the enforced rate limit. */
  rateLimited = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeServer> {
    let self: FakeServer | undefined;
    const server = createServer((req, res) => {
      void self!.handle(req, res);
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Adds a route; `:name` segments become req.params.name. Static segments win over parameters; among equals, the later route wins. */
  route(method: string, pattern: string, handler: RouteHandler): this {
    const { regex, keys } = compile(pattern);
    this.routes.unshift({ method: method.toUpperCase(), regex, keys, pattern, handler });
    return this;
  }

  inject(fault: Fault, opts: FaultOptions = {}): this {
    this.faults.push({
      fault,
      remaining: opts.times ?? 1,
      skip: opts.skip ?? 0,
      method: opts.method,
      path: opts.path,
      phase: opts.phase ?? 'before',
    });
    return this;
  }

  clearFaults(): this {
    this.faults = [];
    return this;
  }

  /** Enforces a fixed-window rate limit: requests beyond `limit` per window get 429 + Retry-After. */
  rateLimit(rule: RateLimitRule | null): this {
    this.limit = rule ? { ...rule, windowStart: Date.now(), count: 0 } : undefined;
    return this;
  }

  /** Requests matching method and path (string = exact path, RegExp = test). */
  find(method?: string, path?: string | RegExp): FakeRequest[] {
    return this.requests.filter((r) => matches({ method, path }, r.method, r.path));
  }

  clearLog(): this {
    this.requests.length = 0;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.lateWrites) clearTimeout(t);
    this.lateWrites.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(phase: 'before' | 'after', method: string, path: string): Fault | undefined {
    for (const rule of this.faults) {
      if (rule.phase !== phase || rule.remaining <= 0 || !matches(rule, method, path)) continue;
      if (rule.skip > 0) {
        rule.skip--;
        continue;
      }
      rule.remaining--;
      return rule.fault;
    }
    return undefined;
  }

  /** Late writes not applied yet (see the 'late' fault); close() cancels them. */
  private readonly lateWrites = new Set<NodeJS.Timeout>();

  /** Writes answered but not applied yet ('late' faults). */
  get pendingLateWrites(): number {
    return this.lateWrites.size;
  }

  /** The route's reply (404 when none matches). Static segments win over :params (/tickets/show_many beats /tickets/:id); then the latest route. */
  private async dispatch(entry: FakeRequest, method: string, path: string): Promise<FakeReply> {
    const route = this.routes
      .filter((r) => r.method === method && r.regex.test(path))
      .reduce<Route | undefined>((best, r) => (!best || r.keys.length < best.keys.length ? r : best), undefined);
    if (!route) return { status: 404, json: this.notFoundBody(entry) };
    const m = route.regex.exec(path)!;
    route.keys.forEach((k, i) => (entry.params[k] = m[i + 1]!));
    return route.handler(entry);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname);
    let json: unknown;
    const ctype = String(req.headers['content-type'] ?? '');
    if (body && ctype.includes('json')) {
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
    } else if (body && ctype.includes('x-www-form-urlencoded')) {
      json = Object.fromEntries(new URLSearchParams(body));
    }
    const entry: FakeRequest = {
      seq: ++this.seq,
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      json,
      at: Date.now() - this.started,
      params: {},
    };
    this.requests.push(entry);

    const send = (reply: FakeReply) => {
      const status = reply.status ?? 200;
      entry.status = status;
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      let payload: string | Buffer = '';
      if (reply.body !== undefined) payload = reply.body;
      else if (reply.json !== undefined) {
        payload = JSON.stringify(reply.json);
        headers['content-type'] ??= 'application/json; charset=utf-8';
      }
      res.writeHead(status, headers);
      res.end(payload);
    };
    const reset = () => {
      entry.status = 'reset';
      req.socket.destroy();
    };
    const applyFault = async (fault: Fault, reply?: FakeReply): Promise<boolean> => {
      entry.fault = fault.type === 'status' ? String(fault.status) : fault.type;
      switch (fault.type) {
        case '429': {
          const ra = fault.retryAfter ?? 1;
          send({ status: 429, headers: { 'retry-after': String(ra), ...(fault.headers ?? {}) }, json: fault.json ?? { error: 'APIRateLimitExceeded' } });
          return true;
        }
        case 'status':
          send({ status: fault.status, headers: fault.headers, json: fault.json ?? { error: `Injected ${fault.status}` } });
          return true;
        case 'unauthorized':
          send({ status: 401, json: fault.json ?? this.unauthorizedBody });
          return true;
        case 'reset':
          reset();
          return true;
        case 'slow':
          await new Promise((r) => setTimeout(r, fault.ms));
          if (res.destroyed || req.socket.destroyed) {
            entry.status = 'reset';
            return true;
          }
          return false;
        case 'late':
          return false; // handled in handle(): it needs the route
        case 'malformed': {
          const text = reply?.json !== undefined ? JSON.stringify(reply.json) : '{"ok": true}';
          send({ status: reply?.status ?? 200, headers: { 'content-type': 'application/json' }, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) });
          return true;
        }
      }
    };

    try {
      // enforced rate limit first: a refused request never reaches the handler
      if (this.limit) {
        const now = Date.now();
        if (now - this.limit.windowStart >= this.limit.windowMs) {
          this.limit.windowStart = now - ((now - this.limit.windowStart) % this.limit.windowMs);
          this.limit.count = 0;
        }
        const resetMs = this.limit.windowStart + this.limit.windowMs - now;
        const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000));
        if (this.limit.count >= this.limit.limit) {
          this.rateLimited++;
          entry.fault = 'rate-limit';
          const retryAfter = this.limit.retryAfter === 'date' ? new Date(now + resetSeconds * 1000).toUTCString() : String(resetSeconds);
          send({
            status: 429,
            headers: { 'retry-after': retryAfter, ...(this.limit.headers?.(0, resetSeconds) ?? { 'x-rate-limit': String(this.limit.limit), 'x-rate-limit-remaining': '0' }) },
            json: { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' },
          });
          return;
        }
        this.limit.count++;
        res.setHeader('x-rate-limit', String(this.limit.limit));
        res.setHeader('x-rate-limit-remaining', String(this.limit.limit - this.limit.count));
      }

      const before = this.takeFault('before', method, path);
      if (before && before.type !== 'late' && (await applyFault(before))) return;

      if (this.auth && !this.auth(entry)) {
        send({ status: 401, headers: { 'www-authenticate': 'Bearer realm="fake"' }, json: this.unauthorizedBody });
        return;
      }

      if (before?.type === 'late') {
        entry.fault = `late-${before.respond}`;
        if (before.respond === 'hang') entry.status = 'reset';
        else send({ status: before.respond, json: { error: `Injected ${before.respond}` } });
        const applyAt = setTimeout(() => {
          this.lateWrites.delete(applyAt);
          void this.dispatch(entry, method, path).catch(() => undefined);
          if (!req.socket.destroyed && before.respond === 'hang') req.socket.destroy();
        }, before.applyAfterMs);
        this.lateWrites.add(applyAt);
        return;
      }

      const reply = await this.dispatch(entry, method, path);

      const after = this.takeFault('after', method, path);
      if (after && (await applyFault(after, reply))) return;
      if (res.destroyed || req.socket.destroyed) {
        entry.status = 'reset';
        return;
      }
      send(reply);
    } catch (err) {
      if (!res.headersSent) send({ status: 500, json: { error: 'FakeServerError', description: (err as Error).message } });
    }
  }
}

/**
 * What every vendor fake shares: a FakeServer of its own on 127.0.0.1, its URL, closing it, and starting
 * (a fresh server, then the vendor's routes).
 */
export abstract class VendorFake {
  protected constructor(readonly server: FakeServer) {}

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Registers the vendor's routes (and auth) on the server. */
  protected abstract install(): void;

  /** A fresh server, the fake `make` builds on it, its routes installed. */
  protected static async launch<F extends VendorFake>(make: (server: FakeServer) => F): Promise<F> {
    const fake = make(await FakeServer.start());
    fake.install();
    return fake;
  }
}

/** Fake time for limiter/retry tests: `sleep` advances `now` instantly and records the waits. */
export function fakeTime(start = Date.parse('2026-11-25T08:00:00Z')) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += Math.max(0, ms);
      await Promise.resolve();
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}
