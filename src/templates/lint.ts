import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeFrontMatterIssues, FrontMatterSchema, splitFrontMatter } from './frontmatter.js';
import { editDistance, TEMPLATE_EXT } from './library.js';
import { templateVariables } from './render.js';
import type { TemplateOrigin } from './types.js';

export type LintSeverity = 'error' | 'warning';

export interface LintIssue {
  template: string;
  file: string;
  /** 1-based line in the file, when known. */
  line?: number;
  severity: LintSeverity;
  message: string;
}

/** A free-form map (custom fields, CSV row): any key is allowed. */
const ANY = '*';
type Shape = { [key: string]: Shape | typeof ANY | true };

const PERSON: Shape = { id: true, name: true, first_name: true, last_name: true, email: true, role: true };
/** Every variable a template can use. Keep in step with renderVariables in render.ts. */
export const TEMPLATE_VARIABLES: Shape = {
  ticket: {
    id: true,
    url: true,
    subject: true,
    status: true,
    priority: true,
    channel: true,
    group: true,
    tags: ANY,
    created_at: true,
    updated_at: true,
    solved_at: true,
    reopen_count: true,
    requester: PERSON,
    assignee: PERSON,
    custom_fields: ANY,
    latest_customer_comment: true,
    comments: ANY,
  },
  agent: { ...PERSON, signature: true },
  row: ANY,
  now: true,
};

/** Returns an error message for a variable path the renderer never provides, or undefined when it is fine. */
export function checkVariablePath(path: string[]): string | undefined {
  let shape: Shape | typeof ANY | true = TEMPLATE_VARIABLES;
  for (let i = 0; i < path.length; i++) {
    if (shape === ANY) return undefined;
    const seg = path[i]!;
    if (shape === true) {
      // filters like .size / .first on strings and lists are fine
      if (['size', 'first', 'last'].includes(seg)) return undefined;
      return `'${path.slice(0, i).join('.')}' is a plain value and has no '${seg}'`;
    }
    if (seg === '*') return undefined;
    const next: Shape | typeof ANY | true | undefined = Object.prototype.hasOwnProperty.call(shape, seg) ? shape[seg] : undefined;
    if (next === undefined) {
      const known = Object.keys(shape);
      const close = known.filter((k) => editDistance(k, seg) <= 2);
      const where = i === 0 ? 'variable' : `field of ${path.slice(0, i).join('.')}`;
      return `unknown ${where} '${seg}' in {{ ${path.join('.')} }}${close.length ? ` (did you mean ${close.map((c) => [...path.slice(0, i), c].join('.')).join(' or ')}?)` : ` (known: ${known.join(', ')})`}`;
    }
    shape = next;
  }
  return undefined;
}

/** Bureaucratic phrases and plain alternatives. */
export const PLAIN_LANGUAGE: { phrase: RegExp; instead: string }[] = [
  { phrase: /\bper our policy\b/i, instead: 'say the reason in plain words ("because ...")' },
  { phrase: /\bkindly be advised\b/i, instead: 'leave it out and say the thing itself' },
  { phrase: /\bplease be advised\b/i, instead: 'leave it out and say the thing itself' },
  { phrase: /\bat your earliest convenience\b/i, instead: '"when you can" or a real date' },
  { phrase: /\bwe regret to inform you\b/i, instead: '"I\'m sorry, but ..."' },
  { phrase: /\bdo(?:n't| not) hesitate to (?:contact|reach out)/i, instead: '"just reply to this email"' },
  { phrase: /\bwe apologi[sz]e for any inconvenience\b/i, instead: '"I\'m sorry for the trouble" (and say what went wrong)' },
  { phrase: /\bpursuant to\b/i, instead: '"under" or "following"' },
  { phrase: /\bas per\b/i, instead: '"as" or "following"' },
  { phrase: /\bin order to\b/i, instead: '"to"' },
  { phrase: /\bprior to\b/i, instead: '"before"' },
  { phrase: /\butili[sz]e\b/i, instead: '"use"' },
  { phrase: /\bplease find attached\b/i, instead: '"I\'ve attached"' },
  { phrase: /\b(?:hereby|herewith|aforementioned|thereof)\b/i, instead: 'plain words ("this", "of it"), or leave it out' },
  { phrase: /\brevert back\b/i, instead: '"reply" or "get back to you"' },
  { phrase: /\byour (?:request|ticket) has been escalated\b/i, instead: 'say who is looking at it ("I\'ve asked our billing team to ...")' },
];

export interface LintTarget {
  name: string;
  file: string;
  origin?: TemplateOrigin;
}

/** Lints a template's source text. Pure apart from the Liquid parser. */
export async function lintTemplateSource(text: string, target: LintTarget): Promise<LintIssue[]> {
  const issues: LintIssue[] = [];
  const add = (severity: LintSeverity, message: string, line?: number) => issues.push({ template: target.name, file: target.file, line, severity, message });
  const { yaml, body, bodyLine } = splitFrontMatter(text);

  if (yaml === undefined) add('error', 'no front matter: start the file with --- lines holding at least "description:" and "public:"', 1);
  else {
    let data: unknown;
    try {
      data = parseYaml(yaml) ?? {};
    } catch (err) {
      add('error', `front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 2);
    }
    if (data !== undefined) {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) add('error', 'front matter must be key: value lines', 2);
      else {
        const parsed = FrontMatterSchema.safeParse(data);
        if (!parsed.success) {
          for (const msg of describeFrontMatterIssues(parsed.error)) add('error', msg.startsWith('unknown key') ? msg.replace('unknown key', 'unknown action or key') : msg, lineOfKey(yaml, msg));
        } else {
          const fm = parsed.data;
          const fileName = basename(target.file, TEMPLATE_EXT);
          if (fm.name && fm.name !== fileName) add('warning', `name '${fm.name}' differs from the file name '${fileName}'; the template is found as '${fileName}'`, lineOfKey(yaml, 'name'));
          if (!fm.description.trim()) add('warning', 'no description: add one line saying when to use this template', 2);
          if (!('public' in (data as object))) add('warning', 'public is not set: it defaults to true (a reply the customer sees)', 2);
        }
      }
    }
  }

  if (!body.trim()) add('error', 'the body is empty: write the reply below the front matter', bodyLine);
  else {
    try {
      for (const path of await templateVariables({ name: target.name, file: target.file, body })) {
        const problem = checkVariablePath(path);
        if (problem) add('error', problem, lineOf(body, path[path.length - 1] ?? path[0] ?? '', bodyLine));
      }
    } catch (err) {
      add('error', (err as Error).message.replace(/^template '[^']*': /, ''), bodyLine);
    }
    const lines = body.split('\n');
    lines.forEach((l, i) => {
      const found = PLAIN_LANGUAGE.flatMap(({ phrase, instead }) => {
        const m = phrase.exec(l);
        return m ? [{ at: m.index, text: m[0], instead }] : [];
      }).sort((a, b) => a.at - b.at);
      for (const f of found) add('warning', `"${f.text}" sounds bureaucratic; try ${f.instead}`, bodyLine + i);
    });
  }
  return issues;
}

export async function lintTemplateFile(target: LintTarget): Promise<LintIssue[]> {
  let text: string;
  try {
    text = readFileSync(target.file, 'utf8');
  } catch (err) {
    return [{ template: target.name, file: target.file, severity: 'error', message: `cannot read the file: ${(err as Error).message}` }];
  }
  return lintTemplateSource(text, target);
}

function lineOf(body: string, needle: string, offset: number): number | undefined {
  const idx = body.split('\n').findIndex((l) => l.includes(needle));
  return idx < 0 ? undefined : offset + idx;
}

function lineOfKey(yaml: string, msg: string): number | undefined {
  const keys = yaml.split('\n').map((l) => /^([A-Za-z_][\w-]*)\s*:/.exec(l)?.[1]);
  const idx = keys.findIndex((k) => k !== undefined && new RegExp(`(^|[ '])${k}([:' ]|$)`).test(msg));
  return idx < 0 ? undefined : idx + 2;
}
