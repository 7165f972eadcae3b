import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from './paths.js';

/** User settings kept in config.json under "settings" (the default profile is config.json's currentProfile). */
export interface Settings {
  pager?: string;
  color?: ColorSetting;
}

export const COLOR_SETTINGS = ['auto', 'always', 'never'] as const;
export type ColorSetting = (typeof COLOR_SETTINGS)[number];

export interface SettingDef {
  key: 'profile' | keyof Settings;
  description: string;
  default: string;
  /** The value to store, or an error message. */
  parse(value: string): { value: string } | { error: string; hint: string };
}

export const SETTINGS: readonly SettingDef[] = [
  {
    key: 'profile',
    description: 'profile used when neither --profile nor DESKCTL_PROFILE says (same as deskctl profile use)',
    default: 'local',
    parse: (value) => ({ value }),
  },
  {
    key: 'pager',
    description: 'pager for long output on a terminal, after DESKCTL_PAGER and before PAGER; "" or "cat" turns paging off',
    default: 'less -FRX',
    parse: (value) => ({ value }),
  },
  {
    key: 'color',
    description: 'colour on a terminal: auto, always (also in pipes) or never; --no-color and NO_COLOR win',
    default: 'auto',
    parse: (value) =>
      (COLOR_SETTINGS as readonly string[]).includes(value) ? { value } : { error: `invalid color '${value}'`, hint: `use one of: ${COLOR_SETTINGS.join(', ')}` },
  },
];

export const settingDef = (key: string): SettingDef | undefined => SETTINGS.find((s) => s.key === key);

/**
 * The settings, read synchronously and without validation libraries: every command reads them at
 * start (colour, pager). Unknown keys and bad values are ignored here; `deskctl config` reports them.
 */
export function readSettings(paths: Paths): Settings {
  const raw = readConfigLoosely(paths).settings;
  if (!raw || typeof raw !== 'object') return {};
  const s = raw as Record<string, unknown>;
  const out: Settings = {};
  if (typeof s.pager === 'string') out.pager = s.pager;
  if (typeof s.color === 'string' && (COLOR_SETTINGS as readonly string[]).includes(s.color)) out.color = s.color as ColorSetting;
  return out;
}

export interface EffectiveSetting {
  key: string;
  value: string;
  /** Where the value comes from: default, config, or env NAME. */
  source: string;
  description: string;
}

/** Each setting's value in effect and where it comes from, the environment first as deskctl reads it. */
export function effectiveSettings(stored: Record<string, unknown>, currentProfile: string | undefined, env: NodeJS.ProcessEnv): EffectiveSetting[] {
  const pick = (def: SettingDef, ...candidates: [string | undefined, string][]): EffectiveSetting => {
    for (const [value, source] of candidates) if (value !== undefined) return { key: def.key, value, source, description: def.description };
    return { key: def.key, value: def.default, source: 'default', description: def.description };
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return SETTINGS.map((def) => {
    switch (def.key) {
      case 'profile':
        return pick(def, [env.DESKCTL_PROFILE || undefined, 'env DESKCTL_PROFILE'], [currentProfile, 'config']);
      case 'pager':
        return pick(def, [env.DESKCTL_PAGER, 'env DESKCTL_PAGER'], [str(stored.pager), 'config'], [env.PAGER, 'env PAGER']);
      case 'color':
        return pick(def, ['NO_COLOR' in env ? 'never' : undefined, 'env NO_COLOR'], [str(stored.color), 'config']);
    }
  });
}

/** config.json for start-up paths (settings, completion): read as it is, without validation; ConfigStore validates. */
export function readConfigLoosely(paths: Paths): { currentProfile?: string; profiles: Record<string, { provider?: unknown }>; settings?: unknown } {
  try {
    const raw = JSON.parse(readFileSync(join(paths.configDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const profiles = raw.profiles && typeof raw.profiles === 'object' ? (raw.profiles as Record<string, { provider?: unknown }>) : {};
    return { currentProfile: typeof raw.currentProfile === 'string' ? raw.currentProfile : undefined, profiles, settings: raw.settings };
  } catch {
    return { profiles: {} };
  }
}
