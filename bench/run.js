#!/usr/bin/env node
// Runs the benchmarks under bench/ one after another: `npm run bench` (all) or `npm run bench -- startup metrics`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// run.js itself and dataset.js (the generator the benchmarks call) are not benchmarks
const NOT_BENCHMARKS = new Set(['run.js', 'dataset.js']);
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !NOT_BENCHMARKS.has(f) && !f.startsWith('_'))
  .map((f) => f.replace(/\.js$/, ''))
  .sort();
const chosen = wanted.length ? wanted : all;
let failed = 0;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`bench: no benchmark '${name}' (have: ${all.join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n=== bench/${name} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
