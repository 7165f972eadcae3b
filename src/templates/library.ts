import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { actionsFromFrontMatter, describeFrontMatterIssues, FrontMatterSchema, splitFrontMatter } from './frontmatter.js';
import { filesIn, nameOfFile, orderedDirs, TEMPLATE_EXT } from './dirs.js';
import { TemplateFileError, type Template, type TemplateDirs, type TemplateOrigin } from './types.js';

export { ORIGINS, packageRoot, TEMPLATE_EXT, templateDirs, templateNames } from './dirs.js';

/** Parses a template file's text. Throws TemplateFileError naming the file and the problem. */
export function parseTemplate(text: string, file: string, origin: TemplateOrigin): Template {
  const { yaml, body } = splitFrontMatter(text);
  let data: unknown = {};
  if (yaml !== undefined) {
    try {
      data = parseYaml(yaml) ?? {};
    } catch (err) {
      throw new TemplateFileError(file, `${file}: front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'the part between the two --- lines must be YAML (key: value)');
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TemplateFileError(file, `${file}: front matter must be a set of key: value lines`);
  }
  const parsed = FrontMatterSchema.safeParse(data);
  if (!parsed.success) {
    throw new TemplateFileError(file, `${file}: ${describeFrontMatterIssues(parsed.error).join('; ')}`, `run 'deskctl templates lint ${nameOfFile(file)}'`);
  }
  const fm = parsed.data;
  return {
    // a template is found by its file name, so that is its name (lint warns when the front matter disagrees)
    name: nameOfFile(file),
    description: fm.description,
    public: fm.public,
    actions: actionsFromFrontMatter(fm),
    body: body.replace(/^\n+/, '').replace(/\s+$/, '') + '\n',
    file,
    origin,
  };
}

export function readTemplateFile(file: string, origin: TemplateOrigin): Template {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TemplateFileError(file, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTemplate(text, file, origin);
}

export interface TemplateEntry {
  name: string;
  file: string;
  origin: TemplateOrigin;
  template?: Template;
  error?: TemplateFileError;
  /** Files of the same name further down the lookup order, hidden by this one. */
  shadows: string[];
}

/** Every template file in lookup order, first one of each name wins; broken files are reported, not thrown. */
export async function scanTemplates(dirs: TemplateDirs): Promise<TemplateEntry[]> {
  const byName = new Map<string, TemplateEntry>();
  for (const { dir, origin } of orderedDirs(dirs)) {
    for (const file of filesIn(dir)) {
      const name = nameOfFile(file);
      const existing = byName.get(name);
      if (existing) {
        existing.shadows.push(file);
        continue;
      }
      const entry: TemplateEntry = { name, file, origin, shadows: [] };
      try {
        entry.template = readTemplateFile(file, origin);
      } catch (err) {
        if (err instanceof TemplateFileError) entry.error = err;
        else throw err;
      }
      byName.set(name, entry);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The usable templates, project first, then user, then shipped; a name defined twice resolves to the first. */
export async function listTemplates(dirs: TemplateDirs): Promise<Template[]> {
  return (await scanTemplates(dirs)).flatMap((e) => (e.template ? [e.template] : []));
}

const looksLikePath = (name: string) => name.includes('/') || name.includes('\\') || name.endsWith(TEMPLATE_EXT);

/** Finds a template by name (or path to a .liquid file). Unknown names are a usage error listing the available ones. */
export async function loadTemplate(name: string, dirs: TemplateDirs): Promise<Template> {
  if (looksLikePath(name)) {
    const file = resolve(name);
    if (!existsSync(file)) throw new UsageError(`template file ${name} does not exist`, `give a template name (see 'deskctl templates list') or an existing .liquid file`);
    return readTemplateFile(file, 'project');
  }
  const entries = await scanTemplates(dirs);
  const entry = entries.find((e) => e.name === name);
  if (!entry) {
    const names = entries.map((e) => e.name);
    const close = names.filter((n) => n.includes(name) || name.includes(n) || editDistance(n, name) <= 2);
    throw new UsageError(
      `no template named '${name}'`,
      `${close.length ? `did you mean ${close.map((c) => `'${c}'`).join(' or ')}? ` : ''}available: ${names.join(', ') || 'none'} (create one with 'deskctl templates new ${name}')`,
    );
  }
  if (entry.error) throw entry.error;
  return entry.template!;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
