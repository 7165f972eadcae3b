/**
 * Basic auth for Request Tracker, made fast with a web session.
 *
 * RT checks a password with bcrypt on every basic-auth request (about half a second of server CPU each).
 * RT's REST2 also accepts the session cookie of its web UI, so deskctl logs in once
 * (POST /NoAuth/Login.html) and then sends only the session cookie. The session is kept for the next runs
 * in the profile's data folder (rt-session.json, mode 0600, with a salted scrypt fingerprint of the password
 * so that it is reused only with the same password) and used without a check of its own: RT answers a
 * cookie it no longer knows with a redirect to its login page (nothing done), on which deskctl logs in again
 * and repeats the request. When the login page gives no session, requests carry basic auth instead.
 * Set the profile option `session=false` to send basic auth only.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { redact, registerSecret } from '../../output/redact.js';
import { basicAuth, USER_AGENT, type AuthStrategy } from '../http.js';
import type { RtUser } from './map.js';

export interface RtSessionAuth extends AuthStrategy {
  /** The user the login page reported (undefined until the login ran, null when it failed). */
  loggedInUser(): Promise<RtUser | null>;
}

/** RT.CurrentUser = {...}; in the login page: the logged-in user, or {} when the login failed. */
export function parseLoginPage(html: string): RtUser | null {
  const m = /RT\.CurrentUser\s*=\s*(\{.*?\});\s*$/m.exec(html);
  if (!m) return null;
  try {
    const u = JSON.parse(m[1]!) as { id?: number; Name?: string; RealName?: string; EmailAddress?: string; Privileged?: boolean };
    if (!u.id || !u.Name) return null;
    return { id: String(u.id), Name: u.Name, RealName: u.RealName ?? null, EmailAddress: u.EmailAddress ?? null, Privileged: u.Privileged ? 1 : 0 };
  } catch {
    return null;
  }
}

/** The session cookie (name=value) from Set-Cookie headers. */
export function sessionCookie(setCookie: string[]): string | undefined {
  for (const c of setCookie) {
    const pair = c.split(';')[0]?.trim();
    if (pair && /^RT_SID_[^=]*=\w+$/.test(pair)) return pair;
  }
  return undefined;
}

interface SavedSession {
  webBase: string;
  user: string;
  cookie: string;
  who: RtUser;
  /** scrypt of the password the session was opened with (salt:hash, hex), so a changed password is checked again. */
  proof: string;
}

/**
 * A salted scrypt fingerprint of the password: the saved session is reused only with the same password.
 * N = 2^10 keeps it to about 10 ms per run; the file also holds the session cookie, a credential of its own.
 */
export function passwordProof(password: string, salt = randomBytes(16).toString('hex')): string {
  return `${salt}:${scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 }).toString('hex')}`;
}

export function proofMatches(proof: string, password: string): boolean {
  const [salt, hash] = proof.split(':');
  if (!salt || !hash) return false;
  const want = Buffer.from(passwordProof(password, salt).split(':')[1]!, 'hex');
  const got = Buffer.from(hash, 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}

function readSaved(file: string | undefined, webBase: string, user: string, password: string): SavedSession | undefined {
  if (!file) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as SavedSession;
    const fits = s.webBase === webBase && s.user === user && typeof s.cookie === 'string' && s.who?.Name && typeof s.proof === 'string';
    return fits && proofMatches(s.proof, password) ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeSaved(file: string, s: SavedSession): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  } catch {
    // a cache only: the next run logs in again
  }
}

export interface RtSessionOptions {
  trace?: (line: string) => void;
  /** Where to keep the session between runs (absent: per run only). */
  cacheFile?: string;
}

/** POST /NoAuth/Login.html: the logged-in user and the session cookie, or null for either when there is none. */
async function webLogin(webBase: string, user: string, password: string, trace?: (line: string) => void): Promise<{ who: RtUser | null; cookie?: string }> {
  const url = `${webBase}/NoAuth/Login.html`;
  const started = Date.now();
  try {
    const got = (await import('got')).default;
    const res = await got.post(url, {
      form: { user, pass: password },
      headers: { 'user-agent': USER_AGENT },
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: 30_000 },
    });
    const who = parseLoginPage(res.body);
    const setCookie = res.headers['set-cookie'] ?? [];
    const cookie = who ? sessionCookie(Array.isArray(setCookie) ? setCookie : [setCookie]) : undefined;
    if (cookie) registerSecret(cookie.split('=')[1]);
    trace?.(redact(`HTTP POST ${url} -> ${res.statusCode} (${Date.now() - started}ms): ${cookie ? `session for ${who?.Name}` : 'no session, using basic auth'}`));
    return { who, cookie };
  } catch (err) {
    trace?.(redact(`HTTP POST ${url} -> ${(err as Error).message}: using basic auth`));
    return { who: null };
  }
}

export function rtSessionAuth(webBase: string, user: string, password: string, opts: RtSessionOptions = {}): RtSessionAuth {
  const { trace, cacheFile } = opts;
  const basic = basicAuth(user, password, 'RT password');
  let cookie: string | undefined;
  let who: RtUser | null = null;
  let loginP: Promise<void> | undefined;
  /** The cookie a new login is replacing (so that concurrent refusals log in once). */
  let reloginFor: string | undefined;

  const login = async (): Promise<void> => {
    const r = await webLogin(webBase, user, password, trace);
    who = r.who;
    cookie = r.cookie;
    if (cacheFile && cookie && who) writeSaved(cacheFile, { webBase, user, cookie, who, proof: passwordProof(password) });
  };

  /** The saved session when it was opened with this password (used as it is: RT says when it has expired). */
  const start = async (): Promise<void> => {
    const saved = readSaved(cacheFile, webBase, user, password);
    if (saved) {
      registerSecret(saved.cookie.split('=')[1]);
      cookie = saved.cookie;
      who = saved.who;
      trace?.('RT: using the saved session');
      return;
    }
    await login();
  };

  return {
    label: 'RT password',
    refreshOn: [302],
    async headers() {
      await (loginP ??= start());
      return cookie ? { cookie } : ((await basic.headers()) as Record<string, string>);
    },
    /** The session was refused (expired, or RT lost its sessions): log in again, once for all the requests in flight. */
    async refresh() {
      if (!cookie) return false; // basic auth itself was refused: a real 401
      if (reloginFor !== cookie) {
        reloginFor = cookie;
        trace?.('RT: the saved session has expired, logging in again');
        loginP = login();
      }
      await loginP;
      return true;
    },
    async loggedInUser() {
      await (loginP ??= start());
      return who;
    },
  };
}
