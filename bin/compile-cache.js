// Loads the bundled CLI (dist/deskctl.cjs) with a V8 code cache, so that a run after the first skips
// parsing and compiling it (Node 20 has no built-in module compile cache; 22 does). The cache lives in
// DESKCTL_CACHE_DIR, else $XDG_CACHE_HOME/deskctl, else ~/.cache/deskctl; DESKCTL_NO_COMPILE_CACHE=1
// turns it off. Any problem with the cache is ignored: it can only make a run slower, never fail it.
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { createRequire } = Module;
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

function cacheDir() {
  if (process.env.DESKCTL_NO_COMPILE_CACHE === '1') return undefined;
  if (process.env.DESKCTL_CACHE_DIR) return process.env.DESKCTL_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'deskctl');
}

function readCache(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** FNV-1a of a path: tells the caches of two checkouts apart without loading node:crypto at start-up. */
function pathKey(path) {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Writes the new cache atomically and drops older caches of the same bundle file (other checkouts keep theirs). */
function writeCache(dir, prefix, name, data) {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `${name}.${process.pid}.tmp`);
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, join(dir, name));
    for (const f of readdirSync(dir)) if (f.startsWith(prefix) && f !== name && !f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  } catch {
    /* a read-only or full disk: run without a cache */
  }
}

/** Runs a CommonJS file like require() would, and returns its exports. */
function loadWithCompileCache(file) {
  const source = readFileSync(file, 'utf8');
  const dir = cacheDir();
  const { size, mtimeMs } = statSync(file);
  // one cache per bundle file (several checkouts may share the cache folder), renewed with each build
  const prefix = `compile-${pathKey(file)}-`;
  const name = `${prefix}${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}.bin`;
  const cachedData = dir ? readCache(join(dir, name)) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file);
  mod.filename = file;
  mod.loaded = true;
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
  // the cache is made after the run, so it holds the functions this command compiled too
  if (dir && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => writeCache(dir, prefix, name, script.createCachedData()));
  return mod.exports;
}

module.exports = { loadWithCompileCache };
