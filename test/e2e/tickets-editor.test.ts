import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

let home: string;

beforeAll(() => {
  home = makeHome('deskctl-editor-');
  expect(runCli(['demo'], { home }).code).toBe(0);
});
afterAll(() => cleanupHome(home));

/** Runs deskctl in a pseudo-terminal with EDITOR set to a script that writes `text` into the file. */
async function replyInTerminal(args: string[], text: string): Promise<{ code: number; out: string }> {
  const editor = join(home, `editor-${Date.now()}.sh`);
  writeFileSync(editor, `#!/bin/sh\nprintf '%s' '${text}' > "$1"\n`);
  chmodSync(editor, 0o755);
  const pty = await import('node-pty');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'DESKCTL_PROFILE') env[k] = v;
  Object.assign(env, { DESKCTL_HOME: home, NO_COLOR: '1', TERM: 'xterm', EDITOR: editor, VISUAL: editor });
  const p = pty.spawn(process.execPath, [BIN, ...args], { cols: 120, rows: 30, cwd: home, env });
  let out = '';
  return new Promise((resolve) => {
    p.onData((d) => (out += d));
    p.onExit(({ exitCode }) => resolve({ code: exitCode, out }));
  });
}

const lastComment = (id: string) => runJson<{ comments: Array<{ body: string; public: boolean }> }>(['tickets', 'show', id, '--json'], { home }).comments.at(-1)!;

describe('tickets reply/note on a terminal without --body', () => {
  it('opens $EDITOR and sends what was written', async () => {
    const r = await replyInTerminal(['tickets', 'reply', '7'], 'Written in my editor');
    expect(r.code, r.out).toBe(0);
    expect(lastComment('7')).toMatchObject({ body: 'Written in my editor', public: true });
    const n = await replyInTerminal(['tickets', 'note', '7'], 'A private thought');
    expect(n.code, n.out).toBe(0);
    expect(lastComment('7')).toMatchObject({ body: 'A private thought', public: false });
  });

  it('sends nothing when the editor is left empty', async () => {
    const before = lastComment('8');
    const r = await replyInTerminal(['tickets', 'reply', '8'], '');
    expect(r.code).toBe(2);
    expect(r.out).toContain('nothing was sent');
    expect(lastComment('8')).toEqual(before);
  });
});
