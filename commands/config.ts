import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { profileDataDir } from '../src/config/paths.js';
import { effectiveSettings, SETTINGS, settingDef } from '../src/config/settings.js';
import { UsageError } from '../src/errors.js';
import { pathListSpec, settingsListSpec, type PathRow } from '../src/output/views/config.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

function knownKey(key: string) {
  const def = settingDef(key);
  if (!def) throw new UsageError(`unknown setting '${key}'`, `settings are: ${SETTINGS.map((s) => s.key).join(', ')}`);
  return def;
}

export function register(program: Command, context: ContextFactory): void {
  const config = program
    .command('config')
    .description('Get and set settings (default profile, pager, colour) and show where config and data live');
  examples(config, ['deskctl config list', 'deskctl config set pager "less -R"', 'deskctl config get profile', 'deskctl config path']);

  addOutputOptions(config.command('list').alias('ls').description('Every setting: its value, and whether it comes from the environment, config.json or the default')).action(
    async (o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const store = await ctx.config();
      ctx.output.list(effectiveSettings(store.settings(), store.chosenProfile(), ctx.env), settingsListSpec(), outputFlags(o));
    },
  );

  config
    .command('get')
    .argument('<key>', `one of: ${SETTINGS.map((s) => s.key).join(', ')}`)
    .description('Print the value of a setting in effect (the environment wins over config.json)')
    .option('--json', 'the value with where it comes from, as JSON')
    .action(async (key: string, o: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      knownKey(key);
      const store = await ctx.config();
      const setting = effectiveSettings(store.settings(), store.chosenProfile(), ctx.env).find((s) => s.key === key)!;
      if (o.json) ctx.output.record(setting, () => setting.value, { json: true });
      else ctx.output.text(setting.value);
    });

  config
    .command('set')
    .argument('<key>', `one of: ${SETTINGS.map((s) => s.key).join(', ')}`)
    .argument('<value>', 'the new value ("" for an empty one)')
    .description('Store a setting in config.json')
    .action(async (key: string, value: string, _o: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const parsed = knownKey(key).parse(value);
      if ('error' in parsed) throw new UsageError(parsed.error, parsed.hint);
      const store = await ctx.config();
      if (key === 'profile') await store.useProfile(parsed.value);
      else await store.setSetting(key, parsed.value);
      ctx.io.info(`${key} = ${JSON.stringify(parsed.value)} (in ${store.file})`);
      const overriding = effectiveSettings(store.settings(), store.chosenProfile(), ctx.env).find((s) => s.key === key);
      if (overriding?.source.startsWith('env ')) ctx.io.warn(`${overriding.source.slice(4)} is set and wins over this setting`);
    });

  config
    .command('unset')
    .argument('<key>', `one of: ${SETTINGS.map((s) => s.key).join(', ')}`)
    .description('Remove a setting from config.json (back to its default)')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const ctx = context(cmd);
      knownKey(key);
      const store = await ctx.config();
      if (key === 'profile') await store.clearCurrentProfile();
      else await store.unsetSetting(key);
      ctx.io.info(`${key} is back to its default`);
    });

  addOutputOptions(config.command('path').description('Where config, secrets, templates and data live (DESKCTL_HOME, else the XDG directories)')).action(
    async (o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const { paths } = ctx;
      const profile = await ctx.profileName();
      const data = profileDataDir(paths, profile);
      const row = (name: string, path: string, description: string): PathRow => ({ name, path, exists: existsSync(path), description });
      ctx.output.list(
        [
          row('config', join(paths.configDir, 'config.json'), 'profiles and settings'),
          row('secrets', join(paths.configDir, 'secrets.json'), 'stored tokens and passwords (mode 0600)'),
          row('templates', paths.templatesDir, 'your reply templates (after ./templates, before the shipped ones)'),
          row('data', paths.dataDir, 'one folder per profile'),
          row('profile data', data, `profile '${profile}': state.db (bulk jobs, follow-ups, triage log), helpdesk.db if local`),
        ],
        pathListSpec(),
        outputFlags(o),
      );
    },
  );
}
