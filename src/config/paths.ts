import { homedir } from 'node:os';
import { join } from 'node:path';

/** The built-in profile: the embedded helpdesk (here, away from the zod schemas, for start-up paths). */
export const DEFAULT_PROFILE = 'local';

export interface Paths {
  /** config.json (profiles) and secrets.json (mode 0600) live here. */
  configDir: string;
  /** SQLite files: one folder per profile. */
  dataDir: string;
  /** User templates (between the project's ./templates and the shipped ones). */
  templatesDir: string;
}

/** DESKCTL_HOME relocates everything (tests use it); otherwise XDG locations. */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.DESKCTL_HOME;
  if (home) {
    return { configDir: home, dataDir: join(home, 'data'), templatesDir: join(home, 'templates') };
  }
  const configBase = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const dataBase = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  const configDir = join(configBase, 'deskctl');
  return { configDir, dataDir: join(dataBase, 'deskctl'), templatesDir: join(configDir, 'templates') };
}

export const profileDataDir = (paths: Paths, profile: string): string => join(paths.dataDir, 'profiles', profile);
