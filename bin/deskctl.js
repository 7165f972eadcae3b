#!/usr/bin/env node
// `deskctl --version` answers without loading the CLI: scripts call it often.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else if (process.argv[2] === '__complete') {
  // values for shell completion, on every Tab: without loading the CLI or any helpdesk's code
  const { runComplete } = await import('../dist/src/completion/dynamic.js');
  process.exitCode = await runComplete(process.argv.slice(3));
} else {
  // `| head` closing the pipe ends quietly with 0; a full disk or a closed stdout is one line and exit 1.
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  // the bundle (npm run build) when it is there; the per-module build otherwise
  const bundle = fileURLToPath(new URL('../dist/deskctl.cjs', import.meta.url));
  const { guardStdout, run } = existsSync(bundle)
    ? (await import('./compile-cache.js')).loadWithCompileCache(bundle)
    : await import('../dist/src/cli.js');
  guardStdout();
  process.exitCode = await run(process.argv);
}
