import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { Profile } from '../config/profile.js';
import { STATE_PASSWORD_SECRET } from './state-secret.js';

/** A PostgreSQL state URL, checked, with the form that may be shown (no password). */
export interface StateUrl {
  /** The URL as given, password included: only ever handed to the driver. */
  url: string;
  /** The URL without its password (user@host:port/db), for messages and `state status`. */
  shown: string;
  password?: string;
}

/** The URL without a password, in the userinfo or as a ?password= parameter. Never throws. */
export function urlWithoutPassword(raw: string): string {
  try {
    const u = new URL(raw);
    u.password = '';
    u.searchParams.delete('password');
    return u.toString();
  } catch {
    // unparseable: keep the scheme and the host part only, whatever sat before an '@' dropped
    return raw.replace(/\/\/[^/@]*@/, '//').replace(/([?&])password=[^&]*/g, '$1password=****');
  }
}

/** Checks a state URL (postgres:// or postgresql://, a host, a database); a malformed one is a ConfigError (exit 4). */
export function parseStateUrl(raw: string, source: string): StateUrl {
  const trimmed = raw.trim();
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    throw new ConfigError(`${source} is not a URL: ${urlWithoutPassword(trimmed)}`, 'use postgres://USER@HOST:PORT/DATABASE');
  }
  const shown = urlWithoutPassword(trimmed);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError(`${source} must be a postgres:// URL, not ${u.protocol}//...`, 'use postgres://USER@HOST:PORT/DATABASE');
  }
  if (!u.hostname && !u.searchParams.get('host')) {
    throw new ConfigError(`${source} names no host: ${shown}`, 'use postgres://USER@HOST:PORT/DATABASE');
  }
  const password = u.password ? decodeURIComponent(u.password) : u.searchParams.get('password') ?? undefined;
  return { url: trimmed, shown, password };
}

/** The URL with `password` set in it (a password kept apart from the URL, in an env var or secrets.json). */
export function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const u = new URL(url);
  if (u.password || u.searchParams.has('password')) return url;
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * Which helpdesk account a profile's state belongs to: agents whose profiles point at the same account
 * share one set of jobs, follow-ups and ledger, whatever they named their profiles. The embedded helpdesk
 * is a file of this machine, and a provider without a URL cannot tell accounts apart: the profile name then.
 */
export function stateAccount(profileName: string, profile: Profile): string {
  if (profile.stateNamespace) return `ns:${profile.stateNamespace}`;
  if (profile.provider === 'local' || !profile.url) return `${profile.provider}:profile:${profileName}`;
  let where = profile.url.trim().toLowerCase();
  try {
    const u = new URL(where);
    where = `${u.host}${u.pathname}`;
  } catch {
    /* keep as written */
  }
  return `${profile.provider}:${where.replace(/\/+$/, '')}`;
}

/** The PostgreSQL schema of an account: deskctl_<readable part>_<hash>, at most 63 characters. */
export function schemaForAccount(account: string): string {
  const slug = account
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(account).digest('hex').slice(0, 10);
  return `deskctl_${slug}_${hash}`;
}

/** Where a profile's state lives when it is in PostgreSQL. */
export interface PgStateTarget {
  /** With the password: for the driver only. */
  url: string;
  /** Without the password: for messages and `state status`. */
  shown: string;
  schema: string;
  /** The helpdesk account (or DESKCTL_STATE_NAMESPACE / stateNamespace) the schema stands for. */
  account: string;
  /** Which setting named the database, for messages. */
  source: string;
}

export interface StateSettingsInput {
  env: NodeJS.ProcessEnv;
  profileName: string;
  /** Undefined when the profile does not exist (then only DESKCTL_STATE_URL can select PostgreSQL). */
  profile?: Profile;
  /** A secret of the profile: from the env var it names, else secrets.json. */
  secret(key: string, envName?: string): string | undefined;
}


/**
 * PostgreSQL when DESKCTL_STATE_URL or the profile's stateUrl is set (the environment wins), else
 * undefined: the profile's SQLite file. A password kept apart from the URL comes from the env var the
 * profile names or secrets.json; PGPASSWORD and ~/.pgpass work as for any libpq client.
 */
export function resolveStateTarget(input: StateSettingsInput): PgStateTarget | undefined {
  const { env, profileName, profile } = input;
  const fromEnv = env.DESKCTL_STATE_URL?.trim();
  const source = fromEnv ? 'DESKCTL_STATE_URL' : `the state URL of profile '${profileName}'`;
  const raw = fromEnv || profile?.stateUrl?.trim();
  if (!raw) return undefined;
  const parsed = parseStateUrl(raw, source);
  const password = parsed.password ?? (profile?.stateUrl ? input.secret(STATE_PASSWORD_SECRET, profile.statePasswordEnv) : undefined);
  const explicit = env.DESKCTL_STATE_NAMESPACE?.trim();
  const account = explicit ? `ns:${explicit}` : stateAccount(profileName, profile ?? { provider: 'local' });
  return { url: withPassword(parsed.url, password), shown: parsed.shown, schema: schemaForAccount(account), account, source };
}
