#!/usr/bin/env node
// Writes one man page per command into man/ from the command tree (run by `npm run build`, after tsc),
// and keeps package.json's "man" list equal to those pages (npm installs the pages it lists), rewriting
// it when a command was added or removed: commit that change with the command.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadCommandTree } = await import('../dist/src/cli.js');
const { manPages } = await import('../dist/src/help/man.js');
const pkgFile = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));

const pages = manPages(await loadCommandTree(), pkg.version);
const dir = join(root, 'man');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.1')) rmSync(join(dir, f));
for (const p of pages) writeFileSync(join(dir, p.file), p.roff);

const listed = pages.map((p) => `./man/${p.file}`).sort();
if (JSON.stringify([...(pkg.man ?? [])].sort()) !== JSON.stringify(listed)) {
  pkg.man = listed;
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  process.stderr.write(`build-man: package.json "man" now lists the ${pages.length} pages of the command tree; commit it\n`);
}
