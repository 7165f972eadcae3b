import type { Comment, Rating, Ticket } from '../domain/model.js';
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
  tickets: number;
  comments: number;
  ratings: number;
  /** Ratings of tickets the mirror does not have (deleted, or outside what the listing returned). */
  ratingsSkipped: number;
}

/** The fallback listing re-reads this much before the last change seen: clocks and second-precision filters. */
const OVERLAP_MS = 60_000;

async function withConversations(source: HelpdeskProvider, tickets: Ticket[], concurrency: number): Promise<ChangedTicket[]> {
  const out: ChangedTicket[] = new Array(tickets.length);
  let next = 0;
  const worker = async () => {
    while (next < tickets.length) {
      const i = next++;
      const ticket = tickets[i]!;
      const comments: Comment[] = await source.listComments(ticket.id);
      out[i] = { ticket, comments };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tickets.length) }, worker));
  return out;
}

/**
 * Pulls what changed in `source` since the last sync into the mirror: tickets with their conversations,
 * then ratings. Each batch is written with the state that resumes after it, so a killed sync loses at
 * most the batch in flight, and a sync with nothing new reads only the cursor page and the ratings page.
 */
export async function syncMirror(source: HelpdeskProvider, mirror: MirrorWriter, opts: SyncOptions): Promise<SyncResult> {
  const startedAt = opts.now();
  let state: SyncState = opts.full ? {} : mirror.state();
  const concurrency = opts.concurrency ?? 4;
  const result: SyncResult = { method: source.changedTickets ? 'cursor' : 'updated-since', tickets: 0, comments: 0, ratings: 0, ratingsSkipped: 0 };
  const write = async (tickets: Ticket[], next: SyncState) => {
    const batch = await withConversations(source, tickets, concurrency);
    mirror.writeBatch(batch, next);
    state = next;
    result.tickets += batch.length;
    result.comments += batch.reduce((n, b) => n + b.comments.length, 0);
    opts.onProgress?.({ tickets: result.tickets, comments: result.comments });
  };

  if (source.changedTickets) {
    const from = state.cursor ? { cursor: state.cursor, since: new Date(0) } : { since: new Date(0) };
    for await (const page of source.changedTickets(from)) await write(page.tickets, { ...state, cursor: page.cursor });
  } else {
    // listings are not in change order everywhere: the high-water mark moves only once the pass is complete
    const previous = state.updatedHighWater;
    const updatedSince = previous ? new Date(Date.parse(previous) - OVERLAP_MS) : undefined;
    let highWater = previous ?? '';
    for await (const page of source.listTickets(updatedSince ? { updatedSince } : {})) {
      for (const t of page) if (!highWater || Date.parse(t.updatedAt) > Date.parse(highWater)) highWater = new Date(t.updatedAt).toISOString();
      await write(page, state);
    }
    state = { ...state, updatedHighWater: highWater || undefined };
  }

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
