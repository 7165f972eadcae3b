import { Command, CommanderError, Option } from 'commander';
import { createContext, type Context, type GlobalOptions } from './context.js';
import { DeskctlError, ExitCode, exitCodeOf } from './errors.js';
import { redact } from './output/redact.js';
import { VERSION } from './version.js';

/** A command group: one file in commands/, loaded only when its name is on the command line. */
interface Group {
  name: string;
  aliases?: string[];
  summary: string;
  /** A literal import() per group, so that the bundler (scripts/bundle.mjs) sees every command module. */
  load: () => Promise<CommandModule>;
}

const GROUPS: Group[] = [
  { name: 'tickets', aliases: ['ticket', 't'], summary: 'List, show, update and answer tickets', load: () => import('../commands/tickets.js') },
  { name: 'triage', summary: 'Walk the queue interactively, or apply triage rules', load: () => import('../commands/triage.js') },
  { name: 'bulk', summary: 'Reply to or update many tickets at once, safely and resumably', load: () => import('../commands/bulk.js') },
  { name: 'templates', aliases: ['template'], summary: 'List, preview, lint and create reply templates', load: () => import('../commands/templates.js') },
  { name: 'followup', aliases: ['followups'], summary: 'Schedule follow-ups and send the due ones (for cron)', load: () => import('../commands/followup.js') },
  { name: 'metrics', summary: 'CSAT, NPS, CES, FCR, response times, SLA, volume and backlog', load: () => import('../commands/metrics.js') },
  { name: 'state', summary: "Where deskctl's own state lives (this machine or a team's PostgreSQL); move it there", load: () => import('../commands/state.js') },
  { name: 'config', summary: 'Get and set settings (default profile, pager, colour); where config and data live', load: () => import('../commands/config.js') },
  { name: 'profile', aliases: ['profiles'], summary: 'Add, list, switch and test helpdesk profiles', load: () => import('../commands/profile.js') },
  { name: 'login', summary: 'Sign in to a helpdesk with OAuth', load: () => import('../commands/login.js') },
  { name: 'api', summary: 'Make an authenticated API call to the helpdesk (like gh api)', load: () => import('../commands/api.js') },
  { name: 'demo', summary: 'Create or reset the embedded demo helpdesk', load: () => import('../commands/demo.js') },
  { name: 'import', summary: 'Load tickets from a JSON, NDJSON or CSV file into a local profile', load: () => import('../commands/import.js') },
  { name: 'sync', summary: 'Mirror a helpdesk into a local profile, fetching only what changed', load: () => import('../commands/sync.js') },
  { name: 'export', summary: 'Write every ticket with its conversation and ratings (NDJSON or JSON)', load: () => import('../commands/export.js') },
  { name: 'completion', summary: 'Print a shell completion script: bash, zsh or fish', load: () => import('../commands/completion.js') },
];

/** bin/deskctl.js installs it before run(): output errors end in one line and exit 1, EPIPE quietly. */
export { guardStdout } from './output/stdout.js';

export type ContextFactory = (cmd: Command) => Context;

/** What a commands/<group>.ts module exports. */
export interface CommandModule {
  register(program: Command, context: ContextFactory): void;
}

/** Index in argv of the first word that is not a global option or its value (`deskctl -p x tickets`). */
function firstOperand(argv: string[]): number {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--profile' || a === '-p' || a === '--rate-limit') i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
}

function findGroup(argv: string[]): Group | undefined {
  const i = firstOperand(argv);
  if (i < 0) return undefined;
  const name = argv[i] === 'help' ? argv[i + 1] : argv[i];
  return GROUPS.find((g) => g.name === name || g.aliases?.includes(name ?? ''));
}

export type HelpRequest = { argv: string[]; path?: string[]; topic?: undefined } | { topic: 'environment'; argv?: undefined; path?: undefined };

/**
 * `deskctl help tickets list` is `deskctl tickets list --help` (commander's help command would show
 * the group's help); `deskctl help environment` is a topic of its own.
 */
export function rewriteHelp(argv: string[]): HelpRequest {
  const i = firstOperand(argv);
  if (i < 0 || argv[i] !== 'help') return { argv };
  const rest = argv.slice(i + 1);
  if (rest[0] === 'environment' || rest[0] === 'env') return { topic: 'environment' };
  return { argv: [...argv.slice(0, i), ...rest, '--help'], path: rest.filter((a) => !a.startsWith('-')) };
}

/** The first word of a `help` path that names no command (commander then reports it with a suggestion). */
function unknownInPath(program: Command, path: string[]): boolean {
  let cmd = program;
  for (const name of path) {
    if (!cmd.commands.length) return false;
    const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) return true;
    cmd = sub;
  }
  return false;
}

/** "deskctl tickets list": the deepest known (sub)command named on the command line. */
/** The subcommand argv names, and its path ("deskctl tickets list"). */
function commandOf(program: Command, argv: string[]): { cmd: Command; path: string } {
  const names = ['deskctl'];
  let cmd = program;
  for (const a of argv.slice(2)) {
    if (a.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) continue;
    names.push(sub.name());
    cmd = sub;
  }
  return { cmd, path: names.join(' ') };
}

const commandPath = (program: Command, argv: string[]): string => commandOf(program, argv).path;

/**
 * Options that contain an unknown one as a whole word (`--since` -> --created-since, --solved-since),
 * which commander's edit-distance suggestion misses.
 */
export function optionsContaining(cmd: Command, flag: string): string[] {
  const word = flag.replace(/^-+/, '').toLowerCase();
  if (!/^[a-z0-9-]{3,}$/.test(word)) return [];
  const whole = new RegExp(`(^|-)${word}($|-)`);
  return cmd.options.filter((o) => !o.hidden && o.long && whole.test(o.long.slice(2))).map((o) => o.long!);
}

export function buildProgram(argv: string[], contexts: Context[] = [], writeOut?: (text: string) => void): { program: Command; load: () => Promise<void> } {
  const program = new Command('deskctl')
    .description('Support operations from the terminal: triage, bulk replies, follow-ups and metrics over your helpdesk.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('-p, --profile <name>', 'helpdesk profile to use (default: the current one; env DESKCTL_PROFILE)')
    .option('--verbose', 'trace requests and decisions on stderr (secrets redacted)')
    .option('-q, --quiet', 'print nothing on stderr but errors and warnings')
    .option('--no-color', 'disable colour (also NO_COLOR=1)')
    .option('--no-pager', 'never page long output (also DESKCTL_PAGER=cat)')
    .addOption(new Option('--rate-limit <n>', 'requests per minute for this run (overrides the profile)').argParser(Number).hideHelp())
    .helpCommand('help [command...]', 'show help for a command (help tickets list), or: help environment')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .configureOutput({
      ...(writeOut ? { writeOut } : {}),
      // usage errors from commander get a hint line like ours: its suggestion, or where the help is
      outputError: (str, write) => {
        const m = /^([\s\S]*?)\n\(Did you mean (.*)\?\)\s*$/.exec(str);
        if (m) return write(`${m[1]}\nhint: did you mean ${m[2]}?\n`);
        const { cmd, path } = commandOf(program, argv);
        const unknown = /^error: unknown option '([^']+)'/.exec(str);
        const near = unknown ? optionsContaining(cmd, unknown[1]!.split('=')[0]!) : [];
        if (near.length) return write(`${str.replace(/\s+$/, '')}\nhint: did you mean ${near.join(', ')}?\n`);
        write(`${str.replace(/\s+$/, '')}\nhint: run '${path} --help' for usage\n`);
      },
    })
    .exitOverride();

  program.addHelpText(
    'after',
    `
Examples:
  $ deskctl demo                                 # create the embedded demo helpdesk
  $ deskctl tickets list --status open --assignee me
  $ deskctl triage                               # walk the queue, most urgent first
  $ deskctl bulk reply --template delay-apology --tag delivery --dry-run
  $ deskctl metrics summary --since 30d --group-by channel
  $ deskctl profile add zendesk --name work --url https://acme.zendesk.com

Environment:
  DESKCTL_PROFILE   profile to use      DESKCTL_HOME   relocate config and data
  NO_COLOR          disable colour      DESKCTL_NOW    pretend "now" is this ISO time
  Every variable deskctl reads: deskctl help environment

Run 'deskctl help <command>' or 'deskctl <command> --help' for a command's flags and examples.`,
  );

  // every command's output options, before its action does anything (exit 2 means nothing was sent)
  program.hook('preAction', async (_program, action) => {
    const o = action.opts() as Record<string, unknown>;
    if (o.format === undefined && o.json === undefined && o.out === undefined && o.append === undefined && o.failedOut === undefined && o.jq === undefined) return;
    const [{ validateOutputFlags, validateOutTarget }, { clockFromEnv }] = await Promise.all([import('./output/validate.js'), import('./domain/clock.js')]);
    const now = clockFromEnv(process.env).now();
    const jq = o.jq as string | undefined;
    validateOutputFlags({ format: o.format as string | undefined, json: o.json === undefined ? undefined : Boolean(o.json), out: o.out as string | undefined, append: o.append as boolean | undefined, jq }, now);
    if (jq !== undefined) await (await import('./output/jq.js')).prepareJq(jq);
    if (typeof o.failedOut === 'string') validateOutTarget(o.failedOut, now, '--failed-out');
  });

  const contextFactory: ContextFactory = (cmd) => {
    const ctx = createContext(cmd.optsWithGlobals() as GlobalOptions);
    contexts.push(ctx);
    return ctx;
  };

  const wanted = findGroup(argv);
  for (const g of GROUPS) {
    if (g === wanted) continue;
    const placeholder = program.command(g.name).description(g.summary);
    if (g.aliases) placeholder.aliases(g.aliases);
  }
  const load = async () => {
    if (!wanted) return;
    (await wanted.load()).register(program, contextFactory);
  };
  return { program, load };
}

/**
 * The whole command tree, every group registered (for completion scripts, man pages and checking
 * the README's commands). Nothing runs: the actions are there but are never called by the callers.
 */
export async function loadCommandTree(): Promise<Command> {
  const { program } = buildProgram(['node', 'deskctl', '--help']);
  for (const placeholder of [...program.commands]) {
    const group = GROUPS.find((g) => g.name === placeholder.name());
    if (!group) continue;
    (program.commands as Command[]).splice(program.commands.indexOf(placeholder), 1);
    (await group.load()).register(program, () => {
      throw new Error('loadCommandTree: commands of this tree are not meant to run');
    });
  }
  return program;
}

function printError(err: unknown, verbose: boolean): void {
  const stderr = process.stderr;
  if (err instanceof DeskctlError) {
    stderr.write(`error: ${redact(err.message)}\n`);
    if (err.hint) stderr.write(`hint: ${redact(err.hint)}\n`);
    if (verbose && err.detail) stderr.write(`${redact(err.detail)}\n`);
    return;
  }
  const e = err as Error;
  stderr.write(`error: ${redact(e?.message ?? String(err))}\n`);
  if (verbose && e?.stack) stderr.write(`${redact(e.stack)}\n`);
  else stderr.write(`hint: run again with --verbose for details\n`);
}

/** Entry point used by bin/deskctl.js. Returns the exit code. */
export async function run(rawArgv: string[]): Promise<number> {
  const help = rewriteHelp(rawArgv);
  if (help.topic === 'environment') {
    const { renderEnvironment } = await import('./help/environment.js');
    const { output } = createContext({ pager: !rawArgv.includes('--no-pager') });
    output.page(renderEnvironment());
    await output.finish();
    return ExitCode.ok;
  }
  let argv = help.argv;
  const contexts: Context[] = [];
  // help and version text go through the output layer (and so the pager, for long help on a terminal)
  const helpOutput = createContext({ pager: !argv.includes('--no-pager'), color: argv.includes('--no-color') ? false : undefined }).output;
  const { program, load } = buildProgram(argv, contexts, (text) => helpOutput.page(text));
  const verbose = argv.includes('--verbose');
  try {
    await load();
    // `deskctl help tcikets`: an unknown command, reported as such rather than with the top-level help
    if (help.path && unknownInPath(program, help.path)) argv = argv.slice(0, -1);
    await program.parseAsync(argv);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
      // commander already printed its message; usage errors exit 2
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    // what the command printed before it failed comes before the error, never inside a pager
    for (const c of contexts) c.output.flush();
    printError(err, verbose);
    return exitCodeOf(err);
  } finally {
    await helpOutput.finish();
    for (const c of contexts) await c.output.finish().catch(() => undefined);
    for (const c of contexts) await c.close().catch(() => undefined);
  }
}
