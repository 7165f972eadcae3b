import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { keyPrompt } from '../../src/triage/key-prompt.js';

/** The real single-keypress prompt, driven through in-memory streams (no terminal, no Enter unless sent). */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

function drive() {
  const input = new PassThrough();
  let written = '';
  const output = new Writable({
    write(chunk, _enc, cb) {
      written += String(chunk);
      cb();
    },
  });
  const screen = () => written.replace(ANSI, '');
  const press = async (data: string) => {
    input.write(data);
    await new Promise((r) => setImmediate(r));
  };
  return { input, output, screen, press };
}

const choices = [
  { key: 'r', name: 'reply with a template', value: 'reply' },
  { key: 's', name: 'solve', value: 'solve' },
  { key: 'k', name: 'skip to the next ticket', value: 'skip' },
  { key: 'q', name: 'quit', value: 'quit' },
];

describe('the one-key prompt', () => {
  it('answers on the key alone, without Enter, and shows the legend with the Enter default in capitals', async () => {
    const d = drive();
    let settled = false;
    const answer = keyPrompt({ message: '#7: action?', choices, default: 'k' }, { input: d.input, output: d.output });
    void answer.then(() => (settled = true));
    await d.press('');
    expect(d.screen()).toContain('#7: action? (r s K q h)');
    expect(settled).toBe(false);
    await d.press('s');
    await expect(answer).resolves.toBe('solve');
    expect(settled).toBe(true);
    expect(d.screen()).toContain('#7: action? solve');
  });

  it('takes upper-case letters as their key and Enter as the default', async () => {
    const d = drive();
    const upper = keyPrompt({ message: 'a?', choices, default: 'k' }, { input: d.input, output: d.output });
    await d.press('Q');
    await expect(upper).resolves.toBe('quit');
    const e = drive();
    const enter = keyPrompt({ message: 'b?', choices, default: 'k' }, { input: e.input, output: e.output });
    await e.press('\r');
    await expect(enter).resolves.toBe('skip');
  });

  it('ignores unknown keys with a hint, h toggles the full list, and only then a known key answers', async () => {
    const d = drive();
    let result: string | undefined;
    const answer = keyPrompt({ message: '#8: action?', choices, default: 'k' }, { input: d.input, output: d.output });
    void answer.then((v) => (result = v));
    await d.press('x');
    expect(d.screen()).toContain("'x' is not a key here (h lists the keys)");
    expect(result).toBeUndefined();
    await d.press('h');
    expect(d.screen()).toContain('  r) reply with a template');
    expect(d.screen()).toContain('  k) skip to the next ticket (Enter)');
    expect(d.screen()).toContain('  h) hide this list');
    expect(result).toBeUndefined();
    await d.press('r');
    await expect(answer).resolves.toBe('reply');
  });

  it('without a default, Enter is not an answer', async () => {
    const d = drive();
    let result: string | undefined;
    const answer = keyPrompt({ message: 'c?', choices }, { input: d.input, output: d.output });
    void answer.then((v) => (result = v));
    await d.press('\r');
    expect(d.screen()).toContain("'Enter' is not a key here");
    expect(result).toBeUndefined();
    await d.press('k');
    await expect(answer).resolves.toBe('skip');
  });

  it('Ctrl-C rejects with ExitPromptError, like the other prompts', async () => {
    const d = drive();
    const answer = keyPrompt({ message: 'd?', choices, default: 'k' }, { input: d.input, output: d.output });
    const outcome = answer.then(
      (v) => `answered ${v}`,
      (e: Error) => e,
    );
    await d.press('\x03');
    await expect(outcome).resolves.toMatchObject({ name: 'ExitPromptError' });
    expect(d.screen()).not.toContain('is not a key here');
  });
});
