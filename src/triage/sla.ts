import type { Channel, Ticket } from '../domain/model.js';
import { isUnsolved } from '../domain/model.js';
import { DEFAULT_SLA_TARGETS, resolveSlaTargets, slaTargetFor } from '../metrics/sla-targets.js';

/**
 * First-response SLA clocks.
 *
 * Every channel has a first-response target (seconds from ticket creation to the first public agent
 * reply). The defaults and the profile override (`sla: { chat: 120, ... }`) are those of the SLA
 * attainment metric (src/metrics/sla-targets.ts, one copy for the whole tool): chat 60 s, email 24 h,
 * social 1 h, phone 0 s (answered live), web 24 h. Channels without a target (api, other) have no
 * clock unless the profile gives them one.
 */
export type SlaTargets = Partial<Record<Channel, number>>;
export { DEFAULT_SLA_TARGETS, resolveSlaTargets };

/** Share of the target left at which an unanswered ticket counts as at risk (25 %: 6 h of a 24 h target). */
export const DEFAULT_AT_RISK_FRACTION = 0.25;

/**
 * The state of a ticket's first-response clock:
 * - `met` / `breached`: answered within / after the target (breached also covers unanswered past due);
 * - `ok`: unanswered, more than the at-risk share of the target left;
 * - `at_risk`: unanswered, due soon;
 * - `none`: no clock runs: the channel has no target, or the ticket was closed without a public reply.
 */
export const SLA_STATES = ['ok', 'at_risk', 'breached', 'met', 'none'] as const;
export type SlaState = (typeof SLA_STATES)[number];

export interface SlaClock {
  state: SlaState;
  /** The ticket has a first public agent reply. */
  answered: boolean;
  /** The channel's target; null when the channel has none (state 'none'). */
  targetSeconds: number | null;
  /** createdAt + target (null without a target). */
  dueAt: Date | null;
  /**
   * Signed seconds to the deadline: positive = time left (unanswered) or margin (answered in time),
   * negative = overdue (unanswered) or how late the answer was. 0 without a target.
   */
  secondsToBreach: number;
  /** Seconds from creation to the first reply, when answered. */
  responseSeconds?: number;
}

export function slaTarget(channel: Channel, targets: SlaTargets = DEFAULT_SLA_TARGETS): number | undefined {
  return slaTargetFor(channel, targets);
}

/** The first-response clock of one ticket at `now`. Pure. */
export function slaClock(
  ticket: Pick<Ticket, 'channel' | 'createdAt' | 'firstResponseAt' | 'status'>,
  now: Date,
  targets: SlaTargets = DEFAULT_SLA_TARGETS,
  atRiskFraction = DEFAULT_AT_RISK_FRACTION,
): SlaClock {
  const target = slaTarget(ticket.channel, targets);
  const created = Date.parse(ticket.createdAt);
  const responded = ticket.firstResponseAt ? Date.parse(ticket.firstResponseAt) : null;
  const responseSeconds = responded === null ? undefined : Math.max(0, Math.round((responded - created) / 1000));
  if (target === undefined) {
    return { state: 'none', answered: responded !== null, targetSeconds: null, dueAt: null, secondsToBreach: 0, responseSeconds };
  }
  const dueMs = created + target * 1000;
  const base = { targetSeconds: target, dueAt: new Date(dueMs) };
  if (responded !== null) {
    // same rule as the SLA attainment metric: met when reply - creation <= target
    const met = (responded - created) / 1000 <= target;
    return { ...base, state: met ? 'met' : 'breached', answered: true, secondsToBreach: target - responseSeconds!, responseSeconds };
  }
  const secondsToBreach = Math.round((dueMs - now.getTime()) / 1000);
  if (!isUnsolved(ticket.status)) return { ...base, state: 'none', answered: false, secondsToBreach };
  let state: SlaState;
  if (now.getTime() - created > target * 1000 || (target === 0 && secondsToBreach <= 0)) state = 'breached';
  else if (secondsToBreach <= target * atRiskFraction) state = 'at_risk';
  else state = 'ok';
  return { ...base, state, answered: false, secondsToBreach };
}

/** "2h 5m", "45s", "3d 4h", "2d": the two most significant units, zero units left out. */
export function formatSeconds(total: number): string {
  const s = Math.abs(Math.round(total));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const first = units.findIndex(([, size]) => s >= size);
  if (first === -1) return '0s';
  const [name, size] = units[first]!;
  const n = Math.floor(s / size);
  const next = units[first + 1];
  const rest = next ? Math.floor((s - n * size) / next[1]) : 0;
  return rest > 0 ? `${n}${name} ${rest}${next![0]}` : `${n}${name}`;
}

/** One line for humans: "breached 2h 5m ago", "due in 40m", "met (answered in 12m)". */
export function describeSla(clock: SlaClock): string {
  switch (clock.state) {
    case 'met':
      return `met (answered in ${formatSeconds(clock.responseSeconds ?? 0)}, target ${formatSeconds(clock.targetSeconds ?? 0)})`;
    case 'breached':
      return clock.answered
        ? `breached (answered in ${formatSeconds(clock.responseSeconds ?? 0)}, target ${formatSeconds(clock.targetSeconds ?? 0)})`
        : `breached ${formatSeconds(-clock.secondsToBreach)} ago`;
    case 'at_risk':
      return `at risk: due in ${formatSeconds(clock.secondsToBreach)}`;
    case 'ok':
      return `due in ${formatSeconds(clock.secondsToBreach)}`;
    case 'none':
    default:
      return clock.targetSeconds === null ? 'no target for this channel' : 'no clock (closed without a reply)';
  }
}

/** Sort key for `--sort sla`: most overdue / soonest due first when ascending; answered tickets last. */
export function slaSortKey(clock: SlaClock): number {
  if (clock.state === 'none') return Number.MAX_SAFE_INTEGER;
  if (clock.answered) return Number.MAX_SAFE_INTEGER / 2 + clock.secondsToBreach;
  return clock.secondsToBreach;
}

/** `--sla breached|at-risk|ok|met` filter. */
export const SLA_FILTERS = ['breached', 'at_risk', 'ok', 'met'] as const;
export type SlaFilter = (typeof SLA_FILTERS)[number];

export function matchesSlaFilter(clock: SlaClock, filters: readonly SlaFilter[]): boolean {
  return filters.includes(clock.state as SlaFilter);
}
