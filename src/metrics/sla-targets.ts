import type { Channel, Ticket } from '../domain/model.js';
import type { SlaTargets } from '../config/profile.js';

/**
 * Default first-response targets in seconds per channel (DESIGN.md). Channels without a target
 * (api, other) are left out of SLA attainment unless the profile sets one (`profile.sla`).
 */
export const DEFAULT_SLA_TARGETS: Readonly<Partial<Record<Channel, number>>> = Object.freeze({
  chat: 60,
  email: 24 * 3600,
  social: 3600,
  /** Answered live: a phone ticket meets its target only when the first response is at creation. */
  phone: 0,
  web: 24 * 3600,
});

/** The profile's targets (`sla: { chat: 120 }`) over the defaults. */
export function resolveSlaTargets(profileSla?: SlaTargets | null): Partial<Record<Channel, number>> {
  const out: Partial<Record<Channel, number>> = { ...DEFAULT_SLA_TARGETS };
  for (const [ch, s] of Object.entries(profileSla ?? {})) {
    if (typeof s === 'number' && Number.isFinite(s) && s >= 0) out[ch as Channel] = s;
  }
  return out;
}

/** The target in seconds for a channel, or undefined when the channel has none. */
export function slaTargetFor(channel: Channel, targets: Partial<Record<Channel, number>> = DEFAULT_SLA_TARGETS): number | undefined {
  return targets[channel];
}

export type SlaOutcome = 'met' | 'missed' | 'pending' | 'no_target';

/**
 * Whether a ticket's first response met its channel's target:
 * - met: first public agent reply within the target (reply - creation <= target);
 * - missed: replied too late, or not replied and the target already passed at `now`;
 * - pending: not replied yet but still within the target (not counted either way);
 * - no_target: the channel has no target.
 */
export function slaOutcome(
  ticket: Pick<Ticket, 'channel' | 'createdAt' | 'firstResponseAt'>,
  targets: Partial<Record<Channel, number>>,
  now: Date,
): SlaOutcome {
  const first = ticket.firstResponseAt ? Date.parse(ticket.firstResponseAt) : null;
  return slaOutcomeMs(ticket.channel, Date.parse(ticket.createdAt), first, targets, now.getTime());
}

/** slaOutcome on epoch milliseconds (the streaming path: no date parsing per ticket). */
export function slaOutcomeMs(
  channel: Channel,
  created: number,
  firstResponse: number | null,
  targets: Partial<Record<Channel, number>>,
  now: number,
): SlaOutcome {
  const target = targets[channel];
  if (target === undefined) return 'no_target';
  if (firstResponse !== null) return (firstResponse - created) / 1000 <= target ? 'met' : 'missed';
  return (now - created) / 1000 > target ? 'missed' : 'pending';
}
