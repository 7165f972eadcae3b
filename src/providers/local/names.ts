import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { profileDataDir, type Paths } from '../../config/paths.js';
import { sqliteAddon } from '../../store/sqlite.js';

export const helpdeskFile = (paths: Paths, profile: string): string => join(profileDataDir(paths, profile), 'helpdesk.db');

/**
 * Agent emails (ids where an agent has none) and group names of an embedded helpdesk, read-only and
 * without migrating or seeding it: shell completion asks for these on every Tab.
 */
export async function localDirectoryNames(file: string): Promise<{ agents: string[]; groups: string[] }> {
  if (!existsSync(file)) return { agents: [], groups: [] };
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(file, { readonly: true, fileMustExist: true, timeout: 2_000, nativeBinding: sqliteAddon() });
  try {
    const agents = db.prepare(`SELECT coalesce(email, id) AS v FROM people WHERE role IN ('agent','admin') ORDER BY name`).pluck().all() as string[];
    const groups = db.prepare(`SELECT name FROM groups ORDER BY name`).pluck().all() as string[];
    return { agents, groups };
  } finally {
    db.close();
  }
}
