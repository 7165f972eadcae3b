import type { ConfigStore } from '../config/config-store.js';
import type { Paths } from '../config/paths.js';
import type { Profile, ProviderKind } from '../config/profile.js';
import type { Clock } from '../domain/clock.js';
import type { IO } from '../output/io.js';
import type { HelpdeskProvider } from './provider.js';

/** Everything a provider factory may use: the profile, its secrets, where data lives, the clock, logging. */
export interface ProviderContext {
  profileName: string;
  profile: Profile;
  config: ConfigStore;
  paths: Paths;
  clock: Clock;
  io: IO;
  /** Overrides the profile's rate limit for this run (--rate-limit). */
  rateLimit?: number;
  /** The process environment (DESKCTL_SETTLE_MS and other tuning knobs). */
  env?: NodeJS.ProcessEnv;
}

export type ProviderFactory = (ctx: ProviderContext) => Promise<HelpdeskProvider>;

/** Vendor modules load lazily so a command pays only for the helpdesk it talks to. */
const FACTORIES: Partial<Record<ProviderKind, () => Promise<ProviderFactory>>> = {
  local: async () => (await import('./local/index.js')).createLocalProvider,
  zendesk: async () => (await import('./zendesk/index.js')).createZendeskProvider,
  freshdesk: async () => (await import('./freshdesk/index.js')).createFreshdeskProvider,
  helpscout: async () => (await import('./helpscout/index.js')).createHelpScoutProvider,
  front: async () => (await import('./front/index.js')).createFrontProvider,
  intercom: async () => (await import('./intercom/index.js')).createIntercomProvider,
  rt: async () => (await import('./rt/index.js')).createRtProvider,
};

export function registeredKinds(): ProviderKind[] {
  return Object.keys(FACTORIES) as ProviderKind[];
}

export async function createProvider(ctx: ProviderContext): Promise<HelpdeskProvider> {
  const load = FACTORIES[ctx.profile.provider];
  if (!load) {
    const { ConfigError } = await import('../errors.js');
    throw new ConfigError(
      `provider '${ctx.profile.provider}' of profile '${ctx.profileName}' is not available`,
      `available: ${registeredKinds().join(', ')}`,
    );
  }
  const factory = await load();
  return factory(ctx);
}
