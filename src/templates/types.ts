import type { Comment, Person, Priority, Status, Ticket } from '../domain/model.js';
import { DeskctlError, ExitCode } from '../errors.js';

/** Changes applied to a ticket together with a template's reply. */
export interface TemplateActions {
  status?: Status;
  priority?: Priority;
  addTags?: string[];
  removeTags?: string[];
  /** Agent reference: me | name | email | id (resolved against the helpdesk when applied). */
  assignee?: string;
}

export type TemplateOrigin = 'project' | 'user' | 'shipped';

export interface Template {
  name: string;
  description: string;
  /** true: a public reply to the requester; false: an internal note. */
  public: boolean;
  actions: TemplateActions;
  /** The Liquid source after the front matter. */
  body: string;
  /** Absolute path of the .liquid file. */
  file: string;
  origin: TemplateOrigin;
}

export interface TemplateDirs {
  /** <cwd>/templates */
  project: string;
  /** ctx.paths.templatesDir */
  user: string;
  /** <package root>/templates */
  shipped: string;
}

export interface RenderInput {
  ticket: Ticket;
  /** The conversation; needed only by templates that use ticket.latest_customer_comment / ticket.comments. */
  comments?: Comment[];
  agent: Person | null;
  /** The profile's signature; falls back to agent.signature, then the agent's name. */
  signature?: string;
  /** Extra columns of an --ids-file CSV row, as row.<column>. */
  row?: Record<string, string>;
  now: Date;
}

/** A template could not be rendered for a ticket (missing variable, leftover Liquid, syntax). */
export class TemplateRenderError extends DeskctlError {
  readonly template: string;
  readonly ticketId: string;
  /** The missing variable, when that is the cause. */
  readonly variable?: string;
  constructor(message: string, opts: { template: string; ticketId: string; variable?: string; hint?: string }) {
    super(message, { hint: opts.hint, exitCode: ExitCode.failure });
    this.name = 'TemplateRenderError';
    this.template = opts.template;
    this.ticketId = opts.ticketId;
    this.variable = opts.variable;
  }
}

/** A template file is not valid (front matter, Liquid syntax). */
export class TemplateFileError extends DeskctlError {
  readonly file: string;
  constructor(file: string, message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.failure });
    this.name = 'TemplateFileError';
    this.file = file;
  }
}
