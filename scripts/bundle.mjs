#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/deskctl.cjs, which bin/deskctl.js loads with a V8 code
// cache (bin/compile-cache.js). Start-up is the reason: resolving and compiling ~200 ES modules took about
// two thirds of a `tickets list`; one file whose compiled code is cached between runs takes a fraction.
// Only what every command needs (commander, zod) or what Node 20 cannot require() (ESM-only packages such as
// chalk, got and conf, found by resolving each dependency) goes into the bundle. Libraries that load as
// CommonJS stay in node_modules and are required on first use, so a command pays only for the libraries
// it touches. Native addons (better-sqlite3's, node-pty) always stay outside; better-sqlite3's JavaScript is
// bundled (every command opens a SQLite file) and told where its addon is (src/store/sqlite.ts).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Needed by every command (or nearly): compiled once into the bundle (and its code cache) rather than loaded from node_modules. */
const ALWAYS_BUNDLED = new Set(['commander', 'zod', 'better-sqlite3']);

/** Whether Node 20 can require() the package: a CommonJS entry, or an ES module it cannot load that way. */
function requirable(name) {
  const requireFromRoot = createRequire(join(root, 'package.json'));
  let entry;
  try {
    entry = requireFromRoot.resolve(name);
  } catch {
    return false; // no "require" condition in its exports: ESM-only
  }
  if (entry.endsWith('.mjs')) return false;
  if (!entry.endsWith('.js')) return true;
  // a .js file is an ES module when the nearest package.json says "type": "module"
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type !== 'module';
    } catch {
      /* no package.json here: look further up */
    }
  }
  return true;
}

// ESM-only libraries (chalk, got, conf, ...) must be bundled; the others load from node_modules on first use.
const dependencies = Object.keys(pkg.dependencies ?? {});
const external = [...dependencies.filter((d) => !ALWAYS_BUNDLED.has(d) && requirable(d)), ...Object.keys(pkg.optionalDependencies ?? {}), 'node-pty'];

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

/** zod's index re-exports its error messages in some fifty languages (about half of zod's size in the
 * bundle); deskctl uses only the English ones zod installs by default, so the bundle keeps only those
 * (z.locales then holds just `en`). Less to read and deserialize on every start. */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";\n', loader: 'js' }));
  },
};

/** better-sqlite3 finds its addon with the `bindings` package, which looks for it next to the calling file:
 * from the bundle that is deskctl's own folder, where it is not. Every database is opened with its
 * nativeBinding (src/store/sqlite.ts); one opened without says so instead of failing in `bindings`. */
const sqliteAddonGiven = {
  name: 'sqlite-addon-given',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, (args) => (/better-sqlite3/.test(args.importer) ? { path: 'bindings', namespace: 'sqlite-addon-given' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'sqlite-addon-given' }, () => ({
      contents: "module.exports = () => { throw new Error('better-sqlite3 in the bundle needs its nativeBinding option: open databases through src/store/sqlite.ts (sqliteAddon())'); };",
      loader: 'js',
    }));
  },
};

if (process.argv.includes("--print-external")) console.log(external.join(" "));

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/deskctl.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: !process.env.DESKCTL_BUNDLE_READABLE,
  external,
  // import() of an external becomes require() on first use: the bundle runs as a plain script, which
  // is what lets bin/compile-cache.js cache its compiled code.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__deskctlModuleUrl', 'import.meta.dirname': '__dirname' },
  banner: { js: "const __deskctlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyChildProcess, englishZodOnly, sqliteAddonGiven],
  logLevel: 'warning',
});

// one character outside ASCII (esbuild leaves them in regular expressions) makes V8 hold the whole bundle
// as a two-byte string: slower to read and to check against its code cache on every start
const bundled = readFileSync(join(root, 'dist', 'deskctl.cjs'), 'latin1');
const wide = /[^\x00-\x7f]/.exec(bundled);
if (wide) console.warn(`bundle: a non-ASCII character at offset ${wide.index} (near ${JSON.stringify(bundled.slice(Math.max(0, wide.index - 30), wide.index + 10))}); write it as a \\u escape in the source`);

