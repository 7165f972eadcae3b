#!/usr/bin/env node
// CommonJS (bin/package.json): an ES module entry would start Node's ES module loader on every run.
'use strict';

async function main() {
  // `deskctl --version` answers without loading the CLI: scripts call it often.
  if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
    process.stdout.write(`${require('../package.json').version}\n`);
  } else if (process.argv[2] === '__complete') {
    // values for shell completion, on every Tab: without loading the CLI or any helpdesk's code
    const { runComplete } = await import('../dist/src/completion/dynamic.js');
    process.exitCode = await runComplete(process.argv.slice(3));
  } else {
    // `| head` closing the pipe ends quietly with 0; a full disk or a closed stdout is one line and exit 1.
    const { existsSync } = require('node:fs');
    const { join } = require('node:path');
    // the bundle (npm run build) when it is there; the per-module build otherwise
    const bundle = join(__dirname, '..', 'dist', 'deskctl.cjs');
    const { guardStdout, run } = existsSync(bundle) ? require('./compile-cache.js').loadWithCompileCache(bundle) : await import('../dist/src/cli.js');
    guardStdout();
    process.exitCode = await run(process.argv);
  }
}

main();
