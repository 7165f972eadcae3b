import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/output/io.js';
import { DEFAULT_PAGER, PagedStdout, resolvePager } from '../../src/output/pager.js';
import { effectiveSettings, readSettings } from '../../src/config/settings.js';

const tty = { enabled: true, stdoutIsTTY: true };

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe('resolvePager', () => {
  it('DESKCTL_PAGER, then the pager setting, then PAGER, then less -FRX', () => {
    expect(resolvePager({ ...tty, env: { DESKCTL_PAGER: 'most', PAGER: 'more' }, setting: 'bat' })).toBe('most');
    expect(resolvePager({ ...tty, env: { PAGER: 'more' }, setting: 'bat' })).toBe('bat');
    expect(resolvePager({ ...tty, env: { PAGER: 'more' } })).toBe('more');
    expect(resolvePager({ ...tty, env: {} })).toBe(DEFAULT_PAGER);
    expect(DEFAULT_PAGER).toBe('less -FRX');
  });

  it('none off a terminal, with --no-pager, or when set to "" or cat', () => {
    expect(resolvePager({ enabled: true, stdoutIsTTY: false, env: { DESKCTL_PAGER: 'most' } })).toBeUndefined();
    expect(resolvePager({ enabled: false, stdoutIsTTY: true, env: { DESKCTL_PAGER: 'most' } })).toBeUndefined();
    expect(resolvePager({ ...tty, env: { DESKCTL_PAGER: '' , PAGER: 'more' } })).toBeUndefined();
    expect(resolvePager({ ...tty, env: { PAGER: 'cat' } })).toBeUndefined();
    expect(resolvePager({ ...tty, env: {}, setting: ' cat ' })).toBeUndefined();
  });
});

describe('PagedStdout', () => {
  it('writes at once without a pager; with one, holds until flush or finish; short output skips the pager', async () => {
    const direct = new Sink();
    new PagedStdout(direct, undefined, 24, {}).write('a\n');
    expect(direct.text).toBe('a\n');

    const held = new Sink();
    const paged = new PagedStdout(held, 'definitely-not-a-pager-xyz', 24, {});
    paged.write('one\n');
    expect(held.text).toBe('');
    paged.flush();
    expect(held.text).toBe('one\n');
    paged.write('two\n');
    await paged.finish(); // 1 line < 24 rows: no pager started
    expect(held.text).toBe('one\ntwo\n');
  });

  it('prints the text itself when the pager cannot be started', async () => {
    const out = new Sink();
    const paged = new PagedStdout(out, 'definitely-not-a-pager-xyz 2>/dev/null', 2, {});
    paged.write('1\n2\n3\n4\n');
    await paged.finish();
    expect(out.text).toBe('1\n2\n3\n4\n');
  });
});

describe('colour setting', () => {
  it('never and always, below --no-color, NO_COLOR and FORCE_COLOR', () => {
    expect(colorLevel(true, {}, false, 'never')).toBe(0);
    expect(colorLevel(false, {}, false, 'always')).toBe(1);
    expect(colorLevel(true, {}, true, 'always')).toBe(0);
    expect(colorLevel(true, { NO_COLOR: '' }, false, 'always')).toBe(0);
    expect(colorLevel(false, { FORCE_COLOR: '0' }, false, 'always')).toBe(0);
    expect(colorLevel(true, { FORCE_COLOR: '3' }, false, 'never')).toBe(3);
    expect(colorLevel(false, {}, false, 'auto')).toBe(0);
  });
});

describe('settings', () => {
  it('reads nothing from a missing or broken file', () => {
    expect(readSettings({ configDir: '/nonexistent', dataDir: '/x', templatesDir: '/x' })).toEqual({});
  });

  it('reports where each value comes from, the environment first', () => {
    const s = effectiveSettings({ pager: 'bat', color: 'never' }, 'work', { PAGER: 'more' });
    expect(s.map((x) => [x.key, x.value, x.source])).toEqual([
      ['profile', 'work', 'config'],
      ['pager', 'bat', 'config'],
      ['color', 'never', 'config'],
    ]);
    const env = effectiveSettings({}, undefined, { DESKCTL_PROFILE: 'p', DESKCTL_PAGER: 'most', NO_COLOR: '1' });
    expect(env.map((x) => x.source)).toEqual(['env DESKCTL_PROFILE', 'env DESKCTL_PAGER', 'env NO_COLOR']);
    expect(effectiveSettings({}, undefined, {}).map((x) => [x.value, x.source])).toEqual([
      ['local', 'default'],
      ['less -FRX', 'default'],
      ['auto', 'default'],
    ]);
  });
});
