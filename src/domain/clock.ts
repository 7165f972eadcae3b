import { ConfigError } from '../errors.js';
import { toIsoInstant } from './dates.js';

export interface Clock {
  now(): Date;
}

/** "Now" for every command: DESKCTL_NOW (an ISO time, for tests and replays) or the system clock. */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const fixed = env.DESKCTL_NOW;
  if (!fixed) return { now: () => new Date() };
  const r = toIsoInstant(fixed);
  if (!r.ok) throw new ConfigError(`DESKCTL_NOW='${fixed}' is not an ISO time: ${r.reason}`, 'use e.g. DESKCTL_NOW=2026-11-25T09:00:00Z, or unset it');
  const t = r.date.getTime();
  return { now: () => new Date(t) };
}
