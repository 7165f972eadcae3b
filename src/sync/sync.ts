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
 * A first sync reads the comment feed from this long before it started: Zendesk refuses a start_time in
 * its last minute, and this machine's clock may run ahead of Zendesk's. (Later syncs start from the end
 * time Zendesk gave, at least a minute old by its clock.)
 */
const FEED_FIRST_START_MS = 5 * 60_000;

/**
 * The listed tickets the mirror does not hold as they are, with their conversations (an unchanged
 * updatedAt, read a minute or more after it, means an unchanged ticket: every vendor moves it on a new
 * message), and the local ids of the ones it holds already.
 */
async function changedOnly(
  source: HelpdeskProvider,
  mirror: MirrorWriter,
  tickets: Ticket[],
  opts: { concurrency: number; feedCovers: boolean },
): Promise<{ changed: ChangedTicket[]; unchanged: number[] }> {
  const held = mirror.held(tickets.map((t) => t.id));
  const unchanged: number[] = [];
  const changed: ChangedTicket[] = [];
  const unread: ChangedTicket[] = [];
  for (const ticket of tickets) {
    const h = held.get(ticket.id);
    // unchanged only if read well after its last change: vendors' times have whole seconds, and clocks differ
    if (h && h.updatedAt === Date.parse(ticket.updatedAt) && h.readAt - h.updatedAt >= OVERLAP_MS) unchanged.push(h.id);
    else {
      const entry: ChangedTicket = { ticket, comments: null };
      changed.push(entry);
      // a ticket the mirror has gets its new comments from the comment feed; a new one is read whole
      if (!(h && opts.feedCovers)) unread.push(entry);
    }
  }
  await inParallel(unread, opts.concurrency, async (entry) => {
    Object.assign(entry, source.ticketWithConversation ? await source.ticketWithConversation(entry.ticket) : { comments: await source.listComments(entry.ticket.id) });
  });
  return { changed, unchanged };
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
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
  const saved = mirror.state();
  // --full starts the ticket listing over; the comment feed goes on from where it was
  let state: SyncState = opts.full ? { commentsSince: saved.commentsSince } : saved;
  const concurrency = opts.concurrency ?? 4;
  // with a comment feed (Zendesk's ticket events), changed tickets the mirror has are not read whole: the
  // feed brings their new comments, from where the last sync left it (or, on a first sync, from its start)
  const feedFrom = source.changedComments ? (state.commentsSince ?? new Date(startedAt.getTime() - FEED_FIRST_START_MS).toISOString()) : undefined;
  // (not on a mirror synced before without the feed: the comments since then are read whole once)
  const feedCovers = Boolean(feedFrom) && (saved.commentsSince !== undefined || !saved.cursor);
  if (feedFrom) state = { ...state, commentsSince: feedFrom };
  const result: SyncResult = { method: source.changedTickets ? 'cursor' : 'updated-since', tickets: 0, unchanged: 0, removed: 0, comments: 0, ratings: 0, ratingsSkipped: 0 };
  // a pass from the beginning lists every ticket the helpdesk still has: the rest are removed at its end
  const seen: Set<number> | null = (source.changedTickets ? !state.cursor : !state.updatedHighWater) ? new Set() : null;
  const write = async (tickets: Ticket[], next: SyncState) => {
    const readAt = Date.now();
    const { changed, unchanged } = await changedOnly(source, mirror, tickets, { concurrency, feedCovers });
    const ids = mirror.writeBatch(changed, next, readAt);
    if (seen) for (const id of [...ids, ...unchanged]) seen.add(id);
    state = next;
    result.tickets += changed.length;
    result.unchanged += unchanged.length;
    result.comments += changed.reduce((n, b) => n + (b.comments?.length ?? 0), 0);
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

  if (source.changedComments && feedFrom) {
    for await (const page of source.changedComments(new Date(feedFrom))) {
      const applied = new Set(state.commentEditsSeen ?? []);
      const edits = page.edits.filter((e) => !applied.has(e.eventId));
      const held = mirror.held(edits.map((e) => e.ticketId));
      const whole: { ticketId: string; comments: Comment[] }[] = [];
      await inParallel([...new Set(edits.map((e) => e.ticketId))].filter((id) => held.has(id)), concurrency, async (ticketId) => {
        whole.push({ ticketId, comments: await source.listComments(ticketId) });
      });
      const boundary = page.next.getTime();
      const seenAtBoundary = [...(Date.parse(state.commentsSince!) === boundary ? applied : []), ...edits.filter((e) => e.at.getTime() >= boundary).map((e) => e.eventId)];
      const next = { ...state, commentsSince: page.next.toISOString(), commentEditsSeen: seenAtBoundary.length ? [...new Set(seenAtBoundary)] : undefined };
      result.comments += mirror.writeComments(page.comments, whole, next);
      state = next;
      opts.onProgress?.({ tickets: result.tickets, comments: result.comments });
    }
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
