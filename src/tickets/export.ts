import type { Comment, Person, Rating, Ticket } from '../domain/model.js';
import type { HelpdeskProvider } from '../providers/provider.js';

type PersonRef = { id: string; name: string; email: string | null };

/** One ticket as `deskctl export` writes it and `deskctl import` reads it (docs/import-export.md). */
export interface ExportRecord {
  id: string | number;
  subject: string;
  status: Ticket['status'];
  priority: Ticket['priority'];
  channel: Ticket['channel'];
  requester: PersonRef;
  assignee: PersonRef | null;
  group: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  firstResponseAt: string | null;
  solvedAt: string | null;
  reopenCount: number;
  publicReplyCount: number | null;
  lastCustomerMessageAt: string | null;
  customFields: Record<string, unknown>;
  comments: { author: PersonRef; authorRole: Comment['authorRole']; public: boolean; body: string; createdAt: string }[];
  ratings: { kind: Rating['kind']; score: number; scale: { min: number; max: number }; comment: string | null; createdAt: string; agentId: string | null }[];
}

/** Conversations and ratings of many tickets at once (the embedded helpdesk answers in two queries). */
export interface BulkDetails {
  detailsFor(ticketIds: string[]): Promise<{ comments: Map<string, Comment[]>; ratings: Map<string, Rating[]> }>;
}
const hasBulkDetails = (p: HelpdeskProvider): p is HelpdeskProvider & BulkDetails => typeof (p as Partial<BulkDetails>).detailsFor === 'function';

const ref = (p: Person): PersonRef => ({ id: p.id, name: p.name, email: p.email ?? null });
const numericId = (id: string): string | number => (/^\d+$/.test(id) && id.length < 16 ? Number(id) : id);

export function toExportRecord(t: Ticket, comments: Comment[], ratings: Rating[]): ExportRecord {
  return {
    id: numericId(t.id),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    requester: ref(t.requester),
    assignee: t.assignee ? ref(t.assignee) : null,
    group: t.group ?? null,
    tags: t.tags,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    firstResponseAt: t.firstResponseAt ?? null,
    solvedAt: t.solvedAt ?? null,
    reopenCount: t.reopenCount,
    publicReplyCount: t.publicReplyCount ?? comments.filter((c) => c.public && c.authorRole === 'agent').length,
    lastCustomerMessageAt: t.lastCustomerMessageAt ?? null,
    customFields: t.customFields,
    comments: comments.map((c) => ({ author: ref(c.author), authorRole: c.authorRole, public: c.public, body: c.body, createdAt: c.createdAt })),
    ratings: ratings.map((r) => ({ kind: r.kind, score: r.score, scale: r.scale, comment: r.comment ?? null, createdAt: r.createdAt, agentId: r.agentId ?? null })),
  };
}

/**
 * Every ticket with its conversation and ratings, a page at a time. Remote helpdesks: the ratings are
 * listed once up front (they are few), the conversation per ticket.
 */
export async function* exportRecords(provider: HelpdeskProvider): AsyncGenerator<ExportRecord[]> {
  let ratingsByTicket: Map<string, Rating[]> | undefined;
  if (!hasBulkDetails(provider)) {
    ratingsByTicket = new Map();
    for await (const page of provider.listRatings({})) for (const r of page) ratingsByTicket.set(r.ticketId, [...(ratingsByTicket.get(r.ticketId) ?? []), r]);
  }
  for await (const page of provider.listTickets({})) {
    if (hasBulkDetails(provider)) {
      const d = await provider.detailsFor(page.map((t) => t.id));
      yield page.map((t) => toExportRecord(t, d.comments.get(t.id) ?? [], d.ratings.get(t.id) ?? []));
    } else {
      const out: ExportRecord[] = [];
      for (const t of page) out.push(toExportRecord(t, await provider.listComments(t.id), ratingsByTicket!.get(t.id) ?? []));
      yield out;
    }
  }
}
