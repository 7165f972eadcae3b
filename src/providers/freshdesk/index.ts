/**
 * Freshdesk provider factory: profile -> HTTP client -> FreshdeskProvider.
 *
 * Profile: `url` (https://DOMAIN.freshdesk.com) and the API key in the environment variable named by
 * `tokenEnv`, or in the profile's secrets as `token`.
 */
import { ConfigError } from '../../errors.js';
import { basicAuth, checkBaseUrl, createHttpClient } from '../http.js';
import type { ProviderContext } from '../registry.js';
import type { HelpdeskProvider } from '../provider.js';
import { FreshdeskProvider } from './provider.js';

/** Requests per minute when the profile does not say: Freshdesk's Growth plan (Pro 400, Enterprise 700). */
export const FRESHDESK_DEFAULT_RATE_LIMIT = 200;

/** https://acme.freshdesk.com, https://acme.freshdesk.com/ or .../api/v2 -> the helpdesk's web address. */
export function freshdeskWebUrl(raw: string): string {
  const url = checkBaseUrl(raw.trim(), 'Freshdesk');
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
  return `${url.origin}${path}`;
}

export async function createFreshdeskProvider(ctx: ProviderContext): Promise<HelpdeskProvider> {
  const { profile, profileName } = ctx;
  if (!profile.url) {
    throw new ConfigError(
      `profile '${profileName}' has no Freshdesk URL`,
      `add it: deskctl profile add freshdesk --name ${profileName} --url https://DOMAIN.freshdesk.com`,
    );
  }
  const webUrl = freshdeskWebUrl(profile.url);
  const key = ctx.config.getSecret(profileName, 'token', profile.tokenEnv);
  if (!key) {
    throw new ConfigError(
      `no Freshdesk API key for profile '${profileName}'`,
      profile.tokenEnv
        ? `set ${profile.tokenEnv} to the API key (Freshdesk: Profile settings > View API key)`
        : `store it with 'deskctl profile add freshdesk --name ${profileName} ...', or set tokenEnv to an environment variable holding it`,
    );
  }
  const http = createHttpClient(ctx, {
    kind: 'freshdesk',
    vendor: 'Freshdesk',
    baseUrl: `${webUrl}/api/v2`,
    // the API key is the user name; Freshdesk ignores the password ("X" by convention)
    auth: basicAuth(key, 'X', 'API key'),
    defaultRateLimit: FRESHDESK_DEFAULT_RATE_LIMIT,
    hooks: {
      authHint: `check the API key of profile '${profileName}' (Freshdesk: Profile settings > View API key)${profile.tokenEnv ? ` in $${profile.tokenEnv}` : ''}`,
      forbiddenHint: 'the agent behind this API key lacks the permission for this (Freshdesk roles)',
    },
  });
  return new FreshdeskProvider({
    http,
    webUrl,
    agentRef: profile.agent,
    now: () => ctx.clock.now(),
    warn: (m) => ctx.io.warn(m),
    listMaxPages: typeof profile.options?.listMaxPages === 'number' ? profile.options.listMaxPages : undefined,
  });
}
