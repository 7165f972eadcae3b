/**
 * Zendesk credentials: OAuth first (a token from `deskctl login`, or the client-credentials grant for cron),
 * the API token (`email/token` basic auth) still accepted with a warning, because Zendesk retires API tokens
 * (no new tokens after October 2026; existing tokens stop working on 30 April 2027).
 */
import { AuthError, ConfigError } from '../../errors.js';
import { registerBasicAuth, registerSecret } from '../../output/redact.js';
import { basicAuth, bearerAuth, type AuthStrategy } from '../http.js';
import { OAuthTokenProvider, profileTokenStore, type OAuthClientConfig } from '../oauth.js';
import type { ProviderContext } from '../registry.js';

export const API_TOKEN_RETIREMENT = Date.parse('2027-04-30T00:00:00Z');
export const NO_NEW_TOKENS_AFTER = 'October 2026';
export const DEFAULT_SCOPES = ['read', 'write'];

export type ZendeskAuthMethod = 'oauth' | 'token';

export interface ZendeskAuth {
  method: ZendeskAuthMethod;
  strategy: AuthStrategy;
  /** Present for OAuth with a refreshable/obtainable token. */
  tokens?: OAuthTokenProvider;
  /** For messages: "OAuth (login)", "OAuth (client credentials)", "API token". */
  label: string;
}

export function zendeskOAuthClient(baseOrigin: string, profileName: string, clientId: string, clientSecret: string | undefined, scopes = DEFAULT_SCOPES): OAuthClientConfig {
  return {
    vendor: 'Zendesk',
    tokenUrl: `${baseOrigin}/oauth/tokens`,
    clientId,
    clientSecret,
    scopes,
    bodyFormat: 'json',
    loginHint: `run 'deskctl login --profile ${profileName}' to sign in again${clientSecret ? '' : ', or set the OAuth client secret for the client-credentials grant'}`,
  };
}

export const zendeskAuthorizeUrl = (baseOrigin: string) => `${baseOrigin}/oauth/authorizations/new`;

export function authMethodOf(profile: ProviderContext['profile']): ZendeskAuthMethod {
  const a = profile.auth?.toLowerCase();
  if (a === 'token' || a === 'api-token' || a === 'api_token') return 'token';
  if (a === 'oauth') return 'oauth';
  if (a) throw new ConfigError(`unknown Zendesk auth method '${profile.auth}'`, "use 'oauth' (recommended) or 'token'");
  return profile.user && !profile.clientId ? 'token' : 'oauth';
}

export function zendeskAuth(ctx: ProviderContext, baseOrigin: string): ZendeskAuth {
  const { profile, profileName, config } = ctx;
  const method = authMethodOf(profile);
  if (method === 'token') {
    if (!profile.user) {
      throw new ConfigError(`profile '${profileName}' uses a Zendesk API token but has no agent email`, `run 'deskctl profile add zendesk --name ${profileName} --user you@example.com --force ...'`);
    }
    const token = config.getSecret(profileName, 'token', profile.tokenEnv);
    if (!token) {
      throw new ConfigError(
        profile.tokenEnv ? `the environment variable ${profile.tokenEnv} (Zendesk API token of profile '${profileName}') is not set` : `profile '${profileName}' has no Zendesk API token stored`,
        profile.tokenEnv ? `export ${profile.tokenEnv}=...` : `store one with 'deskctl profile add zendesk --name ${profileName} --user ${profile.user} --with-token --force', or switch to OAuth with 'deskctl login'`,
      );
    }
    const user = `${profile.user}/token`;
    registerBasicAuth(user, token);
    const now = ctx.clock.now().getTime();
    if (!ctx.io.quiet) {
      ctx.io.warn(
        now >= API_TOKEN_RETIREMENT
          ? `Zendesk API tokens stopped working on 30 April 2027; profile '${profileName}' still uses one. Switch to OAuth: deskctl login --profile ${profileName}`
          : `profile '${profileName}' uses a Zendesk API token, and Zendesk issues no new tokens after ${NO_NEW_TOKENS_AFTER} and existing ones stop working on 30 April 2027. Switch to OAuth: deskctl login --profile ${profileName}`,
      );
    }
    return { method, strategy: basicAuth(user, token, 'API token'), label: 'API token' };
  }

  // OAuth: an access token given directly in the environment (CI), else the token store
  if (profile.tokenEnv) {
    const direct = process.env[profile.tokenEnv];
    if (direct) {
      registerSecret(direct);
      return { method, strategy: bearerAuth(direct, undefined, 'OAuth token'), label: `OAuth token from $${profile.tokenEnv}` };
    }
  }
  const secret = config.getSecret(profileName, 'client_secret', profile.clientSecretEnv);
  const store = profileTokenStore(config, profileName);
  const stored = store.load();
  if (!profile.clientId && !stored && profile.tokenEnv) {
    throw new ConfigError(`the environment variable ${profile.tokenEnv} (Zendesk OAuth access token of profile '${profileName}') is not set`, `export ${profile.tokenEnv}=...`);
  }
  if (!profile.clientId && !stored) {
    throw new ConfigError(`profile '${profileName}' has no OAuth client id`, `add one with 'deskctl profile add zendesk --name ${profileName} --client-id ID --force', then 'deskctl login'`);
  }
  if (!stored && !secret) {
    throw new AuthError(`not signed in to Zendesk with profile '${profileName}'`, `run 'deskctl login --profile ${profileName}', or set the OAuth client secret (--client-secret-env) for the client-credentials grant`);
  }
  const scopes = typeof profile.options?.scopes === 'string' ? String(profile.options.scopes).split(/[\s,]+/).filter(Boolean) : DEFAULT_SCOPES;
  const tokens = new OAuthTokenProvider({
    client: zendeskOAuthClient(baseOrigin, profileName, profile.clientId ?? '', secret, scopes),
    store,
    allowClientCredentials: true,
    now: () => Date.now(),
    http: { trace: ctx.io.verbose ? (l) => ctx.io.debug(l) : undefined },
    onToken: (how) => ctx.io.debug(`zendesk: ${how}`),
  });
  return {
    method,
    strategy: tokens.auth(),
    tokens,
    label: stored?.grant === 'authorization_code' || stored?.grant === 'refresh_token' ? 'OAuth (deskctl login)' : 'OAuth (client credentials)',
  };
}
