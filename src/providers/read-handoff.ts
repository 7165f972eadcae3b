/**
 * A read of a ticket handed on to the next read of the same ticket. `tickets show` and `tickets reply`
 * read a ticket and then its conversation, and where the helpdesk returns both in one object (or the
 * second read needs nothing newer than the first), one request can serve both. A read is handed on
 * once, only for a few seconds, and never across a write to that ticket: code that looks again for a
 * change (after a lost write, after a settle delay) always reads afresh.
 */
export class ReadHandoff<T> {
  private readonly held = new Map<string, { at: number; value: Promise<T> }>();

  constructor(private readonly maxAgeMs = 5_000) {}

  /** Reads, and holds the result for one later take() of the same id. */
  read(id: string, fetch: () => Promise<T>): Promise<T> {
    const entry = { at: Date.now(), value: fetch() };
    this.held.set(id, entry);
    entry.value.catch(() => {
      if (this.held.get(id) === entry) this.held.delete(id);
    });
    return entry.value;
  }

  /** The held read of this id if it is recent (and then no longer held); a fresh read otherwise. */
  take(id: string, fetch: () => Promise<T>): Promise<T> {
    const entry = this.held.get(id);
    this.held.delete(id);
    return entry && Date.now() - entry.at <= this.maxAgeMs ? entry.value : fetch();
  }

  /** The held read of this id if it is recent (still held, for the reads after); else a fresh read, held. */
  reuse(id: string, fetch: () => Promise<T>): Promise<T> {
    const entry = this.held.get(id);
    return entry && Date.now() - entry.at <= this.maxAgeMs ? entry.value : this.read(id, fetch);
  }

  /** Before a write to the ticket: nothing read before it is handed on. */
  forget(id: string): void {
    this.held.delete(id);
  }
}
