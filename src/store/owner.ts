import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who holds a claim or a lock: "host/pid/random", one per process. On SQLite a holder on this host
 * is alive while its pid exists; on PostgreSQL, StateDb.ownerAlive also knows other hosts' holders.
 */
/** Identifies one process's claims and locks: host/pid/random. */
export function newOwnerId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

export function parseOwner(owner: string): { host: string; pid: number } | undefined {
  const m = /^(.*)\/(\d+)\/[0-9a-f]+$/.exec(owner);
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}

/** "process 4242 on laptop", for messages naming who holds something. */
export function ownerLabel(owner: string): string {
  const o = parseOwner(owner);
  return o ? `process ${o.pid} on ${o.host}` : owner;
}

/** False when the process is known to be gone (same host, no such pid); true when alive or unknown (other host). */
export function ownerMayBeAlive(owner: string): boolean {
  const o = parseOwner(owner);
  if (!o || o.host !== hostname()) return true;
  if (o.pid === process.pid) return true;
  try {
    process.kill(o.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

