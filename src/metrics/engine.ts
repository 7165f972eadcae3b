import { type Channel, type Rating, type RatingKind, type Ticket } from '../domain/model.js';
import { matchesQuery, type TicketQuery } from '../domain/query.js';
import { NotFoundError } from '../errors.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import { bucketStart, type TimeUnit } from './buckets.js';
import { attrCombos, comboFinder, isoMs, NO_GROUPING, ticketFacts, type GroupDim, type Grouping, type TicketFacts } from './grouping.js';
import type { RatingInput } from './metric-set.js';
import { PeriodAccumulator, type PeriodResult } from './period.js';
import { slaOutcomeMs } from './sla-targets.js';

/**
 * I/O edge of the metrics: one streaming pass over the provider's ticket pages feeding the pure
 * accumulators (src/metrics/period.ts). Which tickets are read, for a window [start, until):
 *   pass 1: tickets updated at or after `start` and created before `until` - every ticket created or
 *           solved in the window was updated in it (updatedAt >= solvedAt >= createdAt), and providers
 *           with an incremental export API serve "updated since" from it;
 *   pass 2: tickets still unsolved, created before `until` and NOT updated since `start` - the stale
 *           backlog that pass 1 cannot see. The two passes are disjoint (updatedAt < start vs >= start).
 * The user's ticket filters are merged into both queries. Ratings are read first (listRatings over the
 * window), kept as small records keyed by ticket id, and joined when their ticket streams past;
 * ratings whose ticket was not in either pass are resolved afterwards by id.
 */

export interface MetricsRequest {
  since: Date;
  until: Date;
  now: Date;
  /** The user's ticket filters (tickets list flags). */
  filter: TicketQuery;
  grouping: Grouping;
  slaTargets: Partial<Record<Channel, number>>;
  /** Also compute the previous period of the same length, for change figures. */
  compare?: boolean;
  /** When tickets carry no publicReplyCount, count public agent replies with listComments (default true). */
  commentFallback?: boolean;
  debug?: (message: string) => void;
  /** Called after every page read from the helpdesk (for a progress line). */
  onProgress?: (read: { tickets: number; ratings: number }) => void;
}

export interface SummaryResult {
  groupBy: GroupDim[];
  slaTargets: Partial<Record<Channel, number>>;
  current: PeriodResult;
  previous?: PeriodResult;
  /** Tickets and ratings read from the helpdesk. */
  read: { tickets: number; ratings: number; conversations: number; ratingTicketsLookedUp: number };
}

interface CompactRating extends RatingInput {
  created: number;
}

const UNSOLVED = ['new', 'open', 'pending', 'on_hold'] as const;
const UNGROUPED: string[][] = [[]];

/** Both queries at once: lists intersect, dates take the tighter bound; null when nothing can match. */
export function mergeQueries(a: TicketQuery, b: TicketQuery): TicketQuery | null {
  const out: TicketQuery = { ...a };
  const lists = ['ids', 'status', 'priority', 'channel', 'assigneeIds', 'group'] as const;
  for (const k of lists) {
    const x = a[k] as string[] | undefined;
    const y = b[k] as string[] | undefined;
    if (x && y) {
      const both = x.filter((v) => y.some((w) => (k === 'group' ? w.toLowerCase() === v.toLowerCase() : w === v)));
      if (!both.length) return null;
      (out as Record<string, unknown>)[k] = both;
    } else if (y) (out as Record<string, unknown>)[k] = y;
  }
  if (b.tags) out.tags = [...new Set([...(a.tags ?? []), ...b.tags])];
  const sinces = ['createdSince', 'updatedSince', 'solvedSince'] as const;
  const untils = ['createdUntil', 'updatedUntil', 'solvedUntil'] as const;
  for (const k of sinces) {
    const x = a[k];
    const y = b[k];
    if (x || y) out[k] = new Date(Math.max(x?.getTime() ?? -Infinity, y?.getTime() ?? -Infinity));
  }
  for (const k of untils) {
    const x = a[k];
    const y = b[k];
    if (x || y) out[k] = new Date(Math.min(x?.getTime() ?? Infinity, y?.getTime() ?? Infinity));
  }
  if (b.text) out.text = b.text;
  return out;
}

/** The two ticket queries described above, for the window [start, until). */
export function windowQueries(filter: TicketQuery, start: Date, until: Date): TicketQuery[] {
  const touched = mergeQueries(filter, { updatedSince: start, createdUntil: until });
  const stale = mergeQueries(filter, { status: [...UNSOLVED], updatedUntil: start, createdUntil: until });
  return [touched, stale].filter((q): q is TicketQuery => q !== null);
}

const countPublicReplies = async (provider: HelpdeskProvider, id: string): Promise<number> =>
  (await provider.listComments(id)).filter((c) => c.public && c.authorRole === 'agent').length;

/** Runs `fn` over items with at most `limit` in flight. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const compactRating = (r: Rating): CompactRating => ({
  kind: r.kind,
  score: r.score,
  scale: r.scale,
  created: isoMs(r.createdAt) ?? NaN,
});

/** Reads the ratings of [start, until) into a map ticket id -> ratings (small records only). */
async function loadRatings(
  provider: HelpdeskProvider,
  start: Date,
  until: Date,
  onPage: (count: number) => void = () => undefined,
): Promise<{ byTicket: Map<string, CompactRating[]>; count: number }> {
  const byTicket = new Map<string, CompactRating[]>();
  let count = 0;
  if (!provider.capabilities.ratings.length) return { byTicket, count };
  for await (const page of provider.listRatings({ since: start, until })) {
    for (const r of page) {
      const c = compactRating(r);
      if (Number.isNaN(c.created) || c.created < start.getTime() || c.created >= until.getTime()) continue;
      count++;
      const list = byTicket.get(r.ticketId);
      if (list) list.push(c);
      else byTicket.set(r.ticketId, [c]);
    }
    onPage(count);
  }
  return { byTicket, count };
}

/** Tickets by id, in pages: one filtered listing when the helpdesk filters by id server-side, else one call each. */
async function* ticketsById(provider: HelpdeskProvider, ids: string[]): AsyncIterable<Ticket[]> {
  const byList = provider.capabilities.serverFilters.includes('ids');
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    if (byList) {
      for await (const page of provider.listTickets({ ids: chunk })) yield page;
    } else {
      const found = await mapLimit(chunk, 4, async (id) => {
        try {
          return await provider.getTicket(id);
        } catch (err) {
          if (err instanceof NotFoundError) return null; // deleted since it was rated
          throw err;
        }
      });
      yield found.filter((t): t is Ticket => t !== null);
    }
  }
}

/**
 * The grouped summary of one period (and of the previous one of equal length when asked): computed by
 * the store itself when it can (the embedded helpdesk, in SQL), else streamed from the provider.
 */
export async function computeSummary(provider: HelpdeskProvider, req: MetricsRequest): Promise<SummaryResult> {
  if (provider.summarizeMetrics) {
    req.debug?.(`metrics: computed by ${provider.displayName} itself`);
    return provider.summarizeMetrics(req);
  }
  return streamSummary(provider, req);
}

/** computeSummary by streaming tickets and ratings through the accumulators: every provider, and the reference. */
export async function streamSummary(provider: HelpdeskProvider, req: MetricsRequest): Promise<SummaryResult> {
  const debug = req.debug ?? (() => undefined);
  const length = req.until.getTime() - req.since.getTime();
  const start = req.compare ? new Date(req.since.getTime() - length) : req.since;
  const current = new PeriodAccumulator({ since: req.since, until: req.until, now: req.now, grouping: req.grouping, slaTargets: req.slaTargets });
  // grouped by time, the previous period has other buckets: compare totals only
  const prevGrouping = req.grouping.time ? NO_GROUPING : req.grouping;
  const previous = req.compare
    ? new PeriodAccumulator({ since: start, until: req.since, now: req.now, grouping: prevGrouping, slaTargets: req.slaTargets })
    : undefined;
  const read = { tickets: 0, ratings: 0, conversations: 0, ratingTicketsLookedUp: 0 };

  const progress = req.onProgress ?? (() => undefined);
  const ratings = await loadRatings(provider, start, req.until, (n) => progress({ tickets: 0, ratings: n }));
  read.ratings = ratings.count;
  debug(`metrics: ${ratings.count} ratings from ${start.toISOString()} to ${req.until.toISOString()} on ${ratings.byTicket.size} tickets`);

  const feedRatings = (list: CompactRating[], combos: string[][] | null) => {
    for (const r of list) {
      current.addRating(r, combos);
      previous?.addRating(r, combos && (prevGrouping === req.grouping ? combos : UNGROUPED));
    }
  };
  // Ratings are filtered through their ticket. A helpdesk that can list tickets by id resolves the rated
  // tickets the filter left out in a few requests; one that cannot would need a request per rating, so
  // there the window is read unfiltered and the filter applied here (one listing instead of N lookups).
  const filtered = Object.keys(req.filter).length > 0;
  const filterLocally = filtered && ratings.count > 0 && !provider.capabilities.serverFilters.includes('ids');
  const fallback = req.commentFallback !== false;
  const combosOf = comboFinder(req.grouping.attrDims);
  const noCombos = comboFinder([]);
  let warnedNoReplyCount = false;

  const feedPage = async (page: Ticket[]) => {
    // FCR needs public agent replies; fetch conversations only for solved tickets lacking the count
    const replies = new Map<string, number>();
    if (fallback) {
      const need = page.filter(
        (t) => {
          if (t.publicReplyCount != null) return false;
          const solved = ticketFacts(t).solved;
          return solved !== null && solved >= start.getTime() && solved < req.until.getTime() && (!filterLocally || matchesQuery(t, req.filter));
        },
      );
      if (need.length) {
        if (!warnedNoReplyCount) {
          debug(`metrics: ${provider.displayName} gives no public reply count on tickets; counting public agent replies with listComments for solved tickets (FCR)`);
          warnedNoReplyCount = true;
        }
        const counts = await mapLimit(need, 4, (t) => countPublicReplies(provider, t.id));
        need.forEach((t, i) => replies.set(t.id, counts[i]!));
        read.conversations += need.length;
      }
    }
    for (const t of page) {
      read.tickets++;
      if (filterLocally && !matchesQuery(t, req.filter)) {
        ratings.byTicket.delete(t.id);
        continue;
      }
      const facts = ticketFacts(t, replies.get(t.id) ?? t.publicReplyCount);
      const combos = combosOf(t);
      current.addTicket(facts, combos);
      previous?.addTicket(facts, prevGrouping === req.grouping ? combos : noCombos(t));
      const rs = ratings.byTicket.get(t.id);
      if (rs) {
        feedRatings(rs, combos);
        ratings.byTicket.delete(t.id);
      }
    }
  };

  if (filterLocally) debug(`metrics: ${provider.displayName} cannot list tickets by id; reading the window unfiltered and filtering here`);
  for (const q of windowQueries(filterLocally ? {} : req.filter, start, req.until)) {
    debug(`metrics: listing tickets ${JSON.stringify(q)}`);
    for await (const page of provider.listTickets(q)) {
      await feedPage(page);
      progress(read);
    }
  }

  // ratings whose ticket did not stream past: look the ticket up (for filters and grouping)
  const leftover = [...ratings.byTicket.keys()];
  if (leftover.length) {
    const needTicket = Object.keys(req.filter).length > 0 || req.grouping.attrDims.length > 0;
    if (!needTicket) {
      for (const id of leftover) feedRatings(ratings.byTicket.get(id)!, UNGROUPED);
    } else {
      debug(`metrics: looking up ${leftover.length} rated tickets outside the ticket window`);
      read.ratingTicketsLookedUp = leftover.length;
      for await (const page of ticketsById(provider, leftover)) {
        for (const t of page) {
          const rs = ratings.byTicket.get(t.id);
          if (!rs) continue;
          ratings.byTicket.delete(t.id);
          feedRatings(rs, matchesQuery(t, req.filter) ? attrCombos(t, req.grouping.attrDims) : null);
        }
      }
      if (ratings.byTicket.size) debug(`metrics: ${ratings.byTicket.size} ratings belong to tickets that no longer exist; not counted`);
    }
  }
  ratings.byTicket.clear();

  return {
    groupBy: req.grouping.dims,
    slaTargets: req.slaTargets,
    current: current.result(),
    previous: previous?.result(),
    read,
  };
}

/** Start of a trend: `since` moved back to the start of its bucket, so the first point is a whole day/week. */
export const alignToBucket = (since: Date, unit: TimeUnit): Date => new Date(bucketStart(since.getTime(), unit));

/** One row of `metrics export --per-ticket`. Times in seconds; null when not applicable. */
export interface PerTicketRow {
  id: string;
  subject: string;
  status: string;
  channel: Channel;
  agent: string | null;
  group: string | null;
  tags: string[];
  createdAt: string;
  firstResponseAt: string | null;
  firstResponseSeconds: number | null;
  solvedAt: string | null;
  resolutionSeconds: number | null;
  replies: number | null;
  reopens: number;
  slaTargetSeconds: number | null;
  /** true/false; null while still within target unanswered, or when the channel has no target. */
  slaMet: boolean | null;
  csat: number | null;
  nps: number | null;
  ces: number | null;
}

export type PerTicketRequest = Omit<MetricsRequest, 'grouping' | 'compare'>;

/**
 * One row per ticket created or solved in [since, until), with the ratings given in that period
 * (the latest of each kind), in pages: computed by the store itself when it can (the embedded
 * helpdesk, in SQL), else streamed from the provider. Only the current page is held.
 */
export function perTicketRows(provider: HelpdeskProvider, req: PerTicketRequest): AsyncIterable<PerTicketRow[]> {
  return provider.perTicketMetrics ? provider.perTicketMetrics(req) : streamPerTicket(provider, req);
}

/** All of perTicketRows at once (small periods, tests). */
export async function computePerTicket(provider: HelpdeskProvider, req: PerTicketRequest): Promise<PerTicketRow[]> {
  const rows: PerTicketRow[] = [];
  for await (const page of perTicketRows(provider, req)) rows.push(...page);
  return rows;
}

/** perTicketRows by streaming the provider's tickets: every provider, and the reference. */
export async function* streamPerTicket(provider: HelpdeskProvider, req: PerTicketRequest): AsyncIterable<PerTicketRow[]> {
  const since = req.since.getTime();
  const until = req.until.getTime();
  const ratings = await loadRatings(provider, req.since, req.until, (n) => req.onProgress?.({ tickets: 0, ratings: n }));
  let seen = 0;
  const latest = (list: CompactRating[] | undefined, kind: RatingKind): number | null => {
    let best: CompactRating | undefined;
    for (const r of list ?? []) if (r.kind === kind && (!best || r.created >= best.created)) best = r;
    return best ? best.score : null;
  };
  let conversations = 0;
  const q = mergeQueries(req.filter, { updatedSince: req.since, createdUntil: req.until });
  if (!q) return;
  for await (const page of provider.listTickets(q)) {
    seen += page.length;
    req.onProgress?.({ tickets: seen, ratings: ratings.count });
    const rows: PerTicketRow[] = [];
    for (const t of page) {
      const f = ticketFacts(t);
      const inCreated = f.created >= since && f.created < until;
      const inSolved = f.solved !== null && f.solved >= since && f.solved < until;
      if (!inCreated && !inSolved) continue;
      let replies = f.replies;
      if (replies === null && req.commentFallback !== false) {
        if (!conversations++) req.debug?.(`metrics: ${provider.displayName} gives no public reply count on tickets; counting public agent replies with listComments, one request per ticket`);
        replies = await countPublicReplies(provider, t.id);
      }
      const rs = ratings.byTicket.get(t.id);
      rows.push(
        perTicketRow(
          { ...f, replies },
          { id: t.id, subject: t.subject, status: t.status, agent: t.assignee ? t.assignee.name || t.assignee.email || t.assignee.id : null, group: t.group ?? null, tags: t.tags },
          { csat: latest(rs, 'csat'), nps: latest(rs, 'nps'), ces: latest(rs, 'ces') },
          req,
        ),
      );
    }
    if (rows.length) yield rows;
  }
}

/** A per-ticket row from the ticket's facts (epoch ms), its descriptive fields and its ratings of the period. */
export function perTicketRow(
  f: Pick<TicketFacts, 'channel' | 'created' | 'firstResponse' | 'solved' | 'reopenCount' | 'replies'>,
  d: Pick<PerTicketRow, 'id' | 'subject' | 'status' | 'agent' | 'group' | 'tags'>,
  ratings: Pick<PerTicketRow, 'csat' | 'nps' | 'ces'>,
  req: Pick<MetricsRequest, 'slaTargets' | 'now'>,
): PerTicketRow {
  const outcome = slaOutcomeMs(f.channel, f.created, f.firstResponse, req.slaTargets, req.now.getTime());
  return {
    id: d.id,
    subject: d.subject,
    status: d.status,
    channel: f.channel,
    agent: d.agent,
    group: d.group,
    tags: d.tags,
    createdAt: new Date(f.created).toISOString(),
    firstResponseAt: f.firstResponse === null ? null : new Date(f.firstResponse).toISOString(),
    firstResponseSeconds: f.firstResponse === null ? null : Math.max(0, (f.firstResponse - f.created) / 1000),
    solvedAt: f.solved === null ? null : new Date(f.solved).toISOString(),
    resolutionSeconds: f.solved === null ? null : Math.max(0, (f.solved - f.created) / 1000),
    replies: f.replies,
    reopens: f.reopenCount,
    slaTargetSeconds: req.slaTargets[f.channel] ?? null,
    slaMet: outcome === 'met' ? true : outcome === 'missed' ? false : null,
    ...ratings,
  };
}
