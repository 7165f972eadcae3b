import { z } from 'zod';
import { CHANNELS, PRIORITIES, STATUSES, type Comment, type Status, type Ticket } from '../domain/model.js';
import { parseDurationMs } from '../domain/parse.js';
import { UsageError } from '../errors.js';
import { URGENCY_LEVELS, URGENCY_LEVEL_MIN, type TicketScore } from './urgency.js';
import { SLA_STATES, type SlaState } from './sla.js';

/*
 * Triage rules: a YAML file of `when` (conditions, all must hold) -> `then` (actions).
 *
 *   mode: first-match        # or all-match: every matching rule contributes (earlier rules win on conflicts)
 *   tierField: tier          # custom field holding the customer tier (for `tier:` conditions)
 *   rules:
 *     - name: refunds-to-billing
 *       when: { text: { keywords: [refund, chargeback] }, status: unsolved }
 *       then: { group: Billing, addTags: [refund] }
 *
 * Every field is checked with zod; an unknown field, a bad value or an invalid regex is reported
 * with the line it is on, before anything is read from or sent to the helpdesk.
 */

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);
const listOf = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
/** A helpdesk id or name; YAML reads an unquoted id (`assignee: 8678530`) as a number, which is the same id. */
const idOrName = z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]);

const regexString = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s, 'iu');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid regex /${s}/: ${(e as Error).message.replace(/^Invalid regular expression: (\/.*\/[a-z]*: )?/, '')}` });
  }
});

const duration = z.string().or(z.number()).superRefine((v, ctx) => {
  if (typeof v === 'number' ? !(v >= 0) : parseDurationMs(v) === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid duration '${v}': use e.g. 30m, 4h, 2d, 1w` });
  }
});

const TextCondition = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({
    /** Any of these words or phrases (whole words, case-insensitive). */
    keywords: z.array(z.string().min(1)).min(1).optional(),
    /** A JavaScript regular expression, case-insensitive unless caseSensitive is true. */
    regex: regexString.optional(),
    caseSensitive: z.boolean().optional(),
  }),
]);

const Range = z.strictObject({ min: z.number().optional(), max: z.number().optional() });

const statusOrUnsolved = z.enum([...STATUSES, 'unsolved']);
const slaStateInput = z
  .string()
  .transform((s) => s.toLowerCase().replace(/-/g, '_'))
  .pipe(z.enum(SLA_STATES, { error: `expected one of: ${SLA_STATES.join(', ')}` }));

export interface Conditions {
  status?: z.infer<typeof statusOrUnsolved> | z.infer<typeof statusOrUnsolved>[];
  priority?: (typeof PRIORITIES)[number] | (typeof PRIORITIES)[number][];
  channel?: (typeof CHANNELS)[number] | (typeof CHANNELS)[number][];
  assigned?: boolean;
  group?: string | string[] | null;
  tags?: string[] | { all?: string[]; any?: string[]; none?: string[] };
  requester?: { email?: string | string[]; domain?: string | string[] };
  subject?: z.infer<typeof TextCondition>;
  body?: z.infer<typeof TextCondition>;
  text?: z.infer<typeof TextCondition>;
  sentiment?: 'negative' | 'neutral' | 'positive' | { min?: number; max?: number };
  urgency?: (typeof URGENCY_LEVELS)[number] | { min?: number; max?: number };
  age?: { min?: string | number; max?: string | number };
  sla?: SlaState | SlaState[];
  tier?: string | string[];
  any?: Conditions[];
  not?: Conditions;
}

export const ConditionsSchema: z.ZodType<Conditions> = z.lazy(() =>
  z.strictObject({
    status: oneOrMany(statusOrUnsolved).optional(),
    priority: oneOrMany(z.enum(PRIORITIES)).optional(),
    channel: oneOrMany(z.enum(CHANNELS)).optional(),
    assigned: z.boolean().optional(),
    group: z.union([idOrName, z.array(idOrName).min(1), z.null()]).optional(),
    tags: z
      .union([
        z.array(z.string()).min(1),
        z.strictObject({ all: z.array(z.string()).optional(), any: z.array(z.string()).optional(), none: z.array(z.string()).optional() }),
      ])
      .optional(),
    requester: z.strictObject({ email: oneOrMany(z.string().min(1)).optional(), domain: oneOrMany(z.string().min(1)).optional() }).optional(),
    subject: TextCondition.optional(),
    body: TextCondition.optional(),
    text: TextCondition.optional(),
    sentiment: z.union([z.enum(['negative', 'neutral', 'positive']), Range]).optional(),
    urgency: z.union([z.enum(URGENCY_LEVELS), Range]).optional(),
    age: z.strictObject({ min: duration.optional(), max: duration.optional() }).optional(),
    sla: oneOrMany(slaStateInput).optional(),
    tier: oneOrMany(idOrName).optional(),
    any: z.array(ConditionsSchema).min(1).optional(),
    not: ConditionsSchema.optional(),
  }),
) as z.ZodType<Conditions>;

const TemplateRef = z.union([z.string().min(1), z.strictObject({ template: z.string().min(1) })]);

export const ActionsSchema = z
  .strictObject({
    priority: z.enum(PRIORITIES).optional(),
    /** Raise the priority to at least this; never lowers it. */
    raisePriority: z.enum(PRIORITIES).optional(),
    status: z.enum(STATUSES).optional(),
    /** Agent email, name or id; "me"; null or "none" to unassign. */
    assignee: idOrName.nullable().optional(),
    group: idOrName.nullable().optional(),
    addTags: z.array(z.string().min(1)).min(1).optional(),
    removeTags: z.array(z.string().min(1)).min(1).optional(),
    /** Public reply from a template (name). Sent at most once per ticket and rule. */
    reply: TemplateRef.optional(),
    /** Internal note from a template, or a fixed text. Added at most once per ticket and rule. */
    note: z.union([TemplateRef, z.strictObject({ text: z.string().min(1) })]).optional(),
  })
  .refine((a) => Object.values(a).some((v) => v !== undefined), { message: 'a rule needs at least one action under then:', params: { aggregate: true } })
  .refine((a) => a.priority === undefined || a.raisePriority === undefined, { message: 'give priority or raisePriority, not both', path: ['raisePriority'] });
export type Actions = z.infer<typeof ActionsSchema>;

export const RuleSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.:-]*$/, 'rule names use letters, digits, spaces, - _ . :'),
  description: z.string().optional(),
  /** Off switch without deleting the rule. */
  enabled: z.boolean().optional(),
  when: ConditionsSchema,
  then: ActionsSchema,
  /** all-match only: stop evaluating further rules for a ticket this rule matched. */
  stop: z.boolean().optional(),
});
export type Rule = z.infer<typeof RuleSchema>;

export const MODES = ['first-match', 'all-match'] as const;
export type Mode = (typeof MODES)[number];

export const RuleFileSchema = z
  .strictObject({
    version: z.literal(1).optional(),
    mode: z.enum(MODES).optional(),
    tierField: z.string().min(1).optional(),
    rules: z.array(RuleSchema).min(1, 'the file has no rules'),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name '${r.name}'` });
      seen.add(r.name);
    });
  });

export interface RuleSet {
  file: string;
  mode: Mode;
  tierField: string;
  rules: Rule[];
  /** 1-based line of a path in the file (e.g. ['rules', 2, 'then', 'assignee']). */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

const KEYS_BY_CONTEXT: Record<string, string[]> = {
  top: ['version', 'mode', 'tierField', 'rules'],
  rule: ['name', 'description', 'enabled', 'when', 'then', 'stop'],
  when: ['status', 'priority', 'channel', 'assigned', 'group', 'tags', 'requester', 'subject', 'body', 'text', 'sentiment', 'urgency', 'age', 'sla', 'tier', 'any', 'not'],
  then: ['priority', 'raisePriority', 'status', 'assignee', 'group', 'addTags', 'removeTags', 'reply', 'note'],
  tags: ['all', 'any', 'none'],
  requester: ['email', 'domain'],
  text: ['keywords', 'regex', 'caseSensitive'],
  range: ['min', 'max'],
  note: ['template', 'text'],
  reply: ['template'],
};

function keyContext(path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  if (path.length === 0) return 'top';
  if (path.length === 2 && path[0] === 'rules') return 'rule';
  if (last === 'when' || last === 'not' || typeof last === 'number') return 'when';
  if (last === 'then') return 'then';
  if (last === 'subject' || last === 'body' || last === 'text') return 'text';
  if (last === 'sentiment' || last === 'urgency' || last === 'age') return 'range';
  return String(last);
}

/** Error for a problem in a rules file: `rules.yaml:12: ...`, exit 2. */
export function rulesError(file: string, line: number | undefined, message: string, hint?: string): UsageError {
  return new UsageError(`${file}${line ? `:${line}` : ''}: ${message}`, hint ?? 'fix the rules file; `deskctl triage apply --help` lists the fields');
}

/**
 * Parses and validates a rules file. Throws a UsageError (exit 2) naming the file and line of the
 * first problem. Pure apart from the lazy import of the YAML parser.
 */
export async function parseRules(text: string, file: string): Promise<RuleSet> {
  const { parseDocument, LineCounter, isMap, isPair, isScalar } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw rulesError(file, line, `invalid YAML: ${e.message.split('\n')[0]}`, 'check the indentation and quoting on that line');
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const nodeLine = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) {
        // a key's line reads better than its value's when the value is a block on the next lines
        if (n > 0 && n === path.length) {
          const parent = doc.getIn(path.slice(0, n - 1) as unknown[], true);
          if (isMap(parent)) {
            const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[n - 1]);
            const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
            if (keyRange) return lineAt(keyRange[0]);
          }
        }
        return lineAt(node.range[0]);
      }
    }
    return undefined;
  };
  const keyLine = (path: readonly PropertyKey[], key: string): number | undefined => {
    const parent = doc.getIn(path as unknown[], true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (keyRange) return lineAt(keyRange[0]);
    }
    return nodeLine(path);
  };

  const data = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) throw rulesError(file, 1, 'the file is empty', 'start from examples/triage-rules.yaml');
  const parsed = RuleFileSchema.safeParse(data);
  if (!parsed.success) {
    // a whole-object check ("needs at least one action") is noise when a field inside it is wrong
    const issues = parsed.error.issues.filter(
      (i) =>
        !(i.code === 'custom' && (i.params as { aggregate?: boolean } | undefined)?.aggregate) ||
        !parsed.error.issues.some((o) => o !== i && o.path.length >= i.path.length && i.path.every((p, k) => o.path[k] === p)),
    );
    const { editDistance } = await import('../templates/library.js');
    const unknownAt = new Set(issues.filter((i) => i.code === 'unrecognized_keys').map((i) => JSON.stringify(i.path)));
    const located = issues
      // "when: missing" next to an unknown 'whenn' is the same mistake: report the typo
      .filter((i) => !(i.code === 'invalid_type' && i.input === undefined && unknownAt.has(JSON.stringify(i.path.slice(0, -1)))))
      .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const key = issue.keys[0]!;
        const ctxName = keyContext(issue.path);
        const valid = KEYS_BY_CONTEXT[ctxName];
        const near = valid?.map((v) => ({ v, d: editDistance(key.toLowerCase(), v.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
        const suggestion = near && near.d <= 2 ? `did you mean '${near.v}'? ` : '';
        return {
          line: keyLine(issue.path, key),
          message: `unknown field '${key}'${ctxName === 'when' ? ' in conditions' : ctxName === 'then' ? ' in actions' : ''}`,
          hint: valid ? `${suggestion}valid fields here: ${valid.join(', ')}` : undefined,
        };
      }
      const where = issue.path.length ? `${issue.path.filter((p) => typeof p === 'string').slice(-1)[0] ?? ''}: ` : '';
      return { line: nodeLine(issue.path), message: `${where}${describeIssue(issue)}`, hint: undefined as string | undefined };
    });
    located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    const first = located[0]!;
    const more = located.length > 1 ? ` (${located.length - 1} more problem${located.length > 2 ? 's' : ''} after this one)` : '';
    throw rulesError(file, first.line, first.message + more, first.hint);
  }
  const value = parsed.data;
  return {
    file,
    mode: value.mode ?? 'first-match',
    tierField: value.tierField ?? 'tier',
    rules: value.rules,
    lineOf: (path) => nodeLine(path),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}`;
    case 'invalid_union': {
      // the alternative whose type fitted says best what is wrong ("expected one of: ...")
      const branches = issue.errors.flat();
      const telling = branches.find((b) => b.code !== 'invalid_type');
      if (telling) return describeIssue(telling);
      const types = [...new Set(branches.map((b) => (b.code === 'invalid_type' ? b.expected : '')).filter(Boolean))];
      return types.length ? `expected ${types.join(' or ')}` : 'value has the wrong shape';
    }
    default:
      return issue.message;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation (pure)

/** What conditions look at for one ticket. */
export interface TicketFacts {
  ticket: Ticket;
  score: TicketScore;
  /** The conversation, when a rule needs message bodies. */
  comments?: readonly Comment[];
  now: Date;
}

const UNSOLVED: Status[] = ['new', 'open', 'pending', 'on_hold'];

/** Does a condition read message bodies (body/text conditions, sentiment/urgency of the latest message)? */
const usesConversation = (c: Conditions): boolean =>
  c.body !== undefined || c.text !== undefined || c.sentiment !== undefined || c.urgency !== undefined || (c.any ?? []).some(usesConversation) || (c.not ? usesConversation(c.not) : false);

/** Does a rule set need message bodies for some ticket? */
export function needsConversation(rules: readonly Rule[]): boolean {
  return rules.some((r) => usesConversation(r.when));
}

/** The conditions that can be told without the conversation (those that need it, and any/not over them, left out: "maybe"). */
function withoutConversation(c: Conditions): Conditions {
  const { body: _b, text: _t, sentiment: _s, urgency: _u, any, not, ...rest } = c;
  return {
    ...rest,
    ...(any && !any.some(usesConversation) ? { any } : {}),
    ...(not && !usesConversation(not) ? { not } : {}),
  };
}

/**
 * Does this ticket need its conversation read: is there a rule that reads message bodies and whose other
 * conditions hold? (A rule whose status, group, subject... already rule the ticket out never needs them.)
 */
export function ticketNeedsConversation(rules: readonly Rule[], f: Omit<TicketFacts, 'comments'>, tierField?: string): boolean {
  return rules.some((r) => usesConversation(r.when) && matchConditions(withoutConversation(r.when), f, tierField));
}

const reCache = new Map<string, RegExp>();
function regexFor(source: string, caseSensitive: boolean): RegExp {
  const key = `${caseSensitive ? 's' : 'i'}/${source}`;
  let re = reCache.get(key);
  if (!re) reCache.set(key, (re = new RegExp(source, caseSensitive ? 'u' : 'iu')));
  return re;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whole-word/phrase, case-insensitive, apostrophe-tolerant. */
const keywordCache = new Map<string, RegExp>();
export function containsKeyword(text: string, keyword: string): boolean {
  let re = keywordCache.get(keyword);
  if (!re) {
    const source = `(?<![\\p{L}\\p{N}])${escapeRe(keyword.trim()).replace(/\s+/g, '\\s+').replace(/'/g, "['’]")}(?![\\p{L}\\p{N}])`;
    keywordCache.set(keyword, (re = new RegExp(source, 'iu')));
  }
  return re.test(text);
}

function matchText(cond: NonNullable<Conditions['text']>, texts: readonly string[]): boolean {
  if (Array.isArray(cond)) return texts.some((t) => cond.some((k) => containsKeyword(t, k)));
  if (cond.keywords && !texts.some((t) => cond.keywords!.some((k) => containsKeyword(t, k)))) return false;
  if (cond.regex !== undefined) {
    const re = regexFor(cond.regex, Boolean(cond.caseSensitive));
    if (!texts.some((t) => re.test(t))) return false;
  }
  return true;
}

const inRange = (v: number, r: { min?: number; max?: number }) => (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);
const lc = (s: string) => s.trim().toLowerCase();

/** The customer's public messages (what `body` conditions search). */
export const customerBodies = (comments: readonly Comment[] | undefined): string[] =>
  (comments ?? []).filter((c) => c.authorRole === 'customer' && c.public).map((c) => c.body);

/** True when every condition holds for the ticket. An empty `when` matches every ticket. */
export function matchConditions(c: Conditions, f: TicketFacts, tierField = 'tier'): boolean {
  const t = f.ticket;
  if (c.status !== undefined) {
    const wanted = listOf(c.status).flatMap((s) => (s === 'unsolved' ? UNSOLVED : [s]));
    if (!wanted.includes(t.status)) return false;
  }
  if (c.priority !== undefined && !listOf(c.priority).includes(t.priority)) return false;
  if (c.channel !== undefined && !listOf(c.channel).includes(t.channel)) return false;
  if (c.assigned !== undefined && Boolean(t.assignee) !== c.assigned) return false;
  if (c.group !== undefined) {
    if (c.group === null) {
      if (t.group) return false;
    } else if (!listOf(c.group).some((g) => lc(g) === lc(t.group ?? ''))) return false;
  }
  if (c.tags !== undefined) {
    const has = new Set(t.tags.map(lc));
    const spec = Array.isArray(c.tags) ? { all: c.tags } : c.tags;
    if (spec.all && !spec.all.every((x) => has.has(lc(x)))) return false;
    if (spec.any && !spec.any.some((x) => has.has(lc(x)))) return false;
    if (spec.none && spec.none.some((x) => has.has(lc(x)))) return false;
  }
  if (c.requester !== undefined) {
    const email = lc(t.requester.email ?? '');
    if (c.requester.email !== undefined && !listOf(c.requester.email).some((e) => lc(e) === email)) return false;
    if (c.requester.domain !== undefined) {
      const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
      const ok = listOf(c.requester.domain).some((d) => {
        const want = lc(d).replace(/^@/, '');
        return domain === want || domain.endsWith(`.${want}`);
      });
      if (!ok) return false;
    }
  }
  if (c.subject !== undefined && !matchText(c.subject, [t.subject])) return false;
  if (c.body !== undefined && !matchText(c.body, customerBodies(f.comments))) return false;
  if (c.text !== undefined && !matchText(c.text, [t.subject, ...customerBodies(f.comments)])) return false;
  if (c.sentiment !== undefined) {
    const s = f.score.sentiment;
    if (typeof c.sentiment === 'string' ? s.label !== c.sentiment : !inRange(s.score, c.sentiment)) return false;
  }
  if (c.urgency !== undefined) {
    const u = f.score.urgency.score;
    if (typeof c.urgency === 'string' ? u < URGENCY_LEVEL_MIN[c.urgency] : !inRange(u, c.urgency)) return false;
  }
  if (c.age !== undefined) {
    const age = f.now.getTime() - Date.parse(t.createdAt);
    const ms = (v: string | number) => (typeof v === 'number' ? v * 1000 : parseDurationMs(v)!);
    if (c.age.min !== undefined && age < ms(c.age.min)) return false;
    if (c.age.max !== undefined && age > ms(c.age.max)) return false;
  }
  if (c.sla !== undefined && !listOf(c.sla).includes(f.score.sla.state)) return false;
  if (c.tier !== undefined) {
    const raw = t.customFields[tierField];
    const tier = raw === undefined || raw === null ? '' : lc(String(raw));
    if (!listOf(c.tier).some((x) => lc(x) === tier)) return false;
  }
  if (c.any !== undefined && !c.any.some((sub) => matchConditions(sub, f, tierField))) return false;
  if (c.not !== undefined && matchConditions(c.not, f, tierField)) return false;
  return true;
}

/** The rules that apply to a ticket, in file order (one at most in first-match mode). */
export function matchingRules(set: Pick<RuleSet, 'rules' | 'mode' | 'tierField'>, facts: TicketFacts): Rule[] {
  const out: Rule[] = [];
  for (const rule of set.rules) {
    if (rule.enabled === false) continue;
    if (!matchConditions(rule.when, facts, set.tierField)) continue;
    out.push(rule);
    if (set.mode === 'first-match' || rule.stop) break;
  }
  return out;
}

export const templateOf = (ref: Actions['reply'] | Actions['note']): string | undefined =>
  ref === undefined ? undefined : typeof ref === 'string' ? ref : 'template' in ref ? ref.template : undefined;
