import { DEFAULT_PROFILE, resolvePaths } from '../config/paths.js';
import { readConfigLoosely, SETTINGS } from '../config/settings.js';
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
    const { templateDirs, templateNames } = await import('../templates/dirs.js');
    return templateNames(templateDirs({ paths }, cwd));
  }
  // config.json read as it is: loading the validating ConfigStore would cost more than the rest
  const config = readConfigLoosely(paths);
  const names = Object.keys(config.profiles);
  if (name === 'profiles') return names.includes(DEFAULT_PROFILE) ? names : [DEFAULT_PROFILE, ...names];
  const profileName = profileFlag ?? env.DESKCTL_PROFILE ?? config.currentProfile ?? DEFAULT_PROFILE;
  const provider = config.profiles[profileName]?.provider ?? (profileName === DEFAULT_PROFILE ? 'local' : undefined);
  if (provider !== 'local') return [];
  const { helpdeskFile, localDirectoryNames } = await import('../providers/local/names.js');
  const directory = await localDirectoryNames(helpdeskFile(paths, profileName));
  return name === 'agents' ? directory.agents : directory.groups;
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
