import { z } from 'zod';
import { PRIORITIES, STATUSES } from '../domain/model.js';
import type { TemplateActions } from './types.js';

const tagList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).map((t) => t.trim()).filter(Boolean));

/** The YAML front matter of a template. Unknown keys are refused so that a misspelt action is never ignored. */
export const FrontMatterSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'use letters, digits, - and _ only').optional(),
  description: z.string().default(''),
  public: z.boolean().default(true),
  status: z.enum(STATUSES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  add_tags: tagList.optional(),
  remove_tags: tagList.optional(),
  assignee: z.string().min(1).optional(),
});
export type FrontMatter = z.infer<typeof FrontMatterSchema>;

export const ACTION_KEYS = ['status', 'priority', 'add_tags', 'remove_tags', 'assignee'] as const;
export const FRONT_MATTER_KEYS = ['name', 'description', 'public', ...ACTION_KEYS] as const;

export interface SplitFile {
  /** Raw YAML text, or undefined when the file has no front matter. */
  yaml?: string;
  body: string;
  /** 1-based line of the body's first line in the file (for messages). */
  bodyLine: number;
}

/** Splits `---\nyaml\n---\nbody`. A file without a leading `---` is all body. */
export function splitFrontMatter(text: string): SplitFile {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const m = /^---[ \t]*\n([\s\S]*?)\n?---[ \t]*(?:\n|$)/.exec(src);
  if (!m) return { body: src, bodyLine: 1 };
  const bodyLine = m[0].split('\n').length - (m[0].endsWith('\n') ? 0 : 1);
  return { yaml: m[1]!, body: src.slice(m[0].length), bodyLine };
}

export function actionsFromFrontMatter(fm: FrontMatter): TemplateActions {
  const a: TemplateActions = {};
  if (fm.status) a.status = fm.status;
  if (fm.priority) a.priority = fm.priority;
  if (fm.add_tags?.length) a.addTags = fm.add_tags;
  if (fm.remove_tags?.length) a.removeTags = fm.remove_tags;
  if (fm.assignee) a.assignee = fm.assignee;
  return a;
}

/** One readable line per zod issue, e.g. "status: invalid value 'done' (new, open, ...)". */
export function describeFrontMatterIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (allowed: ${FRONT_MATTER_KEYS.join(', ')})`;
    }
    if (issue.code === 'invalid_value' && 'values' in issue) {
      return `${path}: must be one of ${(issue.values as unknown[]).join(', ')}`;
    }
    return `${path || 'front matter'}: ${issue.message}`;
  });
}
