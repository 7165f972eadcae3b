#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/deskctl.cjs, which bin/deskctl.js loads with a V8 code
// cache (bin/compile-cache.js). Start-up is the reason: resolving and compiling ~200 ES modules took about
// two thirds of a `tickets list`; one file whose compiled code is cached between runs takes a fraction.
// Only what is needed at start or is ESM-only (chalk, got, conf) goes into the bundle. Heavy libraries that
// load as CommonJS stay in node_modules and are required on first use, so a command pays only for the
// libraries it touches. Native addons (better-sqlite3, node-pty) always stay outside.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Bundled: needed by every command, or ESM-only (Node 20 cannot require() an ES module). */
const BUNDLED = new Set(['commander', 'zod', 'chalk', 'got', 'conf']);
const external = [
  ...Object.keys(pkg.dependencies ?? {}).filter((d) => !BUNDLED.has(d)),
  ...Object.keys(pkg.optionalDependencies ?? {}),
  'node-pty',
];

/** commander requires child_process (and with it net and dgram) at load, for executable subcommands
 * that deskctl never uses; load it when first touched instead. */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!src.includes(eager)) return undefined;
      const lazy = "const childProcess = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });";
      return { contents: src.replace(eager, lazy), loader: 'js' };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/deskctl.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  external,
  // import() of an external becomes require() on first use: the bundle runs as a plain script, which
  // is what lets bin/compile-cache.js cache its compiled code.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__deskctlModuleUrl', 'import.meta.dirname': '__dirname' },
  banner: { js: "const __deskctlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});
