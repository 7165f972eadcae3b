/** Zendesk Support provider: profile -> credentials, HTTP client (rate limits, retries) and provider. */
import { ConfigError } from '../../errors.js';
import { checkBaseUrl, createHttpClient, sharedRateLimiter, type Headers, type VendorHooks } from '../http.js';
import type { HelpdeskProvider } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { authMethodOf, zendeskAuth } from './auth.js';
import { ZendeskProvider } from './provider.js';

export { ZendeskProvider } from './provider.js';

/** Requests per minute when neither --rate-limit nor the profile says: Zendesk Suite Team's 200. */
export const ZENDESK_DEFAULT_RATE_LIMIT = 200;

const first = (h: Headers, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export const zendeskHooks = (profileName: string, method: 'oauth' | 'token'): VendorHooks => ({
  errorMessage(body) {
    if (!body || typeof body !== 'object') return typeof body === 'string' && body ? body.slice(0, 300) : undefined;
    const b = body as { error?: unknown; description?: unknown; details?: Record<string, { description?: string }[]> };
    const parts: string[] = [];
    if (typeof b.error === 'string') parts.push(b.error);
    else if (b.error && typeof b.error === 'object') {
      const e = b.error as { title?: string; message?: string };
      if (e.title || e.message) parts.push([e.title, e.message].filter(Boolean).join(': '));
    }
    if (typeof b.description === 'string') parts.push(b.description);
    for (const [field, list] of Object.entries(b.details ?? {})) {
      for (const d of Array.isArray(list) ? list : []) if (d?.description) parts.push(`${field}: ${d.description}`);
    }
    return parts.length ? parts.join(' - ') : undefined;
  },
  rateLimitWait(headers) {
    // newer per-endpoint headers: ratelimit-reset (seconds until the window resets)
    const reset = Number(first(headers, 'ratelimit-reset'));
    return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
  },
  quotaExhaustedUntil(headers, nowMs) {
    const remaining = first(headers, 'x-rate-limit-remaining') ?? first(headers, 'ratelimit-remaining');
    const reset = Number(first(headers, 'ratelimit-reset'));
    if (remaining === '0' && Number.isFinite(reset) && reset > 0) return nowMs + reset * 1000;
    return undefined;
  },
  authHint:
    method === 'token'
      ? `check the agent email and API token of profile '${profileName}' (API tokens stop working on 30 April 2027: switch with 'deskctl login --profile ${profileName}')`
      : `run 'deskctl login --profile ${profileName}' to sign in again, or check the OAuth client id and secret`,
  forbiddenHint: 'the Zendesk user behind these credentials lacks the permission (or the OAuth token the scope) for this',
});

export async function createZendeskProvider(ctx: ProviderContext): Promise<HelpdeskProvider> {
  const { profile, profileName } = ctx;
  if (!profile.url) {
    throw new ConfigError(`profile '${profileName}' has no Zendesk URL`, `set it with 'deskctl profile add zendesk --name ${profileName} --url https://SUBDOMAIN.zendesk.com --force'`);
  }
  const base = checkBaseUrl(profile.url, 'Zendesk');
  const origin = base.origin;
  const method = authMethodOf(profile);
  const auth = zendeskAuth(ctx, origin);
  const http = createHttpClient(ctx, {
    kind: 'zendesk',
    vendor: 'Zendesk',
    baseUrl: origin,
    auth: auth.strategy,
    defaultRateLimit: ZENDESK_DEFAULT_RATE_LIMIT,
    hooks: zendeskHooks(profileName, method),
  });
  ctx.io.debug(`zendesk: ${origin}, auth ${auth.label}, client-side limit ${http.limiter?.perMinute}/min`);
  const opt = (k: string): number | undefined => {
    const v = Number(profile.options?.[k]);
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const scale = opt('csatScale');
  return new ZendeskProvider({
    http,
    auth,
    io: ctx.io,
    baseUrl: origin,
    incrementalLimiter: sharedRateLimiter(`zendesk-incremental:${profileName}`, { perMinute: opt('incrementalRateLimit') ?? 10 }),
    searchExportLimiter: sharedRateLimiter(`zendesk-search-export:${profileName}`, { perMinute: opt('searchExportRateLimit') ?? 100 }),
    csatScale: scale === 2 ? 2 : scale === 5 ? 5 : undefined,
    pageSize: opt('pageSize'),
    agent: profile.agent,
    now: () => ctx.clock.now(),
  });
}
