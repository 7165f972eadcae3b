import { wrapText } from './formatters.js';
import type { Readable, Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { Chalk, type ChalkInstance } from 'chalk';
import { resolvePager } from './pager.js';
import { redact } from './redact.js';
import { processStdout } from './stdout.js';

/** Streams and terminal facts a command may use. Tests build one with captured streams. */
export interface IO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Prompts are allowed only when both stdin and stdout are terminals. */
  interactive: boolean;
  /** Colour for stdout content. */
  color: ChalkInstance;
  /** Colour for stderr messages. */
  errColor: ChalkInstance;
  /** Terminal width for tables (80 on a terminal that does not say, 120 for a pipe). */
  columns: number;
  /** Terminal height (24 when it does not say); output taller than this goes through the pager. */
  rows: number;
  /** The pager command for long output, when stdout is a terminal and paging is on. */
  pager: string | undefined;
  verbose: boolean;
  quiet: boolean;
  /** Progress/status line to stderr (suppressed by --quiet). */
  info(message: string): void;
  warn(message: string): void;
  /** --verbose only; redacted. */
  debug(message: string): void;
}

export interface IOOptions {
  stdout?: Writable & { isTTY?: boolean; columns?: number };
  stderr?: Writable & { isTTY?: boolean };
  stdin?: Readable & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  noColor?: boolean;
  /** The color setting of config.json: auto (default), always or never. */
  colorSetting?: 'auto' | 'always' | 'never';
  /** false with --no-pager. */
  pager?: boolean;
  /** The pager setting of config.json. */
  pagerSetting?: string;
  verbose?: boolean;
  quiet?: boolean;
}

export function colorLevel(isTTY: boolean, env: NodeJS.ProcessEnv, noColor = false, setting: 'auto' | 'always' | 'never' = 'auto'): 0 | 1 | 2 | 3 {
  if (noColor || 'NO_COLOR' in env || env.TERM === 'dumb') return 0;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return env.FORCE_COLOR === '3' ? 3 : env.FORCE_COLOR === '2' ? 2 : 1;
  if (setting === 'never' || env.FORCE_COLOR === '0') return 0;
  if (!isTTY) return setting === 'always' ? 1 : 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  return /256/.test(env.TERM ?? '') ? 2 : 1;
}

export function createIO(opts: IOOptions = {}): IO {
  const env = opts.env ?? process.env;
  const stdout = opts.stdout ?? processStdout();
  const stderr = opts.stderr ?? process.stderr;
  const stdoutIsTTY = Boolean(stdout.isTTY);
  // process.stdin is made on first use: building it (a stream over a pipe or file) costs start-up time
  const stdinIsTTY = opts.stdin ? Boolean(opts.stdin.isTTY) : isatty(0);
  const color = new Chalk({ level: colorLevel(stdoutIsTTY, env, opts.noColor, opts.colorSetting) });
  const errColor = new Chalk({ level: colorLevel(Boolean(stderr.isTTY), env, opts.noColor, opts.colorSetting) });
  const verbose = Boolean(opts.verbose);
  const quiet = Boolean(opts.quiet);
  // a pipe has no width: tables forced there (--format table) get COLUMNS or a generous 120
  const columns = (stdout as { columns?: number }).columns || Number(env.COLUMNS) || (stdoutIsTTY ? 80 : 120);
  const rows = (stdout as { rows?: number }).rows || 24;
  const pager = resolvePager({ env, setting: opts.pagerSetting, enabled: opts.pager !== false, stdoutIsTTY });
  // messages on a terminal wrap between words instead of where the terminal cuts them
  const stderrColumns = (stderr as { columns?: number; isTTY?: boolean }).isTTY ? (stderr as { columns?: number }).columns : undefined;
  const fitStderr = (text: string) => (stderrColumns && stderrColumns >= 40 ? wrapText(text, stderrColumns) : text);
  return {
    stdout,
    stderr,
    get stdin() {
      return opts.stdin ?? process.stdin;
    },
    stdoutIsTTY,
    stdinIsTTY,
    interactive: stdoutIsTTY && stdinIsTTY && !env.CI,
    color,
    errColor,
    columns,
    rows,
    pager,
    verbose,
    quiet,
    info(message) {
      if (!quiet) stderr.write(`${fitStderr(redact(message))}\n`);
    },
    warn(message) {
      stderr.write(`${fitStderr(`${errColor.yellow('warning:')} ${redact(message)}`)}\n`);
    },
    debug(message) {
      if (verbose) stderr.write(`${errColor.dim(redact(message))}\n`);
    },
  };
}
