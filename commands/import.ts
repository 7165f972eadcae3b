import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { parseTimeZone } from '../src/domain/zones.js';
import { UsageError } from '../src/errors.js';
import { helpdeskFile } from '../src/providers/local/index.js';
import { importFile } from '../src/providers/local/import.js';
import { createStatusLine } from '../src/output/status-line.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

const FORMATS_IN: Record<string, 'json' | 'csv'> = { json: 'json', ndjson: 'json', jsonl: 'json', csv: 'csv' };

export function register(program: Command, context: ContextFactory): void {
  const cmd = program
    .command('import')
    .argument('<file>', 'tickets as .json (an array), .ndjson (one ticket a line, as `deskctl export` writes) or .csv')
    .description('Load tickets into a local profile, all or nothing (formats: docs/import-export.md)')
    .option('--into <profile>', 'local profile to import into (created when missing; default: the current profile)')
    .option('--replace', 'delete the tickets already in that helpdesk first')
    .option('--format-in <kind>', 'json, ndjson or csv (default: from the file extension)')
    .option('--skip-invalid', 'import the valid records and list the invalid ones (default: refuse the file)')
    .option('--tz <zone>', 'IANA time zone of times written without an offset (default: such times are refused; see docs/dates.md)')
    .option('--encoding <name>', 'text encoding of the file: utf-8 (default, BOM optional), latin1, windows-1252, utf-16le');
  addOutputOptions(cmd).action(async (file: string, o: Record<string, unknown>, c: Command) => {
    const ctx = context(c);
    (await import('../src/output/validate.js')).validateFields(outputFlags(o), null);
    if (!existsSync(file)) throw new UsageError(`file ${file} does not exist`, 'check the path');
    const kind = String(o.formatIn ?? extname(file).slice(1)).toLowerCase();
    const format = FORMATS_IN[kind];
    if (!format) throw new UsageError(`cannot tell the format of ${file}`, 'name it .json, .ndjson or .csv, or pass --format-in json|ndjson|csv');
    const tz = o.tz !== undefined ? parseTimeZone(String(o.tz)) : undefined;
    const config = await ctx.config();
    const name = (o.into as string | undefined) ?? (await ctx.profileName());
    const isNew = !config.hasProfile(name);
    if (!isNew) {
      const p = config.getProfile(name);
      if (p.provider !== 'local') throw new UsageError(`profile '${name}' is a ${p.provider} profile; import works on local profiles`, 'pass --into NEW_NAME to create a local one');
    }
    const target = helpdeskFile(ctx.paths, name);
    const dir = dirname(target);
    const dirExisted = existsSync(dir);
    mkdirSync(dir, { recursive: true });
    const status = createStatusLine(ctx.io);
    const started = Date.now();
    let result;
    try {
      result = await importFile(file, target, {
        format,
        replace: Boolean(o.replace),
        skipInvalid: Boolean(o.skipInvalid),
        encoding: o.encoding as string | undefined,
        tz,
        onProgress: (p) => {
          const rate = Math.round(p.tickets / Math.max(0.001, (Date.now() - started) / 1000));
          status.update(`importing… ${p.tickets.toLocaleString('en-US')} tickets, ${Math.floor((100 * p.bytes) / Math.max(1, p.totalBytes))}% of the file, ${rate.toLocaleString('en-US')}/s`);
        },
      });
    } catch (err) {
      if (!dirExisted && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
      throw err;
    } finally {
      status.stop();
    }
    if (isNew) await config.setProfile(name, { provider: 'local' });
    for (const s of result.skipped) ctx.io.warn(`skipped ${s.record}: ${s.problem}`);
    const skipped = result.skipped.length ? `; skipped ${result.skipped.length} invalid record${result.skipped.length > 1 ? 's' : ''}` : '';
    ctx.io.info(`${ctx.io.errColor.green('✓')} Imported ${result.imported} tickets (${result.comments} messages, ${result.ratings} ratings) into profile '${name}'${skipped}.`);
    ctx.output.record({ profile: name, ...result }, () => `Try: deskctl tickets list --profile ${name}`, outputFlags(o));
  });
  examples(cmd, [
    'deskctl export --profile work --out work.ndjson && deskctl import work.ndjson --into offline',
    'deskctl import tickets.csv --into sandbox --skip-invalid',
    'deskctl import legacy.csv --encoding latin1 --into sandbox',
  ]);
}
