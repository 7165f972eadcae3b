import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT, TEST_ENVIRONMENT, renderEnvironment } from '../../src/help/environment.js';
import { ROOT } from '../support/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|js)$/.test(name) ? [p] : [];
  });
}

/** Names read as process.env.X, env.X or env['X'] (any object called env: the code passes process.env around). */
function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'commands')), join(ROOT, 'bin', 'deskctl.js')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\benv\s*(?:\.\s*([A-Z][A-Z0-9_]*)\b|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])|['"]([A-Z][A-Z0-9_]*)['"]\s+in\s+env\b/g)) {
      found.set(m[1] ?? m[2] ?? m[3]!, file);
    }
  }
  return found;
}

describe('deskctl help environment', () => {
  it('lists every environment variable src/, commands/ and bin/ read', () => {
    const listed = new Set([...ENVIRONMENT, ...TEST_ENVIRONMENT].map((v) => v.name));
    const read = variablesRead();
    expect(read.size).toBeGreaterThan(8);
    const missing = [...read].filter(([name]) => !listed.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing, 'add them to src/help/environment.ts').toEqual([]);
  });

  it('lists every DESKCTL_* variable named anywhere in src/', () => {
    const listed = new Set([...ENVIRONMENT, ...TEST_ENVIRONMENT].map((v) => v.name));
    const named = new Set(sources(join(ROOT, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bDESKCTL_[A-Z0-9_]+/g)].map((m) => m[0])));
    expect([...named].filter((n) => !listed.has(n))).toEqual([]);
  });

  it('renders one line per variable', () => {
    const text = renderEnvironment();
    for (const v of [...ENVIRONMENT, ...TEST_ENVIRONMENT]) expect(text).toMatch(new RegExp(`^  ${v.name} +\\S`, 'm'));
  });
});
