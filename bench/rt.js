#!/usr/bin/env node
// deskctl vs RT's own command-line client on the same real Request Tracker and the same tickets.
//
// The reference is `rt` from Debian's rt5-clients (REST 1.0, RTSERVER/RTUSER/RTPASSWD in the environment,
// its session kept in ~/.rt_sessions between runs, as deskctl keeps its own). Starts a fresh RT 5 with
// scripts/start-rt.sh on a free port (or uses RT_URL with user root / password "password"), seeds TICKETS
// tickets in the General queue (a mix of new, open, stalled and resolved, most with an agent reply; the
// seeded database is kept in the temporary folder and reused by the next run), then times, alternately
// (the order swapped every run) and RUNS times each, the rows of issue 15:
//   (a) deskctl tickets list --status open --limit 100      vs  rt ls -q General "Status='open'"
//   (b) deskctl tickets list --all --status all             vs  rt ls "id>0"
//       (both lists with the fields rt ls shows: --fields id,assignee,group,createdAt,updatedAt,status,requester,subject)
//   (c) deskctl tickets show ID (with its conversation)     vs  rt show ticket/ID + rt show ticket/ID/history
//   (d) deskctl bulk reply -t T --ids (50 tickets) --yes    vs  a shell loop of 50 `rt correspond -m ... ID`
// deskctl's output is its default for scripts (JSON); rt's is its default listing / display.
// Prints per row the median wall time of each (whole processes), deskctl's CPU (user+sys, median), the
// ratio deskctl/rt, and the counts both showed (they must agree: a row whose counts differ fails the bench).
// Each command runs once before timing (both keep their RT session between runs, like a user's second call).
//
// Usage: node bench/rt.js [--tickets 304] [--runs 5] [--replies 50] [--only abcd]     (build first: npm run build)
// Skips with one line when RT (request-tracker5) or `rt` (rt5-clients) is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const startScript = resolve(root, 'scripts', 'start-rt.sh');
const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const bin = join(root, 'bin', 'deskctl.js');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TICKETS = arg('--tickets', 304);
const RUNS = arg('--runs', 5);
const REPLIES = arg('--replies', 50);
/** --only abc: some of the rows (a-d) */
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : 'abcd';
const SEED_VERSION = 1;

const skip = (why) => {
  console.log(`bench/rt: skipped: ${why}`);
  process.exit(0);
};
const rtCli = spawnSync('sh', ['-c', 'command -v rt'], { encoding: 'utf8' }).stdout.trim();
if (!rtCli) skip("RT's command-line client `rt` (Debian's rt5-clients) is not installed: apt-get install rt5-clients");
if (!process.env.RT_URL && !existsSync(RT_SERVER)) skip(`Request Tracker is not installed (${RT_SERVER}): apt-get install request-tracker5 rt5-db-sqlite, or set RT_URL`);
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

// a seeded database from an earlier run (same ticket count and seed) is copied in instead of seeding again
const seedCache = join(tmpdir(), `deskctl-rt-bench-seed-v${SEED_VERSION}-${TICKETS}.sqlite`);
let state;
let url = process.env.RT_URL;
let reusedSeed = false;
if (!url) {
  state = mkdtempSync(join(tmpdir(), 'deskctl-rt-bench-'));
  if (existsSync(seedCache)) {
    copyFileSync(seedCache, join(state, 'rtdb'));
    reusedSeed = true;
  }
  const port = await freePort();
  const t0 = Date.now();
  const r = spawnSync('bash', [startScript, String(port), state], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(state, { recursive: true, force: true });
    skip(`RT did not start: ${(r.stderr || r.stdout).trim()}`);
  }
  url = r.stdout.trim().split('\n').pop();
  console.log(`RT 5 started at ${url} in ${((Date.now() - t0) / 1000).toFixed(1)} s${reusedSeed ? ` (seeded database reused from ${seedCache})` : ''}`);
}

const home = mkdtempSync(join(tmpdir(), 'deskctl-rt-bench-home-'));
const stop = () => {
  if (state) {
    try {
      process.kill(Number(readFileSync(join(state, 'rt.pid'), 'utf8')), 'SIGTERM');
    } catch {
      /* already gone */
    }
    rmSync(state, { recursive: true, force: true });
  }
  rmSync(home, { recursive: true, force: true });
};

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);

try {
  // seeding goes through REST2 with a web session (one password check for the whole seeding)
  const login = await fetch(`${url}/NoAuth/Login.html`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=root&pass=password',
    redirect: 'manual',
  });
  await login.text();
  const cookie = login.headers.getSetCookie().map((h) => h.split(';')[0]).find((p) => p.startsWith('RT_SID_')) ?? '';
  const headers = { cookie, authorization: `Basic ${Buffer.from('root:password').toString('base64')}`, 'content-type': 'application/json' };
  const api = async (method, path, body) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${url}/REST/2.0${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.ok) return JSON.parse(text);
      // SQLite answers a busy moment with "database is locked", which RT reports as an internal error (nothing written)
      if (attempt < 5 && /internal error|could not be recorded|locked/i.test(text)) {
        await new Promise((r) => setTimeout(r, 500 * attempt));
        continue;
      }
      throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
    }
  };
  const count = async (sql) => Number((await api('GET', `/tickets?per_page=1&query=${encodeURIComponent(sql)}`)).total ?? 0);

  // ticket i: i % 8 in 0-2 open (an agent reply), 3 resolved, 4 stalled (replied, then set), 5-7 new
  const kind = (i) => ['open', 'open', 'open', 'resolved', 'stalled', 'new', 'new', 'new'][i % 8];
  const existing = await count('id > 0');
  const toCreate = Math.max(0, TICKETS - existing);
  if (toCreate) {
    const t1 = Date.now();
    let next = existing;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < TICKETS) {
          const i = next++;
          const k = kind(i);
          const { id } = await api('POST', '/ticket', {
            Queue: 'General',
            Subject: `Order ${10_000 + i} has not arrived`,
            Requestor: `customer${i % 40}@example.com`,
            Content: `Hello, my order ${10_000 + i} has not arrived yet. Can you check where it is?`,
            ContentType: 'text/plain',
            Priority: (i * 37) % 101,
          });
          if (k !== 'new') await api('POST', `/ticket/${id}/correspond`, { Content: `We are looking into order ${10_000 + i}.`, ContentType: 'text/plain' });
          if (k === 'resolved' || k === 'stalled') await api('PUT', `/ticket/${id}`, { Status: k });
          if (i === 0) {
            // the ticket `show` reads: a longer conversation, with an internal note
            await api('POST', `/ticket/${id}/comment`, { Content: 'Courier says it left the depot on Monday.', ContentType: 'text/plain' });
            await api('POST', `/ticket/${id}/correspond`, { Content: 'Your parcel left the depot on Monday; it should reach you tomorrow.', ContentType: 'text/plain' });
            await api('POST', `/ticket/${id}/correspond`, { Content: 'Here is the tracking number: TR-10000.', ContentType: 'text/plain' });
          }
        }
      }),
    );
    console.log(`seeded ${toCreate} tickets in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    if (state) copyFileSync(join(state, 'rtdb'), seedCache);
  }

  const all = await api('GET', `/tickets?per_page=100&query=${encodeURIComponent('id > 0')}&orderby=id&order=ASC&fields=Status`);
  const showId = String(all.items[0].id);
  const openTickets = await count("Queue = 'General' AND Status = 'open'");
  const total = await count('id > 0');
  // the bulk replies go to open tickets (they stay open: the list rows keep their counts)
  const openIds = [];
  for (let page = 1; openIds.length < REPLIES; page++) {
    const res = await api('GET', `/tickets?per_page=100&page=${page}&query=${encodeURIComponent("Status = 'open'")}&orderby=id&order=ASC`);
    openIds.push(...res.items.map((t) => String(t.id)));
    if (res.items.length < 100) break;
  }
  const replyIds = openIds.slice(0, REPLIES);
  if (replyIds.length < REPLIES) throw new Error(`only ${replyIds.length} open tickets for ${REPLIES} replies: seed more (--tickets)`);

  const env = { ...process.env, DESKCTL_HOME: home, NO_COLOR: '1', RT_BENCH_PASSWORD: 'password' };
  delete env.DESKCTL_PROFILE;
  const add = spawnSync(process.execPath, [bin, 'profile', 'add', 'rt', '--name', 'bench', '--url', url, '--user', 'root', '--password-env', 'RT_BENCH_PASSWORD', '--use'], { env, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`profile add failed: ${add.stderr}`);
  const rtHome = mkdtempSync(join(home, 'rt-'));
  const rtEnv = { ...process.env, HOME: rtHome, RTSERVER: url, RTUSER: 'root', RTPASSWD: 'password' };

  /** Runs a command as a process: wall time, and user+sys CPU (of it and its children) when /usr/bin/time is there. */
  const timed = (cmd, argv, childEnv) =>
    new Promise((res, rej) => {
      const cpuFile = join(home, `cpu-${process.hrtime.bigint()}`);
      const [file, list] = timeBin ? [timeBin, ['-f', '%U %S', '-o', cpuFile, cmd, ...argv]] : [cmd, argv];
      const t = process.hrtime.bigint();
      const child = spawn(file, list, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', rej);
      child.on('close', (code) => {
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        let cpuMs;
        if (timeBin) {
          const [u, s] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          cpuMs = (u + s) * 1000;
          rmSync(cpuFile, { force: true });
        }
        if (code !== 0) rej(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err.slice(0, 2000)}`));
        else res({ ms, cpuMs, out });
      });
    });
  const deskctl = (...argv) => timed(process.execPath, [bin, ...argv], env);
  const rt = (...argv) => timed(rtCli, argv, rtEnv);
  /** Ticket lines of `rt ls` (its listing: "  id owner queue age told status requestor subject"). */
  const rtListed = (out) => out.split('\n').filter((l) => /^\s*\d+\s/.test(l)).length;
  const rtMessages = (out) => (out.match(/^===> (Ticket created|Correspondence added|Comments added) by /gm) ?? []).length;

  /** What `rt ls` shows (id, owner, queue, created, told, status, requestor, subject); deskctl has no "told": its updatedAt stands in. */
  const RT_LS_FIELDS = 'id,assignee,group,createdAt,updatedAt,status,requester,subject';
  let run = 0;
  const template = () => {
    const file = join(home, `bench-reply-${run}.liquid`);
    writeFileSync(file, `---\nname: bench-reply-${run}\npublic: true\n---\nHello, run ${run}: your order is on its way and should arrive within two days.\n`);
    return file;
  };
  const rows = [
    {
      name: '(a) open tickets, first 100',
      deskctl: [`tickets list --status open --limit 100 --fields <rt's>`, () => deskctl('tickets', 'list', '--status', 'open', '--limit', '100', '--fields', RT_LS_FIELDS).then((r) => ({ ...r, count: JSON.parse(r.out).length }))],
      rt: [`rt ls -q General "Status='open'"`, () => rt('ls', '-q', 'General', "Status='open'").then((r) => ({ ...r, count: rtListed(r.out) }))],
      // rt lists every open ticket (it has no limit), deskctl the first 100
      agree: (d, c) => d === Math.min(100, c) && c === openTickets,
      counts: (d, c) => `deskctl ${d} (--limit 100), rt ${c}; open in RT: ${openTickets}`,
    },
    {
      name: '(b) every ticket',
      deskctl: [`tickets list --all --status all --fields <rt's>`, () => deskctl('tickets', 'list', '--all', '--status', 'all', '--fields', RT_LS_FIELDS).then((r) => ({ ...r, count: JSON.parse(r.out).length }))],
      rt: ['rt ls "id>0"', () => rt('ls', 'id>0').then((r) => ({ ...r, count: rtListed(r.out) }))],
      agree: (d, c) => d === c && c === total,
      counts: (d, c) => `deskctl ${d}, rt ${c}; tickets in RT: ${total}`,
    },
    {
      name: `(c) one ticket and its conversation (#${showId})`,
      deskctl: [`tickets show ${showId}`, () => deskctl('tickets', 'show', showId).then((r) => ({ ...r, count: JSON.parse(r.out).comments.length }))],
      rt: [
        `rt show ticket/${showId} + rt show ticket/${showId}/history`,
        async () => {
          const a = await rt('show', `ticket/${showId}`);
          const b = await rt('show', `ticket/${showId}/history`);
          return { ms: a.ms + b.ms, cpuMs: (a.cpuMs ?? 0) + (b.cpuMs ?? 0), count: rtMessages(b.out) };
        },
      ],
      agree: (d, c) => d === c && d >= 4,
      counts: (d, c) => `messages: deskctl ${d}, rt ${c}`,
    },
    {
      name: `(d) ${REPLIES} replies`,
      deskctl: [
        `bulk reply -t T --ids <${REPLIES} ids> --yes`,
        () => deskctl('bulk', 'reply', '-t', template(), '--ids', replyIds.join(','), '--yes', '--json').then((r) => ({ ...r, count: JSON.parse(r.out).counts?.sent ?? JSON.parse(r.out).thisRun?.sent })),
      ],
      rt: [
        `sh loop of ${REPLIES} rt correspond -m ... ID`,
        () =>
          timed('sh', ['-c', `for id in ${replyIds.join(' ')}; do rt correspond -m "Hello, run ${run}: your order is on its way (rt)." "$id" || exit 1; done`], rtEnv).then((r) => ({
            ...r,
            count: (r.out.match(/^# Correspondence added/gm) ?? []).length,
          })),
      ],
      agree: (d, c) => d === REPLIES && c === REPLIES,
      counts: (d, c) => `replies sent: deskctl ${d}, rt ${c}`,
      warm: false,
    },
  ];

  const [l1, l5, l15] = loadavg();
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model?.trim() ?? 'cpu'}, Node ${process.version}; load average ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)}`);
  console.log(`reference: ${rtCli} from Debian's rt5-clients (REST 1.0); RT tickets: ${total}, open: ${openTickets}; ${RUNS} runs each, alternating, medians`);
  let failed = false;
  const results = [];
  for (const row of rows.filter((r) => ONLY.includes(r.name[1]))) {
    if (row.warm !== false) {
      await row.deskctl[1]();
      await row.rt[1]();
    }
    const d = [];
    const c = [];
    let dCount;
    let cCount;
    for (let i = 0; i < RUNS; i++) {
      run++;
      const order = i % 2 ? [row.rt, row.deskctl] : [row.deskctl, row.rt];
      for (const [, fn] of order) {
        const r = await fn();
        if (fn === row.deskctl[1]) {
          d.push(r);
          dCount = r.count;
        } else {
          c.push(r);
          cCount = r.count;
        }
      }
    }
    const dm = median(d.map((r) => r.ms));
    const cm = median(c.map((r) => r.ms));
    const dCpu = timeBin ? median(d.map((r) => r.cpuMs)) : undefined;
    const agree = row.agree(dCount, cCount);
    if (!agree) failed = true;
    results.push({ row, dm, cm, dCpu });
    console.log(`\n${row.name}: ${row.counts(dCount, cCount)}${agree ? '' : '  COUNTS DISAGREE'}`);
    console.log(`  deskctl ${row.deskctl[0].padEnd(46)} median ${fmt(dm).padStart(7)}${dCpu !== undefined ? `  (CPU ${fmt(dCpu)})` : ''}  runs: ${d.map((r) => fmt(r.ms)).join(', ')}`);
    console.log(`  ${row.rt[0].padEnd(54)} median ${fmt(cm).padStart(7)}  runs: ${c.map((r) => fmt(r.ms)).join(', ')}`);
    console.log(`  ratio deskctl / rt: ${(dm / cm).toFixed(2)}`);
  }
  const [e1, e5, e15] = loadavg();
  console.log(`\n| RT 5, ${total} tickets | deskctl | rt | ratio |`);
  console.log('|---|---|---|---|');
  for (const { row, dm, cm, dCpu } of results) console.log(`| ${row.name} | ${fmt(dm)}${dCpu !== undefined ? ` (CPU ${fmt(dCpu)})` : ''} | ${fmt(cm)} | ${(dm / cm).toFixed(2)} |`);
  console.log(`load average at the end: ${e1.toFixed(2)} ${e5.toFixed(2)} ${e15.toFixed(2)}`);
  if (failed) process.exitCode = 1;
} finally {
  stop();
}
