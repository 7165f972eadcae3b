import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { UsageError } from '../src/errors.js';
import type { ListSpec } from '../src/output/format.js';
import { createStatusLine } from '../src/output/status-line.js';
import { exportRecords, type ExportRecord } from '../src/tickets/export.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

const FIELDS: (keyof ExportRecord)[] = [
  'id', 'subject', 'status', 'priority', 'channel', 'requester', 'assignee', 'group', 'tags', 'createdAt', 'updatedAt', 'firstResponseAt',
  'solvedAt', 'reopenCount', 'publicReplyCount', 'lastCustomerMessageAt', 'customFields', 'comments', 'ratings',
];
const exportSpec: ListSpec<ExportRecord> = {
  columns: FIELDS.map((key) => ({ key, header: key, value: (r: ExportRecord) => r[key] })),
  defaultFields: FIELDS,
};

export function register(program: Command, context: ContextFactory): void {
  const cmd = program
    .command('export')
    .description('Write every ticket of the profile with its conversation, ratings, tags and custom fields, as `deskctl import` reads them')
    .addHelpText('after', '\nNDJSON (one ticket a line) by default, streamed; --format json writes one array. Format: docs/import-export.md.');
  addOutputOptions(cmd).action(async (o: Record<string, unknown>, c: Command) => {
    const ctx = context(c);
    const flags = outputFlags(o);
    const format = flags.json ? 'json' : (flags.format?.toLowerCase() ?? (flags.out && /\.json$/i.test(flags.out) ? 'json' : 'ndjson'));
    if (format !== 'json' && format !== 'ndjson') throw new UsageError(`--format ${format} does not fit export`, 'use --format ndjson (default) or json: the records are nested');
    const provider = await ctx.provider();
    const status = createStatusLine(ctx.io);
    let n = 0;
    async function* counted() {
      for await (const page of exportRecords(provider)) {
        n += page.length;
        status.update(`exporting… ${n.toLocaleString('en-US')} tickets`);
        yield page;
      }
    }
    try {
      await ctx.output.listPages(counted(), exportSpec, { ...flags, json: false, format });
    } finally {
      status.stop();
      await provider.close();
    }
    ctx.io.info(`${ctx.io.errColor.green('✓')} Exported ${n} tickets.`);
  });
  examples(cmd, [
    'deskctl export --profile work --out work.ndjson',
    'deskctl export --profile work --out work.ndjson && deskctl import work.ndjson --into offline',
    'deskctl export --format json > tickets.json',
  ]);
}
