import { existsSync } from 'node:fs';
import { DEFAULT_PROFILE } from '../../config/profile.js';
import { migrate, openDatabase, type Database } from '../../store/sqlite.js';
import type { ProviderContext } from '../registry.js';
import { seedDemo } from './demo.js';
import { LocalProvider } from './local-provider.js';
import { helpdeskFile } from './names.js';
import { HELPDESK_MIGRATIONS } from './schema.js';

export { LocalProvider } from './local-provider.js';
export { helpdeskFile };

export async function openHelpdesk(file: string): Promise<Database> {
  const db = await openDatabase(file);
  migrate(db, 'helpdesk', HELPDESK_MIGRATIONS);
  return db;
}

/**
 * The embedded helpdesk of a local profile. The default profile seeds the demo on first use,
 * so a fresh install has something real to work on.
 */
export async function createLocalProvider(ctx: ProviderContext): Promise<LocalProvider> {
  const file = helpdeskFile(ctx.paths, ctx.profileName);
  const fresh = !existsSync(file);
  const db = await openHelpdesk(file);
  if (fresh && ctx.profileName === DEFAULT_PROFILE) {
    const summary = seedDemo(db, { now: ctx.clock.now() });
    ctx.io.info(`Created the demo helpdesk (${summary.tickets} tickets) at ${file}; 'deskctl demo --reset' recreates it.`);
  }
  return new LocalProvider(db, { agent: ctx.profile.agent, now: () => ctx.clock.now() });
}
