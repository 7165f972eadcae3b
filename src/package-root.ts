import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let packageRootCache: string | undefined;

/**
 * The folder holding deskctl's package.json, where shipped files live (templates/, models/, bin/).
 * Found by walking up from this module, so it holds under vitest (src/), the per-module build
 * (dist/src/) and the bundle (dist/deskctl.cjs) alike: never locate a shipped file relative to a module.
 */
export function packageRoot(): string {
  if (packageRootCache) return packageRootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'deskctl') return (packageRootCache = dir);
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the deskctl package root');
    dir = up;
  }
}

/** A file shipped with deskctl, e.g. shippedFile('models', 'sentiment.json'). */
export const shippedFile = (...parts: string[]): string => join(packageRoot(), ...parts);
