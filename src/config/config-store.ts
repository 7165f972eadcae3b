import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
import { ConfigError, UsageError } from '../errors.js';
import { registerSecret } from '../output/redact.js';
import type { Paths } from './paths.js';
import {
  ConfigFileSchema,
  DEFAULT_PROFILE,
  implicitLocalProfile,
  PROFILE_NAME,
  type ConfigFile,
  type Profile,
} from './profile.js';

type SecretMap = Record<string, Record<string, string>>;

/**
 * Profiles in config.json, secrets in secrets.json (mode 0600), both through conf.
 * Reads are validated with zod; a corrupt file is a ConfigError (exit 4) naming the file.
 */
export class ConfigStore {
  private constructor(
    readonly paths: Paths,
    private readonly conf: Conf<ConfigFile>,
    private readonly ConfCtor: typeof Conf,
  ) {}

  static async open(paths: Paths): Promise<ConfigStore> {
    const { default: ConfCtor } = await import('conf');
    mkdirSync(paths.configDir, { recursive: true, mode: 0o700 });
    const conf = openConf<ConfigFile>(ConfCtor, paths.configDir, 'config', 0o644);
    const store = new ConfigStore(paths, conf, ConfCtor);
    store.read(); // validate early so a corrupt file fails before any work
    return store;
  }

  get file(): string {
    return join(this.paths.configDir, 'config.json');
  }

  private read(): ConfigFile {
    const parsed = ConfigFileSchema.safeParse(this.conf.store);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(
        `config file ${this.file} is invalid: ${issue?.path.join('.') || 'root'}: ${issue?.message}`,
        `fix the file by hand, or move it away and run 'deskctl profile add' again`,
      );
    }
    return parsed.data;
  }

  profileNames(): string[] {
    const names = Object.keys(this.read().profiles);
    return names.includes(DEFAULT_PROFILE) ? names : [DEFAULT_PROFILE, ...names];
  }

  currentProfileName(): string {
    return this.read().currentProfile ?? DEFAULT_PROFILE;
  }

  hasProfile(name: string): boolean {
    return name === DEFAULT_PROFILE || name in this.read().profiles;
  }

  getProfile(name: string): Profile {
    const profiles = this.read().profiles;
    const p = profiles[name];
    if (p) return p;
    if (name === DEFAULT_PROFILE) return implicitLocalProfile();
    throw new ConfigError(
      `profile '${name}' does not exist`,
      `run 'deskctl profile list' to see profiles, or 'deskctl profile add' to create one`,
    );
  }

  setProfile(name: string, profile: Profile): void {
    if (!PROFILE_NAME.test(name)) {
      throw new UsageError(`invalid profile name '${name}'`, 'use letters, digits, dot, dash or underscore');
    }
    const cfg = this.read();
    this.conf.set('profiles', { ...cfg.profiles, [name]: profile });
  }

  removeProfile(name: string): void {
    const cfg = this.read();
    if (!(name in cfg.profiles)) throw new ConfigError(`profile '${name}' does not exist`, `run 'deskctl profile list'`);
    const { [name]: _removed, ...rest } = cfg.profiles;
    this.conf.set('profiles', rest);
    if (cfg.currentProfile === name) this.conf.delete('currentProfile');
    const secrets = this.secretsConf();
    secrets.delete(name as never);
  }

  useProfile(name: string): void {
    if (!this.hasProfile(name)) this.getProfile(name);
    this.conf.set('currentProfile', name);
  }

  private secretsConf(): Conf<SecretMap> {
    return openConf<SecretMap>(this.ConfCtor, this.paths.configDir, 'secrets', 0o600);
  }

  /**
   * A secret of a profile: from the environment variable the profile names (envName), else from
   * secrets.json. Every secret read is registered for redaction.
   */
  getSecret(profileName: string, key: string, envName?: string): string | undefined {
    let value: string | undefined;
    if (envName) value = process.env[envName] || undefined;
    if (value === undefined && existsSync(join(this.paths.configDir, 'secrets.json'))) {
      value = this.secretsConf().store[profileName]?.[key];
    }
    registerSecret(value);
    return value;
  }

  setSecret(profileName: string, key: string, value: string): void {
    registerSecret(value);
    const conf = this.secretsConf();
    const current = conf.store[profileName] ?? {};
    conf.set(profileName, { ...current, [key]: value });
  }

  deleteSecret(profileName: string, key: string): void {
    const conf = this.secretsConf();
    const current = { ...(conf.store[profileName] ?? {}) };
    delete current[key];
    conf.set(profileName, current);
  }

  secretKeys(profileName: string): string[] {
    if (!existsSync(join(this.paths.configDir, 'secrets.json'))) return [];
    return Object.keys(this.secretsConf().store[profileName] ?? {});
  }
}

function openConf<T extends Record<string, unknown>>(ConfCtor: typeof Conf, cwd: string, name: string, mode: number): Conf<T> {
  const file = join(cwd, `${name}.json`);
  try {
    return new ConfCtor<T>({ cwd, configName: name, configFileMode: mode, clearInvalidConfig: false, accessPropertiesByDotNotation: false });
  } catch (err) {
    throw new ConfigError(
      `cannot read ${file}: ${(err as Error).message.split('\n')[0]}`,
      `fix the JSON by hand, or move the file away (deskctl recreates it)`,
    );
  }
}
