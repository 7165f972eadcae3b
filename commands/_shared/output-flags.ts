import { Option, type Command } from 'commander';
import { FORMATS, type OutputFlags } from '../../src/output/format.js';

const collectList = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

/** --format, --json, --fields, --out (and --append where it makes sense). */
export function addOutputOptions(cmd: Command, opts: { append?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...FORMATS]))
    .option('--json', 'shortcut for --format json')
    .option('--fields <list>', 'comma-separated fields to output', collectList)
    .option('-o, --out <file>', 'write to FILE atomically (format from extension; %Y-%m-%d expands to the date)');
  if (opts.append) cmd.option('--append', 'append to --out (CSV header written once)');
  return cmd;
}

export const outputFlags = (o: Record<string, unknown>): OutputFlags => ({
  format: o.format as string | undefined,
  json: o.json as boolean | undefined,
  fields: o.fields as string[] | undefined,
  out: o.out as string | undefined,
  append: o.append as boolean | undefined,
});

/** Appends an "Examples:" block to a command's help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

export { collectList };
