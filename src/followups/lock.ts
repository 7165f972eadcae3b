import { hostname } from 'node:os';
import { ownerMayBeAlive, parseOwner } from '../store/owner.js';
import type { Database } from '../store/sqlite.js';

export { newOwnerId, ownerMayBeAlive, parseOwner } from '../store/owner.js';

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
 * A lease in SQLite: taken when free, expired (the holder stopped renewing) or held by a process
 * that no longer exists on this host. Times are wall-clock (Date.now), not DESKCTL_NOW.
 */
export function acquireLock(
  db: Database,
  name: string,
  owner: string,
  ttlMs: number,
  nowMs = Date.now(),
): { ok: true; tookOverFrom?: LockHolder } | { ok: false; holder: LockHolder } {
  const tx = db.transaction(() => {
    const row = db.prepare(`SELECT * FROM followups_locks WHERE name = ?`).get(name) as LockRow | undefined;
    const holder = row ? toHolder(row) : undefined;
    if (row && row.owner !== owner && row.expires_ms > nowMs && ownerMayBeAlive(row.owner)) {
      return { ok: false as const, holder: holder! };
    }
    const o = parseOwner(owner);
    db.prepare(
      `INSERT INTO followups_locks (name, owner, pid, host, acquired_at, expires_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
         acquired_at = excluded.acquired_at, expires_ms = excluded.expires_ms`,
    ).run(name, owner, o?.pid ?? process.pid, o?.host ?? hostname(), new Date(nowMs).toISOString(), nowMs + ttlMs);
    return row && row.owner !== owner ? { ok: true as const, tookOverFrom: holder } : { ok: true as const };
  });
  return tx.immediate();
}

/** Extends the lease; false when the lock was lost (taken over after expiry). */
export function renewLock(db: Database, name: string, owner: string, ttlMs: number, nowMs = Date.now()): boolean {
  return db.prepare(`UPDATE followups_locks SET expires_ms = ? WHERE name = ? AND owner = ?`).run(nowMs + ttlMs, name, owner).changes === 1;
}

export function releaseLock(db: Database, name: string, owner: string): void {
  db.prepare(`DELETE FROM followups_locks WHERE name = ? AND owner = ?`).run(name, owner);
}

const toHolder = (r: LockRow): LockHolder => ({
  owner: r.owner,
  pid: r.pid,
  host: r.host,
  acquiredAt: r.acquired_at,
  expiresAt: new Date(r.expires_ms).toISOString(),
});
