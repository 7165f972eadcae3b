/**
 * Shared OAuth 2 helpers for HTTP providers:
 * - a token provider that caches tokens in the profile's secrets (ConfigStore.getSecret/setSecret),
 *   refreshes them shortly before they expire and when the API answers 401, using the refresh_token
 *   grant or the client-credentials grant (for cron and scripts);
 * - the authorization-code grant with PKCE (S256) on a loopback redirect, for `deskctl login`.
 * Every token is registered for redaction as soon as it is seen.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ConfigStore } from '../config/config-store.js';
import { ApiError, AuthError, DeskctlError } from '../errors.js';
import { registerSecret } from '../output/redact.js';
import { HttpClient, type AuthStrategy, type HttpClientOptions } from './http.js';

/** A token as stored in the profile's secrets (JSON under one key). */
export const StoredTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  refresh_token: z.string().optional(),
  /** Epoch milliseconds; absent = does not expire (or unknown). */
  expires_at: z.number().optional(),
  refresh_expires_at: z.number().optional(),
  scope: z.string().optional(),
  /** How it was obtained. */
  grant: z.enum(['authorization_code', 'client_credentials', 'refresh_token']).optional(),
});
export type StoredToken = z.infer<typeof StoredTokenSchema>;

/** Token endpoint answer (RFC 6749 §5.1). */
const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string()]).nullish(),
  refresh_token: z.string().nullish(),
  refresh_token_expires_in: z.union([z.number(), z.string()]).nullish(),
  scope: z.string().nullish(),
});

export interface TokenStore {
  load(): StoredToken | undefined;
  save(token: StoredToken): Promise<void>;
  clear(): Promise<void>;
}

export const OAUTH_TOKEN_SECRET = 'oauth_token';

/** Tokens kept in the profile's secrets.json (mode 0600) under `key`. */
export function profileTokenStore(config: ConfigStore, profileName: string, key = OAUTH_TOKEN_SECRET): TokenStore {
  return {
    load() {
      const raw = config.getSecret(profileName, key);
      if (!raw) return undefined;
      try {
        const parsed = StoredTokenSchema.safeParse(JSON.parse(raw));
        if (!parsed.success) return undefined;
        registerSecret(parsed.data.access_token);
        registerSecret(parsed.data.refresh_token);
        return parsed.data;
      } catch {
        return undefined;
      }
    },
    async save(token) {
      registerSecret(token.access_token);
      registerSecret(token.refresh_token);
      await config.setSecret(profileName, key, JSON.stringify(token));
    },
    async clear() {
      await config.deleteSecret(profileName, key);
    },
  };
}

/** An in-memory store (tests, one-off tokens). */
export function memoryTokenStore(initial?: StoredToken): TokenStore {
  let t = initial;
  return {
    load: () => t,
    save: async (x) => void (t = x),
    clear: async () => void (t = undefined),
  };
}

export interface OAuthClientConfig {
  /** Vendor name for messages. */
  vendor: string;
  /** Absolute token endpoint URL. */
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  /** Body encoding of token requests: form (RFC 6749, default) or json (Zendesk accepts both). */
  bodyFormat?: 'form' | 'json';
  /** Where client credentials go: in the body (default) or as HTTP basic auth. */
  clientAuth?: 'body' | 'basic';
  /** Extra parameters for every token request (e.g. Zendesk's expires_in). */
  extraParams?: Record<string, string | number>;
  /** What to tell the user when no usable token remains. */
  loginHint: string;
}

/** Parses a token endpoint answer into what we store. */
export function toStoredToken(body: unknown, grant: StoredToken['grant'], nowMs: number, previous?: StoredToken): StoredToken {
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) throw new ApiError('the token endpoint returned no access_token', { hint: 'check the OAuth client settings' });
  const t = parsed.data;
  const secs = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : Number(v));
  const expiresIn = secs(t.expires_in);
  const refreshIn = secs(t.refresh_token_expires_in);
  registerSecret(t.access_token);
  registerSecret(t.refresh_token ?? undefined);
  return {
    access_token: t.access_token,
    token_type: t.token_type,
    // a refresh that returns no new refresh token keeps the old one (RFC 6749 §6)
    refresh_token: t.refresh_token ?? (grant === 'refresh_token' ? previous?.refresh_token : undefined),
    expires_at: expiresIn && Number.isFinite(expiresIn) ? nowMs + expiresIn * 1000 : undefined,
    refresh_expires_at: refreshIn && Number.isFinite(refreshIn) ? nowMs + refreshIn * 1000 : grant === 'refresh_token' ? previous?.refresh_expires_at : undefined,
    scope: t.scope ?? undefined,
    grant,
  };
}

/** POSTs a grant to the token endpoint; refusals become AuthError (exit 4). */
export async function requestToken(
  http: HttpClient,
  cfg: OAuthClientConfig,
  params: Record<string, string>,
  nowMs: number,
  previous?: StoredToken,
): Promise<StoredToken> {
  const url = new URL(cfg.tokenUrl);
  const all: Record<string, string> = { ...params };
  for (const [k, v] of Object.entries(cfg.extraParams ?? {})) all[k] ??= String(v);
  const headers: Record<string, string> = {};
  if (cfg.clientAuth === 'basic' && cfg.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(cfg.clientSecret)}`).toString('base64')}`;
  } else {
    all.client_id = cfg.clientId;
    if (cfg.clientSecret) all.client_secret = cfg.clientSecret;
  }
  if (cfg.scopes?.length && !all.scope && params.grant_type !== 'refresh_token') all.scope = cfg.scopes.join(' ');
  try {
    const res = await http.request({
      method: 'POST',
      path: url.pathname + url.search,
      ...(cfg.bodyFormat === 'json' ? { json: all } : { form: all }),
      headers,
      // a token request changes nothing the user cares about: repeating it after a lost answer is harmless
      idempotent: params.grant_type !== 'refresh_token',
    });
    return toStoredToken(res.body, params.grant_type as StoredToken['grant'], nowMs, previous);
  } catch (err) {
    if (err instanceof ApiError && err.status !== undefined && err.status >= 400 && err.status < 500) {
      throw new AuthError(`${cfg.vendor} refused the OAuth ${params.grant_type} grant: ${err.message.replace(/^.*?\(\d{3}\):?\s*/, '') || err.status}`, cfg.loginHint, err.detail);
    }
    if (err instanceof AuthError) throw new AuthError(`${cfg.vendor} refused the OAuth ${params.grant_type} grant (client id or secret wrong?)`, cfg.loginHint, err.detail);
    throw err;
  }
}

export interface OAuthTokenProviderOptions {
  client: OAuthClientConfig;
  store: TokenStore;
  /** Client-credentials grant allowed when no (usable) token is stored (needs clientSecret). */
  allowClientCredentials: boolean;
  /** Refresh this long before expiry (default 2 minutes). */
  skewMs?: number;
  now?: () => number;
  /** Options for the token endpoint's HTTP client (trace, sleep, timeouts...). */
  http?: Partial<HttpClientOptions>;
  /** Called when a token was obtained or refreshed (for --verbose). */
  onToken?: (how: string) => void;
}

/**
 * Hands out a valid access token: the stored one while it is fresh, else a refreshed one
 * (refresh_token grant), else a new one (client-credentials grant) when allowed. Concurrent callers
 * share one refresh.
 */
export class OAuthTokenProvider {
  private readonly http: HttpClient;
  private readonly now: () => number;
  private inflight?: Promise<StoredToken>;
  private current?: StoredToken;

  constructor(private readonly opts: OAuthTokenProviderOptions) {
    const url = new URL(opts.client.tokenUrl);
    this.http = new HttpClient({ vendor: opts.client.vendor, baseUrl: url.origin, retry: { maxRetries: 2 }, ...(opts.http ?? {}) });
    this.now = opts.now ?? Date.now;
    if (opts.client.clientSecret) registerSecret(opts.client.clientSecret);
  }

  private fresh(t: StoredToken | undefined): t is StoredToken {
    return Boolean(t && (t.expires_at === undefined || t.expires_at - (this.opts.skewMs ?? 120_000) > this.now()));
  }

  /** A valid access token (obtains or refreshes one when needed). */
  async accessToken(): Promise<string> {
    this.current ??= this.opts.store.load();
    if (this.fresh(this.current)) return this.current.access_token;
    return (await this.renew(this.current)).access_token;
  }

  /** Forces a new token (after a 401). True when one was obtained. */
  async refresh(): Promise<boolean> {
    const stale = this.current ?? this.opts.store.load();
    try {
      const next = await this.renew(stale, true);
      return next.access_token !== stale?.access_token;
    } catch (err) {
      if (err instanceof DeskctlError) throw err;
      return false;
    }
  }

  private renew(stale: StoredToken | undefined, force = false): Promise<StoredToken> {
    this.inflight ??= this.doRenew(stale, force).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async doRenew(stale: StoredToken | undefined, force: boolean): Promise<StoredToken> {
    // another process may have refreshed it meanwhile (cron + interactive)
    const stored = this.opts.store.load();
    if (stored && stored.access_token !== stale?.access_token && this.fresh(stored)) {
      this.current = stored;
      return stored;
    }
    const cfg = this.opts.client;
    const refreshUsable = stale?.refresh_token && (stale.refresh_expires_at === undefined || stale.refresh_expires_at > this.now());
    let token: StoredToken | undefined;
    if (refreshUsable) {
      try {
        token = await requestToken(this.http, cfg, { grant_type: 'refresh_token', refresh_token: stale!.refresh_token! }, this.now(), stale);
        this.opts.onToken?.('refreshed the OAuth access token');
      } catch (err) {
        if (!(err instanceof AuthError) || !this.canClientCredentials()) throw err;
      }
    }
    if (!token && this.canClientCredentials()) {
      token = await requestToken(this.http, cfg, { grant_type: 'client_credentials' }, this.now());
      this.opts.onToken?.('obtained an OAuth access token (client-credentials grant)');
    }
    if (!token) {
      if (stale && !force && stale.expires_at === undefined) return stale;
      throw new AuthError(
        stale ? `the ${cfg.vendor} OAuth session has expired and cannot be refreshed` : `not signed in to ${cfg.vendor}`,
        cfg.loginHint,
      );
    }
    await this.opts.store.save(token);
    this.current = token;
    return token;
  }

  private canClientCredentials(): boolean {
    return this.opts.allowClientCredentials && Boolean(this.opts.client.clientSecret);
  }

  /** The AuthStrategy for the API client: bearer token, refreshed on 401. */
  auth(label = 'OAuth token'): AuthStrategy {
    return {
      headers: async () => ({ authorization: `Bearer ${await this.accessToken()}` }),
      refresh: () => this.refresh(),
      label,
    };
  }

  close(): void {
    this.http.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Authorization code + PKCE on a loopback redirect

const b64url = (buf: Buffer) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** RFC 7636: a 43-char verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

export interface LoopbackLoginOptions {
  client: OAuthClientConfig;
  /** Absolute authorization endpoint URL. */
  authorizeUrl: string;
  /** Loopback port for the redirect (0 = any free port; the redirect URL must be registered with the OAuth client). */
  port: number;
  /** Path of the redirect URL (default /callback). */
  callbackPath?: string;
  /** Host in the redirect URL: 127.0.0.1 (default) or localhost. */
  redirectHost?: '127.0.0.1' | 'localhost';
  /** Shown to the user: the URL to open (always printed, in case no browser opens). */
  announce: (authorizeUrl: string, redirectUri: string) => void;
  /** Opens the browser (best effort). */
  openBrowser?: (url: string) => Promise<void> | void;
  timeoutMs?: number;
  extraAuthorizeParams?: Record<string, string>;
  now?: () => number;
  http?: Partial<HttpClientOptions>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Runs the authorization-code grant with PKCE: listens on 127.0.0.1, sends the user to the authorization
 * page, receives the code on the redirect, checks `state`, and exchanges the code (with the verifier).
 */
export async function loopbackLogin(opts: LoopbackLoginOptions): Promise<StoredToken> {
  const { verifier, challenge } = pkcePair();
  const state = b64url(randomBytes(16));
  const path = opts.callbackPath ?? '/callback';
  const host = opts.redirectHost ?? '127.0.0.1';
  const now = opts.now ?? Date.now;

  let resolveCode!: (code: string) => void;
  let rejectCode!: (err: Error) => void;
  const codeP = new Promise<string>((res, rej) => {
    resolveCode = res;
    rejectCode = rej;
  });
  // the rejection is consumed by the race below; this keeps an early one from counting as unhandled
  codeP.catch(() => undefined);

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const error = url.searchParams.get('error');
    if (error) {
      const desc = url.searchParams.get('error_description') ?? error;
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in failed', escapeHtml(desc)));
      rejectCode(new AuthError(`${opts.client.vendor} did not authorize deskctl: ${desc}`, 'run deskctl login again and approve the request'));
      return;
    }
    if (url.searchParams.get('state') !== state) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in failed', 'The answer did not match this login attempt.'));
      rejectCode(new AuthError('the OAuth redirect carried a wrong state parameter (possible forgery); nothing was stored', 'run deskctl login again'));
      return;
    }
    const code = url.searchParams.get('code');
    if (!code) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in failed', 'No authorization code received.'));
      rejectCode(new AuthError('the OAuth redirect carried no authorization code', 'run deskctl login again'));
      return;
    }
    registerSecret(code);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(PAGE('deskctl is signed in', 'You can close this window and return to the terminal.'));
    resolveCode(code);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new DeskctlError(`port ${opts.port} on 127.0.0.1 is in use`, { hint: 'pass another --port (and register that redirect URL with the OAuth client)' })
          : err,
      ),
    );
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = `http://${host}:${port}${path}`;

  const authorize = new URL(opts.authorizeUrl);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: opts.client.clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(opts.client.scopes?.length ? { scope: opts.client.scopes.join(' ') } : {}),
    ...(opts.extraAuthorizeParams ?? {}),
  };
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);

  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AuthError(`no answer from the ${opts.client.vendor} sign-in page within ${Math.round(timeoutMs / 1000)} s`, 'run deskctl login again')),
      timeoutMs,
    );
  });
  try {
    opts.announce(authorize.href, redirectUri);
    if (opts.openBrowser) {
      // best effort, not awaited: the URL was printed and the user can open it by hand
      void Promise.resolve()
        .then(() => opts.openBrowser!(authorize.href))
        .catch(() => undefined);
    }
    const code = await Promise.race([codeP, timeout]);
    const tokenUrl = new URL(opts.client.tokenUrl);
    const http = new HttpClient({ vendor: opts.client.vendor, baseUrl: tokenUrl.origin, retry: { maxRetries: 1 }, ...(opts.http ?? {}) });
    try {
      return await requestToken(
        http,
        opts.client,
        { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
        now(),
      ).then((t) => ({ ...t, grant: 'authorization_code' as const }));
    } finally {
      http.close();
    }
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Opens a URL in the user's browser: $BROWSER if set, else the platform's opener. Best effort. */
export async function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { spawn } = await import('node:child_process');
  const cmd = env.BROWSER || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: process.platform !== 'win32', shell: false });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
