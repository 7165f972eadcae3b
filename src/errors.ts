export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  auth: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error deskctl expects and explains: one line of message, an optional hint, an exit code. */
export class DeskctlError extends Error {
  readonly hint?: string;
  readonly exitCode: ExitCodeValue;
  /** Extra detail shown only with --verbose (already redacted). */
  readonly detail?: string;

  constructor(message: string, opts: { hint?: string; exitCode?: ExitCodeValue; detail?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeskctlError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.failure;
    this.detail = opts.detail;
  }
}

export class UsageError extends DeskctlError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

export class NotFoundError extends DeskctlError {
  constructor(what: string, id: string, hint?: string) {
    super(`${what} ${id} not found`, { hint, exitCode: ExitCode.failure });
    this.name = 'NotFoundError';
  }
}

/** Credentials missing, refused or expired; or a profile/config problem. */
export class AuthError extends DeskctlError {
  constructor(message: string, hint?: string, detail?: string) {
    super(message, { hint, exitCode: ExitCode.auth, detail });
    this.name = 'AuthError';
  }
}

export class ConfigError extends DeskctlError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.auth });
    this.name = 'ConfigError';
  }
}

/** Some items of a batch failed; the command already reported which. */
export class PartialFailure extends DeskctlError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.partial });
    this.name = 'PartialFailure';
  }
}

/** The helpdesk refused a request for a reason that retrying will not fix (400, 403, 422...). */
export class ApiError extends DeskctlError {
  readonly status?: number;
  constructor(message: string, opts: { status?: number; hint?: string; detail?: string; exitCode?: ExitCodeValue } = {}) {
    super(message, { hint: opts.hint, detail: opts.detail, exitCode: opts.exitCode ?? ExitCode.failure });
    this.name = 'ApiError';
    this.status = opts.status;
  }
}

export function exitCodeOf(err: unknown): ExitCodeValue {
  return err instanceof DeskctlError ? err.exitCode : ExitCode.failure;
}
