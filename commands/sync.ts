import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { UsageError } from '../src/errors.js';
import { createStatusLine } from '../src/output/status-line.js';
import { helpdeskFile, openHelpdesk } from '../src/providers/local/index.js';
import { MirrorWriter } from '../src/providers/local/mirror.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

export function register(program: Command, context: ContextFactory): void {
  const cmd = program
    .command('sync')
    .description('Pull tickets, conversations and ratings changed since the last sync into a local mirror profile (docs/sync.md)')
    .requiredOption('--from <profile>', 'the helpdesk profile to read (Zendesk, Freshdesk, RT, ...)')
    .option('--into <name>', 'local profile to keep the mirror in (default: FROM-mirror; created when missing)')
    .option('--full', 'list every ticket again instead of the changes since the last sync (removes tickets deleted in the helpdesk)');
  addOutputOptions(cmd).action(async (o: Record<string, unknown>, c: Command) => {
    const ctx = context(c);
    const config = await ctx.config();
    const from = String(o.from);
    const into = (o.into as string | undefined) ?? `${from}-mirror`;
    if (!config.hasProfile(from)) throw new UsageError(`no profile named '${from}'`, `run 'deskctl profile list' to see profiles`);
    if (from === into) throw new UsageError('--into must name another profile than --from', `e.g. --into ${from}-mirror`);
    const source = config.getProfile(from);
    if (config.hasProfile(into) && config.getProfile(into).provider !== 'local') {
      throw new UsageError(`profile '${into}' is a ${config.getProfile(into).provider} profile; a mirror is a local profile`, 'pass --into NEW_NAME');
    }
    const { createProvider } = await import('../src/providers/registry.js');
    const provider = await createProvider({ profileName: from, profile: source, config, paths: ctx.paths, clock: ctx.clock, io: ctx.io, rateLimit: ctx.options.rateLimit });
    const db = await openHelpdesk(helpdeskFile(ctx.paths, into));
    const status = createStatusLine(ctx.io);
    try {
      if (!config.hasProfile(into)) await config.setProfile(into, { provider: 'local' });
      const { syncMirror } = await import('../src/sync/sync.js');
      const result = await syncMirror(provider, new MirrorWriter(db, from, Boolean(provider.changedComments)), {
        full: Boolean(o.full),
        now: () => ctx.clock.now(),
        onProgress: (p) => status.update(`syncing… ${p.tickets.toLocaleString('en-US')} tickets, ${p.comments.toLocaleString('en-US')} messages`),
      });
      status.stop();
      const removed = result.removed ? `, ${result.removed} deleted in the helpdesk removed` : '';
      ctx.io.info(`${ctx.io.errColor.green('✓')} Synced ${result.tickets} changed tickets (${result.comments} messages, ${result.ratings} new ratings${removed}) from '${from}' into '${into}'.`);
      ctx.output.record({ from, into, ...result }, () => `Try: deskctl metrics summary --profile ${into}`, outputFlags(o));
    } finally {
      status.stop();
      db.close();
      await provider.close();
    }
  });
  examples(cmd, [
    'deskctl sync --from work                  # into the local profile work-mirror',
    'deskctl sync --from work && deskctl metrics summary --profile work-mirror',
    '*/15 * * * * deskctl sync --from work --quiet   # cron: every 15 minutes',
    '0 3 * * * deskctl sync --from work --full --quiet  # nightly: also removes tickets deleted in the helpdesk',
  ]);
}
