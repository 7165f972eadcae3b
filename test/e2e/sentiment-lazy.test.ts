import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

/**
 * The sentiment model loads only when a command scores sentiment: a module hook records every
 * deskctl module the process loads, and the model's modules must not be among them for --version or
 * a plain tickets list.
 */
const env = { DESKCTL_NOW: '2026-11-25T09:00:00Z' };

describe('the sentiment model loads only when needed', () => {
  let home: string;
  let log: string;
  let nodeOptions: string;
  beforeAll(() => {
    home = makeHome();
    log = join(home, 'loaded.txt');
    const hooks = join(home, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}
`,
    );
    const register = join(home, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    nodeOptions = `--import ${pathToFileURL(register).href}`;
    expect(runCli(['demo'], { home, env }).code).toBe(0);
  });
  afterAll(() => cleanupHome(home));

  const loaded = (args: string[]) => {
    writeFileSync(log, '');
    const r = runCli(args, { home, env: { ...env, NODE_OPTIONS: nodeOptions } });
    expect(r.code, r.stderr).toBe(0);
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  };
  const sentimentModules = (urls: string[]) => urls.filter((u) => /\/triage\/sentiment[\w-]*\.js$/.test(u));

  it('not for --version or tickets list without sentiment or urgency', () => {
    const version = loaded(['--version']);
    expect(version.some((u) => u.endsWith('/bin/deskctl.js'))).toBe(true); // the hook sees deskctl's modules
    expect(sentimentModules(version)).toEqual([]);
    const list = loaded(['tickets', 'list', '--limit', '3', '--json']);
    expect(list.some((u) => u.includes('/commands/tickets.js'))).toBe(true);
    expect(sentimentModules(list)).toEqual([]);
  });

  it('for tickets list --fields sentiment', () => {
    const urls = sentimentModules(loaded(['tickets', 'list', '--limit', '3', '--fields', 'id,sentiment', '--json']));
    expect(urls.some((u) => u.endsWith('/triage/sentiment.js'))).toBe(true);
  });
});
