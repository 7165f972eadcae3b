import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
import { ConfigError, UsageError } from '../errors.js';
import { registerSecret } from '../output/redact.js';
import type { Paths } from './paths.js';
import {
  DEFAULT_PROFILE,
  implicitLocalProfile,
  PROFILE_NAME,
  type ConfigFile,
  type Profile,
} from './profile.js';

type SecretMap = Record<string, Record<string, string>>;

/**
 * Why a config file could not be read, without a byte of its content: V8's JSON errors quote the text
 * around the fault ("...abc123" is not valid JSON), and in secrets.json that can be a token's tail.
 */
export function describeReadError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof SyntaxError || /JSON/.test(e?.message ?? '')) {
    const at = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(e.message);
    if (at?.[2]) return `not valid JSON (line ${at[2]}, column ${at[3]})`;
    if (at) return `not valid JSON (at character ${Number(at[1]) + 1})`;
    return /end of JSON input/.test(e.message) ? 'not valid JSON (it ends too early)' : 'not valid JSON';
  }
  if (e?.code) return `${e.code}${e.syscall ? ` on ${e.syscall}` : ''}`;
  return (e?.message ?? String(err)).split('\n')[0]!.replace(/["'`].*$/, '').trim() || 'unreadable';
}

const readError = (file: string, err: unknown) =>
  new ConfigError(`cannot read ${file}: ${describeReadError(err)}`, `fix the JSON by hand, or move the file away (deskctl recreates it)`);

/** Reads a JSON file conf wrote; a missing file is empty, a corrupt one a ConfigError naming it. */
function readJsonFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw readError(file, err);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ConfigError(`cannot read ${file}: not a JSON object`, `fix the JSON by hand, or move the file away (deskctl recreates it)`);
}

function checkProfileName(name: string): void {
  if (!PROFILE_NAME.test(name)) throw new UsageError(`invalid profile name '${name}'`, 'use letters, digits, dot, dash or underscore');
}

/**
 * Profiles in config.json, secrets in secrets.json (mode 0600). conf writes them (atomically, with
 * the right modes); reads go straight to the files, so commands that only read skip loading conf.
 * Reads are validated with zod; a corrupt file is a ConfigError (exit 4) naming the file.
 */
export class ConfigStore {
  private ConfCtor?: typeof Conf;
  private cache?: ConfigFile;
  /** zod's schemas of config.json: loaded when there is a file to validate (or one to write). */
  private schemas?: typeof import('./profile-schema.js');

  private constructor(readonly paths: Paths) {}

  static async open(paths: Paths): Promise<ConfigStore> {
    const store = new ConfigStore(paths);
    // validate early so a corrupt file fails before any work
    const raw = readJsonFile(store.file);
    if (Object.keys(raw).length) await store.loadSchemas();
    store.validate(raw);
    return store;
  }

  private async loadSchemas(): Promise<void> {
    this.schemas ??= await import('./profile-schema.js');
  }

  get file(): string {
    return join(this.paths.configDir, 'config.json');
  }

  private get secretsFile(): string {
    return join(this.paths.configDir, 'secrets.json');
  }

  /** conf for writing; loaded on first write. */
  private writer<T extends Record<string, unknown>>(name: 'config' | 'secrets'): Conf<T> {
    if (!this.ConfCtor) throw new Error('ConfigStore: call ensureWriter() before writing');
    mkdirSync(this.paths.configDir, { recursive: true, mode: 0o700 });
    this.cache = undefined;
    return openConf<T>(this.ConfCtor, this.paths.configDir, name, name === 'secrets' ? 0o600 : 0o644);
  }

  /** Loads conf; every method that writes awaits this first. */
  async ensureWriter(): Promise<void> {
    this.ConfCtor ??= (await import('conf')).default;
    await this.loadSchemas();
  }

  private read(): ConfigFile {
    return this.cache ?? this.validate(readJsonFile(this.file));
  }

  private validate(raw: Record<string, unknown>): ConfigFile {
    if (!this.schemas) {
      // open() and ensureWriter() load the schemas whenever there is something to validate
      if (Object.keys(raw).length) throw new Error('ConfigStore: config file read before its schemas were loaded');
      return (this.cache = { profiles: {} });
    }
    const parsed = this.schemas.ConfigFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(
        `config file ${this.file} is invalid: ${issue?.path.join('.') || 'root'}: ${issue?.message}`,
        `fix the file by hand, or move it away and run 'deskctl profile add' again`,
      );
    }
    this.cache = parsed.data;
    return parsed.data;
  }

  profileNames(): string[] {
    const names = Object.keys(this.read().profiles);
    return names.includes(DEFAULT_PROFILE) ? names : [DEFAULT_PROFILE, ...names];
  }

  /** The profile `profile use` / `config set profile` chose, if any. */
  chosenProfile(): string | undefined {
    return this.read().currentProfile;
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

  async setProfile(name: string, profile: Profile): Promise<void> {
    await this.ensureWriter();
    checkProfileName(name);
    const cfg = this.read();
    this.writer<ConfigFile>('config').set('profiles', { ...cfg.profiles, [name]: profile });
  }

  /**
   * A new profile and its secrets. Both files are read (and so validated) before either is written, and
   * the secrets go first: a corrupt secrets.json leaves no profile without its token behind.
   */
  async addProfile(name: string, profile: Profile, secrets: Record<string, string>): Promise<void> {
    await this.ensureWriter();
    checkProfileName(name);
    this.read();
    if (Object.keys(secrets).length) {
      const stored = this.secrets();
      this.writer<SecretMap>('secrets').set(name, { ...(stored[name] ?? {}), ...secrets });
    }
    await this.setProfile(name, profile);
  }

  async removeProfile(name: string): Promise<void> {
    await this.ensureWriter();
    const cfg = this.read();
    if (!(name in cfg.profiles)) throw new ConfigError(`profile '${name}' does not exist`, `run 'deskctl profile list'`);
    const { [name]: _removed, ...rest } = cfg.profiles;
    const conf = this.writer<ConfigFile>('config');
    conf.set('profiles', rest);
    if (cfg.currentProfile === name) conf.delete('currentProfile');
    if (existsSync(this.secretsFile)) this.writer<SecretMap>('secrets').delete(name as never);
  }

  async useProfile(name: string): Promise<void> {
    await this.ensureWriter();
    if (!this.hasProfile(name)) this.getProfile(name);
    this.writer<ConfigFile>('config').set('currentProfile', name);
  }

  /** Stored settings (config.json "settings"), as written by `deskctl config set`. */
  settings(): Record<string, unknown> {
    return { ...(this.read().settings ?? {}) };
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.ensureWriter();
    this.writer<ConfigFile>('config').set('settings', { ...this.settings(), [key]: value });
  }

  async unsetSetting(key: string): Promise<void> {
    await this.ensureWriter();
    const { [key]: _removed, ...rest } = this.settings();
    this.writer<ConfigFile>('config').set('settings', rest);
  }

  async clearCurrentProfile(): Promise<void> {
    await this.ensureWriter();
    this.writer<ConfigFile>('config').delete('currentProfile');
  }

  private secrets(): SecretMap {
    return readJsonFile(this.secretsFile) as SecretMap;
  }

  /**
   * A secret of a profile: from the environment variable the profile names (envName), else from
   * secrets.json. Every secret read is registered for redaction.
   */
  getSecret(profileName: string, key: string, envName?: string): string | undefined {
    let value: string | undefined;
    if (envName) value = process.env[envName] || undefined;
    if (value === undefined) value = this.secrets()[profileName]?.[key];
    registerSecret(value);
    return value;
  }

  async setSecret(profileName: string, key: string, value: string): Promise<void> {
    await this.ensureWriter();
    registerSecret(value);
    const current = this.secrets()[profileName] ?? {};
    this.writer<SecretMap>('secrets').set(profileName, { ...current, [key]: value });
  }

  async deleteSecret(profileName: string, key: string): Promise<void> {
    await this.ensureWriter();
    const current = { ...(this.secrets()[profileName] ?? {}) };
    delete current[key];
    this.writer<SecretMap>('secrets').set(profileName, current);
  }

  secretKeys(profileName: string): string[] {
    return Object.keys(this.secrets()[profileName] ?? {});
  }
}

function openConf<T extends Record<string, unknown>>(ConfCtor: typeof Conf, cwd: string, name: string, mode: number): Conf<T> {
  const file = join(cwd, `${name}.json`);
  try {
    return new ConfCtor<T>({ cwd, configName: name, configFileMode: mode, clearInvalidConfig: false, accessPropertiesByDotNotation: false });
  } catch (err) {
    throw readError(file, err);
  }
}
