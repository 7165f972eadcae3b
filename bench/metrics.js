#!/usr/bin/env node
// Metrics over a real store, as a user runs them: `deskctl metrics summary` (with and without the
// previous period) and `deskctl metrics export --per-ticket` are timed as processes (wall time and peak
// RSS from GNU time) over a local profile built with bench/dataset.js + `deskctl import`, and the same
// summary runs in DuckDB (@duckdb/node-api, in memory) on the same rows read from that profile's SQLite
// file, in the same run: the ratio is printed and deskctl's figures are checked against DuckDB's.
// Goals (issue 14): over 1M tickets, summary with the previous period < 5 s and < 300 MB RSS and within
// 3x of DuckDB; per-ticket export < 300 MB RSS.
//   node bench/metrics.js                 quick: 100k tickets
//   node bench/metrics.js --full          1M tickets (or DESKCTL_BENCH_FULL=1)
//   node bench/metrics.js --tickets 20000 any size; BENCH_RUNS=N runs per command (default 3)
// The dataset and the imported store are cached in $DESKCTL_BENCH_CACHE (default: $TMPDIR/deskctl-bench).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { writeDataset } from './dataset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'deskctl.js');
const { values } = parseArgs({ options: { full: { type: 'boolean', default: false }, tickets: { type: 'string' } } });
const full = values.full || process.env.DESKCTL_BENCH_FULL === '1';
const size = Number(values.tickets ?? (full ? 1_000_000 : 100_000));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const SEED = 42;
const END = '2026-11-27T00:00:00Z';
const TARGETS = { chat: 60, email: 86400, social: 3600, phone: 0, web: 86400 };
const GNU_TIME = '/usr/bin/time';
const cache = process.env.DESKCTL_BENCH_CACHE ?? join(tmpdir(), 'deskctl-bench');
const home = join(cache, `home-${size}-${SEED}`);
const env = { ...process.env, DESKCTL_HOME: home, DESKCTL_NOW: END, NO_COLOR: '1', CI: '1' };
const mb = (kb) => kb / 1024;

/** One process under GNU time: wall seconds, CPU seconds (user + system), peak RSS in KB, stdout. */
function timed(args, { stdout = 'pipe' } = {}) {
  const r = spawnSync(GNU_TIME, ['-f', '@@ %e %U %S %M', process.execPath, bin, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe', 'pipe'] });
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`deskctl ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssKb: Number(m[4]), stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function ensureStore() {
  mkdirSync(cache, { recursive: true });
  const file = join(cache, `tickets-${size}-${SEED}.ndjson`);
  if (!existsSync(file)) {
    const t0 = Date.now();
    const out = createWriteStream(`${file}.part`);
    await writeDataset(out, { tickets: size, seed: SEED, end: END });
    if (!out.writableFinished) await once(out, 'finish');
    renameSync(`${file}.part`, file);
    console.log(`dataset: ${size.toLocaleString('en-US')} tickets (seed ${SEED}) written in ${((Date.now() - t0) / 1000).toFixed(1)} s to ${file}`);
  }
  const done = join(home, '.imported');
  if (!existsSync(done)) {
    const r = timed(['import', file, '--into', 'bench', '--format-in', 'json', '--json']);
    writeFileSync(done, JSON.stringify(r));
    console.log(`deskctl import ${size.toLocaleString('en-US')} tickets: ${r.wall.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU, ${mb(r.rssKb).toFixed(0)} MB peak RSS`);
  }
  return join(home, 'data', 'profiles', 'bench', 'helpdesk.db');
}

/** The raw rows of the profile's SQLite file into DuckDB tables (times in epoch ms). Reply counts from the comments themselves. */
async function loadDuckDb(dbFile) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: String(cpus().length) });
  const con = await instance.connect();
  await con.run(`CREATE TABLE tickets (id INTEGER, status VARCHAR, channel VARCHAR, created DOUBLE, fr DOUBLE, solved_at DOUBLE, updated DOUBLE, reopens INTEGER, replies INTEGER)`);
  await con.run(`CREATE TABLE ratings (ticket_id INTEGER, kind VARCHAR, score DOUBLE, smin DOUBLE, smax DOUBLE, created DOUBLE)`);
  const sqlite = new Database(dbFile, { readonly: true });
  const t = (iso) => (iso == null ? null : Date.parse(iso));
  const add = (app, v, kind) => (v == null ? app.appendNull() : kind === 'i' ? app.appendInteger(v) : kind === 'd' ? app.appendDouble(v) : app.appendVarchar(v));
  let app = await con.createAppender('tickets');
  const rows = sqlite.prepare(
    `SELECT t.id, t.status, t.channel, t.created_at, t.first_response_at, t.solved_at, t.updated_at, t.reopen_count,
            coalesce(c.n, 0) AS replies
       FROM tickets t LEFT JOIN (SELECT ticket_id, count(*) AS n FROM comments WHERE author_role = 'agent' AND public = 1 GROUP BY ticket_id) c ON c.ticket_id = t.id`,
  );
  for (const r of rows.iterate()) {
    [[r.id, 'i'], [r.status, 's'], [r.channel, 's'], [t(r.created_at), 'd'], [t(r.first_response_at), 'd'], [t(r.solved_at), 'd'], [t(r.updated_at), 'd'], [r.reopen_count, 'i'], [r.replies, 'i']].forEach(([v, k]) => add(app, v, k));
    app.endRow();
  }
  app.closeSync();
  app = await con.createAppender('ratings');
  for (const r of sqlite.prepare(`SELECT ticket_id, kind, score, scale_min, scale_max, created_at FROM ratings`).iterate()) {
    [[r.ticket_id, 'i'], [r.kind, 's'], [r.score, 'd'], [r.scale_min, 'd'], [r.scale_max, 'd'], [t(r.created_at), 'd']].forEach(([v, k]) => add(app, v, k));
    app.endRow();
  }
  app.closeSync();
  sqlite.close();
  return con;
}

/** The summary of docs/metrics.md in DuckDB, for the period and the previous one (each judged as of its end). */
function duckSummarySql(since, until, now) {
  const len = until - since;
  const targets = Object.entries(TARGETS).map(([ch, s]) => `('${ch}', ${s})`).join(', ');
  return `
    WITH p(name, s, u) AS (VALUES ('current', ${since}, ${until}), ('previous', ${since - len}, ${since})),
    tg(channel, target) AS (VALUES ${targets}),
    tk AS (SELECT *, CASE WHEN status IN ('solved', 'closed') THEN coalesce(solved_at, updated, created) END AS solved FROM tickets),
    created AS (
      SELECT p.name, tk.channel, tk.created, least(p.u, ${now}) AS e, tg.target,
             CASE WHEN tk.fr < least(p.u, ${now}) THEN (tk.fr - tk.created) / 1000.0 END AS frt
        FROM p JOIN tk ON tk.created >= p.s AND tk.created < p.u LEFT JOIN tg ON tg.channel = tk.channel),
    c AS (
      SELECT name, count(*) AS created, count(frt) AS frt_n,
             list_sort(list(greatest(frt, 0)) FILTER (WHERE frt IS NOT NULL)) AS frts
        FROM created GROUP BY name),
    sla AS (
      SELECT name, channel,
             count(*) FILTER (WHERE frt IS NOT NULL AND frt <= target) AS met,
             count(*) FILTER (WHERE (frt IS NOT NULL AND frt > target) OR (frt IS NULL AND (e - created) / 1000.0 > target)) AS missed
        FROM created WHERE target IS NOT NULL GROUP BY name, channel),
    s AS (
      SELECT p.name, count(*) AS solved, count(*) FILTER (WHERE replies = 1 AND reopens = 0) AS fcr_yes
        FROM p JOIN tk ON tk.solved >= p.s AND tk.solved < p.u GROUP BY p.name),
    b AS (SELECT p.name, count(*) AS backlog FROM p JOIN tk ON tk.created < p.u AND (tk.solved IS NULL OR tk.solved >= p.u) GROUP BY p.name),
    r AS (
      SELECT p.name, rt.kind, rt.score,
             CASE WHEN smax > smin THEN (score - smin) / (smax - smin) WHEN score >= smax THEN 1.0 ELSE 0.0 END AS pos,
             CASE WHEN smin = 0 AND smax = 10 THEN score ELSE (CASE WHEN smax > smin THEN (score - smin) / (smax - smin) WHEN score >= smax THEN 1.0 ELSE 0.0 END) * 10 END AS nps,
             CASE WHEN smin = 1 AND smax = 7 THEN score ELSE 1 + (CASE WHEN smax > smin THEN (score - smin) / (smax - smin) WHEN score >= smax THEN 1.0 ELSE 0.0 END) * 6 END AS ces
        FROM p JOIN ratings rt ON rt.created >= p.s AND rt.created < p.u SEMI JOIN tickets t ON t.id = rt.ticket_id),
    ra AS (
      SELECT name,
             100.0 * count(*) FILTER (WHERE kind = 'csat' AND pos >= 0.75 - 1e-9) / nullif(count(*) FILTER (WHERE kind = 'csat'), 0) AS csat,
             100.0 * (count(*) FILTER (WHERE kind = 'nps' AND nps >= 9) - count(*) FILTER (WHERE kind = 'nps' AND nps <= 6)) / nullif(count(*) FILTER (WHERE kind = 'nps'), 0) AS nps,
             avg(ces) FILTER (WHERE kind = 'ces') AS ces
        FROM r GROUP BY name)
    SELECT p.name, c.created, s.solved, b.backlog, 100.0 * s.fcr_yes / nullif(s.solved, 0) AS fcr,
           c.frt_n, c.frts[CAST(ceil(0.5 * c.frt_n) AS INTEGER)] AS frt_median, c.frts[CAST(ceil(0.9 * c.frt_n) AS INTEGER)] AS frt_p90,
           ra.csat, ra.nps, ra.ces,
           (SELECT map(list(channel), list(100.0 * met / nullif(met + missed, 0))) FROM sla WHERE sla.name = p.name) AS sla
      FROM p LEFT JOIN c USING (name) LEFT JOIN s USING (name) LEFT JOIN b USING (name) LEFT JOIN ra USING (name)`;
}

/** deskctl's JSON figures in the shape of the DuckDB rows. */
function deskctlFigures(m) {
  return {
    created: m.volume.created,
    solved: m.volume.solved,
    backlog: m.volume.backlog,
    fcr: m.fcr.value,
    frt_n: m.firstResponse.n,
    frt_median: m.firstResponse.median,
    frt_p90: m.firstResponse.p90,
    csat: m.csat.value,
    nps: m.nps.value,
    ces: m.ces.value,
    sla: Object.fromEntries(Object.keys(TARGETS).map((ch) => [ch, m.sla.byChannel[ch]?.value ?? null])),
  };
}

function differences(ours, duck, label) {
  const out = [];
  const same = (a, b) => (a == null && b == null) || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
  for (const [k, v] of Object.entries(ours)) {
    if (k === 'sla') {
      for (const [ch, x] of Object.entries(v)) if (!same(x, duck.sla[ch] ?? null)) out.push(`${label} sla ${ch}: deskctl ${x} duckdb ${duck.sla[ch]}`);
    } else if (!same(v, duck[k])) out.push(`${label} ${k}: deskctl ${v} duckdb ${duck[k]}`);
  }
  return out;
}

const num = (v) => (typeof v === 'bigint' ? Number(v) : v);

async function main() {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed for peak RSS: apt-get install time`);
  const dbFile = await ensureStore();
  const common = ['--profile', 'bench', '--since', '30d'];
  const cases = [
    { label: 'metrics summary --since 30d (with previous period)', args: ['metrics', 'summary', ...common, '--json'], goalS: 5, goalMb: 300, duck: true },
    { label: 'metrics summary --since 30d --no-compare', args: ['metrics', 'summary', ...common, '--no-compare', '--json'] },
    { label: 'metrics export --since 30d --per-ticket (csv to /dev/null)', args: ['metrics', 'export', ...common, '--per-ticket', '--format', 'csv'], stdout: 'null', goalMb: 300 },
  ];
  const now = Date.parse(END);
  const since = now - 30 * 86_400_000;
  // untimed: applies the schema migrations a store imported by an older deskctl may lack, and warms the OS page cache
  timed(['metrics', 'summary', ...common, '--json']);

  const t0 = Date.now();
  const con = await loadDuckDb(dbFile);
  console.log(`duckdb: rows of ${dbFile} loaded in memory in ${((Date.now() - t0) / 1000).toFixed(1)} s (not timed below)`);
  const sql = duckSummarySql(since, now, now);
  const duckTimes = [];
  const duckCpu = [];
  let duckRows;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const c0 = process.cpuUsage();
    duckRows = (await con.runAndReadAll(sql)).getRowObjectsJS();
    const c = process.cpuUsage(c0);
    duckTimes.push((performance.now() - s) / 1000);
    duckCpu.push((c.user + c.system) / 1e6);
  }
  const duck = Object.fromEntries(
    duckRows.map((r) => [r.name, { ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, num(v)])), sla: Object.fromEntries((r.sla ?? []).map(({ key, value }) => [key, value])) }]),
  );
  const duckS = median(duckTimes);
  const duckCpuS = median(duckCpu);

  console.log(`\n${size.toLocaleString('en-US')} tickets, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, median of ${runs} runs, DESKCTL_NOW=${END}`);
  console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (wall times stretch on a busy machine; CPU = user + system)`);
  console.log(`${'command'.padEnd(62)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(6)} ${'RSS MB'.padStart(7)} ${'duckdb wall/CPU s'.padStart(18)} ${'ratio wall/CPU'.padStart(15)}  goals`);
  let missed = 0;
  let wrong = [];
  for (const c of cases) {
    const res = [];
    for (let i = 0; i < runs; i++) res.push(timed(c.args, { stdout: c.stdout }));
    const wall = median(res.map((r) => r.wall));
    const cpu = median(res.map((r) => r.cpu));
    const rss = mb(Math.max(...res.map((r) => r.rssKb)));
    const ratio = c.duck ? wall / duckS : null;
    const goals = [];
    if (c.goalS) goals.push(`<${c.goalS} s ${wall < c.goalS ? 'ok' : 'MISSED'}`);
    if (c.goalMb) goals.push(`<${c.goalMb} MB ${rss < c.goalMb ? 'ok' : 'MISSED'}`);
    if (c.duck) goals.push(`<=3x duckdb ${ratio <= 3 ? 'ok' : 'MISSED'}`);
    missed += goals.filter((g) => g.endsWith('MISSED')).length;
    const duckCol = c.duck ? `${duckS.toFixed(2)} / ${duckCpuS.toFixed(2)}` : '';
    const ratioCol = c.duck ? `${ratio.toFixed(2)} / ${(cpu / duckCpuS).toFixed(2)}` : '';
    console.log(`deskctl ${c.label.padEnd(54)} ${wall.toFixed(2).padStart(7)} ${cpu.toFixed(2).padStart(6)} ${rss.toFixed(0).padStart(7)} ${duckCol.padStart(18)} ${ratioCol.padStart(15)}  ${goals.join(', ')}`);
    if (c.duck) {
      const out = JSON.parse(res[0].stdout);
      wrong = [...differences(deskctlFigures(out.metrics), duck.current, 'current'), ...differences(deskctlFigures(out.previous), duck.previous, 'previous')];
    }
  }
  const cur = duck.current;
  console.log(
    `\nfigures (current period, DuckDB = deskctl): created ${cur.created}, solved ${cur.solved}, backlog ${cur.backlog}, FCR ${cur.fcr?.toFixed(2)}%, ` +
      `first response median ${cur.frt_median?.toFixed(0)} s p90 ${cur.frt_p90?.toFixed(0)} s, CSAT ${cur.csat?.toFixed(2)}%, NPS ${cur.nps?.toFixed(1)}, CES ${cur.ces?.toFixed(2)}, ` +
      `SLA ${Object.entries(cur.sla).map(([ch, v]) => `${ch} ${v?.toFixed(1)}%`).join(' ')}`,
  );
  if (wrong.length) console.log(`deskctl's summary differs from DuckDB's:\n  ${wrong.join('\n  ')}`);
  else console.log('deskctl summary = DuckDB summary on every figure (CSAT, NPS, CES, FCR, first response median/p90, SLA per channel, volume), both periods');
  console.log(missed ? `${missed} goal(s) missed` : 'metrics goals met');
  con.closeSync();
  process.exitCode = wrong.length ? 1 : 0;
}

await main();
