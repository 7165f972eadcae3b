import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

let home: string;
beforeAll(() => {
  home = makeHome('deskctl-config-');
});
afterAll(() => cleanupHome(home));

type Setting = { key: string; value: string; source: string };
type PathRow = { name: string; path: string; exists: boolean };

describe('deskctl config', () => {
  it('list shows every setting with its default; set, get and unset round-trip through config.json', () => {
    const before = runJson<Setting[]>(['config', 'list'], { home, env: { NO_COLOR: undefined } });
    expect(before.map((s) => [s.key, s.value, s.source])).toEqual([
      ['profile', 'local', 'default'],
      ['pager', 'less -FRX', 'default'],
      ['color', 'auto', 'default'],
    ]);
    const set = runCli(['config', 'set', 'pager', 'less -R'], { home });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain(`pager = "less -R" (in ${join(home, 'config.json')})`);
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).settings).toEqual({ pager: 'less -R' });
    expect(runCli(['config', 'get', 'pager'], { home }).stdout).toBe('less -R\n');
    expect(runJson<Setting>(['config', 'get', 'pager', '--json'], { home })).toMatchObject({ key: 'pager', value: 'less -R', source: 'config' });
    // the environment wins, and says so
    expect(runJson<Setting>(['config', 'get', 'pager', '--json'], { home, env: { DESKCTL_PAGER: 'most' } })).toMatchObject({ value: 'most', source: 'env DESKCTL_PAGER' });
    expect(runCli(['config', 'set', 'pager', 'bat'], { home, env: { DESKCTL_PAGER: 'most' } }).stderr).toMatch(/warning: DESKCTL_PAGER is set and wins over this setting/);
    expect(runCli(['config', 'unset', 'pager'], { home }).code).toBe(0);
    expect(runCli(['config', 'get', 'pager'], { home }).stdout).toBe('less -FRX\n');
  });

  it('profile is the default profile, the same as profile use', () => {
    expect(runCli(['profile', 'add', 'local', '--name', 'sandbox'], { home }).code).toBe(0);
    expect(runCli(['config', 'set', 'profile', 'sandbox'], { home }).code).toBe(0);
    expect(runJson<{ name: string; current: boolean }[]>(['profile', 'list'], { home }).find((p) => p.current)?.name).toBe('sandbox');
    expect(runCli(['config', 'get', 'profile'], { home }).stdout).toBe('sandbox\n');
    const missing = runCli(['config', 'set', 'profile', 'nope'], { home });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: profile 'nope' does not exist/);
    expect(runCli(['config', 'unset', 'profile'], { home }).code).toBe(0);
    expect(runCli(['config', 'get', 'profile'], { home }).stdout).toBe('local\n');
  });

  it('refuses an unknown key or a bad value with exit 2 and a hint, writing nothing', () => {
    const before = existsSync(join(home, 'config.json')) ? readFileSync(join(home, 'config.json'), 'utf8') : '';
    const unknown = runCli(['config', 'set', 'colour', 'never'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown setting 'colour'\nhint: settings are: profile, pager, color\n$/);
    const bad = runCli(['config', 'set', 'color', 'sometimes'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: invalid color 'sometimes'\nhint: use one of: auto, always, never\n$/);
    expect(existsSync(join(home, 'config.json')) ? readFileSync(join(home, 'config.json'), 'utf8') : '').toBe(before);
  });

  it('color always colours tables in a pipe; never keeps them plain', () => {
    const args = ['tickets', 'list', '--limit', '2', '--format', 'table'];
    const env = { NO_COLOR: undefined };
    expect(runCli(['config', 'set', 'color', 'always'], { home }).code).toBe(0);
    expect(runCli(args, { home, env }).stdout).toContain('\x1b[');
    expect(runCli(['--no-color', ...args], { home, env }).stdout).not.toContain('\x1b[');
    expect(runCli(['config', 'set', 'color', 'never'], { home }).code).toBe(0);
    expect(runCli(args, { home, env: { ...env, FORCE_COLOR: undefined } }).stdout).not.toContain('\x1b[');
    expect(runCli(['config', 'unset', 'color'], { home }).code).toBe(0);
  });

  it('path shows where config, secrets, templates and data live: DESKCTL_HOME, else XDG', () => {
    const inHome = runJson<PathRow[]>(['config', 'path'], { home });
    expect(Object.fromEntries(inHome.map((p) => [p.name, p.path]))).toEqual({
      config: join(home, 'config.json'),
      secrets: join(home, 'secrets.json'),
      templates: join(home, 'templates'),
      data: join(home, 'data'),
      'profile data': join(home, 'data', 'profiles', 'local'),
    });
    const xdg = mkdtempSync(join(tmpdir(), 'deskctl-xdg-'));
    try {
      const env = { DESKCTL_HOME: undefined, XDG_CONFIG_HOME: join(xdg, 'cfg'), XDG_DATA_HOME: join(xdg, 'share'), HOME: xdg };
      const r = runCli(['config', 'path', '--json', '--profile', 'work'], { home, env });
      expect(r.code, r.stderr).toBe(0);
      const rows = Object.fromEntries((JSON.parse(r.stdout) as PathRow[]).map((p) => [p.name, p.path]));
      expect(rows).toMatchObject({
        config: join(xdg, 'cfg', 'deskctl', 'config.json'),
        templates: join(xdg, 'cfg', 'deskctl', 'templates'),
        'profile data': join(xdg, 'share', 'deskctl', 'profiles', 'work'),
      });
      const fallback = runJson<PathRow[]>(['config', 'path'], { home, env: { DESKCTL_HOME: undefined, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined, HOME: xdg } });
      expect(fallback.find((p) => p.name === 'config')?.path).toBe(join(xdg, '.config', 'deskctl', 'config.json'));
      expect(fallback.find((p) => p.name === 'data')?.path).toBe(join(xdg, '.local', 'share', 'deskctl'));
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  });
});
