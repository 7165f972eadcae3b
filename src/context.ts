import type { ConfigStore } from './config/config-store.js';
import { resolvePaths, type Paths } from './config/paths.js';
import { readSettings } from './config/settings.js';
import type { Profile } from './config/profile.js';
import { clockFromEnv, type Clock } from './domain/clock.js';
import { UsageError } from './errors.js';
import { createIO, type IO, type IOOptions } from './output/io.js';
import { Output } from './output/output.js';
import type { HelpdeskProvider } from './providers/provider.js';
import type { StateStore } from './store/state-store.js';

/** Global flags (see src/cli.ts). */
export interface GlobalOptions {
  profile?: string;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
  /** false with --no-pager. */
  pager?: boolean;
  rateLimit?: number;
}

type PromptsModule = typeof import('@inquirer/prompts');

/**
 * What every command receives. Heavy parts (config, provider, store, prompts) load on first use,
 * so `deskctl --help` and simple commands stay fast.
 */
export interface Context {
  readonly env: NodeJS.ProcessEnv;
  readonly paths: Paths;
  readonly io: IO;
  readonly output: Output;
  readonly clock: Clock;
  readonly options: GlobalOptions;
  config(): Promise<ConfigStore>;
  profileName(): Promise<string>;
  profile(): Promise<Profile>;
  provider(): Promise<HelpdeskProvider>;
  store(): Promise<StateStore>;
  /** The prompt library, or a usage error naming `flagHint` when there is no terminal to ask on. */
  prompts(flagHint: string): Promise<PromptsModule>;
  close(): Promise<void>;
}

export interface ContextOverrides extends IOOptions {
  env?: NodeJS.ProcessEnv;
  io?: IO;
  clock?: Clock;
  provider?: HelpdeskProvider;
}

export function createContext(options: GlobalOptions, overrides: ContextOverrides = {}): Context {
  const env = overrides.env ?? process.env;
  const paths = resolvePaths(env);
  const settings = overrides.io ? {} : readSettings(paths);
  const io =
    overrides.io ??
    createIO({
      ...overrides,
      env,
      noColor: options.color === false,
      colorSetting: settings.color,
      pager: options.pager,
      pagerSetting: settings.pager,
      verbose: options.verbose,
      quiet: options.quiet,
    });
  const clock = overrides.clock ?? clockFromEnv(env);
  const output = new Output(io, () => clock.now());

  let configP: Promise<ConfigStore> | undefined;
  let providerP: Promise<HelpdeskProvider> | undefined = overrides.provider ? Promise.resolve(overrides.provider) : undefined;
  let storeP: Promise<StateStore> | undefined;

  const config = () =>
    (configP ??= import('./config/config-store.js').then(({ ConfigStore }) => ConfigStore.open(paths)));
  const profileName = async () => options.profile ?? env.DESKCTL_PROFILE ?? (await config()).currentProfileName();
  const profile = async () => (await config()).getProfile(await profileName());

  const ctx: Context = {
    env,
    paths,
    io,
    output,
    clock,
    options,
    config,
    profileName,
    profile,
    provider: () =>
      (providerP ??= (async () => {
        const { createProvider } = await import('./providers/registry.js');
        return createProvider({
          profileName: await profileName(),
          profile: await profile(),
          config: await config(),
          paths,
          clock,
          io,
          rateLimit: options.rateLimit,
          env,
        });
      })()),
    store: () =>
      (storeP ??= (async () => {
        const [{ StateStore }, { resolveStateTarget }] = await Promise.all([import('./store/state-store.js'), import('./store/state-url.js')]);
        const name = await profileName();
        const cfg = await config();
        // a profile that does not exist keeps today's behaviour (its own SQLite file) unless DESKCTL_STATE_URL is set
        const known = cfg.hasProfile(name) ? cfg.getProfile(name) : undefined;
        const target = resolveStateTarget({ env, profileName: name, profile: known, secret: (key, envName) => cfg.getSecret(name, key, envName) });
        return StateStore.open(paths, name, target);
      })()),
    async prompts(flagHint) {
      if (!io.interactive) {
        throw new UsageError('this needs an answer and there is no terminal to ask on', `pass ${flagHint}`);
      }
      output.flush();
      return import('@inquirer/prompts');
    },
    async close() {
      if (providerP) await (await providerP.catch(() => undefined))?.close();
      if (storeP) await (await storeP.catch(() => undefined))?.close();
    },
  };
  return ctx;
}
