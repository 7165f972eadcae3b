#!/usr/bin/env node
// Benchmark of bulk replies against a helpdesk that enforces a rate limit.
//
// A fake helpdesk on 127.0.0.1 accepts at most LIMIT requests in any 60-second sliding window and answers
// 429 + Retry-After beyond that (and counts the refusals). deskctl's bulk executor (src/bulk/executor.ts,
// journal in a temporary SQLite file, exactly as `deskctl bulk reply` runs it) sends one reply per ticket
// through the shared HTTP layer (src/providers/http.ts: HttpClient + its client-side RateLimiter), with
// concurrency 4. Three limiter settings run side by side, each against its own server:
//   - "default": RateLimiter({ perMinute }) as createHttpClient builds it today (a second's worth of burst,
//     1% of the budget kept in reserve)
//   - "old 1/10": the former default (burst = a tenth of a minute, no margin), for comparison
//   - "1s,100%": a second's worth of burst and no margin (paces at exactly the limit)
// Reported per setting: replies/second, the share of the limit used over the whole run and over the last
// 60 s (steady state, after the initial burst), and requests refused by the server (target: 0).
// Target: >= 95% of the limit with no request refused.
// Then, for scale: `deskctl bulk reply` end to end on the embedded helpdesk (500 tickets, no rate limit).
//
// Usage: node bench/bulk.js [--limit 700] [--seconds 100] [--concurrency 4]   (build first: npx tsc -p .)
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const LIMIT = arg('--limit', 700);
const SECONDS = arg('--seconds', 100);
const CONCURRENCY = arg('--concurrency', 4);
const WINDOW_MS = 60_000;

const { HttpClient, RateLimiter } = await import('../dist/src/providers/http.js');
const { BulkJournal, BULK_SCHEMA } = await import('../dist/src/bulk/journal.js');
const { executeJob } = await import('../dist/src/bulk/executor.js');
const { openDatabase } = await import('../dist/src/store/sqlite.js');
const { SqliteStateDb } = await import('../dist/src/store/sqlite-state-db.js');

/** A Zendesk-shaped fake: PUT /api/v2/tickets/:id.json with a comment; a sliding-window rate limit. */
function startFakeHelpdesk(limit) {
  const accepted = []; // timestamps
  const stats = { accepted, refused: 0 };
  let commentId = 0;
  const server = createServer((req, res) => {
    const now = Date.now();
    while (accepted.length && accepted[0] <= now - WINDOW_MS) accepted.shift();
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (accepted.length >= limit) {
        stats.refused++;
        const retryAfter = Math.max(1, Math.ceil((accepted[0] + WINDOW_MS - now) / 1000));
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) });
        res.end(JSON.stringify({ error: 'APIRateLimitExceeded' }));
        return;
      }
      accepted.push(now);
      const m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(req.url ?? '');
      if (req.method !== 'PUT' || !m) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'RecordNotFound' }));
        return;
      }
      const comment = JSON.parse(body).ticket.comment;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ticket: { id: Number(m[1]) }, audit: { events: [{ type: 'Comment', id: ++commentId, body: comment.body, public: comment.public }] } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, stats, url: `http://127.0.0.1:${server.address().port}` })));
}

/** Just enough of a HelpdeskProvider for the executor's reply path, on the shared HTTP client. */
function benchProvider(http) {
  const agent = { id: '1', name: 'Bench Agent', email: 'bench@example.com', role: 'agent' };
  return {
    kind: 'bench',
    displayName: 'Bench Desk',
    capabilities: { priority: true, channels: true, groups: true, internalNotes: true, tags: true, ratings: [], serverFilters: [], defaultConcurrency: CONCURRENCY },
    async addComment(ticketId, c) {
      const r = await http.put(`/api/v2/tickets/${ticketId}.json`, { ticket: { comment: { body: c.body, public: c.public } } }, { idempotent: false });
      const ev = r.audit.events[0];
      return { id: String(ev.id), ticketId, author: agent, authorRole: 'agent', public: ev.public, body: ev.body, createdAt: new Date().toISOString() };
    },
    async listComments() {
      return [];
    },
    async updateTicket() {
      throw new Error('not used');
    },
    async close() {},
  };
}

async function runSetting(label, limiterOpts, dir) {
  const { server, stats, url } = await startFakeHelpdesk(LIMIT);
  const limiter = new RateLimiter(limiterOpts);
  const http = new HttpClient({ vendor: 'Bench Desk', baseUrl: url, limiter, retry: { maxRetries: 3 } });
  const db = await openDatabase(join(dir, `${label.replace(/\W/g, '')}.db`));
  const state = new SqliteStateDb(db);
  await state.migrate(BULK_SCHEMA);
  const journal = new BulkJournal(state);
  const tickets = Math.ceil((LIMIT * SECONDS) / 60) + limiter.burst + 50; // more than can be sent in time
  const job = await journal.createJob({
    kind: 'reply',
    template: 'bench',
    public: true,
    patch: {},
    selection: 'bench',
    concurrency: CONCURRENCY,
    items: Array.from({ length: tickets }, (_, i) => ({ ticketId: String(i + 1), body: `Hi customer ${i + 1}, your order is on its way.` })),
  });
  const ac = new AbortController();
  const start = Date.now();
  const timer = setTimeout(() => ac.abort(), SECONDS * 1000);
  const result = await executeJob(journal, job.id, benchProvider(http), { concurrency: CONCURRENCY, signal: ac.signal });
  clearTimeout(timer);
  const end = Date.now();
  server.close();
  db.close();
  const elapsed = (end - start) / 1000;
  const lastWindow = stats.accepted.filter((t) => t > end - WINDOW_MS).length;
  const sent = result.run.sent;
  return {
    label,
    burst: limiter.burst,
    elapsed,
    sent,
    failed: result.run.failed,
    repliesPerSec: sent / elapsed,
    shareOverall: sent / ((LIMIT * elapsed) / 60),
    shareSteady: elapsed >= 60 ? lastWindow / LIMIT : NaN,
    refused: stats.refused,
    attempts: http.attemptsSent,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'deskctl-bench-bulk-'));
try {
  console.log(`bulk reply bench: server limit ${LIMIT} requests / 60 s sliding window, concurrency ${CONCURRENCY}, ${SECONDS} s per run (the settings run side by side)`);
  const results = await Promise.all([
    runSetting('default', { perMinute: LIMIT }, dir),
    runSetting('old 1/10', { perMinute: LIMIT, burst: Math.max(1, Math.floor(LIMIT / 10)), safetyMargin: 0 }, dir),
    runSetting('1s,100%', { perMinute: LIMIT, burst: Math.max(1, Math.floor(LIMIT / 60)), safetyMargin: 0 }, dir),
  ]);
  const pct = (x) => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  for (const r of results) {
    console.log(
      `  limiter ${r.label.padEnd(12)} (burst ${String(r.burst).padStart(3)}): ${r.sent} replies in ${r.elapsed.toFixed(1)} s = ${r.repliesPerSec.toFixed(2)} replies/s; ` +
        `share of the limit: ${pct(r.shareOverall)} over the run, ${pct(r.shareSteady)} over the last 60 s; refused by the server: ${r.refused}; failed: ${r.failed}`,
    );
  }
  const verdict = (r) =>
    Number.isNaN(r.shareSteady) ? 'n/a (needs --seconds >= 60)' : r.refused === 0 && r.failed === 0 && r.shareSteady >= 0.95 ? 'met' : 'not met';
  console.log(`  target (>= 95% of the limit in steady state, none refused): ${results.map((r) => `${r.label} ${verdict(r)}`).join('; ')}`);

  // end to end on the embedded helpdesk: render 500, journal, send, apply the template's tag
  const home = join(dir, 'home');
  mkdirSync(join(home, 'templates'), { recursive: true });
  writeFileSync(join(home, 'templates', 'bench.liquid'), '---\ndescription: bench\npublic: true\nadd_tags: [bench]\n---\nHi {{ ticket.requester.first_name | default: "there" }}, about "{{ ticket.subject }}".\n\n{{ agent.signature }}\n');
  writeFileSync(join(home, 'ids.txt'), Array.from({ length: 500 }, (_, i) => String(i + 1)).join('\n'));
  const bin = fileURLToPath(new URL('../bin/deskctl.js', import.meta.url));
  const env = { ...process.env, DESKCTL_HOME: home, CI: '1' };
  spawnSync(process.execPath, [bin, 'demo'], { env, cwd: home, encoding: 'utf8' });
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, 'bulk', 'reply', '-t', 'bench', '--ids-file', 'ids.txt', '--yes', '--json'], { env, cwd: home, encoding: 'utf8', maxBuffer: 64 << 20 });
  const secs = (Date.now() - t0) / 1000;
  if (r.status !== 0) console.log(`  embedded helpdesk: bulk reply failed (${r.status}): ${r.stderr.split('\n').slice(-3).join(' ')}`);
  else {
    const done = JSON.parse(r.stdout).counts.done;
    console.log(`  embedded helpdesk, deskctl bulk reply end to end (load, render, journal, reply + tag): ${done} tickets in ${secs.toFixed(2)} s = ${(done / secs).toFixed(0)} tickets/s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
