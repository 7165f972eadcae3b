import { ConfigError } from '../errors.js';

export interface Clock {
  now(): Date;
}

/** "Now" for every command: DESKCTL_NOW (an ISO time, for tests and replays) or the system clock. */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const fixed = env.DESKCTL_NOW;
  if (!fixed) return { now: () => new Date() };
  const t = Date.parse(fixed);
  if (Number.isNaN(t)) throw new ConfigError(`DESKCTL_NOW='${fixed}' is not an ISO time`, 'use e.g. DESKCTL_NOW=2026-11-25T09:00:00Z, or unset it');
  return { now: () => new Date(t) };
}
