/**
 * Front provider factory: profile -> HTTP client -> FrontProvider.
 *
 * Profile: the API token in the environment variable named by `tokenEnv`, or in the profile's secrets as
 * `token`; `url` only to point at another server (tests), default https://api2.frontapp.com; `agent`
 * (teammate email or id) for "me" and as the author of replies; options.snoozeHours (default 24);
 * options.messageFacts windowed | always | never (when listing reads each conversation's messages for
 * first response and reply counts; default windowed = only for created/updated/solved-since queries).
 */
import { ConfigError } from '../../errors.js';
import { bearerAuth, createHttpClient, type Headers, type VendorHooks } from '../http.js';
import type { HelpdeskProvider } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { FrontProvider } from './provider.js';

export const FRONT_API_URL = 'https://api2.frontapp.com';
/** Requests per minute when the profile does not say: Front's Starter plan (Professional 100, Enterprise 200). */
export const FRONT_DEFAULT_RATE_LIMIT = 50;

const header1 = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * x-ratelimit-reset as epoch ms. Front documents it as the Unix time the window resets; a small number
 * is read as seconds from now, a 13-digit one as milliseconds.
 */
export function resetAtMs(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n > 1e12) return n;
  if (n > 1e9) return n * 1000;
  return nowMs + n * 1000;
}

export const frontHooks = (profileName: string, tokenEnv?: string): VendorHooks => ({
  errorMessage(body) {
    if (body && typeof body === 'object' && '_error' in body) {
      const e = (body as { _error?: { title?: string; message?: string } })._error;
      const parts = [e?.title, e?.message].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
      return parts.length ? parts.join(': ') : undefined;
    }
    return undefined;
  },
  rateLimitWait(headers, nowMs) {
    const at = resetAtMs(header1(headers, 'x-ratelimit-reset'), nowMs);
    return at === undefined ? undefined : Math.max(0, at - nowMs);
  },
  quotaExhaustedUntil(headers, nowMs) {
    if (header1(headers, 'x-ratelimit-remaining') !== '0') return undefined;
    return resetAtMs(header1(headers, 'x-ratelimit-reset'), nowMs);
  },
  authHint: `check the API token of profile '${profileName}'${tokenEnv ? ` in $${tokenEnv}` : ''} (Front: Settings > Developers > API tokens)`,
  forbiddenHint: 'the API token lacks the scope for this (Front API tokens have per-resource scopes)',
});

export async function createFrontProvider(ctx: ProviderContext): Promise<HelpdeskProvider> {
  const { profile, profileName } = ctx;
  const token = ctx.config.getSecret(profileName, 'token', profile.tokenEnv);
  if (!token) {
    throw new ConfigError(
      `no Front API token for profile '${profileName}'`,
      profile.tokenEnv
        ? `set ${profile.tokenEnv} to the token (Front: Settings > Developers > API tokens)`
        : `store it with 'deskctl profile add front --name ${profileName} ...', or set tokenEnv to an environment variable holding it`,
    );
  }
  const snooze = Number(profile.options?.snoozeHours);
  const factsOpt = profile.options?.messageFacts;
  if (factsOpt !== undefined && !['windowed', 'always', 'never'].includes(String(factsOpt))) {
    throw new ConfigError(`profile '${profileName}': options.messageFacts must be windowed, always or never (not '${String(factsOpt)}')`, `fix it with 'deskctl profile add front --name ${profileName} --force ... --option messageFacts=windowed'`);
  }
  const http = createHttpClient(ctx, {
    kind: 'front',
    vendor: 'Front',
    baseUrl: profile.url ?? FRONT_API_URL,
    auth: bearerAuth(token, undefined, 'API token'),
    defaultRateLimit: FRONT_DEFAULT_RATE_LIMIT,
    hooks: frontHooks(profileName, profile.tokenEnv),
  });
  return new FrontProvider({
    http,
    agentRef: profile.agent,
    snoozeHours: Number.isFinite(snooze) && snooze > 0 ? snooze : undefined,
    messageFacts: factsOpt === undefined ? undefined : (String(factsOpt) as 'windowed' | 'always' | 'never'),
    now: () => ctx.clock.now(),
  });
}
