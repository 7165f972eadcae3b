#!/usr/bin/env node
// deskctl vs RT's own command-line client on the same real Request Tracker and the same tickets.
//
// Starts a fresh RT 5 with scripts/start-rt.sh on a free port (or uses RT_URL with user root /
// password "password" when set), seeds TICKETS tickets through REST2 (every third gets an agent reply),
// then times, alternately and RUNS times each:
//   deskctl tickets list --all --json          (REST2: ticket search with fields= + one transaction search per page,
//                                               so firstResponseAt/reopenCount/reply counts come with every ticket)
//   rt ls -t ticket -f id,subject,status "id>0" (rt5-clients, REST 1.0; RTSERVER/RTUSER/RTPASSWD in the environment)
// and prints the median wall time of each, the ratio deskctl/rt, and the ticket counts (they must agree).
// Each command runs once before timing (deskctl keeps its RT session between runs, like a user's second call).
//
// Usage: node bench/rt.js [--tickets 60] [--runs 5]     (build first: npx tsc -p .)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const startScript = resolve(root, 'scripts', 'start-rt.sh');
const bin = join(root, 'bin', 'deskctl.js');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TICKETS = arg('--tickets', 60);
const RUNS = arg('--runs', 5);

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const rtCli = spawnSync('sh', ['-c', 'command -v rt'], { encoding: 'utf8' }).stdout.trim();

let state;
let url = process.env.RT_URL;
if (!url) {
  if (!existsSync(startScript)) {
    console.log(`bench/rt: skipped: ${startScript} is missing`);
    process.exit(0);
  }
  state = mkdtempSync(join(tmpdir(), 'deskctl-rt-bench-'));
  const port = await freePort();
  const t0 = Date.now();
  const r = spawnSync('bash', [startScript, String(port), state], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`bench/rt: skipped: RT did not start: ${(r.stderr || r.stdout).trim()}`);
    rmSync(state, { recursive: true, force: true });
    process.exit(0);
  }
  url = r.stdout.trim().split('\n').pop();
  console.log(`RT started at ${url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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

try {
  // seed through REST2 with a web session (one password check for the whole seeding)
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
    const res = await fetch(`${url}/REST/2.0${path}`, { method, headers, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
    return JSON.parse(text);
  };
  const existing = await api('GET', '/tickets?query=id>0&per_page=1');
  const toCreate = Math.max(0, TICKETS - Number(existing.total ?? 0));
  const t1 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < toCreate) {
        const i = next++;
        const { id } = await api('POST', '/ticket', {
          Queue: 'General',
          Subject: `Bench ticket ${i + 1}: order ${10_000 + i} has not arrived`,
          Requestor: `customer${i % 17}@example.com`,
          Content: `Hello, my order ${10_000 + i} has not arrived yet.`,
          Priority: (i * 37) % 101,
        });
        if (i % 3 === 0) await api('POST', `/ticket/${id}/correspond`, { Content: 'We are looking into it.', ContentType: 'text/plain' });
      }
    }),
  );
  if (toCreate) console.log(`seeded ${toCreate} tickets in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

  const env = { ...process.env, DESKCTL_HOME: home, NO_COLOR: '1', RT_BENCH_PASSWORD: 'password' };
  delete env.DESKCTL_PROFILE;
  const add = spawnSync(process.execPath, [bin, 'profile', 'add', 'rt', '--name', 'bench', '--url', url, '--user', 'root', '--password-env', 'RT_BENCH_PASSWORD', '--use'], { env, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`profile add failed: ${add.stderr}`);

  const timed = (cmd, argv, childEnv) =>
    new Promise((res, rej) => {
      const t = process.hrtime.bigint();
      const child = spawn(cmd, argv, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', rej);
      child.on('close', (code) => {
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        if (code !== 0) rej(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err}`));
        else res({ ms, out });
      });
    });

  const deskctl = () => timed(process.execPath, [bin, 'tickets', 'list', '--all', '--json'], env).then((r) => ({ ms: r.ms, count: JSON.parse(r.out).length }));
  const rtHome = mkdtempSync(join(home, 'rt-'));
  const rtEnv = { ...process.env, HOME: rtHome, RTSERVER: url, RTUSER: 'root', RTPASSWD: 'password' };
  const rtLs = rtCli
    ? () => timed(rtCli, ['ls', '-t', 'ticket', '-f', 'id,subject,status', 'id>0'], rtEnv).then((r) => ({ ms: r.ms, count: r.out.trim().split('\n').filter((l) => /^\d+\t/.test(l)).length }))
    : undefined;

  await deskctl();
  if (rtLs) await rtLs();
  const d = [];
  const c = [];
  let dCount = 0;
  let cCount = 0;
  for (let i = 0; i < RUNS; i++) {
    const a = await deskctl();
    d.push(a.ms);
    dCount = a.count;
    if (rtLs) {
      const b = await rtLs();
      c.push(b.ms);
      cCount = b.count;
    }
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`tickets: deskctl ${dCount}${rtLs ? `, rt ${cCount}${dCount === cCount ? ' (same)' : ' (DIFFERENT!)'}` : ''}`);
  console.log(`deskctl tickets list --all --json      median ${fmt(median(d))}  (runs: ${d.map(fmt).join(', ')})`);
  if (rtLs) {
    console.log(`rt ls -t ticket -f id,subject,status   median ${fmt(median(c))}  (runs: ${c.map(fmt).join(', ')})`);
    console.log(`ratio deskctl / rt: ${(median(d) / median(c)).toFixed(2)}`);
  } else {
    console.log('rt (rt5-clients) is not installed: no comparison');
  }
} finally {
  stop();
}
