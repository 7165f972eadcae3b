import { resolvePaths } from '../config/paths.js';
import { SETTINGS } from '../config/settings.js';
import { writeLines } from '../output/lines.js';

export const DYNAMIC_VALUES = ['profiles', 'templates', 'agents', 'groups', 'config-keys'] as const;
export type DynamicValues = (typeof DYNAMIC_VALUES)[number];

/**
 * `deskctl __complete NAME [--profile P]`: the values a completion script offers, one a line.
 * Called on every Tab, so it reads files only: config.json, template folders, the embedded helpdesk's
 * SQLite file. Agents and groups come from embedded (local) profiles only; a vendor helpdesk would
 * need the network, so nothing is offered for those. Never fails loudly: no values is an answer.
 */
export async function completionValues(name: DynamicValues, profileFlag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  const paths = resolvePaths(env);
  if (name === 'config-keys') return SETTINGS.map((s) => s.key);
  if (name === 'templates') {
    const { templateDirs, templateNames } = await import('../templates/library.js');
    return templateNames(templateDirs({ paths }, cwd));
  }
  const { ConfigStore } = await import('../config/config-store.js');
  const config = await ConfigStore.open(paths);
  if (name === 'profiles') return config.profileNames();
  const profileName = profileFlag ?? env.DESKCTL_PROFILE ?? config.currentProfileName();
  if (config.getProfile(profileName).provider !== 'local') return [];
  const { helpdeskFile, localDirectoryNames } = await import('../providers/local/names.js');
  const names = await localDirectoryNames(helpdeskFile(paths, profileName));
  return name === 'agents' ? names.agents : names.groups;
}

export async function runComplete(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name] = args;
  const i = args.findIndex((a) => a === '--profile' || a === '-p');
  const profile = i >= 0 ? args[i + 1] : undefined;
  if (!(DYNAMIC_VALUES as readonly string[]).includes(name ?? '')) return 2;
  let values: string[] = [];
  try {
    values = await completionValues(name as DynamicValues, profile, env, process.cwd());
  } catch {
    values = [];
  }
  writeLines(process.stdout, values);
  return 0;
}
