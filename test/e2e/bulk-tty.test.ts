import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli } from '../support/cli.js';

let home: string;

beforeAll(() => {
  home = makeHome('deskctl-bulk-tty-');
  expect(runCli(['demo'], { home }).code).toBe(0);
  mkdirSync(join(home, 'templates'));
  writeFileSync(join(home, 'templates', 'tty.liquid'), '---\ndescription: t\npublic: true\nadd_tags: [tty-e2e]\n---\nHello {{ ticket.requester.first_name | default: "there" }} [tty-e2e]\n');
});
afterAll(() => cleanupHome(home));

const count = (): number => {
  const db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'));
  try {
    return (db.prepare(`SELECT count(*) AS n FROM comments WHERE body LIKE '%[tty-e2e]%'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Runs deskctl in a pseudo-terminal, answering `answer` when the confirmation prompt shows. */
async function inTerminal(args: string[], answer: string): Promise<{ code: number; out: string }> {
  const pty = await import('node-pty');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'DESKCTL_PROFILE') env[k] = v;
  env.DESKCTL_HOME = home;
  env.NO_COLOR = '1';
  env.TERM = 'xterm';
  const p = pty.spawn(process.execPath, [BIN, ...args], { cols: 120, rows: 40, cwd: home, env });
  let out = '';
  let answered = false;
  return new Promise((resolve) => {
    p.onData((d) => {
      out += d;
      if (!answered && /\(y\/N\)/.test(out)) {
        answered = true;
        p.write(answer);
      }
    });
    p.onExit(({ exitCode }) => resolve({ code: exitCode, out }));
  });
}

describe('bulk reply on a terminal', () => {
  it('shows the preview and asks; "no" sends nothing, "yes" sends and prints the summary', async () => {
    const no = await inTerminal(['bulk', 'reply', '-t', 'tty', '--ids', '1,2,3'], 'n\r');
    expect(no.out).toMatch(/3 public replies from template 'tty', then \+tty-e2e/);
    expect(no.out).toMatch(/First one, to #1/);
    expect(no.out).toMatch(/Send 3 replies( \(then [^)]*\))?\?/);
    expect(no.out).toMatch(/Nothing was sent/);
    expect(no.code).toBe(0);
    expect(count()).toBe(0);

    const yes = await inTerminal(['bulk', 'reply', '-t', 'tty', '--ids', '1,2,3'], 'y\r');
    expect(yes.code, yes.out).toBe(0);
    expect(yes.out).toMatch(/Job \w+: done/);
    expect(yes.out).toMatch(/3\s+replies sent/);
    expect(count()).toBe(3);
  });
});
