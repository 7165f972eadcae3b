/**
 * `deskctl login` for Zendesk: the authorization-code grant with PKCE on a loopback redirect (a user signs in
 * in the browser), or the client-credentials grant (confidential clients, for cron). The token is stored in
 * the profile's secrets (mode 0600) and refreshed automatically afterwards.
 */
import type { ConfigStore } from '../../config/config-store.js';
import type { Profile } from '../../config/profile.js';
import { ConfigError } from '../../errors.js';
import type { IO } from '../../output/io.js';
import { checkBaseUrl, HttpClient } from '../http.js';
import { loopbackLogin, profileTokenStore, requestToken, type StoredToken } from '../oauth.js';
import { DEFAULT_SCOPES, zendeskAuthorizeUrl, zendeskOAuthClient } from './auth.js';

export const DEFAULT_REDIRECT_PORT = 47615;

export interface ZendeskLoginOptions {
  profileName: string;
  profile: Profile;
  config: ConfigStore;
  io: IO;
  port?: number;
  scopes?: string[];
  clientCredentials?: boolean;
  openBrowser?: (url: string) => Promise<void> | void;
  timeoutMs?: number;
}

export interface LoginResult {
  grant: StoredToken['grant'];
  expiresAt?: string;
  scope?: string;
  redirectUri?: string;
}

export async function zendeskLogin(o: ZendeskLoginOptions): Promise<LoginResult> {
  const { profile, profileName, config, io } = o;
  if (!profile.url) throw new ConfigError(`profile '${profileName}' has no Zendesk URL`, `run 'deskctl profile add zendesk --name ${profileName} --url https://SUBDOMAIN.zendesk.com --client-id ID --force'`);
  if (!profile.clientId) {
    throw new ConfigError(
      `profile '${profileName}' has no OAuth client id`,
      `create an OAuth client in Zendesk Admin Center (Apps and integrations > APIs > OAuth clients), then 'deskctl profile add zendesk --name ${profileName} --url ${profile.url} --client-id ID --force'`,
    );
  }
  const origin = checkBaseUrl(profile.url, 'Zendesk').origin;
  const secret = config.getSecret(profileName, 'client_secret', profile.clientSecretEnv);
  const scopes = o.scopes?.length ? o.scopes : typeof profile.options?.scopes === 'string' ? String(profile.options.scopes).split(/[\s,]+/).filter(Boolean) : DEFAULT_SCOPES;
  const client = zendeskOAuthClient(origin, profileName, profile.clientId, secret, scopes);
  const trace = io.verbose ? (l: string) => io.debug(l) : undefined;
  let token: StoredToken;
  let redirectUri: string | undefined;
  if (o.clientCredentials) {
    if (!secret) {
      throw new ConfigError(
        `the client-credentials grant needs the OAuth client secret of profile '${profileName}'`,
        `set it with 'deskctl profile add zendesk --name ${profileName} --client-secret-env VAR --force' (or --with-token to store it)`,
      );
    }
    const http = new HttpClient({ vendor: 'Zendesk', baseUrl: origin, trace, retry: { maxRetries: 2 } });
    try {
      token = await requestToken(http, client, { grant_type: 'client_credentials' }, Date.now());
    } finally {
      http.close();
    }
  } else {
    token = await loopbackLogin({
      client,
      authorizeUrl: zendeskAuthorizeUrl(origin),
      port: o.port ?? Number(profile.options?.redirectPort ?? DEFAULT_REDIRECT_PORT),
      announce: (url, redirect) => {
        redirectUri = redirect;
        io.info(`Sign in to Zendesk in your browser. If it does not open, visit:\n  ${url}`);
        io.info(`Waiting for Zendesk to redirect to ${redirect} (this URL must be a redirect URL of OAuth client '${profile.clientId}')...`);
      },
      openBrowser: o.openBrowser,
      timeoutMs: o.timeoutMs,
      http: { trace },
    });
  }
  await profileTokenStore(config, profileName).save(token);
  // a profile that used an API token switches to OAuth once signed in
  if (profile.auth !== 'oauth') await config.setProfile(profileName, { ...profile, auth: 'oauth' });
  return {
    grant: token.grant,
    expiresAt: token.expires_at ? new Date(token.expires_at).toISOString() : undefined,
    scope: token.scope,
    redirectUri,
  };
}
