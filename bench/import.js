#!/usr/bin/env node
// Times `deskctl import` of the seeded realistic dataset (bench/dataset.js) as a user runs it: a process,
// a fresh DESKCTL_HOME, the real SQLite store. Peak RSS from /proc/PID/status (VmHWM), polled.
//   node bench/import.js            quick: 100k tickets
//   node bench/import.js --full     also 1M tickets (or BENCH_FULL=1); goal: under 2 min and 400 MB
// Datasets are cached in $DESKCTL_BENCH_DIR (default: the system temp dir), built once per size and seed.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDataset } from './dataset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'deskctl.js');
const full = process.argv.includes('--full') || process.env.BENCH_FULL === '1';
const sizes = full ? [100_000, 1_000_000] : [100_000];
const SEED = 42;
/** USER_HZ: /proc times are in 1/100 s on Linux. */
const CLOCK_TICKS = 100;
const GOALS = { 1_000_000: { seconds: 120, rssMb: 400 } };
const cacheDir = process.env.DESKCTL_BENCH_DIR ?? join(tmpdir(), 'deskctl-bench');

/** The dataset file for a size, generated once (atomically: a half-written file is never reused). */
export async function datasetFile(tickets) {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `tickets-${tickets}-seed${SEED}.ndjson`);
  if (!existsSync(file)) {
    const t0 = Date.now();
    const tmp = `${file}.${process.pid}.tmp`;
    await writeDataset(createWriteStream(tmp), { tickets, seed: SEED });
    renameSync(tmp, file);
    console.log(`generated ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return file;
}

/** Runs a command to completion, sampling its peak RSS (VmHWM) every 50 ms. */
export function runMeasured(args, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let cpuTicks = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // utime + stime (fields 14 and 15, after the parenthesised command name): CPU used so far
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Number(fields[11]) + Number(fields[12]);
      } catch {
        /* exited between samples */
      }
    };
    const timer = setInterval(sample, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ code, seconds, cpuSeconds: cpuTicks / CLOCK_TICKS, peakMb: peakKb / 1024, stdout, stderr });
    });
  });
}

const fmt = (n) => n.toLocaleString('en-US');
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0].toFixed(1)}; ${full ? 'full' : 'quick (--full for 1M)'}`);
let failed = false;
for (const tickets of sizes) {
  const file = await datasetFile(tickets);
  const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-import-'));
  try {
    const r = await runMeasured([bin, 'import', file, '--into', 'bench', '--json'], { DESKCTL_HOME: home, NO_COLOR: '1' });
    if (r.code !== 0) {
      console.log(`import ${fmt(tickets)}: FAILED (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1)}`);
      failed = true;
      continue;
    }
    const result = JSON.parse(r.stdout);
    const goal = GOALS[tickets];
    const verdict = goal ? ` [goal < ${goal.seconds} s, < ${goal.rssMb} MB: ${r.seconds < goal.seconds && r.peakMb < goal.rssMb ? 'met' : 'NOT met'}]` : '';
    console.log(
      `deskctl import ${fmt(tickets)} tickets (${fmt(result.comments)} messages, ${fmt(result.ratings)} ratings, ${fmt(result.people)} people): ` +
        `${r.seconds.toFixed(1)} s (${r.cpuSeconds.toFixed(1)} s CPU), ${fmt(Math.round(tickets / r.seconds))} tickets/s, peak RSS ${r.peakMb.toFixed(0)} MB${verdict}`,
    );
    if (result.imported !== tickets) {
      console.log(`  imported ${result.imported}, expected ${tickets}`);
      failed = true;
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
process.exitCode = failed ? 1 : 0;
