#!/usr/bin/env node
// Zendesk provider over a minimal in-process fake (node:http on 127.0.0.1):
// - listing 5,000 and 50,000 tickets: time, tickets/s, requests, heap after each page (flat = streaming);
// - the client-side rate limiter: achieved rate against the configured one, through the real HTTP client.
// Prints its figures. Run after `npx tsc -p .` (npm run bench does).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigStore } from '../dist/src/config/config-store.js';
import { resolvePaths } from '../dist/src/config/paths.js';
import { createIO } from '../dist/src/output/io.js';
import { createProvider } from '../dist/src/providers/registry.js';
import { HttpClient, RateLimiter } from '../dist/src/providers/http.js';

const TOKEN = 'bench-token-123456';
const EMAIL = 'bench@acme.test';
const START = Date.parse('2026-01-01T00:00:00Z');
let total = 5000;
let requests = 0;

const ticket = (i) => ({
  id: i + 1,
  subject: `Ticket ${i + 1}: something about order ${(i * 7919) % 100000}`,
  raw_subject: `Ticket ${i + 1}`,
  description: 'x'.repeat(200),
  status: ['new', 'open', 'pending', 'hold', 'solved', 'closed'][i % 6],
  priority: ['low', 'normal', 'high', 'urgent'][i % 4],
  requester_id: 20000 + (i % 500),
  submitter_id: 20000 + (i % 500),
  assignee_id: 9000 + (i % 3),
  group_id: 360000,
  tags: ['billing', 'delivery'].slice(0, 1 + (i % 2)),
  created_at: new Date(START + i * 60_000).toISOString(),
  updated_at: new Date(START + i * 60_000 + 3_600_000).toISOString(),
  via: { channel: ['email', 'web', 'chat'][i % 3] },
  custom_fields: [{ id: 1, value: 'gold' }],
});
const user = (id) => ({ id, name: `User ${id}`, email: `u${id}@example.org`, role: id < 10000 ? 'agent' : 'end-user' });

const server = createServer((req, res) => {
  requests++;
  const url = new URL(req.url, 'http://127.0.0.1');
  const ok = req.headers.authorization === `Basic ${Buffer.from(`${EMAIL}/token:${TOKEN}`).toString('base64')}`;
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!ok) return send(401, { error: "Couldn't authenticate you" });
  if (url.pathname === '/api/v2/tickets') {
    const size = Number(url.searchParams.get('page[size]') ?? 100);
    const from = Number(url.searchParams.get('page[after]') ?? 0);
    const n = Math.max(0, Math.min(size, total - from));
    const tickets = Array.from({ length: n }, (_, k) => ticket(from + k));
    const ids = new Set(tickets.flatMap((t) => [t.requester_id, t.assignee_id]));
    const more = from + n < total;
    return send(200, {
      tickets,
      users: [...ids].map(user),
      groups: [{ id: 360000, name: 'Support' }],
      metric_sets: tickets.map((t) => ({ ticket_id: t.id, reopens: 0, replies: 1, reply_time_in_minutes: { calendar: 12 }, solved_at: null })),
      meta: { has_more: more, after_cursor: more ? String(from + n) : null },
      links: { next: more ? `http://127.0.0.1:${server.address().port}/api/v2/tickets?page[size]=${size}&page[after]=${from + n}` : null },
    });
  }
  if (url.pathname === '/ping') return send(200, { ok: true });
  send(404, { error: 'InvalidEndpoint' });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-zd-'));
const paths = resolvePaths({ DESKCTL_HOME: home });
const config = await ConfigStore.open(paths);
const profile = { provider: 'zendesk', url: base, auth: 'token', user: EMAIL, rateLimit: 1_000_000 };
await config.setProfile('zd', profile);
await config.setSecret('zd', 'token', TOKEN);
const io = createIO({ stderr: new Writable({ write: (_c, _e, cb) => cb() }), stdout: new Writable({ write: (_c, _e, cb) => cb() }), env: {} });

const mb = (b) => (b / 1024 / 1024).toFixed(1);
for (const n of [5000, 50000]) {
  total = n;
  requests = 0;
  const provider = await createProvider({ profileName: 'zd', profile, config, paths, clock: { now: () => new Date() }, io });
  globalThis.gc?.();
  const heaps = [];
  let count = 0;
  const t0 = performance.now();
  for await (const page of provider.listTickets({})) {
    count += page.length;
    if (heaps.length % 10 === 0) globalThis.gc?.();
    heaps.push(process.memoryUsage().heapUsed);
  }
  const ms = performance.now() - t0;
  await provider.close();
  const firstTen = heaps.slice(0, 10);
  const lastTen = heaps.slice(-10);
  const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(
    `list ${count} tickets: ${(ms / 1000).toFixed(2)} s, ${Math.round(count / (ms / 1000))} tickets/s, ${requests} requests, ` +
      `heap first pages ${mb(avg(firstTen))} MB, last pages ${mb(avg(lastTen))} MB, max ${mb(Math.max(...heaps))} MB`,
  );
}

// limiter accuracy through the real client: 90 requests at 1,800/min (30/s, burst 180 would hide pacing, so burst 1)
{
  const perMinute = 1800;
  const limiter = new RateLimiter({ perMinute, burst: 1 });
  const http = new HttpClient({ vendor: 'bench', baseUrl: base, limiter, headers: { authorization: `Basic ${Buffer.from(`${EMAIL}/token:${TOKEN}`).toString('base64')}` } });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 90 }, () => http.get('/ping')));
  const s = (performance.now() - t0) / 1000;
  console.log(`rate limiter: 90 concurrent requests at ${perMinute}/min (burst 1) took ${s.toFixed(2)} s = ${Math.round((89 / s) * 60)}/min achieved`);
  http.close();
}

server.close();
rmSync(home, { recursive: true, force: true });
