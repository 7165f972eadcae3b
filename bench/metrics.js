#!/usr/bin/env node
// Benchmark of the metrics accumulators: synthetic tickets generated in-process (100k and 1M) are fed
// through computeSummary (grouped by channel, with the previous period, ratings joined) as a fake
// provider's page iterator. Each size runs in its own child process so peak RSS is its own.
// Prints time and peak RSS per size. Target: 1M tickets in < 10 s and < 300 MB RSS.
// Usage: node bench/metrics.js [--sizes 100000,1000000] [--group-by channel]   (build first: npx tsc -p .)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-25T09:00:00Z');
const CHANNELS = ['email', 'chat', 'phone', 'social', 'web'];
const STATUSES_SOLVED = ['solved', 'closed'];
const STATUSES_OPEN = ['new', 'open', 'pending', 'on_hold'];
const GROUPS = ['Support', 'Billing', 'Technical', 'VIP Care'];
const TAGS = ['delivery', 'refund', 'billing', 'bug', 'vip', 'shipping', 'account'];

// the demo helpdesk's seeded PRNG (mulberry32)
const { seededRandom: rng } = await import('../dist/src/providers/local/demo.js');

/** A fake provider streaming `size` tickets in pages of 1000, generated on the fly (never all in memory). */
function syntheticProvider(size) {
  const agents = Array.from({ length: 40 }, (_, i) => ({ id: `agent-${i}`, name: `Agent ${i}`, email: `a${i}@x.example`, role: 'agent' }));
  const customers = Array.from({ length: 500 }, (_, i) => ({ id: `cust-${i}`, name: `Customer ${i}`, email: `c${i}@x.example`, role: 'customer' }));
  // toISOString is the generator's main cost; build the same strings from a per-day prefix and lookup tables
  const dayPrefix = new Map();
  const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
  const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
  const iso = (ms) => {
    ms = Math.floor(ms);
    const day = Math.floor(ms / DAY);
    let p = dayPrefix.get(day);
    if (!p) dayPrefix.set(day, (p = new Date(day * DAY).toISOString().slice(0, 11)));
    let r = ms - day * DAY;
    const h = Math.floor(r / 3_600_000);
    r -= h * 3_600_000;
    const m = Math.floor(r / 60_000);
    r -= m * 60_000;
    const sec = Math.floor(r / 1000);
    return `${p}${TWO[h]}:${TWO[m]}:${TWO[sec]}.${THREE[r - sec * 1000]}Z`;
  };
  for (const x of [0, NOW, NOW - 12_345_678_901, NOW - 999]) if (iso(x) !== new Date(x).toISOString()) throw new Error(`iso(${x}) is wrong`);
  const window = 60 * DAY; // the period and the previous one
  // every 50th ticket is stale backlog: created before the window, unsolved, not updated since
  const isStaleIndex = (i) => i % 50 === 0;
  const ticketAt = (i) => {
    const g = rng(i + 1);
    const stale = isStaleIndex(i);
    const created = stale ? NOW - window - g() * 30 * DAY : NOW - g() * window;
    const channel = CHANNELS[Math.floor(g() * CHANNELS.length)];
    const answered = g() < 0.95;
    const first = answered ? created + g() * g() * 2 * DAY : null;
    const solved = !stale && answered && g() < 0.8 ? Math.min(NOW - 1000, first + g() * 5 * DAY) : null;
    const reopen = g() < 0.1 ? 1 + Math.floor(g() * 2) : 0;
    const updated = solved ?? (stale ? created + DAY : Math.min(NOW, (first ?? created) + g() * DAY));
    return {
      id: String(i + 1),
      subject: `Synthetic ticket ${i + 1}`,
      status: solved !== null ? STATUSES_SOLVED[i % 2] : STATUSES_OPEN[i % 4],
      priority: 'normal',
      channel,
      requester: customers[i % customers.length],
      assignee: g() < 0.9 ? agents[Math.floor(g() * agents.length)] : null,
      group: GROUPS[Math.floor(g() * GROUPS.length)],
      tags: [TAGS[Math.floor(g() * TAGS.length)], TAGS[Math.floor(g() * TAGS.length)]],
      createdAt: iso(created),
      updatedAt: iso(updated),
      firstResponseAt: first === null ? null : iso(first),
      solvedAt: solved === null ? null : iso(solved),
      reopenCount: reopen,
      publicReplyCount: answered ? 1 + Math.floor(g() * 3) : 0,
      customFields: {},
    };
  };
  return {
    kind: 'synthetic',
    displayName: 'Synthetic',
    capabilities: { priority: true, channels: true, groups: true, internalNotes: true, tags: true, ratings: ['csat', 'nps', 'ces'], serverFilters: ['ids'], defaultConcurrency: 4 },
    async *listTickets(q) {
      if (q.ids) {
        yield q.ids.map((id) => ticketAt(Number(id) - 1));
        return;
      }
      // pass 1 (updated in the window) or pass 2 (stale unsolved backlog): the provider filters server-side
      const wantStale = Boolean(q.updatedUntil);
      for (let i = 0; i < size; i += 1000) {
        const page = [];
        for (let j = i; j < Math.min(size, i + 1000); j++) if (isStaleIndex(j) === wantStale) page.push(ticketAt(j));
        if (page.length) yield page;
      }
    },
    async *listRatings(range) {
      // one rating for ~25 % of tickets, dated shortly after creation
      const g = rng(7);
      for (let i = 0; i < size; i += 1000) {
        const page = [];
        for (let j = i; j < Math.min(size, i + 1000); j++) {
          if (g() >= 0.25) continue;
          const kind = g() < 0.6 ? 'csat' : g() < 0.5 ? 'nps' : 'ces';
          const scale = kind === 'csat' ? { min: 1, max: 5 } : kind === 'nps' ? { min: 0, max: 10 } : { min: 1, max: 7 };
          const at = NOW - g() * 62 * DAY;
          if (at < range.since.getTime() || at >= range.until.getTime()) continue;
          page.push({ ticketId: String(j + 1), kind, score: scale.min + Math.round(g() * (scale.max - scale.min)), scale, createdAt: new Date(at).toISOString() });
        }
        if (page.length) yield page;
      }
    },
    async getTicket(id) { return ticketAt(Number(id) - 1); },
    async listComments() { return []; },
    async updateTicket() { throw new Error('read only'); },
    async addComment() { throw new Error('read only'); },
    async listAgents() { return agents; },
    async listGroups() { return GROUPS.map((name) => ({ id: name, name })); },
    async currentAgent() { return null; },
    async close() {},
  };
}

/** Time to generate and page through the synthetic tickets alone (the fake helpdesk's own cost). */
async function drain(size) {
  const p = syntheticProvider(size);
  const t0 = performance.now();
  let n = 0;
  for await (const page of p.listRatings({ since: new Date(NOW - 60 * DAY), until: new Date(NOW) })) n += page.length;
  for (const q of [{ updatedSince: new Date(NOW - 60 * DAY) }, { updatedUntil: new Date(NOW - 60 * DAY) }]) for await (const page of p.listTickets(q)) n += page.length;
  return (performance.now() - t0) / 1000;
}

async function child(size, groupBy) {
  const { computeSummary } = await import('../dist/src/metrics/engine.js');
  const { parseGroupBy } = await import('../dist/src/metrics/grouping.js');
  const { DEFAULT_SLA_TARGETS } = await import('../dist/src/metrics/sla-targets.js');
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await computeSummary(syntheticProvider(size), {
    since: new Date(NOW - 30 * DAY),
    until: new Date(NOW),
    now: new Date(NOW),
    filter: {},
    grouping: parseGroupBy(groupBy),
    slaTargets: DEFAULT_SLA_TARGETS,
    compare: true,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  const m = result.current.totals;
  process.stdout.write(
    JSON.stringify({
      size,
      groupBy,
      seconds: +(ms / 1000).toFixed(2),
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      peakRssMB: +(peak / 1048576).toFixed(1),
      read: result.read,
      groups: result.current.groups.length,
      check: { created: m.volume.created, solved: m.volume.solved, backlog: m.volume.backlog, csat: m.csat.value?.toFixed(1), frtMedian: m.firstResponse.median?.toFixed(0) },
    }) + '\n',
  );
}

if (arg('--drain')) {
  const cpu0 = process.cpuUsage();
  const seconds = await drain(Number(arg('--drain')));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
} else if (arg('--size')) {
  await child(Number(arg('--size')), arg('--group-by', 'channel'));
} else {
  const sizes = arg('--sizes', '100000,1000000').split(',').map(Number);
  const groupBy = arg('--group-by', 'channel');
  const me = fileURLToPath(import.meta.url);
  console.log(`metrics bench: grouped summary (--group-by ${groupBy}, with the previous period and ratings) over synthetic tickets`);
  for (const size of sizes) {
    const r = spawnSync(process.execPath, [me, '--size', String(size), '--group-by', groupBy], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const res = JSON.parse(r.stdout);
    // the fake helpdesk's own cost: generating and paging the same tickets and ratings, without metrics
    const gen = JSON.parse(spawnSync(process.execPath, [me, '--drain', String(size)], { encoding: 'utf8' }).stdout);
    const ok = size < 1_000_000 || (res.seconds < 10 && res.peakRssMB < 300);
    const load = (await import('node:os')).loadavg()[0];
    console.log(
      `  ${String(size).padStart(9)} tickets  ${res.seconds.toFixed(2).padStart(6)} s wall, ${res.cpuSeconds.toFixed(2)} s CPU (generating the tickets alone: ${gen.cpuSeconds.toFixed(2)} s CPU)  peak RSS ${res.peakRssMB.toFixed(0).padStart(4)} MB  ` +
        `load ${load.toFixed(1)}  (${res.read.tickets} tickets, ${res.read.ratings} ratings read; ${res.groups} groups)${size >= 1_000_000 ? (ok ? '  target met' : '  TARGET MISSED (<10 s, <300 MB)') : ''}`,
    );
  }
}
