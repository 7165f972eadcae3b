import type { Rating, Ticket } from '../domain/model.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import type { ChangedTicket, MirrorWriter, SyncState } from '../providers/local/mirror.js';

export interface SyncOptions {
  /** Ignore the saved cursor and fetch everything again. */
  full?: boolean;
  now: () => Date;
  /** Conversations fetched at once (each is a request to the helpdesk, under its rate limit). */
  concurrency?: number;
  onProgress?: (p: { tickets: number; comments: number }) => void;
}

export interface SyncResult {
  /** How the changes were listed: the vendor's cursor export or the updated-since fallback. */
  method: 'cursor' | 'updated-since';
  /** Tickets written, each with its conversation fetched. */
  tickets: number;
  /** Tickets listed that the mirror already held as they are (nothing fetched for them). */
  unchanged: number;
  /** Tickets removed from the mirror: deleted in the helpdesk, or missing from a complete listing. */
  removed: number;
  comments: number;
  ratings: number;
  /** Ratings of tickets the mirror does not have (deleted, or outside what the listing returned). */
  ratingsSkipped: number;
}

/** The fallback listing re-reads this much before the last change seen: clocks and second-precision filters. */
const OVERLAP_MS = 60_000;

/**
 * The listed tickets the mirror does not hold as they are, with their conversations (an unchanged
 * updatedAt means an unchanged ticket: every vendor moves it on a new message), and the local ids of
 * the ones it holds already.
 */
async function changedOnly(source: HelpdeskProvider, mirror: MirrorWriter, tickets: Ticket[], concurrency: number): Promise<{ changed: ChangedTicket[]; unchanged: number[] }> {
  const held = mirror.held(tickets.map((t) => t.id));
  const unchanged: number[] = [];
  const stale: Ticket[] = [];
  for (const t of tickets) {
    const h = held.get(t.id);
    if (h && h.updatedAt === Date.parse(t.updatedAt)) unchanged.push(h.id);
    else stale.push(t);
  }
  const changed: ChangedTicket[] = new Array(stale.length);
  let next = 0;
  const worker = async () => {
    while (next < stale.length) {
      const i = next++;
      const ticket = stale[i]!;
      changed[i] = source.ticketWithConversation ? await source.ticketWithConversation(ticket) : { ticket, comments: await source.listComments(ticket.id) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, stale.length) }, worker));
  return { changed, unchanged };
}

/**
 * Pulls what changed in `source` since the last sync into the mirror: tickets with their conversations,
 * then ratings. Each batch is written with the state that resumes after it, so a killed sync loses at
 * most the batch in flight, and a sync with nothing new reads only the cursor page and the ratings page.
 * Tickets deleted in the helpdesk leave the mirror when the cursor export says so (Zendesk), and after
 * any complete pass (the first sync, --full): what the complete listing did not return is gone.
 */
export async function syncMirror(source: HelpdeskProvider, mirror: MirrorWriter, opts: SyncOptions): Promise<SyncResult> {
  const startedAt = opts.now();
  let state: SyncState = opts.full ? {} : mirror.state();
  const concurrency = opts.concurrency ?? 4;
  const result: SyncResult = { method: source.changedTickets ? 'cursor' : 'updated-since', tickets: 0, unchanged: 0, removed: 0, comments: 0, ratings: 0, ratingsSkipped: 0 };
  // a pass from the beginning lists every ticket the helpdesk still has: the rest are removed at its end
  const seen: Set<number> | null = (source.changedTickets ? !state.cursor : !state.updatedHighWater) ? new Set() : null;
  const write = async (tickets: Ticket[], next: SyncState) => {
    const { changed, unchanged } = await changedOnly(source, mirror, tickets, concurrency);
    const ids = mirror.writeBatch(changed, next);
    if (seen) for (const id of [...ids, ...unchanged]) seen.add(id);
    state = next;
    result.tickets += changed.length;
    result.unchanged += unchanged.length;
    result.comments += changed.reduce((n, b) => n + b.comments.length, 0);
    opts.onProgress?.({ tickets: result.tickets, comments: result.comments });
  };

  if (source.changedTickets) {
    const from = state.cursor ? { cursor: state.cursor, since: new Date(0) } : { since: new Date(0) };
    for await (const page of source.changedTickets(from)) {
      const next = { ...state, cursor: page.cursor };
      if (page.removed?.length) result.removed += mirror.removeTickets(page.removed, state);
      await write(page.tickets, next);
    }
  } else {
    // listings are not in change order everywhere: the high-water mark moves only once the pass is complete
    const previous = state.updatedHighWater;
    const updatedSince = previous ? new Date(Date.parse(previous) - OVERLAP_MS) : undefined;
    let highWater = previous ?? '';
    for await (const page of source.listTickets(updatedSince ? { updatedSince } : {}, { conversationsFollow: true })) {
      for (const t of page) if (!highWater || Date.parse(t.updatedAt) > Date.parse(highWater)) highWater = new Date(t.updatedAt).toISOString();
      await write(page, state);
    }
    state = { ...state, updatedHighWater: highWater || undefined };
  }
  if (seen) result.removed += mirror.removeAllBut(seen, state);

  const ratingsSince = state.ratingsSince ? new Date(Date.parse(state.ratingsSince) - OVERLAP_MS) : undefined;
  let pending: Rating[] = [];
  const flush = (final: boolean) => {
    const next = final ? { ...state, ratingsSince: startedAt.toISOString(), lastSyncAt: startedAt.toISOString() } : state;
    const r = mirror.writeRatings(pending, next);
    result.ratings += r.written;
    result.ratingsSkipped += r.orphans;
    pending = [];
    state = next;
  };
  for await (const page of source.listRatings(ratingsSince ? { since: ratingsSince } : {})) {
    pending.push(...page);
    if (pending.length >= 1000) flush(false);
  }
  flush(true);
  return result;
}
