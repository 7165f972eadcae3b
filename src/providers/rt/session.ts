/**
 * Basic auth for Request Tracker, made fast with a web session.
 *
 * RT checks a password with bcrypt on every basic-auth request (about half a second of server CPU each).
 * RT's REST2 also accepts the session cookie of its web UI, so deskctl logs in once per run
 * (POST /NoAuth/Login.html) and sends the session cookie alongside the basic-auth header: while the
 * session is valid RT uses it (one bcrypt per run instead of one per request); when it is not (expired,
 * or the login page could not be read) RT falls back to the basic-auth header, so nothing breaks.
 * The session is kept for the next runs in the profile's data folder (rt-session.json, mode 0600, with a
 * salted scrypt fingerprint of the password so that it is reused only with the same password) and checked
 * with one cheap request before use. Set the profile option `session=false` to send basic auth only.
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

/** A slow, salted fingerprint of the password: the saved session is reused only with the same password. */
export function passwordProof(password: string, salt = randomBytes(16).toString('hex')): string {
  return `${salt}:${scryptSync(password, salt, 32, { N: 4096, r: 8, p: 1 }).toString('hex')}`;
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

export function rtSessionAuth(webBase: string, user: string, password: string, opts: RtSessionOptions = {}): RtSessionAuth {
  const { trace, cacheFile } = opts;
  const basic = basicAuth(user, password, 'RT password');
  let cookie: string | undefined;
  let who: RtUser | null = null;
  let loginP: Promise<void> | undefined;

  /** A saved session still logged in? (RT answers a cookie it does not know with a redirect to the login page.) */
  const reuse = async (saved: SavedSession): Promise<boolean> => {
    registerSecret(saved.cookie.split('=')[1]);
    const started = Date.now();
    try {
      const res = await fetch(`${webBase}/REST/2.0/rt`, { headers: { cookie: saved.cookie, 'user-agent': USER_AGENT }, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
      await res.arrayBuffer();
      trace?.(`HTTP GET ${webBase}/REST/2.0/rt -> ${res.status} (${Date.now() - started}ms): ${res.status === 200 ? 'saved session still valid' : 'saved session expired'}`);
      return res.status === 200;
    } catch {
      return false;
    }
  };

  const login = async (): Promise<void> => {
    const saved = readSaved(cacheFile, webBase, user, password);
    if (saved && (await reuse(saved))) {
      cookie = saved.cookie;
      who = saved.who;
      return;
    }
    const url = `${webBase}/NoAuth/Login.html`;
    const started = Date.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT },
        body: new URLSearchParams({ user, pass: password }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      const html = await res.text();
      who = parseLoginPage(html);
      const c = who ? sessionCookie(res.headers.getSetCookie()) : undefined;
      if (c) {
        registerSecret(c.split('=')[1]);
        cookie = c;
        if (cacheFile && who) writeSaved(cacheFile, { webBase, user, cookie: c, who, proof: passwordProof(password) });
      }
      trace?.(redact(`HTTP POST ${url} -> ${res.status} (${Date.now() - started}ms): ${c ? `session for ${who?.Name}` : 'no session, using basic auth'}`));
    } catch (err) {
      trace?.(redact(`HTTP POST ${url} -> ${(err as Error).message}: using basic auth`));
    }
  };

  return {
    label: 'RT password',
    async headers() {
      await (loginP ??= login());
      const h = (await basic.headers()) as Record<string, string>;
      return cookie ? { ...h, cookie } : h;
    },
    async loggedInUser() {
      await (loginP ??= login());
      return who;
    },
  };
}
