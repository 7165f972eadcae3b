/**
 * Intercom provider factory: profile -> HTTP client -> IntercomProvider.
 *
 * Profile: the access token in the environment variable named by `tokenEnv`, or in the profile's secrets as
 * `token`; `region` us (default) | eu | au picks the API host; `url` overrides it (tests); `agent` (admin
 * email or id) acts for writes instead of the token's own admin; options.snoozeHours (default 24);
 * options.tickets auto | on | off (Intercom Tickets in listings; auto = when the workspace has customer tickets).
 * Every request carries `Intercom-Version: 2.14`.
 */
import { ConfigError } from '../../errors.js';
import { bearerAuth, createHttpClient, type Headers, type VendorHooks } from '../http.js';
import type { HelpdeskProvider } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { INTERCOM_VERSION, REGION_HOSTS, type IntercomRegion } from './map.js';
import { IntercomProvider } from './provider.js';

/**
 * Requests per minute when the profile does not say. Intercom allows 10,000 per minute per app
 * (25,000 per workspace), enforced in 10-second windows; deskctl stays well below.
 */
export const INTERCOM_DEFAULT_RATE_LIMIT = 1000;

const header1 = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** X-RateLimit-Reset: the Unix time (seconds) when the window resets, as epoch ms. */
export function intercomResetAtMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return n > 1e12 ? n : n * 1000;
}

export const intercomHooks = (profileName: string, tokenEnv?: string): VendorHooks => ({
  rateLimitWait(headers, nowMs) {
    const at = intercomResetAtMs(header1(headers, 'x-ratelimit-reset'));
    return at === undefined ? undefined : Math.max(0, at - nowMs);
  },
  quotaExhaustedUntil(headers) {
    if (header1(headers, 'x-ratelimit-remaining') !== '0') return undefined;
    return intercomResetAtMs(header1(headers, 'x-ratelimit-reset'));
  },
  authHint: `check the access token of profile '${profileName}'${tokenEnv ? ` in $${tokenEnv}` : ''} (Intercom: Developer Hub > your app > Authentication), and the region`,
  forbiddenHint: "the app's token lacks the permission for this (Intercom: Developer Hub > your app > Authentication > scopes)",
});

export function intercomBaseUrl(region: string | undefined, url: string | undefined, profileName: string): string {
  if (url) return url;
  const r = (region ?? 'us').toLowerCase();
  if (!(r in REGION_HOSTS)) {
    throw new ConfigError(`profile '${profileName}' has unknown Intercom region '${region}'`, 'use us, eu or au');
  }
  return REGION_HOSTS[r as IntercomRegion];
}

export async function createIntercomProvider(ctx: ProviderContext): Promise<HelpdeskProvider> {
  const { profile, profileName } = ctx;
  const baseUrl = intercomBaseUrl(profile.region, profile.url, profileName);
  const token = ctx.config.getSecret(profileName, 'token', profile.tokenEnv);
  if (!token) {
    throw new ConfigError(
      `no Intercom access token for profile '${profileName}'`,
      profile.tokenEnv
        ? `set ${profile.tokenEnv} to the token (Intercom: Developer Hub > your app > Authentication)`
        : `store it with 'deskctl profile add intercom --name ${profileName} ...', or set tokenEnv to an environment variable holding it`,
    );
  }
  const snooze = Number(profile.options?.snoozeHours);
  const tickets = profile.options?.tickets === undefined ? undefined : String(profile.options.tickets);
  if (tickets !== undefined && !['auto', 'on', 'off'].includes(tickets)) {
    throw new ConfigError(`profile '${profileName}': options.tickets must be auto, on or off (not '${tickets}')`, `fix it with 'deskctl profile add intercom --name ${profileName} --force ... --option tickets=auto'`);
  }
  const http = createHttpClient(ctx, {
    kind: 'intercom',
    vendor: 'Intercom',
    baseUrl,
    auth: bearerAuth(token, undefined, 'access token'),
    headers: { 'intercom-version': INTERCOM_VERSION },
    defaultRateLimit: INTERCOM_DEFAULT_RATE_LIMIT,
    hooks: intercomHooks(profileName, profile.tokenEnv),
  });
  return new IntercomProvider({
    http,
    agentRef: profile.agent,
    snoozeHours: Number.isFinite(snooze) && snooze > 0 ? snooze : undefined,
    tickets: tickets as 'auto' | 'on' | 'off' | undefined,
    now: () => ctx.clock.now(),
  });
}
