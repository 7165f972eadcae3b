import { parseOwner } from '../store/owner.js';
import type { StateStore } from '../store/state-store.js';
import { followupState, FOLLOWUP_STATES, type FollowUpState } from './store.js';

/** A process holding follow-ups it is sending right now (or that it left behind when it died). */
export interface FollowupClaimHolder {
  owner: string;
  host: string | null;
  pid: number | null;
  /** Follow-ups in state 'sending' claimed by it. */
  claims: number;
  oldestClaimAt: string | null;
  /** False when its process is known to be gone (the next `followup run` takes its claims over). */
  alive: boolean;
}

export interface FollowupStatus {
  byState: Record<FollowUpState, number>;
  holders: FollowupClaimHolder[];
}

/** Follow-ups by state and who holds the ones being sent, for `deskctl state status`. */
export async function followupStatus(store: StateStore): Promise<FollowupStatus> {
  const db = await followupState(store);
  const byState = Object.fromEntries(FOLLOWUP_STATES.map((s) => [s, 0])) as Record<FollowUpState, number>;
  for (const r of await db.all<{ state: FollowUpState; n: number }>(`SELECT state, COUNT(*) AS n FROM followups_items GROUP BY state`)) {
    if (r.state in byState) byState[r.state] = Number(r.n);
  }
  const rows = await db.all<{ owner: string | null; n: number; oldest: string | null }>(
    `SELECT claimed_by AS owner, COUNT(*) AS n, MIN(claimed_at) AS oldest FROM followups_items WHERE state = 'sending' GROUP BY claimed_by ORDER BY claimed_by`,
  );
  const holders: FollowupClaimHolder[] = [];
  for (const r of rows) {
    const owner = r.owner ?? '';
    const o = parseOwner(owner);
    holders.push({ owner, host: o?.host ?? null, pid: o?.pid ?? null, claims: Number(r.n), oldestClaimAt: r.oldest, alive: owner ? await db.ownerAlive(owner) : false });
  }
  return { byState, holders };
}
