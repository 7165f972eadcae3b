import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

// Issue 12 §8: a corrupt secrets.json is reported without echoing any of it, and `profile add` writes
// nothing when it cannot store the token.
let home: string;
beforeEach(() => {
  home = makeHome();
});
afterEach(() => cleanupHome(home));

const TOKEN_TAIL = 'zz9SECRETtail';
const corruptSecrets = () => writeFileSync(join(home, 'secrets.json'), `{"work":{"token":abc${TOKEN_TAIL}}}`, { mode: 0o600 });

describe('a corrupt secrets.json', () => {
  it('is named with where it breaks, never with its content', () => {
    corruptSecrets();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ profiles: { work: { provider: 'front' } }, currentProfile: 'work' }));
    const r = runCli(['tickets', 'list'], { home });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/cannot read .*secrets\.json: not valid JSON$/m);
    expect(r.stderr).not.toMatch(/abc|zz9|SECRETtail|"token"/);
  });

  it('profile add exits 4 and leaves config.json without the profile', () => {
    corruptSecrets();
    const r = runCli(['profile', 'add', 'front', '--name', 'f1', '--with-token'], { home, input: 'tok-12345\n' });
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain(TOKEN_TAIL);
    const config = existsSync(join(home, 'config.json')) ? readFileSync(join(home, 'config.json'), 'utf8') : '{}';
    expect(JSON.parse(config).profiles?.f1).toBeUndefined();
  });

  it('does not stop a profile that keeps its token in an environment variable', () => {
    corruptSecrets();
    const r = runCli(['profile', 'add', 'front', '--name', 'f2', '--token-env', 'FRONT_TOKEN'], { home });
    expect(r.code, r.stderr).toBe(0);
  });
});
