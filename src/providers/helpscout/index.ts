/**
 * Help Scout provider factory: profile -> OAuth token provider -> HTTP client -> HelpScoutProvider.
 *
 * Profile: `clientId` (the App ID of an app under Your Profile > My Apps) and the App Secret in the
 * environment variable named by `clientSecretEnv`, or in the profile's secrets as `client_secret`.
 * `url` overrides the API origin (https://api.helpscout.net). The access token is cached in the
 * profile's secrets (`oauth_token`) and renewed before it expires and on 401.
 */
import { ConfigError } from '../../errors.js';
import { bearerAuth, checkBaseUrl, createHttpClient, type AuthStrategy, type Headers } from '../http.js';
import { headerValue } from '../vendor-json.js';
import { OAuthTokenProvider, profileTokenStore } from '../oauth.js';
import type { HelpdeskProvider } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { HelpScoutProvider } from './provider.js';

export const HELPSCOUT_API = 'https://api.helpscout.net';
/** Requests per minute when the profile does not say (Help Scout's limit depends on the plan). */
export const HELPSCOUT_DEFAULT_RATE_LIMIT = 200;


/** X-RateLimit-Retry-After: seconds until the limit refreshes (sent once it is reached). */
export function helpScoutRetryAfterMs(headers: Headers): number | undefined {
  const v = headerValue(headers, 'x-ratelimit-retry-after');
  if (v === undefined || !/^\d+(\.\d+)?$/.test(v.trim())) return undefined;
  return Math.round(Number(v) * 1000);
}

/** Help Scout error bodies: `{ message, _embedded: { errors: [{ path, message }] } }`. */
export function helpScoutErrorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? body.slice(0, 300) : undefined;
  const b = body as { message?: unknown; error?: unknown; error_description?: unknown; _embedded?: { errors?: { path?: string; message?: string }[] } };
  const parts: string[] = [];
  const main = [b.message, b.error_description, b.error].find((x) => typeof x === 'string' && x);
  if (typeof main === 'string') parts.push(main);
  for (const e of b._embedded?.errors?.slice(0, 5) ?? []) if (e.message) parts.push(e.path ? `${e.path}: ${e.message}` : e.message);
  return parts.length ? parts.join('; ') : undefined;
}

export async function createHelpScoutProvider(ctx: ProviderContext): Promise<HelpdeskProvider> {
  const { profile, profileName } = ctx;
  const origin = checkBaseUrl((profile.url ?? HELPSCOUT_API).trim(), 'Help Scout');
  const base = `${origin.origin}${origin.pathname.replace(/\/+$/, '').replace(/\/v2$/, '')}`;
  // an OAuth access token handed over in the environment (CI): used as it is, no App ID needed
  if (profile.tokenEnv && !profile.clientId) {
    const direct = process.env[profile.tokenEnv];
    if (!direct) throw new ConfigError(`the environment variable ${profile.tokenEnv} (Help Scout access token of profile '${profileName}') is not set`, `export ${profile.tokenEnv}=...`);
    return helpScoutProvider(ctx, base, bearerAuth(direct, undefined, 'OAuth token'));
  }
  if (!profile.clientId) {
    throw new ConfigError(
      `profile '${profileName}' has no Help Scout client id`,
      `add it: deskctl profile add helpscout --name ${profileName} --client-id APP_ID (Help Scout: Your Profile > My Apps)`,
    );
  }
  const secret = ctx.config.getSecret(profileName, 'client_secret', profile.clientSecretEnv);
  if (!secret) {
    throw new ConfigError(
      `no Help Scout client secret for profile '${profileName}'`,
      profile.clientSecretEnv
        ? `set ${profile.clientSecretEnv} to the App Secret (Help Scout: Your Profile > My Apps)`
        : `store it with 'deskctl profile add helpscout --name ${profileName} ...', or set clientSecretEnv to an environment variable holding it`,
    );
  }
  const loginHint = `check the App ID and App Secret of profile '${profileName}' (Help Scout: Your Profile > My Apps)${profile.clientSecretEnv ? ` and $${profile.clientSecretEnv}` : ''}`;
  const tokens = new OAuthTokenProvider({
    client: { vendor: 'Help Scout', tokenUrl: `${base}/v2/oauth2/token`, clientId: profile.clientId, clientSecret: secret, loginHint },
    store: profileTokenStore(ctx.config, profileName),
    allowClientCredentials: true,
    http: { trace: ctx.io.verbose ? (line) => ctx.io.debug(line) : undefined },
    onToken: (how) => ctx.io.debug(`Help Scout: ${how}`),
  });
  const provider = helpScoutProvider(ctx, base, tokens.auth(), loginHint);
  const close = provider.close.bind(provider);
  provider.close = async () => {
    tokens.close();
    await close();
  };
  return provider;
}

function helpScoutProvider(ctx: ProviderContext, base: string, auth: AuthStrategy, loginHint = `check the access token in $${ctx.profile.tokenEnv}`): HelpScoutProvider {
  const { profile } = ctx;
  const http = createHttpClient(ctx, {
    kind: 'helpscout',
    vendor: 'Help Scout',
    baseUrl: `${base}/v2`,
    auth,
    defaultRateLimit: HELPSCOUT_DEFAULT_RATE_LIMIT,
    hooks: {
      errorMessage: (body) => helpScoutErrorMessage(body),
      rateLimitWait: (headers) => helpScoutRetryAfterMs(headers),
      quotaExhaustedUntil: (headers, nowMs) => {
        if (headerValue(headers, 'x-ratelimit-remaining-minute') !== '0') return undefined;
        const wait = helpScoutRetryAfterMs(headers);
        return wait !== undefined ? nowMs + wait : undefined;
      },
      authHint: loginHint,
      forbiddenHint: 'the Help Scout user behind this app lacks access to this (mailbox permissions or plan)',
    },
  });
  return new HelpScoutProvider({
    http,
    agentRef: profile.agent,
    now: () => ctx.clock.now(),
    warn: (m) => ctx.io.warn(m),
    embedThreads: !(profile.options?.embedThreads === false || profile.options?.embedThreads === 'false'),
  });
}
