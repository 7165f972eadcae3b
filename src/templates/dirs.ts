import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Context } from '../context.js';
import { packageRoot } from '../package-root.js';
import type { TemplateDirs, TemplateOrigin } from './types.js';

// Where templates are and what they are called, without reading them (shell completion lists names
// on every Tab without loading the YAML and Liquid machinery).

export { packageRoot };

export const TEMPLATE_EXT = '.liquid';
export const ORIGINS: TemplateOrigin[] = ['project', 'user', 'shipped'];

export function templateDirs(ctx: Pick<Context, 'paths'>, cwd = process.cwd()): TemplateDirs {
  return { project: join(cwd, 'templates'), user: ctx.paths.templatesDir, shipped: join(packageRoot(), 'templates') };
}

/** The directories in lookup order, without duplicates (running inside the deskctl checkout, ./templates is the shipped one). */
export function orderedDirs(dirs: TemplateDirs): { dir: string; origin: TemplateOrigin }[] {
  const shipped = resolve(dirs.shipped);
  const out: { dir: string; origin: TemplateOrigin }[] = [];
  for (const origin of ORIGINS) {
    const dir = resolve(dirs[origin]);
    if (out.some((d) => d.dir === dir)) continue;
    out.push({ dir, origin: dir === shipped ? 'shipped' : origin });
  }
  // keep 'shipped' last even when the project dir is the shipped one
  return out.sort((a, b) => ORIGINS.indexOf(a.origin) - ORIGINS.indexOf(b.origin));
}

export const nameOfFile = (file: string) => basename(file, TEMPLATE_EXT);

export function filesIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(TEMPLATE_EXT) && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}

/** Template names in every folder of the lookup order, without reading the files (for completion). */
export function templateNames(dirs: TemplateDirs): string[] {
  return [...new Set(orderedDirs(dirs).flatMap(({ dir }) => filesIn(dir).map(nameOfFile)))].sort();
}
