#!/usr/bin/env node
// Cold-start time of the real executable: median of N runs of `deskctl --version`, `--help`
// and `tickets list --limit 20` on the embedded demo helpdesk (each run a new node process).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'deskctl.js');
const runs = Number(process.env.BENCH_RUNS ?? 20);
const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-'));
const env = { ...process.env, DESKCTL_HOME: home, NO_COLOR: '1' };

const once = (args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`deskctl ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  once(['demo']);
  const cases = [
    ['node -e 0 (baseline)', null],
    ['deskctl --version', ['--version']],
    ['deskctl --help', ['--help']],
    ['deskctl tickets list --limit 20', ['tickets', 'list', '--limit', '20', '--json']],
  ];
  console.log(`median of ${runs} cold starts (ms)`);
  for (const [label, args] of cases) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      if (args) times.push(once(args));
      else {
        const t0 = process.hrtime.bigint();
        spawnSync(process.execPath, ['-e', '0']);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    console.log(`${label.padEnd(36)} ${median(times).toFixed(1).padStart(7)}   (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
