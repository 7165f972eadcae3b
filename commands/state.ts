import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { profileDataDir } from '../src/config/paths.js';
import type { Context } from '../src/context.js';
import { UsageError } from '../src/errors.js';
import type { MigrateReport } from '../src/store/state-migrate.js';
import type { StateStatus } from '../src/store/state-status.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

export function register(program: Command, context: ContextFactory): void {
  const state = program.command('state').description("Where deskctl's own state lives (this machine, or a team's PostgreSQL), and moving it");
  examples(state, ['deskctl state status', 'deskctl state migrate --to postgres://deskctl@db.internal/deskctl']);

  const status = addOutputOptions(
    state.command('status').description('Where the state lives, schema versions, jobs and follow-ups by state, and which hosts hold claims'),
    { status: true },
  ).action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const store = await ctx.store();
    const { stateStatus } = await import('../src/store/state-status.js');
    const result = await stateStatus(store);
    ctx.output.record(result, () => statusText(result), outputFlags(o));
  });
  examples(status, ['deskctl state status', 'DESKCTL_STATE_URL=postgres://deskctl@db/deskctl deskctl state status --json']);

  const migrate = addOutputOptions(
    state
      .command('migrate')
      .description("Copy this profile's local (SQLite) state into PostgreSQL; run again, it copies only what is missing")
      .option('--to <url>', 'the PostgreSQL database: postgres://USER[:PASSWORD]@HOST:PORT/DB (default: DESKCTL_STATE_URL or the profile\'s state URL)'),
    { status: true },
  ).action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const result = await migrateState(ctx, o.to as string | undefined);
    ctx.output.record(result, () => migrateText(result), outputFlags(o));
  });
  examples(migrate, [
    'deskctl state migrate --to postgres://deskctl@db.internal:5432/deskctl   # password from PGPASSWORD or ~/.pgpass',
    'deskctl state migrate --profile work --to "$DESKCTL_STATE_URL" --json',
  ]);
}

type MigrateResult = MigrateReport & { from: string; to: string; schema: string };

async function migrateState(ctx: Context, to: string | undefined): Promise<MigrateResult> {
  const [{ resolveStateTarget }, { PgStateDb }, { SqliteStateDb }, { openDatabase }, { copySqliteToPostgres }, { stateNamespaces }] = await Promise.all([
    import('../src/store/state-url.js'),
    import('../src/store/pg-state-db.js'),
    import('../src/store/sqlite-state-db.js'),
    import('../src/store/sqlite.js'),
    import('../src/store/state-migrate.js'),
    import('../src/store/namespaces.js'),
  ]);
  const name = await ctx.profileName();
  const config = await ctx.config();
  const profile = config.hasProfile(name) ? config.getProfile(name) : undefined;
  const env = to ? { ...ctx.env, DESKCTL_STATE_URL: to } : ctx.env;
  const target = resolveStateTarget({ env, profileName: name, profile, secret: (key, envName) => config.getSecret(name, key, envName) });
  if (!target) throw new UsageError('where to? no PostgreSQL database is named', 'give --to postgres://USER@HOST:PORT/DB (or set DESKCTL_STATE_URL)');
  const file = join(profileDataDir(ctx.paths, name), 'state.db');
  const base = { from: file, to: target.shown, schema: target.schema };
  if (!existsSync(file)) return { ...base, namespaces: [], tables: [], skipped: [], sequences: [], changed: false };
  const pg = await PgStateDb.open(target);
  const sqlite = new SqliteStateDb(await openDatabase(file));
  try {
    return { ...base, ...(await copySqliteToPostgres(sqlite, pg, await stateNamespaces())) };
  } finally {
    await sqlite.close();
    await pg.close();
  }
}

function statusText(s: StateStatus): string {
  const loc = s.location;
  const width = Math.max(12, ...s.byState.map((t) => t.table.length + 2));
  const label = (text: string) => `${text}:`.padEnd(width);
  const lines = [
    loc.kind === 'sqlite'
      ? `${label('State')}this machine, ${loc.file}`
      : `${label('State')}PostgreSQL ${loc.url}, schema ${loc.schema} (account ${loc.account}; from ${loc.source})`,
    `${label('Schema')}${s.namespaces.length ? s.namespaces.map((n) => `${n.name} v${n.version}`).join(', ') : 'nothing migrated yet'}`,
  ];
  const fu = Object.entries(s.followups.byState).filter(([, n]) => n > 0);
  lines.push(`${label('Follow-ups')}${fu.length ? fu.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`);
  for (const t of s.byState) {
    const counts = Object.entries(t.counts);
    lines.push(`${label(t.table)}${counts.length ? counts.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`);
  }
  const held = [
    ...s.followups.holders.map((h) => `${h.host ?? h.owner} (follow-ups: ${h.claims} being sent by pid ${h.pid ?? '?'}, ${h.alive ? 'alive' : 'gone: the next run takes them over'})`),
    ...s.holders.map((h) => `${h.host} (${h.table}: ${h.rows} held by ${h.owners} process${h.owners === 1 ? '' : 'es'}, ${h.alive} alive)`),
  ];
  lines.push(`${label('Holders')}${held.length ? held.join('; ') : 'no claims or locks held'}`);
  if (loc.kind === 'postgres') {
    lines.push(`${label('Sessions')}${s.sessions.length ? s.sessions.map((h) => `${h.host} (${h.processes} process${h.processes === 1 ? '' : 'es'})`).join(', ') : 'no deskctl process connected'}`);
  }
  return lines.join('\n');
}

function migrateText(r: MigrateResult): string {
  const where = `${r.to} (schema ${r.schema})`;
  if (!r.tables.length && !r.skipped.length) return `Nothing to migrate: this profile has no local state (${r.from} does not exist).`;
  const rows = r.tables.reduce((n, t) => n + t.rows, 0);
  const lines: string[] = [];
  if (!r.changed) lines.push(`Nothing changed: ${where} already holds every row of ${r.from} (${r.tables.length} tables, ${rows} rows).`);
  else {
    lines.push(`Copied ${r.from} into ${where}:`);
    for (const t of r.tables) lines.push(`  ${t.table.padEnd(20)} ${t.copied} of ${t.rows} rows copied${t.rows > t.copied ? ` (${t.rows - t.copied} already there)` : ''}`);
    for (const s of r.sequences) lines.push(`  sequence ${s.sequence} moved to ${s.to}`);
  }
  for (const t of r.skipped.filter((x) => x.why !== 'transient' || x.rows > 0)) {
    lines.push(
      t.why === 'transient'
        ? `Not copied: ${t.table} (${t.rows} rows): claims and locks belong to the processes running now, on this machine.`
        : `Not copied: ${t.table} (${t.rows} rows): its module does not keep state in PostgreSQL yet.`,
    );
  }
  return lines.join('\n');
}
