#!/usr/bin/env node
// Metrics over a real store, as a user runs them: `deskctl metrics summary` (with and without the
// previous period) and `deskctl metrics export --per-ticket` are timed as processes (wall time, CPU and
// peak RSS from GNU time) over a local profile built with bench/dataset.js + `deskctl import`, and the same
// summary (every figure deskctl prints, both periods) runs in DuckDB (@duckdb/node-api) on the same rows
// read from that profile's SQLite file, in the same run, two ways: its query alone on data already in its
// memory, and a whole process (node, open a DuckDB file of those rows, query, print). The ratios to both
// are printed, the goal is checked against the query alone, and every figure is checked against DuckDB's.
// Goals (issue 14): over 1M tickets, summary with the previous period < 5 s and < 300 MB RSS and within
// 3x of DuckDB; per-ticket export < 300 MB RSS.
//   node bench/metrics.js                 quick: 100k tickets
//   node bench/metrics.js --full          1M tickets (or DESKCTL_BENCH_FULL=1)
//   node bench/metrics.js --tickets 20000 any size; BENCH_RUNS=N runs per command (default 3)
// The dataset, the imported store and its DuckDB copy are cached in $DESKCTL_BENCH_CACHE (default:
// $TMPDIR/deskctl-bench).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deskctlFigures, differences, duckFigures, duckSummarySql, loadDuckDb, SLA_TARGETS } from './_duckdb-summary.js';
import { writeDataset } from './dataset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'deskctl.js');
const { values } = parseArgs({ options: { full: { type: 'boolean', default: false }, tickets: { type: 'string' } } });
const full = values.full || process.env.DESKCTL_BENCH_FULL === '1';
const size = Number(values.tickets ?? (full ? 1_000_000 : 100_000));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const SEED = 42;
const END = '2026-11-27T00:00:00Z';
const GNU_TIME = '/usr/bin/time';
const cache = process.env.DESKCTL_BENCH_CACHE ?? join(tmpdir(), 'deskctl-bench');
const home = join(cache, `home-${size}-${SEED}`);
const env = { ...process.env, DESKCTL_HOME: home, DESKCTL_NOW: END, NO_COLOR: '1', CI: '1' };
const mb = (kb) => kb / 1024;

/** One process under GNU time: wall seconds, CPU seconds (user + system), peak RSS in KB, stdout. */
function timedProcess(argv, { stdout = 'pipe' } = {}) {
  const r = spawnSync(GNU_TIME, ['-f', '@@ %e %U %S %M', process.execPath, ...argv], { env, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe', 'pipe'] });
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssKb: Number(m[4]), stdout: r.stdout };
}
const timed = (args, opts) => timedProcess([bin, ...args], opts);

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

/** The profile's rows in a DuckDB file next to it (written once, untimed; a re-import removes the home and it). */
async function ensureDuckDb(dbFile) {
  const file = join(home, 'summary.duckdb');
  if (!existsSync(file)) {
    const t0 = Date.now();
    const { instance, con } = await loadDuckDb(dbFile, `${file}.part`);
    con.closeSync();
    instance.closeSync?.();
    renameSync(`${file}.part`, file);
    console.log(`duckdb: rows of ${dbFile} written to ${file} in ${((Date.now() - t0) / 1000).toFixed(1)} s (not timed)`);
  }
  return file;
}

const secs = (ms) => ms / 1000;

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

  // DuckDB, two ways, on the same rows: its query alone on data already in its memory (in this process,
  // after one untimed run), and a whole process like deskctl's (node, @duckdb/node-api, open the file, query, print)
  const duckFile = await ensureDuckDb(dbFile);
  const duckArgs = [join(root, 'bench', '_duckdb-summary.js'), duckFile, String(since), String(now), String(now)];
  timedProcess(duckArgs); // untimed: warms the OS page cache as deskctl's warm-up run does
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(duckFile, { access_mode: 'READ_ONLY', threads: String(cpus().length) });
  const con = await instance.connect();
  const sql = duckSummarySql(since, now, now);
  await con.runAndReadAll(sql);
  const query = [];
  const processes = [];
  let duckRows;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const c0 = process.cpuUsage();
    duckRows = (await con.runAndReadAll(sql)).getRowObjectsJS();
    const c = process.cpuUsage(c0);
    query.push({ wall: secs(performance.now() - s), cpu: (c.user + c.system) / 1e6 });
    processes.push(timedProcess(duckArgs));
  }
  con.closeSync();
  const duck = duckFigures(duckRows);
  const fromProcess = JSON.parse(processes[0].stdout);
  const stats = (res) => ({ wall: median(res.map((r) => r.wall)), cpu: median(res.map((r) => r.cpu)), rss: res[0].rssKb ? mb(Math.max(...res.map((r) => r.rssKb))) : null });
  const dq = stats(query);
  const dp = stats(processes);

  const duckVersion = JSON.parse(readFileSync(join(root, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8')).version;
  console.log(`\n${size.toLocaleString('en-US')} tickets, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, @duckdb/node-api ${duckVersion}, median of ${runs} runs, DESKCTL_NOW=${END}, ${new Date().toISOString()}`);
  console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (wall times stretch on a busy machine; CPU = user + system)`);
  console.log(`deskctl: the whole process (node start, the CLI, opening the SQLite file, the queries, JSON on stdout), from GNU time.`);
  console.log(`duckdb query: the same summary (every figure deskctl prints, both periods) as one query on the same rows, already in DuckDB's memory, ${cpus().length} threads; process CPU around the query.`);
  console.log(`duckdb process: node + @duckdb/node-api opening the same rows from a DuckDB file, running that query once and printing it (bench/_duckdb-summary.js), from GNU time.`);
  const row = (label, r, extra = '') => console.log(`${label.padEnd(70)} ${r.wall.toFixed(2).padStart(7)} ${r.cpu.toFixed(2).padStart(6)} ${(r.rss == null ? '' : r.rss.toFixed(0)).padStart(7)}  ${extra}`);
  console.log(`\n${''.padEnd(70)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(6)} ${'RSS MB'.padStart(7)}`);
  row('duckdb query: summary 30d + previous period (in memory)', dq);
  row('duckdb process: summary 30d + previous period (open file, query, print)', dp);
  let missed = 0;
  let wrong = [];
  for (const c of cases) {
    const res = [];
    for (let i = 0; i < runs; i++) res.push(timed(c.args, { stdout: c.stdout }));
    const r = stats(res);
    const goals = [];
    if (c.goalS) goals.push(`<${c.goalS} s ${r.wall < c.goalS ? 'ok' : 'MISSED'}`);
    if (c.goalMb) goals.push(`<${c.goalMb} MB ${r.rss < c.goalMb ? 'ok' : 'MISSED'}`);
    let ratios = '';
    if (c.duck) {
      const q = { wall: r.wall / dq.wall, cpu: r.cpu / dq.cpu };
      const p = { wall: r.wall / dp.wall, cpu: r.cpu / dp.cpu };
      // the goal is checked against the stricter reference: DuckDB's query alone
      goals.push(`<=3x duckdb query ${q.wall <= 3 && q.cpu <= 3 ? 'ok' : 'MISSED'}`);
      ratios = `x duckdb query ${q.wall.toFixed(2)} wall / ${q.cpu.toFixed(2)} CPU; x duckdb process ${p.wall.toFixed(2)} / ${p.cpu.toFixed(2)}`;
      const out = JSON.parse(res[0].stdout);
      wrong = [
        ...differences(deskctlFigures(out.metrics), duck.current, 'current'),
        ...differences(deskctlFigures(out.previous), duck.previous, 'previous'),
        ...differences(fromProcess.current, duck.current, 'duckdb process current'),
      ];
    }
    missed += goals.filter((g) => g.endsWith('MISSED')).length;
    row(`deskctl ${c.label}`, r, [ratios, goals.join(', ')].filter(Boolean).join('  '));
  }
  const cur = duck.current;
  console.log(
    `\nfigures (current period, DuckDB = deskctl): created ${cur.created}, solved ${cur.solved}, backlog ${cur.backlog}, FCR ${cur.fcr?.toFixed(2)}%, ` +
      `first response median ${cur.frt_median?.toFixed(0)} s p90 ${cur.frt_p90?.toFixed(0)} s, resolution median ${cur.res_median?.toFixed(0)} s p90 ${cur.res_p90?.toFixed(0)} s, ` +
      `reopen rate ${cur.reopen_rate?.toFixed(2)}%, CSAT ${cur.csat?.toFixed(2)}%, NPS ${cur.nps?.toFixed(1)}, CES ${cur.ces?.toFixed(2)}, ` +
      `SLA ${cur.sla?.toFixed(1)}% (${Object.entries(cur.sla_by_channel).map(([ch, v]) => `${ch} ${v?.toFixed(1)}%`).join(' ')})`,
  );
  const compared = Object.keys(cur).length - 1 + Object.keys(SLA_TARGETS).length;
  if (wrong.length) console.log(`deskctl's summary differs from DuckDB's:\n  ${wrong.join('\n  ')}`);
  else console.log(`deskctl summary = DuckDB summary on all ${compared} figures (volume, first response n/median/p90/mean, SLA met/missed/pending and per channel, FCR, resolution n/median/p90/mean, reopens, backlog, CSAT, NPS, CES), both periods`);
  console.log(missed ? `${missed} goal(s) missed` : 'metrics goals met');
  process.exitCode = wrong.length ? 1 : 0;
}

await main();
