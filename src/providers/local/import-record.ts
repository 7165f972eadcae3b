import { z } from 'zod';
import { toIsoInstant } from '../../domain/dates.js';
import { AUTHOR_ROLES, CHANNELS, PRIORITIES, RATING_KINDS, STATUSES } from '../../domain/model.js';

/** What deskctl itself writes: UTC with milliseconds (or whole seconds), checked without the full parser. */
const CANONICAL_UTC = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function realDay(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/**
 * A time in an import file, to canonical UTC (2026-11-01T09:00:00.000Z), or the reason it is refused.
 * The canonical form (millions of them in an export) is recognised directly; anything else goes through
 * the strict date parser (src/domain/dates.ts), with `tz` for times written without an offset.
 */
export function importTimestamp(raw: string, tz?: string): { ok: true; value: string } | { ok: false; reason: string } {
  if (CANONICAL_UTC.test(raw) && realDay(Number(raw.slice(0, 4)), Number(raw.slice(5, 7)), Number(raw.slice(8, 10)))) {
    return { ok: true, value: raw.length === 24 ? raw : `${raw.slice(0, 19)}.000Z` };
  }
  const r = toIsoInstant(raw, tz);
  return r.ok ? { ok: true, value: r.date.toISOString() } : r;
}

// dates are checked and normalised after the schema (normaliseDates): a transform per date is the slow part
const stamp = z.string();
const optionalStamp = z.string().nullish();

const PersonIn = z.object({ id: z.string().nullish(), name: z.string().min(1), email: z.string().nullish() });

export const DEFAULT_SCALES = { csat: { min: 1, max: 5 }, nps: { min: 0, max: 10 }, ces: { min: 1, max: 7 } } as const;

export const ImportTicketSchema = z.object({
  id: z.union([z.string().min(1), z.number().int().positive()]).optional(),
  subject: z.string().min(1),
  status: z.enum(STATUSES).default('open'),
  priority: z.enum(PRIORITIES).default('normal'),
  channel: z.enum(CHANNELS).default('email'),
  requester: PersonIn,
  assignee: PersonIn.nullish(),
  group: z.string().nullish(),
  tags: z.array(z.string()).default([]),
  createdAt: stamp,
  updatedAt: optionalStamp,
  firstResponseAt: optionalStamp,
  solvedAt: optionalStamp,
  reopenCount: z.number().int().nonnegative().default(0),
  publicReplyCount: z.number().int().nonnegative().nullish(),
  lastCustomerMessageAt: optionalStamp,
  customFields: z.record(z.string(), z.unknown()).default({}),
  comments: z
    .array(
      z.object({
        author: PersonIn,
        authorRole: z.enum(AUTHOR_ROLES),
        public: z.boolean().default(true),
        body: z.string(),
        createdAt: stamp,
      }),
    )
    .default([]),
  ratings: z
    .array(
      z.object({
        kind: z.enum(RATING_KINDS),
        score: z.number(),
        scale: z.object({ min: z.number(), max: z.number() }).nullish(),
        comment: z.string().nullish(),
        createdAt: stamp,
        agentId: z.string().nullish(),
      }),
    )
    .default([]),
});
export type ImportTicket = z.infer<typeof ImportTicketSchema>;

/** Rewrites every date to canonical UTC in place; returns the first problem, if any. */
function normaliseDates(t: ImportTicket, tz: string | undefined): string | null {
  const req = (path: string, v: string): string | null => {
    const d = importTimestamp(v, tz);
    if (!d.ok) throw `${path}: invalid date '${v.slice(0, 40)}': ${d.reason}`;
    return d.value;
  };
  const opt = (path: string, v: string | null | undefined) => (v ? req(path, v) : null);
  try {
    t.createdAt = req('createdAt', t.createdAt)!;
    t.updatedAt = opt('updatedAt', t.updatedAt);
    t.firstResponseAt = opt('firstResponseAt', t.firstResponseAt);
    t.solvedAt = opt('solvedAt', t.solvedAt);
    t.lastCustomerMessageAt = opt('lastCustomerMessageAt', t.lastCustomerMessageAt);
    t.comments.forEach((c, i) => (c.createdAt = req(`comments.${i}.createdAt`, c.createdAt)!));
    t.ratings.forEach((r, i) => (r.createdAt = req(`ratings.${i}.createdAt`, r.createdAt)!));
  } catch (problem) {
    return problem as string;
  }
  return null;
}

/** Rules a schema cannot say: ratings within their scale, scales that are ranges, times not before creation. */
export function semanticProblems(t: ImportTicket): string[] {
  const problems: string[] = [];
  t.ratings.forEach((r, i) => {
    const scale = r.scale ?? DEFAULT_SCALES[r.kind];
    if (!(scale.min < scale.max)) problems.push(`ratings.${i}: ${r.kind} scale ${scale.min}-${scale.max} is not a range (min must be below max)`);
    else if (r.score < scale.min || r.score > scale.max) problems.push(`ratings.${i}: ${r.kind} ${r.score} is outside its scale ${scale.min}-${scale.max}`);
  });
  if (t.firstResponseAt && t.firstResponseAt < t.createdAt) problems.push(`firstResponseAt ${t.firstResponseAt} is before createdAt ${t.createdAt}`);
  if (t.solvedAt && t.solvedAt < t.createdAt) problems.push(`solvedAt ${t.solvedAt} is before createdAt ${t.createdAt}`);
  return problems;
}

export type CheckedRecord = { ok: true; ticket: ImportTicket } | { ok: false; problem: string };

/** Validates one record; the problem names the first two things wrong with it. */
export function checkRecord(value: unknown, tz?: string): CheckedRecord {
  const parsed = ImportTicketSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problem: parsed.error.issues.slice(0, 2).map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ') };
  }
  const dateProblem = normaliseDates(parsed.data, tz);
  if (dateProblem) return { ok: false, problem: dateProblem };
  const problems = semanticProblems(parsed.data);
  return problems.length ? { ok: false, problem: problems.slice(0, 2).join('; ') } : { ok: true, ticket: parsed.data };
}
