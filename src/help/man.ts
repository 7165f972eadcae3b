import type { EventEmitter } from 'node:events';
import type { Command, Help, Option } from 'commander';
import { ENVIRONMENT } from './environment.js';

/** A man page: its file name (deskctl-tickets-list.1) and roff text. */
export interface ManPage {
  file: string;
  roff: string;
}

/** Text safe for roff: backslashes, hyphens (so options copy-paste right) and leading dots. */
export function roffEscape(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

const pathOf = (cmd: Command): string[] => {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names;
};

export const manName = (cmd: Command): string => pathOf(cmd).join('-');

/** Text commander prints after a command's help (its Examples block), captured without printing. */
function afterHelpText(cmd: Command): string {
  let text = '';
  (cmd as unknown as EventEmitter).emit('afterHelp', { error: false, command: cmd, write: (s: string) => void (text += s) });
  return text.trim();
}

function optionItems(help: Help, cmd: Command, options: Option[]): string[] {
  return options.flatMap((o) => ['.TP', `.B ${roffEscape(help.optionTerm(o))}`, roffEscape(help.optionDescription(o))]);
}

/** Options under their help headings ("Options:", "Output options:"), own ones first. */
function optionSections(help: Help, cmd: Command): string[] {
  const groups = new Map<string, Option[]>();
  for (const o of help.visibleOptions(cmd)) {
    const heading = (o.helpGroupHeading ?? 'Options:').replace(/:$/, '');
    groups.set(heading, [...(groups.get(heading) ?? []), o]);
  }
  return [...groups].flatMap(([heading, opts]) => [`.SH ${roffEscape(heading.toUpperCase())}`, ...optionItems(help, cmd, opts)]);
}

function preformatted(text: string): string[] {
  return ['.PP', '.nf', '.RS 4', roffEscape(text.replace(/^\n+/, '')), '.RE', '.fi'];
}

/** The after-help text: "Examples:" (and other titled blocks) become sections of their own. */
function extraSections(text: string, skip: string[]): string[] {
  if (!text) return [];
  return text.split(/\n(?=[A-Z][A-Za-z ]*:\n)/).flatMap((block) => {
    const m = /^([A-Z][A-Za-z ]*):\n([\s\S]*)$/.exec(block.trim());
    if (!m) return preformatted(block);
    const title = m[1]!.toUpperCase();
    return skip.includes(title) ? [] : [`.SH ${title}`, ...preformatted(m[2]!.replace(/^ {2}/gm, ''))];
  });
}

const sentence = (text: string) => (/[.!?)]$/.test(text) ? text : `${text}.`);

function page(cmd: Command, version: string, extra: string[]): ManPage {
  const help = cmd.createHelp();
  const name = manName(cmd);
  const path = pathOf(cmd).join(' ');
  const description = help.commandDescription(cmd);
  const subcommands = help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
  const args = help.visibleArguments(cmd);
  const lines = [
    `.TH ${roffEscape(name.toUpperCase())} 1 "" "deskctl ${version}" "deskctl manual"`,
    '.SH NAME',
    `${roffEscape(name)} \\- ${roffEscape(description.split('\n')[0]!.replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    `.B ${roffEscape(path)}`,
    roffEscape(help.commandUsage(cmd).split(' ').slice(pathOf(cmd).length).join(' ')),
    '.SH DESCRIPTION',
    roffEscape(description),
  ];
  if (cmd.aliases().length) lines.push('.PP', `Aliases: ${roffEscape(cmd.aliases().join(', '))}.`);
  if (args.length) {
    lines.push('.SH ARGUMENTS');
    for (const a of args) lines.push('.TP', `.I ${roffEscape(help.argumentTerm(a))}`, roffEscape(help.argumentDescription(a) || a.name()));
  }
  if (subcommands.length) {
    lines.push('.SH COMMANDS');
    for (const c of subcommands) {
      lines.push('.TP', `.B ${roffEscape(help.subcommandTerm(c))}`, `${roffEscape(sentence(help.subcommandDescription(c)))} See \\fB${roffEscape(manName(c))}\\fR(1).`);
    }
  }
  lines.push(...optionSections(help, cmd));
  if (cmd.parent) {
    lines.push('.SH GLOBAL OPTIONS', `\\fB\\-\\-profile\\fR \\fIname\\fR, \\fB\\-\\-verbose\\fR, \\fB\\-\\-quiet\\fR, \\fB\\-\\-no\\-color\\fR and \\fB\\-\\-no\\-pager\\fR work with every command; see \\fBdeskctl\\fR(1).`);
  }
  // the program's own page has a full ENVIRONMENT section instead of its help's short list
  lines.push(...extraSections(afterHelpText(cmd), cmd.parent ? [] : ['ENVIRONMENT']), ...extra);
  const related = [...(cmd.parent ? [cmd.parent] : []), ...subcommands].map((c) => `\\fB${roffEscape(manName(c))}\\fR(1)`);
  if (related.length) lines.push('.SH SEE ALSO', related.join(', '));
  return { file: `${name}.1`, roff: `${lines.join('\n')}\n` };
}

function rootSections(): string[] {
  return [
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.flatMap((v) => ['.TP', `.B ${roffEscape(v.name)}`, roffEscape(v.description)]),
    '.SH EXIT STATUS',
    ...[
      ['0', 'success'],
      ['1', 'failure (an unknown ticket, a refused request)'],
      ['2', 'usage error: a bad flag or value; nothing was sent'],
      ['3', 'partial failure in a batch: some items failed, each is listed'],
      ['4', 'authentication or configuration problem'],
    ].flatMap(([code, text]) => ['.TP', `.B ${code}`, roffEscape(text!)]),
    '.SH FILES',
    '.TP',
    '.I ~/.config/deskctl/',
    roffEscape('config.json (profiles, settings), secrets.json (mode 0600), templates/; under $XDG_CONFIG_HOME when set'),
    '.TP',
    '.I ~/.local/share/deskctl/profiles/NAME/',
    roffEscape("helpdesk.db (the embedded helpdesk) and state.db (bulk journals, follow-ups, triage log); under $XDG_DATA_HOME when set. DESKCTL_HOME relocates everything; 'deskctl config path' shows where."),
  ];
}

/** One page per command of the tree, the program's own as deskctl.1. */
export function manPages(program: Command, version: string): ManPage[] {
  const pages: ManPage[] = [];
  const walk = (cmd: Command) => {
    pages.push(page(cmd, version, cmd.parent ? [] : rootSections()));
    for (const c of cmd.createHelp().visibleCommands(cmd)) if (c.name() !== 'help') walk(c);
  };
  walk(program);
  return pages;
}
