/**
 * The outcomes of a write that did not end in a plain answer. Kept apart from the HTTP client (which loads
 * node:http, node:https and got) so that commands on the embedded helpdesk can test for them cheaply.
 */
import { ApiError } from '../../errors.js';

/** The write was applied by the helpdesk but no usable response came back (or a check found it). */
export class WriteLandedError extends ApiError {
  constructor(message: string, detail?: string) {
    super(message, { hint: 'the change was applied; nothing was sent twice', detail });
    this.name = 'WriteLandedError';
  }
}

/**
 * A non-idempotent write failed after it may have reached the server, and the helpdesk did not show it within
 * the settle checks: its outcome is unknown. It was not sent again; the caller records it as unknown (a bulk
 * resume or the next follow-up run checks the ticket again before sending).
 */
export class UncertainWriteError extends ApiError {
  readonly outcome = 'unknown' as const;
  constructor(message: string, detail?: string) {
    super(message, {
      hint: 'it was not sent again because it may still be applied; check the ticket before trying again',
      detail,
    });
    this.name = 'UncertainWriteError';
  }
}

/** True for a write whose outcome is unknown (it may or may not have been applied). */
export const isUnknownOutcome = (err: unknown): err is UncertainWriteError => (err as Error | undefined)?.name === 'UncertainWriteError';

/**
 * Looks once, then again after each delay until something is found: for an attempt whose sender died (or
 * whose answer was lost) and that the helpdesk may still be applying. Empty delays: the first look decides.
 */
export async function lookUntilSettled<T>(look: () => Promise<T | undefined>, delays: readonly number[]): Promise<T | undefined> {
  let found = await look();
  for (const delay of delays) {
    if (found) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    found = await look();
  }
  return found;
}
