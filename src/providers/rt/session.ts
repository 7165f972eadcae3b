/**
 * Basic auth for Request Tracker, made fast with a web session.
 *
 * RT checks a password with bcrypt on every basic-auth request (about half a second of server CPU each).
 * RT's REST2 also accepts the session cookie of its web UI, so deskctl logs in once per run
 * (POST /NoAuth/Login.html) and sends the session cookie alongside the basic-auth header: while the
 * session is valid RT uses it (one bcrypt per run instead of one per request); when it is not (expired,
 * or the login page could not be read) RT falls back to the basic-auth header, so nothing breaks.
 * Set the profile option `session=false` to send basic auth only.
 */
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

export function rtSessionAuth(webBase: string, user: string, password: string, trace?: (line: string) => void): RtSessionAuth {
  const basic = basicAuth(user, password, 'RT password');
  let cookie: string | undefined;
  let who: RtUser | null = null;
  let loginP: Promise<void> | undefined;

  const login = async (): Promise<void> => {
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
