import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { profileDataDir } from '../src/config/paths.js';
import { parsePositiveInt } from '../src/domain/parse.js';
import { UsageError } from '../src/errors.js';
import { helpdeskFile, openHelpdesk } from '../src/providers/local/index.js';
import { seedDemo } from '../src/providers/local/demo.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

const NEXT = ['Next:', '  deskctl tickets list --status unsolved --sort urgency', '  deskctl triage', '  deskctl metrics summary'].join('\n');

export function register(program: Command, context: ContextFactory): void {
  const demo = program
    .command('demo')
    .description('Create (or with --reset, recreate) the embedded demo helpdesk of a local profile')
    .option('--reset', 'delete the helpdesk and its deskctl state (jobs, follow-ups) and create it anew')
    .option('--tickets <n>', 'number of tickets (default 720)')
    .option('--days <n>', 'spread tickets over the last N days (default 90)')
    .option('--seed <n>', 'random seed (same seed and DESKCTL_NOW give the same data)');
  addOutputOptions(demo, { status: true }).action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const tickets = o.tickets ? parsePositiveInt(String(o.tickets), '--tickets') : undefined;
    const days = o.days ? parsePositiveInt(String(o.days), '--days') : undefined;
    const seed = o.seed ? parsePositiveInt(String(o.seed), '--seed') : undefined;
    const flags = outputFlags(o);
    ctx.output.format(flags);
    const name = await ctx.profileName();
    const profile = await ctx.profile();
    if (profile.provider !== 'local') {
      throw new UsageError(`profile '${name}' is a ${profile.provider} profile; the demo lives in a local profile`, `run 'deskctl demo --profile local'`);
    }
    const file = helpdeskFile(ctx.paths, name);
    const exists = existsSync(file);
    if (exists && !o.reset && !tickets && !days && !seed) {
      const db = await openHelpdesk(file);
      const n = (db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n;
      db.close();
      ctx.output.record(
        { profile: name, file, tickets: n, created: false },
        () => `The demo helpdesk of profile '${name}' is ready: ${n} tickets.\n\n${NEXT}\n  deskctl demo --reset   # start over with fresh data`,
        flags,
      );
      return;
    }
    if (exists) {
      for (const f of ['helpdesk.db', 'helpdesk.db-wal', 'helpdesk.db-shm']) rmSync(join(profileDataDir(ctx.paths, name), f), { force: true });
      // its deskctl state too (jobs, follow-ups, ledger): the file, or the profile's schema in team mode
      await (await ctx.store()).discard();
    }
    const db = await openHelpdesk(file);
    const summary = seedDemo(db, { now: ctx.clock.now(), tickets, days, seed });
    db.close();
    ctx.output.record(
      { profile: name, file, created: true, ...summary },
      () =>
        `Created the demo helpdesk of profile '${name}': ${summary.tickets} tickets, ${summary.comments} messages, ` +
        `${summary.ratings} ratings, ${summary.agents} agents in ${summary.groups} groups.\n\n${NEXT}`,
      flags,
    );
  });
  examples(demo, ['deskctl demo', 'deskctl demo --reset', 'DESKCTL_NOW=2026-11-25T09:00:00Z deskctl demo --reset --seed 7']);
}
