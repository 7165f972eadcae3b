import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

/**
 * The sentiment model loads only when a command scores sentiment. A preloaded module records every file
 * the process reads with fs.readFileSync (how the model is read), whatever the module layout (the
 * bundle or dist/src), and the model file must not be among them for --version or a plain tickets list.
 */
const env = { DESKCTL_NOW: '2026-11-25T09:00:00Z' };
const MODEL = /\/models\/sentiment\.json$/;

describe('the sentiment model loads only when needed', () => {
  let home: string;
  let log: string;
  let nodeOptions: string;
  beforeAll(() => {
    home = makeHome();
    log = join(home, 'read.txt');
    const recorder = join(home, 'record-reads.mjs');
    writeFileSync(
      recorder,
      `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const read = fs.readFileSync;
fs.readFileSync = function (path, ...rest) {
  if (typeof path === 'string' || path instanceof URL) fs.appendFileSync(${JSON.stringify(log)}, String(path) + '\\n');
  return read.call(this, path, ...rest);
};
syncBuiltinESMExports();
`,
    );
    nodeOptions = `--import ${pathToFileURL(recorder).href}`;
    expect(runCli(['demo'], { home, env }).code).toBe(0);
  });
  afterAll(() => cleanupHome(home));

  const read = (args: string[]) => {
    writeFileSync(log, '');
    const r = runCli(args, { home, env: { ...env, NODE_OPTIONS: nodeOptions } });
    expect(r.code, r.stderr).toBe(0);
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  };

  it('not for --version or tickets list without sentiment or urgency', () => {
    const version = read(['--version']);
    expect(version.some((f) => f.endsWith('package.json'))).toBe(true); // the recorder sees deskctl's reads
    expect(version.filter((f) => MODEL.test(f))).toEqual([]);
    const list = read(['tickets', 'list', '--limit', '3', '--json']);
    expect(list.some((f) => f.endsWith('config.json'))).toBe(true);
    expect(list.filter((f) => MODEL.test(f))).toEqual([]);
  });

  it('for tickets list --fields sentiment', () => {
    expect(read(['tickets', 'list', '--limit', '3', '--fields', 'id,sentiment', '--json']).filter((f) => MODEL.test(f))).toHaveLength(1);
  });
});
