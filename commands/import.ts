import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { parseTimeZone } from '../src/domain/zones.js';
import { UsageError } from '../src/errors.js';
import { helpdeskFile, openHelpdesk } from '../src/providers/local/index.js';
import { parseCsvImport, parseJsonImport, writeImport } from '../src/providers/local/import.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

export function register(program: Command, context: ContextFactory): void {
  const cmd = program
    .command('import')
    .argument('<file>', 'tickets as .json (e.g. from `tickets list --all --json`) or .csv')
    .description('Load tickets into a local profile, to work on an export offline')
    .option('--into <profile>', 'local profile to import into (created when missing; default: the current profile)')
    .option('--replace', 'delete the tickets already in that helpdesk first')
    .option('--format-in <kind>', 'json or csv (default: from the file extension)')
    .option('--tz <zone>', 'IANA time zone of times written without an offset (default: such times are refused; see docs/dates.md)');
  addOutputOptions(cmd).action(async (file: string, o: Record<string, unknown>, c: Command) => {
    const ctx = context(c);
    if (!existsSync(file)) throw new UsageError(`file ${file} does not exist`, 'check the path');
    const kind = String(o.formatIn ?? extname(file).slice(1)).toLowerCase();
    if (kind !== 'json' && kind !== 'csv') throw new UsageError(`cannot tell the format of ${file}`, 'name it .json or .csv, or pass --format-in json|csv');
    const tz = o.tz !== undefined ? parseTimeZone(String(o.tz)) : undefined;
    const text = readFileSync(file, 'utf8');
    const tickets = kind === 'json' ? parseJsonImport(text, { tz }) : await parseCsvImport(text, { tz });
    const config = await ctx.config();
    const name = (o.into as string | undefined) ?? (await ctx.profileName());
    if (config.hasProfile(name)) {
      const p = config.getProfile(name);
      if (p.provider !== 'local') throw new UsageError(`profile '${name}' is a ${p.provider} profile; import works on local profiles`, 'pass --into NEW_NAME to create a local one');
    } else await config.setProfile(name, { provider: 'local' });
    const db = await openHelpdesk(helpdeskFile(ctx.paths, name));
    try {
      const result = writeImport(db, tickets, { replace: Boolean(o.replace) });
      ctx.io.info(`${ctx.io.errColor.green('✓')} Imported ${result.imported} tickets (${result.comments} messages, ${result.ratings} ratings) into profile '${name}'.`);
      ctx.output.record({ profile: name, ...result }, () => `Try: deskctl tickets list --profile ${name}`, outputFlags(o));
    } finally {
      db.close();
    }
  });
  examples(cmd, [
    'deskctl tickets list --all --json --profile work > work.json && deskctl import work.json --into offline',
    'deskctl import tickets.csv --into sandbox',
  ]);
}
