import { existsSync } from 'node:fs';
import type { Person } from '../domain/model.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import type { Template, TemplateDirs } from '../templates/index.js';
import type { Composer } from './runner.js';
import type { FollowUp } from './store.js';

export interface ComposerOptions {
  dirs: TemplateDirs;
  provider: HelpdeskProvider;
  agent: Person | null;
  signature?: string;
  now: Date;
}

/**
 * The template a follow-up names. The file resolved when scheduling wins (cron runs from another
 * directory, where ./templates is not the project's); otherwise the name is looked up again.
 */
export async function loadFollowupTemplate(f: Pick<FollowUp, 'template' | 'templateFile'>, dirs: TemplateDirs): Promise<Template> {
  const { loadTemplate, readTemplateFile } = await import('../templates/index.js');
  if (f.templateFile && existsSync(f.templateFile)) {
    const t = readTemplateFile(f.templateFile, 'project');
    return { ...t, name: f.template ?? t.name };
  }
  return loadTemplate(f.template!, dirs);
}

/** Renders follow-ups with the templates module (strict Liquid); templates are loaded once per run. */
export function templateComposer(opts: ComposerOptions): Composer {
  const cache = new Map<string, Promise<Template>>();
  return async (f, ticket, comments) => {
    if (!f.template) return null;
    const { checkTemplateSupport, renderTemplate, templateActionsToPatch } = await import('../templates/index.js');
    const key = `${f.template}\u0000${f.templateFile ?? ''}`;
    let tp = cache.get(key);
    if (!tp) cache.set(key, (tp = loadFollowupTemplate(f, opts.dirs)));
    const t = await tp;
    checkTemplateSupport(t, opts.provider);
    const body = await renderTemplate(t, { ticket, comments, agent: opts.agent, signature: opts.signature, now: opts.now });
    const patch = await templateActionsToPatch(t.actions, opts.provider);
    return { body, public: t.public, patch };
  };
}
