/**
 * The real bin/deskctl.js against a fake Zendesk: profile add/test, tickets list/show/update/reply/note,
 * deskctl api, deskctl login (authorization code + PKCE through a fake authorization server, and client
 * credentials), bad credentials (exit 4), and no token in any output, --verbose included.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliOptions, type CliResult } from '../support/cli.js';
import { FakeZendesk, zendeskProfileAddArgs } from '../support/fake-zendesk.js';

const NOW = '2026-11-25T09:00:00Z';
let zd: FakeZendesk;
let home: string;
const env = { DESKCTL_NOW: NOW };
/** The fake server lives in this process, so the CLI must run asynchronously (spawnSync would block it). */
const runCli = (args: string[], opts: CliOptions): Promise<CliResult> => startCli(args, opts).done;
const cli = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => runCli(args, { home, env: { ...env, ...extraEnv }, input });
const secretsOf = (h: string) => JSON.parse(readFileSync(join(h, 'secrets.json'), 'utf8')) as Record<string, Record<string, string>>;

/** Every secret the fake knows, in the forms they could leak. */
function assertNoSecrets(r: CliResult, extra: string[] = []): void {
  const secrets = [zd.apiToken, zd.clientSecret, Buffer.from(`${zd.agentEmail}/token:${zd.apiToken}`).toString('base64'), ...zd.accessTokens.keys(), ...zd.refreshTokens, ...extra];
  for (const s of secrets) {
    expect(r.stdout, 'stdout leaks a secret').not.toContain(s);
    expect(r.stderr, 'stderr leaks a secret').not.toContain(s);
  }
}

beforeAll(async () => {
  zd = await FakeZendesk.start({ tickets: 120 });
  home = makeHome();
  const add = await cli(
    [...zendeskProfileAddArgs(zd, 'zd'), '--use'],
    `${zd.apiToken}\n`,
  );
  expect(add.code, add.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  cleanupHome(home);
  await zd.close();
});

describe('profile and tickets over the fake Zendesk (API token)', () => {
  it('profile test reports the account, the user and the rate limit, and warns about API token retirement', async () => {
    const r = await cli(['profile', 'test', 'zd', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.helpdesk).toBe('zendesk');
    expect(info.user).toContain('Ada Agent <ada@acme.test>');
    expect(info.rateLimit).toContain('700/min');
    expect(r.stderr).toMatch(/warning: .*API token.*30 April 2027.*deskctl login/);
    assertNoSecrets(r);
  });

  it('--web prints the agent UI address of a ticket and of a filtered list (no terminal, no browser)', async () => {
    const base = (JSON.parse((await cli(['profile', 'show', 'zd', '--json'])).stdout) as { url: string }).url.replace(/\/+$/, '');
    const one = await cli(['tickets', 'show', '6', '--web']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim()).toBe(`${base}/agent/tickets/6`);
    const list = await cli(['tickets', 'list', '--status', 'open', '--tag', 'vip', '--web']);
    expect(list.code, list.stderr).toBe(0);
    const url = new URL(list.stdout.trim());
    expect(`${url.origin}${url.pathname}`).toBe(`${base}/agent/search/1`);
    expect(url.searchParams.get('type')).toBe('ticket');
    expect(url.searchParams.get('q')).toMatch(/status:open/);
    expect(url.searchParams.get('q')).toMatch(/tags:vip/);
  });

  it('lists, filters and shows tickets', async () => {
    const all = JSON.parse((await cli(['tickets', 'list', '--status', 'all', '--all', '--json'])).stdout) as { id: string; status: string }[];
    expect(all).toHaveLength(120);
    const open = await cli(['tickets', 'list', '--status', 'open', '--all', '--json']);
    expect(open.code, open.stderr).toBe(0);
    const openIds = (JSON.parse(open.stdout) as { id: string }[]).map((t) => t.id).sort();
    expect(openIds).toEqual([...zd.tickets.values()].filter((t) => t.status === 'open').map((t) => String(t.id)).sort());
    expect(zd.server.find('GET', '/api/v2/search/export').length).toBeGreaterThan(0);
    const show = await cli(['tickets', 'show', '2', '--json']);
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout);
    expect(JSON.stringify(shown)).toContain('Bob Billing');
    const missing = await cli(['tickets', 'show', '99999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: ticket 99999 not found');
  });

  it('updates, replies and adds notes', async () => {
    const u = await cli(['tickets', 'update', '3', '--status', 'pending', '--priority', 'high', '--add-tag', 'e2e', '--assignee', 'Cy Tier', '--group', 'Tier 2']);
    expect(u.code, u.stderr).toBe(0);
    const t = zd.tickets.get(3)!;
    expect([t.status, t.priority, t.assignee_id, t.group_id]).toEqual(['pending', 'high', 9002, 360002]);
    expect(t.tags).toContain('e2e');
    const reply = await cli(['tickets', 'reply', '4', '--body', 'We shipped a replacement.']);
    expect(reply.code, reply.stderr).toBe(0);
    const note = await cli(['tickets', 'note', '4', '--body', 'Carrier confirmed loss.']);
    expect(note.code, note.stderr).toBe(0);
    const cs = zd.comments.get(4)!;
    expect(cs.filter((c) => c.body === 'We shipped a replacement.' && c.public)).toHaveLength(1);
    expect(cs.filter((c) => c.body === 'Carrier confirmed loss.' && !c.public)).toHaveLength(1);
  });

  it('replies exactly once when the connection drops after Zendesk applied the reply', async () => {
    zd.server.inject({ type: 'reset' }, { method: 'PUT', path: '/api/v2/tickets/5', phase: 'after' });
    const r = await cli(['tickets', 'reply', '5', '--body', 'Only once, please.']);
    expect(r.code, r.stderr).toBe(0);
    expect(zd.bodies(5).filter((b) => b === 'Only once, please.')).toHaveLength(1);
  });

  it('never prints a credential, even with --verbose, and traces requests', async () => {
    const runs = [
      await cli(['--verbose', 'tickets', 'list', '--status', 'all', '--json']),
      await cli(['--verbose', 'tickets', 'show', '6']),
      await cli(['--verbose', 'tickets', 'reply', '6', '--body', 'verbose reply']),
      await cli(['--verbose', 'api', '/api/v2/users/me', '-i']),
      await cli(['--verbose', 'profile', 'show', 'zd', '--json']),
    ];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      assertNoSecrets(r);
    }
    expect(runs[0]!.stderr).toMatch(/HTTP GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/tickets\?include=users%2Cgroups%2Cmetric_sets&page%5Bsize%5D=31 -> 200 \(\d+ms\)/); // the default --limit 30, and one more
  });

  it('fails with exit 4 and a clear message for bad credentials', async () => {
    const h = makeHome();
    try {
      const add = await runCli(['profile', 'add', 'zendesk', '--name', 'bad', '--url', zd.url, '--user', zd.agentEmail, '--auth', 'token', '--with-token', '--use'], { home: h, input: 'wrong-token-123\n', env });
      expect(add.code, add.stderr).toBe(0);
      const r = await runCli(['--verbose', 'tickets', 'list'], { home: h, env });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('error: Zendesk refused the credentials (401 Unauthorized)');
      expect(r.stderr).toMatch(/hint: check the agent email and API token of profile 'bad'/);
      expect(r.stderr).not.toContain('wrong-token-123');
      const test = await runCli(['profile', 'test'], { home: h, env });
      expect(test.code).toBe(4);
    } finally {
      cleanupHome(h);
    }
  });
});

describe('metrics and bulk over the fake Zendesk', () => {
  it('metrics summary: CSAT from the legacy ratings and first response from the metric sets', async () => {
    const r = await cli(['metrics', 'summary', '--since', '60d', '--no-compare', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { metrics: { csat: { n: number; satisfied: number }; firstResponse: { n: number } } };
    const since = Date.parse(NOW) - 60 * 86_400_000;
    const ratings = zd.satisfaction.filter((x) => Date.parse(x.created_at) >= since);
    expect(s.metrics.csat.n).toBe(ratings.length);
    expect(s.metrics.csat.satisfied).toBe(ratings.filter((x) => x.score === 'good').length);
    const answered = [...zd.metrics.values()].filter((m) => m.reply_time_in_minutes.calendar !== null && Date.parse(m.created_at) >= since);
    expect(s.metrics.firstResponse.n).toBe(answered.length);
    expect(zd.server.find('GET', '/api/v2/incremental/tickets/cursor').length).toBeGreaterThan(0);
  });

  it('bulk reply: each selected ticket gets the reply exactly once, through a 429 and a lost answer', async () => {
    mkdirSync(join(home, 'templates'), { recursive: true });
    writeFileSync(join(home, 'templates', 'zd-bulk.liquid'), '---\nname: zd-bulk\ndescription: e2e bulk reply\npublic: true\n---\n[zd-bulk] About "{{ ticket.subject }}": on its way.\n');
    zd.server.inject({ type: '429', retryAfter: 1 }, { method: 'PUT', path: '/api/v2/tickets/31' });
    zd.server.inject({ type: 'reset' }, { method: 'PUT', path: '/api/v2/tickets/32', phase: 'after' });
    zd.server.inject({ type: 'status', status: 502 }, { method: 'PUT', path: '/api/v2/tickets/33', phase: 'after' });
    const r = await cli(['bulk', 'reply', '-t', 'zd-bulk', '--ids', '30,31,32,33,34', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const id of [30, 31, 32, 33, 34]) {
      const sent = zd.bodies(id).filter((b) => b.startsWith('[zd-bulk]'));
      expect(sent, `ticket ${id}\n${r.stdout}\n${r.stderr}`).toHaveLength(1);
      expect(sent[0]).toContain(zd.tickets.get(id)!.subject);
    }
    assertNoSecrets(r);
  });
});

describe('deskctl api', () => {
  it('GETs with the profile credentials and prints JSON', async () => {
    const r = await cli(['api', 'GET', '/api/v2/users/me']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).user.email).toBe(zd.agentEmail);
  });

  it('--paginate follows cursor pages and prints every item once', async () => {
    const r = await cli(['api', '/api/v2/tickets', '-F', 'page[size]=25', '--paginate']);
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout) as { id: number }[];
    expect(items).toHaveLength(120);
    expect(new Set(items.map((t) => t.id)).size).toBe(120);
  });

  it('sends --field as a JSON body, --input from stdin, and shows vendor errors', async () => {
    const put = await cli(['api', 'PUT', '/api/v2/tickets/7', '-F', 'ticket[priority]=urgent', '-F', 'ticket[tags][]=api', '-F', 'ticket[tags][]=e2e']);
    expect(put.code, put.stderr).toBe(0);
    const last = zd.server.find('PUT', '/api/v2/tickets/7').at(-1)!;
    expect(last.json).toEqual({ ticket: { priority: 'urgent', tags: ['api', 'e2e'] } });
    expect(zd.tickets.get(7)!.priority).toBe('urgent');
    const viaInput = await cli(['api', 'PUT', '/api/v2/tickets/7', '--input', '-'], '{"ticket":{"status":"bogus"}}');
    expect(viaInput.code).toBe(1);
    expect(JSON.parse(viaInput.stdout).error).toBe('RecordInvalid');
    expect(viaInput.stderr).toContain('HTTP 422');
  });

  it('rejects bad usage before sending anything (exit 2)', async () => {
    const before = zd.server.requests.length;
    for (const args of [
      ['api', 'FETCH', '/x'],
      ['api', 'GET', '/x', '-F', 'novalue'],
      ['api', 'POST', '/x', '--paginate'],
      ['api', 'GET', '/x', '-H', 'bad header'],
      ['api', 'tickets'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /m);
    }
    expect(zd.server.requests.length).toBe(before);
    const local = await runCli(['api', '/anything'], { home: makeHome(), env });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('no HTTP API');
  });
});

describe('deskctl login (OAuth)', () => {
  it('signs in with authorization code + PKCE through the loopback redirect, then works with the stored token', async () => {
    const h = makeHome();
    try {
      const add = await runCli(['profile', 'add', 'zendesk', '--name', 'oauth', '--url', zd.url, '--client-id', zd.clientId, '--client-secret-env', 'ZD_UNSET_SECRET', '--use'], { home: h, env });
      expect(add.code, add.stderr).toBe(0);
      // a "browser" that follows the authorization redirect like a user clicking Allow
      const browser = join(h, 'browser.mjs');
      writeFileSync(browser, `#!${process.execPath}\nconst r = await fetch(process.argv[2], { redirect: 'follow' });\nprocess.exit(r.ok ? 0 : 1);\n`);
      chmodSync(browser, 0o755);
      const run = startCli(['login', '--port', '0', '--json'], { home: h, env: { ...env, BROWSER: browser } });
      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.grant).toBe('authorization_code');
      expect(out.email).toBe(zd.agentEmail);
      expect(r.stderr).toMatch(/Sign in to Zendesk in your browser/);
      expect(r.stderr).toMatch(/code_challenge_method=S256/);
      const stored = JSON.parse(secretsOf(h).oauth!.oauth_token!);
      expect(zd.accessTokens.has(stored.access_token)).toBe(true);
      expect(stored.refresh_token).toBeTruthy();
      assertNoSecrets(r, [stored.access_token, stored.refresh_token]);

      const list = await runCli(['--verbose', 'tickets', 'list', '--json'], { home: h, env });
      expect(list.code, list.stderr).toBe(0);
      expect(zd.server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${stored.access_token}`);
      assertNoSecrets(list, [stored.access_token]);
      expect(list.stderr).not.toMatch(/API token/);

      // the access token is revoked: one 401, a refresh with the refresh token, then it goes on
      zd.accessTokens.delete(stored.access_token);
      const again = await runCli(['tickets', 'show', '8', '--json'], { home: h, env });
      expect(again.code, again.stderr).toBe(0);
      const refreshed = JSON.parse(secretsOf(h).oauth!.oauth_token!);
      expect(refreshed.access_token).not.toBe(stored.access_token);
      expect(refreshed.grant).toBe('refresh_token');
    } finally {
      cleanupHome(h);
    }
  });

  it('reports a denied sign-in with exit 4', async () => {
    const h = makeHome();
    try {
      await runCli(['profile', 'add', 'zendesk', '--name', 'oauth', '--url', zd.url, '--client-id', zd.clientId, '--client-secret-env', 'ZD_UNSET_SECRET', '--use'], { home: h, env });
      const browser = join(h, 'browser.mjs');
      writeFileSync(browser, `#!${process.execPath}\nawait fetch(process.argv[2], { redirect: 'follow' }).catch(() => {});\n`);
      chmodSync(browser, 0o755);
      zd.denyNextLogin = true;
      const r = await startCli(['login', '--port', '0'], { home: h, env: { ...env, BROWSER: browser } }).done;
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('error: Zendesk did not authorize deskctl');
      expect(existsSync(join(h, 'secrets.json')) ? secretsOf(h).oauth?.oauth_token : undefined).toBeUndefined();
    } finally {
      cleanupHome(h);
    }
  });

  it('uses the client-credentials grant for cron, and exit 4 for a wrong secret', async () => {
    const h = makeHome();
    try {
      await runCli(['profile', 'add', 'zendesk', '--name', 'cron', '--url', zd.url, '--client-id', zd.clientId, '--client-secret-env', 'ZD_SECRET', '--use'], { home: h, env: { ...env, ZD_SECRET: zd.clientSecret } });
      // no login needed: the first command obtains a token with the secret
      const r = await runCli(['--verbose', 'tickets', 'list', '--json'], { home: h, env: { ...env, ZD_SECRET: zd.clientSecret } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('client-credentials grant');
      assertNoSecrets(r);
      const login = await runCli(['login', '--client-credentials', '--json'], { home: h, env: { ...env, ZD_SECRET: zd.clientSecret } });
      expect(login.code, login.stderr).toBe(0);
      expect(JSON.parse(login.stdout).grant).toBe('client_credentials');
      const wrong = await runCli(['login', '--client-credentials'], { home: h, env: { ...env, ZD_SECRET: 'not-the-secret' } });
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toMatch(/error: Zendesk refused the OAuth client_credentials grant/);
      expect(wrong.stderr).not.toContain('not-the-secret');
    } finally {
      cleanupHome(h);
    }
  });

  it('validates login flags before any I/O, and refuses profiles that have no OAuth sign-in', async () => {
    expect((await cli(['login', '--port', 'abc'])).code).toBe(2);
    expect((await cli(['login', '--port', '70000'])).code).toBe(2);
    const h = makeHome();
    try {
      const r = await runCli(['login'], { home: h, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("profile 'local' is local");
    } finally {
      cleanupHome(h);
    }
  });
});

describe('an OAuth access token from the environment (CI)', () => {
  it('needs no --client-id: profile add and calls work with the bearer token alone', async () => {
    const h = makeHome();
    try {
      const token = zd.issueToken();
      const add = await runCli(['profile', 'add', 'zendesk', '--name', 'ci', '--url', zd.url, '--auth', 'oauth', '--token-env', 'ZD_ACCESS_TOKEN', '--use'], { home: h, env });
      expect(add.code, add.stderr).toBe(0);
      const r = await runCli(['tickets', 'list', '--limit', '2', '--json'], { home: h, env: { ...env, ZD_ACCESS_TOKEN: token } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveLength(2);
      expect(zd.server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
      assertNoSecrets(r, [token]);
      const unset = await runCli(['tickets', 'list'], { home: h, env });
      expect(unset.code).toBe(4);
      expect(unset.stderr).toContain('ZD_ACCESS_TOKEN');
      expect(unset.stderr).not.toMatch(/client id/);
    } finally {
      cleanupHome(h);
    }
  });
});
