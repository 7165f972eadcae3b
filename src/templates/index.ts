/**
 * Reply templates: Liquid files with YAML front matter, looked up in <cwd>/templates, the user's
 * template folder, then the ones shipped with deskctl. Rendering is strict.
 */
export type { TemplateActions, Template, TemplateDirs, TemplateOrigin, RenderInput } from './types.js';
export { TemplateRenderError, TemplateFileError } from './types.js';
export { templateDirs, listTemplates, loadTemplate, scanTemplates, parseTemplate, readTemplateFile, packageRoot, type TemplateEntry } from './library.js';
export { renderTemplate, renderVariables, resolveSignature, templateVariables, templateNeedsComments, latestCustomerComment } from './render.js';
export { templateActionsToPatch, sendTemplate, checkTemplateSupport, isEmptyPatch } from './send.js';
export { lintTemplateSource, lintTemplateFile, checkVariablePath, TEMPLATE_VARIABLES, PLAIN_LANGUAGE, type LintIssue, type LintSeverity } from './lint.js';
