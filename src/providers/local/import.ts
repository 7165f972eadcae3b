import { z } from 'zod';
import { toIsoInstant } from '../../domain/dates.js';
import { AUTHOR_ROLES, CHANNELS, PRIORITIES, RATING_KINDS, STATUSES } from '../../domain/model.js';
import { UsageError } from '../../errors.js';
import type { Database } from '../../store/sqlite.js';

/** A data-file time to UTC ISO: absolute ISO 8601 only, offset required unless a zone is given (see docs/dates.md). */
function toIso(s: string, tz: string | undefined, ctx: z.RefinementCtx): string {
  const r = toIsoInstant(s, tz);
  if (r.ok) return r.date.toISOString();
  ctx.addIssue({ code: 'custom', message: `invalid date '${s}': ${r.reason}` });
  return z.NEVER;
}
const isoDate = (tz?: string) => z.string().transform((s, ctx) => toIso(s, tz, ctx));
const optionalIso = (tz?: string) => z.string().nullish().transform((s, ctx) => (s ? toIso(s, tz, ctx) : null));

const PersonIn = z.object({ id: z.string().optional(), name: z.string().min(1), email: z.string().nullish() });

export interface ImportOptions {
  /** IANA zone for times without an offset; without it they are refused. */
  tz?: string;
}

export const importTicketSchema = ({ tz }: ImportOptions = {}) =>
  z.object({
    id: z.union([z.string(), z.number()]).optional(),
    subject: z.string().min(1),
    status: z.enum(STATUSES).default('open'),
    priority: z.enum(PRIORITIES).default('normal'),
    channel: z.enum(CHANNELS).default('email'),
    requester: PersonIn,
    assignee: PersonIn.nullish(),
    group: z.string().nullish(),
    tags: z.array(z.string()).default([]),
    createdAt: isoDate(tz),
    updatedAt: optionalIso(tz),
    firstResponseAt: optionalIso(tz),
    solvedAt: optionalIso(tz),
    reopenCount: z.number().int().nonnegative().default(0),
    customFields: z.record(z.string(), z.unknown()).default({}),
    comments: z
      .array(
        z.object({
          author: PersonIn,
          authorRole: z.enum(AUTHOR_ROLES),
          public: z.boolean().default(true),
          body: z.string(),
          createdAt: isoDate(tz),
        }),
      )
      .default([]),
    ratings: z
      .array(
        z.object({
          kind: z.enum(RATING_KINDS),
          score: z.number(),
          scale: z.object({ min: z.number(), max: z.number() }).optional(),
          comment: z.string().nullish(),
          createdAt: isoDate(tz),
        }),
      )
      .default([]),
  });
export const ImportTicketSchema = importTicketSchema();
export type ImportTicket = z.infer<typeof ImportTicketSchema>;

const SCALES = { csat: { min: 1, max: 5 }, nps: { min: 0, max: 10 }, ces: { min: 1, max: 7 } } as const;

function describe(issue: z.core.$ZodIssue): string {
  return `${issue.path.join('.') || 'value'}: ${issue.message}`;
}

/** Validates every record; one usage error lists the first problems with their record numbers. */
export function validateRecords(records: unknown[], label: (i: number) => string, opts: ImportOptions = {}): ImportTicket[] {
  const problems: string[] = [];
  const out: ImportTicket[] = [];
  const schema = opts.tz ? importTicketSchema(opts) : ImportTicketSchema;
  records.forEach((r, i) => {
    const parsed = schema.safeParse(r);
    if (parsed.success) out.push(parsed.data);
    else problems.push(`${label(i)}: ${parsed.error.issues.slice(0, 2).map(describe).join('; ')}`);
  });
  if (problems.length) {
    throw new UsageError(
      `${problems.length} invalid record${problems.length > 1 ? 's' : ''}, nothing imported: ${problems.slice(0, 3).join(' | ')}${problems.length > 3 ? ' | ...' : ''}`,
      'fix the file; statuses, priorities and channels must be deskctl values (see deskctl tickets list --help)',
    );
  }
  return out;
}

/** JSON: an array of tickets (e.g. `tickets list --all --json`) or { tickets: [...] }. */
export function parseJsonImport(text: string, opts: ImportOptions = {}): ImportTicket[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the file is not valid JSON: ${(err as Error).message}`, 'export with deskctl tickets list --all --json');
  }
  const list = Array.isArray(data) ? data : (data as { tickets?: unknown[] })?.tickets;
  if (!Array.isArray(list)) throw new UsageError('expected a JSON array of tickets or { "tickets": [...] }');
  return validateRecords(list, (i) => `ticket ${i + 1}`, opts);
}

/**
 * CSV with a header row: subject, status, priority, channel, requester_name, requester_email, assignee_name,
 * assignee_email, group, tags (separated by spaces or ;), created_at, updated_at, first_response_at, solved_at,
 * reopen_count, body (the first customer message), and cf.<name> columns for custom fields.
 */
export async function parseCsvImport(text: string, opts: ImportOptions = {}): Promise<ImportTicket[]> {
  const { parse } = await import('csv-parse/sync');
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (err) {
    throw new UsageError(`the file is not valid CSV: ${(err as Error).message}`);
  }
  const records = rows.map((r) => {
    const customFields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (k.startsWith('cf.') && v !== '') customFields[k.slice(3)] = v;
    const createdAt = r.created_at ?? '';
    const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
    return {
      id: blank(r.id),
      subject: r.subject,
      status: blank(r.status?.toLowerCase()),
      priority: blank(r.priority?.toLowerCase()),
      channel: blank(r.channel?.toLowerCase()),
      requester: { name: r.requester_name || r.requester_email || '', email: blank(r.requester_email) },
      assignee: r.assignee_name || r.assignee_email ? { name: r.assignee_name || r.assignee_email!, email: blank(r.assignee_email) } : null,
      group: blank(r.group),
      tags: (r.tags ?? '').split(/[\s;]+/).filter(Boolean),
      createdAt,
      updatedAt: blank(r.updated_at),
      firstResponseAt: blank(r.first_response_at),
      solvedAt: blank(r.solved_at),
      reopenCount: r.reopen_count ? Number(r.reopen_count) : 0,
      customFields,
      comments: r.body ? [{ author: { name: r.requester_name || r.requester_email || 'customer', email: blank(r.requester_email) }, authorRole: 'customer', public: true, body: r.body, createdAt }] : [],
    };
  });
  return validateRecords(records, (i) => `row ${i + 2}`, opts);
}

export interface ImportResult {
  imported: number;
  comments: number;
  ratings: number;
  people: number;
}

/** Writes the tickets in one transaction: all or nothing. People are matched by email, else by name. */
export function writeImport(db: Database, tickets: ImportTicket[], opts: { replace: boolean }): ImportResult {
  let comments = 0;
  let ratings = 0;
  let people = 0;
  db.transaction(() => {
    if (opts.replace) for (const t of ['events', 'ratings', 'comments', 'ticket_tags', 'tickets']) db.exec(`DELETE FROM ${t}`);
    const findPerson = db.prepare(`SELECT id FROM people WHERE (email IS NOT NULL AND lower(email) = lower(?)) OR (? IS NULL AND name = ?) LIMIT 1`);
    const insertPerson = db.prepare(`INSERT INTO people (id, name, email, role, grp) VALUES (?, ?, ?, ?, ?)`);
    const person = (p: { id?: string; name: string; email?: string | null }, role: 'customer' | 'agent', grp?: string | null): string => {
      const email = p.email ?? null;
      const found = findPerson.get(email, email, p.name) as { id: string } | undefined;
      if (found) return found.id;
      const id = `${role === 'agent' ? 'agent' : 'cust'}-imp-${Date.now().toString(36)}-${people++}`;
      insertPerson.run(id, p.name, email, role, grp ?? null);
      return id;
    };
    const ensureGroup = db.prepare(`INSERT OR IGNORE INTO groups (id, name) VALUES (?, ?)`);
    const insertTicket = db.prepare(
      `INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, grp, created_at, updated_at, first_response_at, solved_at, reopen_count, custom_fields)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertTag = db.prepare(`INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`);
    const insertComment = db.prepare(`INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`);
    const insertRating = db.prepare(`INSERT INTO ratings (ticket_id, kind, score, scale_min, scale_max, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const exists = db.prepare(`SELECT 1 FROM tickets WHERE id = ?`);
    for (const t of tickets) {
      const numericId = t.id !== undefined && /^\d+$/.test(String(t.id)) ? Number(t.id) : null;
      if (numericId !== null && exists.get(numericId)) {
        throw new UsageError(`ticket ${numericId} already exists in this helpdesk`, 'pass --replace to replace the tickets, or import into a new profile with --into NAME');
      }
      if (t.group) ensureGroup.run(`g-${t.group.toLowerCase()}`, t.group);
      const requester = person(t.requester, 'customer');
      const assignee = t.assignee ? person(t.assignee, 'agent', t.group) : null;
      const res = insertTicket.run(
        numericId, t.subject, t.status, t.priority, t.channel, requester, assignee, t.group ?? null, t.createdAt,
        t.updatedAt ?? t.createdAt, t.firstResponseAt, t.solvedAt, t.reopenCount, JSON.stringify(t.customFields),
      );
      const id = Number(res.lastInsertRowid);
      for (const tag of t.tags) insertTag.run(id, tag);
      for (const c of t.comments) {
        insertComment.run(id, person(c.author, c.authorRole === 'customer' ? 'customer' : 'agent'), c.authorRole, c.public ? 1 : 0, c.body, c.createdAt);
        comments++;
      }
      for (const r of t.ratings) {
        const scale = r.scale ?? SCALES[r.kind];
        insertRating.run(id, r.kind, r.score, scale.min, scale.max, r.comment ?? null, r.createdAt);
        ratings++;
      }
    }
  }).immediate();
  return { imported: tickets.length, comments, ratings, people };
}
