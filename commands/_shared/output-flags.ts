import { Help, Option, type Command } from 'commander';
import { FORMATS, type OutputFlags } from '../../src/output/format.js';

const collectList = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

/**
 * --format, --json, --fields, --jq, --out (and --append where it makes sense). A command that
 * prints one status object (login, demo) takes only --format table|json, --json and --jq: it has
 * no fields to pick and nothing worth a file. `defaultFormat` describes the format without a terminal.
 */
export function addOutputOptions(cmd: Command, opts: { append?: boolean; status?: boolean; defaultFormat?: string } = {}): Command {
  // listed under their own heading, after the command's own flags, whatever order they are added in
  const group = 'Output options:';
  if (opts.status) {
    cmd
      .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(['table', 'json']).helpGroup(group))
      .addOption(new Option('--json', 'shortcut for --format json').helpGroup(group))
      .addOption(new Option('--jq <expr>', 'filter the JSON output with a jq expression (built in, no jq needed)').helpGroup(group));
    return groupOwnOptionsFirst(cmd);
  }
  const formatHelp = opts.defaultFormat ?? 'table on a terminal, json otherwise';
  cmd
    .addOption(new Option('--format <format>', `output format (default: ${formatHelp})`).choices([...FORMATS]).helpGroup(group))
    .addOption(new Option('--json [fields]', 'JSON output; with a field list, only those fields (like --fields)').helpGroup(group))
    .addOption(new Option('--fields <list>', 'comma-separated fields to output (a wrong name lists the valid ones; see docs/json.md)').argParser(collectList).helpGroup(group))
    .addOption(new Option('--jq <expr>', 'filter the JSON output with a jq expression (built in, no jq needed)').helpGroup(group))
    .addOption(new Option('-o, --out <file>', 'write to FILE atomically (format from extension; %Y-%m-%d expands to the date)').helpGroup(group));
  if (opts.append) cmd.addOption(new Option('--append', 'append to --out (CSV header written once)').helpGroup(group));
  return groupOwnOptionsFirst(cmd);
}

function groupOwnOptionsFirst(cmd: Command): Command {
  // commander lists groups in the order their first option was added: put the command's own first
  cmd.configureHelp({
    ...cmd.configureHelp(),
    groupItems<T extends Command | Option>(unsorted: T[], visible: T[], getGroup: (item: T) => string): Map<string, T[]> {
      const groups = (Help.prototype.groupItems as (u: T[], v: T[], g: (item: T) => string) => Map<string, T[]>).call(this, unsorted, visible, getGroup);
      const own = groups.get('Options:');
      if (!own) return groups;
      return new Map([['Options:', own], ...[...groups].filter(([k]) => k !== 'Options:')]);
    },
  });
  return cmd;
}

/** The output flags of a command's options; `--json id,subject` is `--json --fields id,subject` (like gh). */
export const outputFlags = (o: Record<string, unknown>): OutputFlags => {
  const jsonFields = typeof o.json === 'string' ? collectList(o.json) : [];
  const fields = [...((o.fields as string[] | undefined) ?? []), ...jsonFields];
  return {
    format: o.format as string | undefined,
    json: o.json === undefined ? undefined : Boolean(o.json),
    fields: fields.length ? fields : undefined,
    out: o.out as string | undefined,
    append: o.append as boolean | undefined,
    jq: o.jq as string | undefined,
  };
};

/** Appends an "Examples:" block to a command's help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

export { collectList };
