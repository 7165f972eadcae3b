import { hostname } from 'node:os';
import { parseOwner } from '../store/owner.js';
import type { StateDb } from '../store/state-db.js';

export interface LockHolder {
  owner: string;
  pid: number;
  host: string;
  acquiredAt: string;
  expiresAt: string;
}

interface LockRow {
  name: string;
  owner: string;
  pid: number;
  host: string;
  acquired_at: string;
  expires_ms: number;
}

/**
 * A lease in the state store: taken when free, expired (the holder stopped renewing) or held by a
 * process known to be gone (StateDb.ownerAlive). Times are wall-clock (Date.now), not DESKCTL_NOW.
 */
export async function acquireLock(
  db: StateDb,
  name: string,
  owner: string,
  ttlMs: number,
  nowMs = Date.now(),
): Promise<{ ok: true; tookOverFrom?: LockHolder } | { ok: false; holder: LockHolder }> {
  return db.transaction(async (tx) => {
    await tx.lock(`followups:lock:${name}`);
    const row = await tx.get<LockRow>(`SELECT * FROM followups_locks WHERE name = ?`, [name]);
    const holder = row ? toHolder(row) : undefined;
    if (row && row.owner !== owner && Number(row.expires_ms) > nowMs && (await tx.ownerAlive(row.owner))) {
      return { ok: false as const, holder: holder! };
    }
    const o = parseOwner(owner);
    await tx.run(
      `INSERT INTO followups_locks (name, owner, pid, host, acquired_at, expires_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
         acquired_at = excluded.acquired_at, expires_ms = excluded.expires_ms`,
      [name, owner, o?.pid ?? process.pid, o?.host ?? hostname(), new Date(nowMs).toISOString(), nowMs + ttlMs],
    );
    return row && row.owner !== owner ? { ok: true as const, tookOverFrom: holder } : { ok: true as const };
  });
}

/** Extends the lease; false when the lock was lost (taken over after expiry). */
export async function renewLock(db: StateDb, name: string, owner: string, ttlMs: number, nowMs = Date.now()): Promise<boolean> {
  return (await db.run(`UPDATE followups_locks SET expires_ms = ? WHERE name = ? AND owner = ?`, [nowMs + ttlMs, name, owner])).changes === 1;
}

export async function releaseLock(db: StateDb, name: string, owner: string): Promise<void> {
  await db.run(`DELETE FROM followups_locks WHERE name = ? AND owner = ?`, [name, owner]);
}

const toHolder = (r: LockRow): LockHolder => ({
  owner: r.owner,
  pid: r.pid,
  host: r.host,
  acquiredAt: r.acquired_at,
  expiresAt: new Date(Number(r.expires_ms)).toISOString(),
});
