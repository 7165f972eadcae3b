#!/usr/bin/env node
// `deskctl --version` answers without loading the CLI: scripts call it often.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // `deskctl ... | head` closes the pipe early: stop quietly, as other CLIs do.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { run } = await import('../dist/src/cli.js');
  process.exitCode = await run(process.argv);
}
