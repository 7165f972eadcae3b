/**
 * Scheduled follow-ups: "check back in 7 days unless the customer wrote", stored per profile in
 * deskctl's StateStore (namespace 'followups') and sent by `deskctl followup run` from cron.
 */
export { FOLLOWUP_MIGRATIONS, FOLLOWUP_NAMESPACE, FOLLOWUP_PG_MIGRATIONS, FOLLOWUP_STATES, FOLLOWUPS, followupState, rowToFollowUp } from './store.js';
export type { FollowUp, FollowUpRow, FollowUpState } from './store.js';
export {
  cancelFollowups,
  findFollowup,
  getFollowup,
  listFollowups,
  parseFollowupId,
  parseStateList,
  retryFollowups,
  scheduleFollowup,
  scheduleFollowups,
  pendingDuplicates,
  duplicateError,
  validateScheduleInput,
} from './schedule.js';
export type { ChangeResult, ListFilter, ScheduleInput, ScheduleOptions } from './schedule.js';
export { formatInZone, parseAt, parseIn, parseTimeZone, resolveWhen, systemTimeZone, wallClockAt, wallClockToInstant, zoneOffsetMinutes, WHEN_HINT } from './when.js';
export type { WallClock, WhenFlags } from './when.js';
export { abandonedClaims, bodyHash, claim, claimDue, findSentComment, followupPatch, normalizeBody, reclaim, runDue, skipReason, LOCK_NAME } from './runner.js';
export type { ComposedMessage, Composer, ItemResult, Outcome, RunOptions, RunSummary } from './runner.js';
export { acquireLock, releaseLock, renewLock } from './lock.js';
export type { LockHolder } from './lock.js';
export { followupStatus } from './status.js';
export type { FollowupClaimHolder, FollowupStatus } from './status.js';
