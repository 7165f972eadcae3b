import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, AuthError, ConfigError, NotFoundError } from '../../src/errors.js';
import {
  HttpClient,
  RateLimiter,
  UncertainWriteError,
  WriteLandedError,
  TransientHttpError,
  USER_AGENT,
  basicAuth,
  bearerAuth,
  checkBaseUrl,
  type HttpClientOptions,
} from '../../src/providers/http.js';
import { registerSecret } from '../../src/output/redact.js';
import { FakeServer, fakeTime } from '../support/fake-server.js';

let server: FakeServer;
const items: { id: number; text: string }[] = [];

beforeAll(async () => {
  server = await FakeServer.start();
  server.route('GET', '/api/things/:id', (req) => {
    const t = items.find((i) => String(i.id) === req.params.id);
    return t ? { json: { thing: t } } : { status: 404, json: { error: 'RecordNotFound', description: 'Not found' } };
  });
  server.route('GET', '/api/things', () => ({ json: { things: items } }));
  server.route('POST', '/api/things', (req) => {
    const body = req.json as { thing: { text: string } };
    const t = { id: items.length + 1, text: body.thing.text };
    items.push(t);
    return { status: 201, json: { thing: t } };
  });
  server.route('PUT', '/api/things/:id', (req) => {
    const t = items.find((i) => String(i.id) === req.params.id)!;
    t.text = (req.json as { thing: { text: string } }).thing.text;
    return { json: { thing: t } };
  });
  server.route('POST', '/api/invalid', () => ({
    status: 422,
    json: { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: 'Status: is not valid' }] } },
  }));
  server.route('GET', '/api/forbidden', () => ({ status: 403, json: { error: 'Forbidden', description: 'You do not have access to this page.' } }));
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.clearFaults();
  server.clearLog();
  server.rateLimit(null);
  server.auth = undefined;
  items.length = 0;
});

function client(extra: Partial<HttpClientOptions> = {}) {
  const time = fakeTime();
  const trace: string[] = [];
  const c = new HttpClient({
    vendor: 'Acme',
    baseUrl: server.url,
    sleep: time.sleep,
    trace: (l) => trace.push(l),
    random: () => 0.5,
    timeoutMs: 2_000,
    ...extra,
  });
  return { c, time, trace };
}

describe('base URL', () => {
  it('refuses plain http:// except for localhost, as a config error (exit 4)', () => {
    expect(() => checkBaseUrl('http://acme.zendesk.com')).toThrow(ConfigError);
    try {
      checkBaseUrl('http://acme.zendesk.com');
    } catch (err) {
      expect((err as ConfigError).exitCode).toBe(4);
      expect((err as ConfigError).hint).toContain('https://acme.zendesk.com');
    }
    expect(() => new HttpClient({ vendor: 'x', baseUrl: 'http://10.0.0.1:8080' })).toThrow(/refusing plain http/);
    expect(checkBaseUrl('http://localhost:3000').hostname).toBe('localhost');
    expect(checkBaseUrl('http://127.0.0.1:3000').hostname).toBe('127.0.0.1');
    expect(checkBaseUrl('http://[::1]:3000').hostname).toBe('[::1]');
    expect(() => checkBaseUrl('acme')).toThrow(/invalid helpdesk URL/);
  });

  it('joins paths to a base path and refuses to send credentials to another origin', () => {
    const c = new HttpClient({ vendor: 'x', baseUrl: 'https://acme.example.com/api/v2/' });
    expect(c.url('/tickets', { page: 2, ids: ['1', '2'] }).href).toBe('https://acme.example.com/api/v2/tickets?page=2&ids=1&ids=2');
    expect(c.url('/api/v2/tickets').href).toBe('https://acme.example.com/api/v2/tickets');
    expect(c.url('https://acme.example.com/api/v2/tickets?page=3').searchParams.get('page')).toBe('3');
    expect(() => c.url('https://evil.example.com/steal')).toThrow(/refusing to send x credentials/);
  });
});

describe('requests', () => {
  it('sends JSON with the deskctl user agent and auth headers, and parses the reply', async () => {
    const { c } = client({ auth: bearerAuth('tok-abc-123') });
    const created = await c.post<{ thing: { id: number } }>('/api/things', { thing: { text: 'hi' } });
    expect(created.thing.id).toBe(1);
    const [req] = server.requests;
    expect(req!.headers['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^deskctl\/\d+\.\d+\.\d+/);
    expect(req!.headers.authorization).toBe('Bearer tok-abc-123');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.json).toEqual({ thing: { text: 'hi' } });
  });

  it('maps 404 to NotFoundError naming the thing, 422 to ApiError with the vendor message, 403/401 to AuthError (exit 4)', async () => {
    const { c } = client();
    const nf = await c.get('/api/things/99', undefined, { notFound: { what: 'thing', id: '99' } }).catch((e) => e);
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf.message).toBe('thing 99 not found');

    const inv = await c.post('/api/invalid', {}).catch((e) => e);
    expect(inv).toBeInstanceOf(ApiError);
    expect(inv.status).toBe(422);
    expect(inv.message).toContain('Record validation errors');
    expect(inv.message).toContain('status: Status: is not valid');
    expect(server.find('POST', '/api/invalid')).toHaveLength(1);

    const fb = await c.get('/api/forbidden').catch((e) => e);
    expect(fb).toBeInstanceOf(AuthError);
    expect(fb.exitCode).toBe(4);
    expect(fb.message).toContain('403');

    server.auth = () => false;
    const un = await client({ hooks: { authHint: 'run deskctl login' } }).c.get('/api/things').catch((e) => e);
    expect(un).toBeInstanceOf(AuthError);
    expect(un.exitCode).toBe(4);
    expect(un.message).toContain('401');
    expect(un.hint).toBe('run deskctl login');
  });

  it('refreshes credentials once on 401 and repeats the request', async () => {
    let token = 'old-token-1';
    let refreshes = 0;
    server.auth = (req) => req.headers.authorization === 'Bearer new-token-2';
    const { c } = client({
      auth: bearerAuth(
        async () => token,
        async () => {
          refreshes++;
          token = 'new-token-2';
          return true;
        },
      ),
    });
    expect(await c.get('/api/things')).toEqual({ things: [] });
    expect(refreshes).toBe(1);
    expect(server.requests.map((r) => r.status)).toEqual([401, 200]);

    // a refresh that does not help ends in AuthError, without looping
    server.auth = () => false;
    const err = await c.get('/api/things').catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(refreshes).toBe(2);
  });
});

describe('retries', () => {
  it('honours Retry-After in seconds on 429', async () => {
    server.inject({ type: '429', retryAfter: 7 }, { times: 2 });
    const { c, time, trace } = client();
    expect(await c.get('/api/things')).toEqual({ things: [] });
    expect(time.sleeps).toEqual([7000, 7000]);
    expect(server.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(trace.some((l) => /rate limited: waiting 7\.0s/.test(l))).toBe(true);
  });

  it('honours Retry-After as an HTTP date on 429', async () => {
    const time = fakeTime();
    const c = new HttpClient({ vendor: 'Acme', baseUrl: server.url, sleep: time.sleep, now: time.now });
    const at = new Date(time.now() + 30_000).toUTCString();
    server.inject({ type: '429', retryAfter: at });
    await c.get('/api/things');
    expect(time.sleeps).toHaveLength(1);
    expect(time.sleeps[0]).toBeGreaterThan(28_000);
    expect(time.sleeps[0]).toBeLessThanOrEqual(30_000);
  });

  it('uses the vendor hook when Retry-After is missing, and gives up beyond the maximum wait', async () => {
    server.inject({ type: '429', retryAfter: '', headers: { 'x-ratelimit-reset': '12' } });
    const { c, time } = client({ hooks: { rateLimitWait: (h) => Number(h['x-ratelimit-reset']) * 1000 } });
    await c.get('/api/things');
    expect(time.sleeps).toEqual([12_000]);

    server.inject({ type: '429', retryAfter: 3600 });
    const err = await client({ retry: { maxRetryAfterMs: 60_000 } }).c.get('/api/things').catch((e) => e);
    expect(err).toBeInstanceOf(TransientHttpError);
    expect(err.message).toContain('rate limit');
    expect(err.hint).toContain('asks to wait 3600s');
  });

  it('repeats a 429-refused POST (not processed) exactly once more', async () => {
    server.inject({ type: '429', retryAfter: 1 }, { method: 'POST' });
    const { c } = client();
    await c.post('/api/things', { thing: { text: 'a' } });
    expect(items).toHaveLength(1);
  });

  it('retries 500/502/503 with exponential backoff and jitter, bounded', async () => {
    server.inject({ type: 'status', status: 500 });
    server.inject({ type: 'status', status: 502 });
    server.inject({ type: 'status', status: 503 });
    const { c, time } = client({ retry: { baseDelayMs: 100, maxRetries: 4 } });
    expect(await c.get('/api/things')).toEqual({ things: [] });
    // equal jitter with random=0.5: 75%, of 100, 200, 400
    expect(time.sleeps).toEqual([75, 150, 300]);

    server.inject({ type: 'status', status: 503 }, { times: Infinity });
    const err = await client({ retry: { baseDelayMs: 10, maxRetries: 2 } }).c.get('/api/things').catch((e) => e);
    expect(err).toBeInstanceOf(TransientHttpError);
    expect(err.message).toContain('after 3 attempts');
    expect(err.exitCode).toBe(1);
  });

  it('retries resets, timeouts and malformed JSON for reads', async () => {
    server.inject({ type: 'reset' });
    server.inject({ type: 'slow', ms: 600 });
    server.inject({ type: 'malformed' });
    const { c, trace } = client({ timeoutMs: 200 });
    expect(await c.get('/api/things')).toEqual({ things: [] });
    expect(server.requests.map((r) => r.fault ?? r.status)).toEqual(['reset', 'slow', 'malformed', 200]);
    expect(trace.join('\n')).toMatch(/ECONNRESET/);
    expect(trace.join('\n')).toMatch(/ETIMEDOUT/);
    expect(trace.join('\n')).toMatch(/malformed JSON/);
  });
});

/** A 127.0.0.1 port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('unreachable helpdesk', () => {
  it('fails at once on a refused connection, with a hint naming the profile URL (no backoff)', async () => {
    const port = await closedPort();
    const { c, time, trace } = client({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await c.get('/api/things').catch((e) => e);
    expect(err).toBeInstanceOf(TransientHttpError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).toBe('Acme: GET /api/things failed: ECONNREFUSED');
    expect(err.hint).toContain(`http://127.0.0.1:${port}`);
    expect(err.exitCode).toBe(1);
    expect(c.attemptsSent).toBe(1);
    expect(time.sleeps).toEqual([]);
    expect(trace.join('\n')).not.toMatch(/retry/);
  });

  it('still retries a refusal once the server has answered (a restart mid-run), then gives up with the hint', async () => {
    const s = await FakeServer.start();
    s.route('GET', '/api/ping', () => ({ json: { ok: true } }));
    const { c, time } = client({ baseUrl: s.url, retry: { baseDelayMs: 10, maxRetries: 2 } });
    expect(await c.get('/api/ping')).toEqual({ ok: true });
    c.close();
    await s.close();
    const err = await c.get('/api/ping').catch((e) => e);
    expect(err).toBeInstanceOf(TransientHttpError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).toContain('after 3 attempts');
    expect(c.attemptsSent).toBe(4);
    expect(time.sleeps).toHaveLength(2);
    expect(err.hint).toContain(s.url.replace(/\/$/, ''));
  });
});

describe('non-idempotent writes are never duplicated', () => {
  it('does not repeat a POST whose connection was reset, without a landing check', async () => {
    server.inject({ type: 'reset' }, { method: 'POST', phase: 'after' });
    const { c } = client();
    const err = await c.post('/api/things', { thing: { text: 'once' } }).catch((e) => e);
    expect(err).toBeInstanceOf(UncertainWriteError);
    expect(server.find('POST')).toHaveLength(1);
    expect(items).toHaveLength(1);
  });

  it('never repeats after an ambiguous failure: the check runs after a settle delay with backoff, then the outcome is unknown', async () => {
    server.inject({ type: 'reset' }, { method: 'POST', phase: 'before' });
    const { c, time } = client({ settle: { delayMs: 1000, checks: 3 } });
    let checks = 0;
    const err = await c
      .post('/api/things', { thing: { text: 'x' } }, { verifyNotLanded: async () => (checks++, !items.some((i) => i.text === 'x')) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UncertainWriteError);
    expect(err.outcome).toBe('unknown');
    expect(err.message).toMatch(/outcome unknown .*3 checks over 7\.0s, not sent again/);
    expect(checks).toBe(3);
    expect(time.sleeps).toEqual([1000, 2000, 4000]);
    expect(server.find('POST')).toHaveLength(1);
    expect(items).toHaveLength(0);
  });

  it('finds a write the helpdesk applies 1.5 s after answering 504 or timing out (a check at once would miss it)', async () => {
    for (const respond of [504, 'hang'] as const) {
      items.length = 0;
      server.clearLog();
      server.inject({ type: 'late', respond, applyAfterMs: 300 }, { method: 'POST' });
      const { c } = client({ sleep: (ms) => new Promise((r) => setTimeout(r, ms)), timeoutMs: 150, settle: { delayMs: 100, checks: 4 } });
      const seen: boolean[] = [];
      const err = await c
        .post('/api/things', { thing: { text: 'late' } }, { verifyNotLanded: async () => (seen.push(items.length > 0), items.length === 0) })
        .catch((e) => e);
      expect(err, String(respond)).toBeInstanceOf(WriteLandedError);
      expect(seen[0], 'not there at the first check').toBe(false);
      expect(seen.at(-1)).toBe(true);
      expect(items).toHaveLength(1);
      expect(server.find('POST')).toHaveLength(1);
    }
  });

  it('repeats a write only after a failure that proves nothing was applied: 503 with Retry-After, 429, connection refused', async () => {
    server.inject({ type: 'status', status: 503, headers: { 'retry-after': '2' } }, { method: 'POST' });
    server.inject({ type: '429', retryAfter: 1 }, { method: 'POST' });
    const { c, time } = client();
    const res = await c.post<{ thing: { id: number } }>('/api/things', { thing: { text: 'r' } });
    expect(res.thing.id).toBe(1);
    expect(server.find('POST').map((r) => r.status)).toEqual([503, 429, 201]);
    expect(time.sleeps).toContain(2000);

    const closed = await FakeServer.start();
    const url = closed.url;
    await closed.close();
    const refused = client({ baseUrl: url, retry: { maxRetries: 2, baseDelayMs: 1 } });
    const err = await refused.c.post('/api/things', { thing: { text: 'nope' } }, { verifyNotLanded: async () => true }).catch((e) => e);
    // refused: nothing was sent, so it is a plain failure (not an unknown outcome); a server that never
    // answered fails at once
    expect(err).toBeInstanceOf(TransientHttpError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('treats a PUT declared non-idempotent like a POST, and a malformed 2xx write as landed', async () => {
    items.push({ id: 1, text: 'a' });
    server.inject({ type: 'status', status: 503 }, { method: 'PUT', phase: 'after' });
    const { c } = client();
    const err = await c.put('/api/things/1', { thing: { text: 'b' } }, { idempotent: false }).catch((e) => e);
    expect(err).toBeInstanceOf(UncertainWriteError);
    expect(server.find('PUT')).toHaveLength(1);

    server.inject({ type: 'malformed' }, { method: 'POST', phase: 'after' });
    const landed = await c.post('/api/things', { thing: { text: 'm' } }).catch((e) => e);
    expect(landed).toBeInstanceOf(WriteLandedError);
    expect(items.filter((i) => i.text === 'm')).toHaveLength(1);
  });

  it('retries an ordinary PUT (idempotent) after a 503', async () => {
    items.push({ id: 1, text: 'a' });
    server.inject({ type: 'status', status: 503 }, { method: 'PUT' });
    const { c } = client();
    await c.put('/api/things/1', { thing: { text: 'c' } });
    expect(items[0]!.text).toBe('c');
    expect(server.find('PUT').map((r) => r.status)).toEqual([503, 200]);
  });
});

describe('rate limiter', () => {
  it('never lets more than the per-minute budget through in any 60 s window, with costs', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ perMinute: 60, now: time.now, sleep: time.sleep });
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 150 }, (_, i) => limiter.acquire(i % 3 === 0 ? 2 : 1).then(() => grants.push(time.now()))),
    );
    expect(grants).toHaveLength(150);
    const costs = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? 2 : 1));
    // FIFO: grant i has cost costs[i]
    for (let i = 0; i < grants.length; i++) {
      let units = 0;
      for (let j = i; j < grants.length && grants[j]! < grants[i]! + 60_000; j++) units += costs[j]!;
      expect(units).toBeLessThanOrEqual(60);
    }
    // and it does not crawl: 200 units at 60/min (a burst of 1, then 58.4/min) take a bit under 3.5 minutes
    expect(time.now() - Date.parse('2026-11-25T08:00:00Z')).toBeLessThan(4 * 60_000);
  });

  it('defaults to a one-second burst and a 1% margin: ~97% of the limit in steady state, never 99% in a window', async () => {
    const time = fakeTime();
    const t0 = time.now();
    const limiter = new RateLimiter({ perMinute: 600, now: time.now, sleep: time.sleep });
    expect(limiter.burst).toBe(10);
    expect(limiter.refillPerMinute).toBeCloseTo(584, 6);
    // the burst goes at once, and no more
    await Promise.all(Array.from({ length: 10 }, () => limiter.acquire()));
    expect(time.now()).toBe(t0);
    const grants: number[] = Array.from({ length: 10 }, () => t0);
    // one at a time, so each grant's time is read before anything else moves the clock
    for (let i = 10; i < 1800; i++) {
      await limiter.acquire();
      grants.push(time.now());
    }
    expect(grants[10]).toBeGreaterThan(t0);
    // no 60 s window carries more than 99% of the limit (the old default allowed 100%)
    for (let i = 0, j = 0; i < grants.length; i++) {
      while (j < grants.length && grants[j]! < grants[i]! + 60_000) j++;
      expect(j - i).toBeLessThanOrEqual(594);
    }
    // steady state (the last full minute): well above the 90% a tenth-of-a-minute burst settled at
    const end = grants[grants.length - 1]!;
    const lastMinute = grants.filter((g) => g > end - 60_000).length;
    expect(lastMinute).toBeGreaterThanOrEqual(580);
  });

  it('saves up for a cost larger than the burst and keeps the window bound', async () => {
    const time = fakeTime();
    // 60/min: a burst of 1; Freshdesk-like requests cost 5
    const limiter = new RateLimiter({ perMinute: 60, now: time.now, sleep: time.sleep });
    expect(limiter.burst).toBe(1);
    const grants: number[] = [];
    for (let i = 0; i < 40; i++) {
      await limiter.acquire(5);
      grants.push(time.now());
    }
    expect(limiter.granted).toBe(200);
    for (let i = 0, j = 0; i < grants.length; i++) {
      while (j < grants.length && grants[j]! < grants[i]! + 60_000) j++;
      expect((j - i) * 5).toBeLessThanOrEqual(60);
    }
    // and the budget is used: 200 units at 60/min in well under 4 minutes
    expect(grants[grants.length - 1]! - grants[0]!).toBeLessThan(4 * 60_000);
  });

  it('takes an explicit burst and margin (no margin: the whole budget, as before)', () => {
    const limiter = new RateLimiter({ perMinute: 600, burst: 60, safetyMargin: 0 });
    expect(limiter.burst).toBe(60);
    expect(limiter.refillPerMinute).toBe(540);
    expect(new RateLimiter({ perMinute: 30 }).burst).toBe(1);
    expect(() => new RateLimiter({ perMinute: 60, safetyMargin: 1 })).toThrow(RangeError);
  });

  it('pauses every waiting request when the server says stop', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ perMinute: 600, now: time.now, sleep: time.sleep });
    limiter.pauseUntil(time.now() + 5_000);
    const start = time.now();
    await limiter.acquire();
    expect(time.now() - start).toBeGreaterThanOrEqual(5_000);
  });

  it('keeps concurrent requests under an enforced server limit (no 429)', async () => {
    // server: 5 requests per 500 ms window; client: 540/min = 4.5 per 500 ms, smooth
    server.rateLimit({ limit: 5, windowMs: 500 });
    const limiter = new RateLimiter({ perMinute: 540, burst: 1 });
    const c = new HttpClient({ vendor: 'Acme', baseUrl: server.url, limiter });
    await Promise.all(Array.from({ length: 12 }, () => c.get('/api/things')));
    expect(server.rateLimited).toBe(0);
    expect(server.requests).toHaveLength(12);
    c.close();
  });

  it('absorbs 429s from an enforced limit without a client limiter (Retry-After honoured, nothing lost)', async () => {
    server.rateLimit({ limit: 3, windowMs: 1000 });
    const c = new HttpClient({ vendor: 'Acme', baseUrl: server.url });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => c.post('/api/things', { thing: { text: `t${i}` } })));
    expect(results).toHaveLength(5);
    expect(server.rateLimited).toBeGreaterThan(0);
    expect(items.map((i) => i.text).sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    c.close();
  });
});

describe('trace', () => {
  it('traces method, URL, status and time, never the credentials', async () => {
    registerSecret('s3cr3t-query-token');
    const { c, trace } = client({ auth: basicAuth('agent@acme.test/token', 'zd-api-token-xyz') });
    server.inject({ type: 'status', status: 500 });
    await c.get('/api/things', { access_token: 's3cr3t-query-token' });
    const text = trace.join('\n');
    expect(text).toMatch(/HTTP GET http:\/\/127\.0\.0\.1:\d+\/api\/things\?access_token=\*\*\*\* -> 500 \(\d+ms\)/);
    expect(text).toMatch(/-> 200 \(\d+ms\)/);
    expect(text).not.toContain('s3cr3t-query-token');
    expect(text).not.toContain('zd-api-token-xyz');
    expect(text).not.toContain(Buffer.from('agent@acme.test/token:zd-api-token-xyz').toString('base64'));
  });
});
