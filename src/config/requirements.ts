import type { Profile, ProviderKind } from './profile.js';

/** A secret a provider needs: its key in secrets.json and the profile field naming an env var for it. */
export interface SecretSpec {
  key: 'token' | 'password' | 'client_secret';
  envField: 'tokenEnv' | 'passwordEnv' | 'clientSecretEnv';
  label: string;
  /** Not needed in every setup (e.g. a public OAuth client signs in with PKCE and has no secret). */
  optional?: boolean;
}

const TOKEN: SecretSpec = { key: 'token', envField: 'tokenEnv', label: 'API token' };
const PASSWORD: SecretSpec = { key: 'password', envField: 'passwordEnv', label: 'password' };
const CLIENT_SECRET: SecretSpec = { key: 'client_secret', envField: 'clientSecretEnv', label: 'OAuth client secret' };

export interface ProviderRequirements {
  label: string;
  /** Profile fields that must be set, with the flag that sets them. */
  fields: Array<{ field: keyof Profile; flag: string; prompt: string; example?: string }>;
  /** The secrets this auth method needs (one of them may come from an env var instead). */
  secrets: SecretSpec[];
}

/** What `profile add` asks for, per helpdesk and auth method. */
export function requirementsFor(kind: ProviderKind, profile: Partial<Profile>): ProviderRequirements {
  const url = (example: string) => ({ field: 'url' as const, flag: '--url', prompt: 'Helpdesk URL', example });
  switch (kind) {
    case 'zendesk':
      // an OAuth access token handed over in the environment (CI) is used as it is: no client to sign in with
      if (profile.auth !== 'token' && profile.tokenEnv && !profile.user && !profile.clientId) return { label: 'Zendesk (OAuth access token)', fields: [url('https://acme.zendesk.com')], secrets: [] };
      return profile.auth === 'token' || (profile.user && !profile.clientId)
        ? { label: 'Zendesk (API token)', fields: [url('https://acme.zendesk.com'), { field: 'user', flag: '--user', prompt: 'Agent email' }], secrets: [TOKEN] }
        : { label: 'Zendesk (OAuth)', fields: [url('https://acme.zendesk.com'), { field: 'clientId', flag: '--client-id', prompt: 'OAuth client id' }], secrets: [{ ...CLIENT_SECRET, label: 'OAuth client secret (empty for a public client; then run deskctl login)', optional: true }] };
    case 'freshdesk':
      return { label: 'Freshdesk', fields: [url('https://acme.freshdesk.com')], secrets: [TOKEN] };
    case 'helpscout':
      if (profile.tokenEnv && !profile.clientId) return { label: 'Help Scout (OAuth access token)', fields: [], secrets: [] };
      return { label: 'Help Scout', fields: [{ field: 'clientId', flag: '--client-id', prompt: 'OAuth app id' }], secrets: [CLIENT_SECRET] };
    case 'front':
      return { label: 'Front', fields: [], secrets: [TOKEN] };
    case 'intercom':
      return { label: 'Intercom', fields: [], secrets: [TOKEN] };
    case 'rt':
      return profile.auth === 'token' || profile.tokenEnv
        ? { label: 'Request Tracker (auth token)', fields: [url('https://rt.example.org')], secrets: [TOKEN] }
        : { label: 'Request Tracker', fields: [url('https://rt.example.org'), { field: 'user', flag: '--user', prompt: 'RT user' }], secrets: [PASSWORD] };
    default:
      return { label: 'embedded helpdesk', fields: [], secrets: [] };
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** https, or plain http for a helpdesk on this machine only. Returns an error message or undefined. */
export function checkBaseUrl(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `'${raw}' is not a URL`;
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname)) return undefined;
  if (u.protocol === 'http:') return `plain http:// is refused for ${u.hostname}: credentials would cross the network unencrypted`;
  return `unsupported URL scheme ${u.protocol}`;
}
