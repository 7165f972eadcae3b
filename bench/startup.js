#!/usr/bin/env node
// Start-up of the real executable, side by side with `node -e 0` in the same run: each case is a new
// process, run alternately with the baseline, and the CPU time (user + system) and wall
// time of each are compared as medians. Goals (issue 15): `--version` <= 1.2x and
// `tickets list --limit 30 --json` on the embedded demo <= 2x the baseline's CPU.
//   node bench/startup.js            (BENCH_RUNS=N, default 21)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'deskctl.js');
const runs = Number(process.env.BENCH_RUNS ?? 21);
const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-'));
// a compile cache of the bench's own, filled by the first run as a user's first run fills theirs
const env = { ...process.env, DESKCTL_HOME: home, DESKCTL_CACHE_DIR: join(home, 'cache'), NO_COLOR: '1' };
const GNU_TIME = '/usr/bin/time';

/** One process: wall ms and CPU ms (user + system, from getrusage through bash's `time`, to the ms). */
function once(argv) {
  const script = 'TIMEFORMAT="@@ %3U %3S"; time "$@" >/dev/null';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script, 'bench', ...argv], { env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /@@ ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

/** Peak RSS in MB of one run, where GNU time is installed. */
function peakRss(argv) {
  if (!existsSync(GNU_TIME)) return NaN;
  const r = spawnSync(GNU_TIME, ['-f', '@@ %M', ...argv], { env, encoding: 'utf8' });
  const m = /@@ (\d+)\s*$/.exec(r.stderr);
  return m ? Number(m[1]) / 1024 : NaN;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const BASELINE = [process.execPath, '-e', '0'];
const cases = [
  { label: 'deskctl --version', args: ['--version'], goal: 1.2 },
  { label: 'deskctl --help', args: ['--help'] },
  { label: 'deskctl tickets list --limit 30 --json', args: ['tickets', 'list', '--limit', '30', '--json'], goal: 2 },
  // what a completion script runs on every Tab (docs/shell.md)
  { label: 'deskctl __complete templates', args: ['__complete', 'templates'] },
  { label: 'deskctl __complete agents', args: ['__complete', 'agents'] },
];

try {
  once([process.execPath, bin, 'demo', '--json']);
  // a first run fills the compile cache, as any user's first run does
  for (const c of cases) once([process.execPath, bin, ...c.args]);
  console.log(`start-up, median of ${runs} runs each, alternating with the baseline (${process.execPath} -e 0); CPU = user + system`);
  console.log(`${'command'.padEnd(40)} ${'CPU ms'.padStart(8)} ${'base'.padStart(6)} ${'ratio'.padStart(6)} ${'goal'.padStart(5)} ${'wall ms'.padStart(8)} ${'RSS MB'.padStart(7)}`);
  let missed = 0;
  for (const c of cases) {
    const mine = [];
    const base = [];
    for (let i = 0; i < runs; i++) {
      base.push(once(BASELINE));
      mine.push(once([process.execPath, bin, ...c.args]));
    }
    const m = median(mine.map((x) => x.cpu));
    const b = median(base.map((x) => x.cpu));
    const ratio = m / b;
    if (c.goal && ratio > c.goal) missed++;
    console.log(
      `${c.label.padEnd(40)} ${m.toFixed(0).padStart(8)} ${b.toFixed(0).padStart(6)} ${ratio.toFixed(2).padStart(6)} ${(c.goal ? `${c.goal}x` : '').padStart(5)} ${median(mine.map((x) => x.wall)).toFixed(0).padStart(8)} ${peakRss([process.execPath, bin, ...c.args]).toFixed(0).padStart(7)}`,
    );
  }
  console.log(missed ? `${missed} start-up goal(s) missed` : 'start-up goals met');
} finally {
  rmSync(home, { recursive: true, force: true });
}
