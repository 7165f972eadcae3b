/**
 * OAuth against the fake Zendesk authorization server: client credentials, refresh before expiry and on
 * 401, one refresh for concurrent callers, PKCE and state checks on the loopback redirect.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/errors.js';
import { HttpClient } from '../../src/providers/http.js';
import { loopbackLogin, memoryTokenStore, OAuthTokenProvider, pkcePair, type StoredToken } from '../../src/providers/oauth.js';
import { zendeskAuthorizeUrl, zendeskOAuthClient } from '../../src/providers/zendesk/auth.js';
import { FakeZendesk } from '../support/fake-zendesk.js';

let zd: FakeZendesk;
beforeAll(async () => {
  zd = await FakeZendesk.start({ tickets: 3 });
});
afterAll(async () => {
  await zd.close();
});
beforeEach(() => zd.server.clearLog());

const client = (secret?: string) => zendeskOAuthClient(zd.url, 'zd', zd.clientId, secret);
const tokenRequests = () => zd.server.find('POST', '/oauth/tokens').map((r) => (r.json as { grant_type: string }).grant_type);

describe('OAuth token provider', () => {
  it('obtains a token with client credentials, stores it, and reuses it', async () => {
    const store = memoryTokenStore();
    const tp = new OAuthTokenProvider({ client: client(zd.clientSecret), store, allowClientCredentials: true });
    const t1 = await tp.accessToken();
    expect(zd.accessTokens.has(t1)).toBe(true);
    expect(store.load()!.grant).toBe('client_credentials');
    const tp2 = new OAuthTokenProvider({ client: client(zd.clientSecret), store, allowClientCredentials: true });
    expect(await tp2.accessToken()).toBe(t1);
    expect(tokenRequests()).toEqual(['client_credentials']);
    const body = zd.server.find('POST', '/oauth/tokens')[0]!.json as Record<string, string>;
    expect(body).toMatchObject({ grant_type: 'client_credentials', client_id: 'deskctl', scope: 'read write' });
  });

  it('refreshes shortly before expiry with the refresh token, once for concurrent callers', async () => {
    const now = { t: Date.now() };
    const store = memoryTokenStore();
    const tp = new OAuthTokenProvider({ client: client(zd.clientSecret), store, allowClientCredentials: true, now: () => now.t, skewMs: 60_000 });
    const first = await tp.accessToken();
    const firstRefresh = store.load()!.refresh_token!;
    now.t += (zd.tokenLifetime - 30) * 1000; // 30 s before expiry: inside the skew
    const tokens = await Promise.all([tp.accessToken(), tp.accessToken(), tp.accessToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
    expect(tokenRequests()).toEqual(['client_credentials', 'refresh_token']);
    expect(zd.refreshTokens.has(firstRefresh)).toBe(false);
    expect(store.load()!.grant).toBe('refresh_token');
  });

  it('refreshes on 401 through the HTTP client and repeats the request', async () => {
    const store = memoryTokenStore();
    const tp = new OAuthTokenProvider({ client: client(zd.clientSecret), store, allowClientCredentials: true });
    const http = new HttpClient({ vendor: 'Zendesk', baseUrl: zd.url, auth: tp.auth() });
    await http.get('/api/v2/users/me');
    zd.accessTokens.clear(); // revoked server-side
    const me = await http.get<{ user: { email: string } }>('/api/v2/users/me');
    expect(me.user.email).toBe(zd.agentEmail);
    expect(tokenRequests()).toEqual(['client_credentials', 'refresh_token']);
    http.close();
    tp.close();
  });

  it('falls back to client credentials when the refresh token is refused, and says "run deskctl login" without a secret', async () => {
    const stale: StoredToken = { access_token: 'expired-access-1', refresh_token: 'unknown-refresh-1', expires_at: Date.now() - 1000, grant: 'authorization_code' };
    const withSecret = new OAuthTokenProvider({ client: client(zd.clientSecret), store: memoryTokenStore(stale), allowClientCredentials: true });
    expect(zd.accessTokens.has(await withSecret.accessToken())).toBe(true);
    expect(tokenRequests()).toEqual(['refresh_token', 'client_credentials']);

    const noSecret = new OAuthTokenProvider({ client: client(undefined), store: memoryTokenStore(stale), allowClientCredentials: true });
    const err = await noSecret.accessToken().catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('refused the OAuth refresh_token grant');
    expect(err.hint).toContain("deskctl login --profile zd");
  });
});

describe('authorization code with PKCE on a loopback redirect', () => {
  it('makes an S256 challenge from a 43-character verifier', () => {
    const { verifier, challenge } = pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
  });

  it('exchanges the code with the verifier (the fake checks it against the challenge)', async () => {
    const urls: string[] = [];
    const token = await loopbackLogin({
      client: client(undefined),
      authorizeUrl: zendeskAuthorizeUrl(zd.url),
      port: 0,
      announce: (url) => urls.push(url),
      openBrowser: async (url) => void (await fetch(url, { redirect: 'follow' })),
      timeoutMs: 10_000,
    });
    expect(zd.accessTokens.has(token.access_token)).toBe(true);
    const authorize = new URL(urls[0]!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const exchange = zd.server.find('POST', '/oauth/tokens')[0]!.json as Record<string, string>;
    expect(exchange.grant_type).toBe('authorization_code');
    expect(exchange.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(exchange.redirect_uri).toBe(authorize.searchParams.get('redirect_uri'));
  });

  it('refuses a redirect with a forged state and stores nothing', async () => {
    const err = await loopbackLogin({
      client: client(undefined),
      authorizeUrl: zendeskAuthorizeUrl(zd.url),
      port: 0,
      announce: () => undefined,
      openBrowser: async (url) => {
        const redirect = new URL(url).searchParams.get('redirect_uri')!;
        await fetch(`${redirect}?code=stolen&state=forged`);
      },
      timeoutMs: 10_000,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('wrong state');
    expect(zd.server.find('POST', '/oauth/tokens')).toHaveLength(0);
  });

  it('gives up after the timeout when nobody signs in', async () => {
    const err = await loopbackLogin({ client: client(undefined), authorizeUrl: zendeskAuthorizeUrl(zd.url), port: 0, announce: () => undefined, timeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/no answer from the Zendesk sign-in page/);
  });
});
