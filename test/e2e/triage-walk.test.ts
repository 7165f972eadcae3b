import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

/**
 * The interactive walk through a real pseudo-terminal: open the queue, reply with a template to the
 * first ticket, assign the second, quit; the helpdesk shows exactly those changes.
 */
const NOW = '2026-11-25T09:00:00Z';
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>78]/g;

interface T {
  id: string;
  status: string;
  priority: string;
  assignee: { id: string; name: string } | null;
  tags: string[];
  channel: string;
  updatedAt: string;
  publicReplyCount: number | null;
  [k: string]: unknown;
}

let home: string;
beforeAll(() => {
  home = makeHome('deskctl-triage-walk-');
  const r = runCli(['demo'], { home, env: { DESKCTL_NOW: NOW } });
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => cleanupHome(home));

async function openPty(args: string[]) {
  const pty = await import('node-pty');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'DESKCTL_PROFILE' && k !== 'FORCE_COLOR') env[k] = v;
  Object.assign(env, { DESKCTL_HOME: home, DESKCTL_NOW: NOW, NO_COLOR: '1', TERM: 'xterm-256color', TZ: 'UTC' });
  const term = pty.spawn(process.execPath, [BIN, ...args], { name: 'xterm-256color', cols: 120, rows: 40, cwd: home, env });
  let screen = '';
  term.onData((d) => (screen += d));
  const exited = new Promise<number>((res) => term.onExit(({ exitCode }) => res(exitCode)));
  const plain = () => screen.replace(ANSI, '');
  /** Waits until `re` matches the output after `from` characters; returns the match and where it ends. */
  const waitFor = async (re: RegExp, from = 0, ms = 30_000): Promise<{ m: RegExpExecArray; end: number }> => {
    const start = Date.now();
    for (;;) {
      const text = plain();
      const m = re.exec(text.slice(from));
      if (m) return { m, end: from + m.index + m[0].length };
      if (Date.now() - start > ms) throw new Error(`timed out waiting for ${re}; screen:\n${text.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const type = async (text: string) => {
    for (const ch of text) {
      term.write(ch);
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  const kill = () => {
    try {
      term.kill();
    } catch {
      /* already gone */
    }
  };
  return { plain, waitFor, type, exited, kill };
}

const snapshot = () => new Map(runJson<T[]>(['tickets', 'list', '--all', '--json'], { home, env: { DESKCTL_NOW: NOW } }).map((t) => [t.id, t]));

describe('deskctl triage (interactive, pseudo-terminal)', () => {
  it('refuses without a terminal and points to triage apply', () => {
    const r = runCli(['triage'], { home, env: { DESKCTL_NOW: NOW } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: triage walks the queue interactively and needs a terminal');
    expect(r.stderr).toContain("hint: to triage from scripts or cron, use 'deskctl triage apply --rules FILE --yes'");
  });

  it('replies with a template to the first ticket, assigns the second, quits', async () => {
    const before = snapshot();
    const { plain, waitFor, type, exited, kill } = await openPty(['triage']);
    try {
      // 1. the queue opens on the most urgent ticket
      const first = await waitFor(/#(\d+): action\?/);
      const firstId = first.m[1]!;
      expect(plain()).toMatch(/tickets? in the queue, most urgent first/);
      expect(plain()).toMatch(/SLA\s+/);
      expect(plain()).toMatch(/Urgency\s+\d+ (low|medium|high|critical)/);
      // an unknown key is ignored with a hint; the same ticket is still asked about
      await type('x');
      const hint = await waitFor(/'x' is not a key here \(h lists the keys\)/, first.end);
      expect(plain().slice(0, hint.end)).not.toContain(`✔ #${firstId}: action?`); // no answer was taken
      // 2. reply with the acknowledgement template, after the preview: one key, no Enter (Enter would skip)
      await type('r');
      const pick = await waitFor(/Reply with which template\?/, first.end);
      await type('acknowledgement');
      await type('\r');
      const preview = await waitFor(new RegExp(`Send this reply to #${firstId}\\?`), pick.end);
      expect(plain().slice(pick.end, preview.end)).toMatch(/Reply preview \(acknowledgement\)/);
      expect(plain().slice(pick.end, preview.end)).toMatch(/Thank you for getting in touch/);
      await type('y\r');
      // 3. the walk moves on to the second ticket: assign it to Grace Mensah
      const second = await waitFor(/#(\d+): action\?/, preview.end);
      const secondId = second.m[1]!;
      expect(secondId).not.toBe(firstId);
      expect(plain().slice(preview.end, second.end)).toContain('✓ reply: template acknowledgement');
      await type('a');
      const assign = await waitFor(new RegExp(`Assign #${secondId} to`), second.end);
      await type('grace');
      await type('\r');
      const again = await waitFor(new RegExp(`#${secondId}: action\\?`), assign.end);
      expect(plain().slice(assign.end, again.end)).toContain('✓ assign: Grace Mensah');
      // 4. quit: summary
      await type('q');
      const code = await exited;
      expect(code).toBe(0);
      expect(plain()).toMatch(/Triage summary: 2 of \d+ tickets? seen, 2 changed, 2 actions/);

      // the helpdesk shows exactly those changes
      const after = snapshot();
      expect(after.size).toBe(before.size);
      for (const [id, t] of after) {
        if (id === firstId || id === secondId) continue;
        expect(t, `ticket ${id} must not change`).toEqual(before.get(id));
      }
      const b1 = before.get(firstId)!;
      const a1 = after.get(firstId)!;
      // the acknowledgement template sets status open
      expect({ ...a1, updatedAt: b1.updatedAt, firstResponseAt: b1.firstResponseAt, publicReplyCount: b1.publicReplyCount, status: b1.status }).toEqual(b1);
      expect(a1.status).toBe('open');
      expect(a1.publicReplyCount).toBe((b1.publicReplyCount ?? 0) + 1);
      const b2 = before.get(secondId)!;
      const a2 = after.get(secondId)!;
      expect(a2.assignee?.name).toBe('Grace Mensah');
      expect({ ...a2, assignee: b2.assignee, updatedAt: b2.updatedAt }).toEqual(b2);
      // new comments are the ones written at DESKCTL_NOW (the demo's are older)
      type Shown = { comments: { body: string; public: boolean; authorRole: string; createdAt: string }[] };
      const fresh = (id: string) => runJson<Shown>(['tickets', 'show', id, '--json'], { home, env: { DESKCTL_NOW: NOW } }).comments.filter((c) => Date.parse(c.createdAt) >= Date.parse(NOW));
      const added = fresh(firstId);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ public: true, authorRole: 'agent' });
      expect(added[0]!.body).toMatch(/^Hi \S+,\n\nThank you for getting in touch\. I have your message about "/);
      expect(added[0]!.body).not.toContain('{{');
      expect(fresh(secondId)).toEqual([]);
      // and the walk recorded both actions
      const log = runJson<{ source: string; ticketId: string; action: string; detail: unknown }[]>(['triage', 'log', '--json'], { home, env: { DESKCTL_NOW: NOW } });
      expect(log.map((e) => [e.source, e.ticketId, e.action])).toEqual([
        ['walk', firstId, 'reply'],
        ['walk', secondId, 'assign'],
      ]);
      expect(log[0]!.detail).toEqual({ template: 'acknowledgement' });
    } finally {
      kill();
    }
  });

  it('snoozes a ticket: pending now, a follow-up reopens it later', async () => {
    const run = await openPty(['triage', '--any-assignee']);
    try {
      const first = await run.waitFor(/#(\d+): action\?/);
      const id = first.m[1]!;
      await run.type('z');
      const ask = await run.waitFor(/Snooze until/, first.end);
      await run.type('2d\r');
      const done = await run.waitFor(/✓ snooze: pending until 2026-11-27 09:00/, ask.end);
      await run.waitFor(/#\d+: action\?/, done.end);
      await run.type('q');
      expect(await run.exited).toBe(0);
      const t = runJson<{ ticket: { status: string } }>(['tickets', 'show', id, '--json'], { home, env: { DESKCTL_NOW: NOW } });
      expect(t.ticket.status).toBe('pending');
      const followups = runJson<{ ticketId: string; dueAt: string; source: string; actions: { setStatus: string }; state: string }[]>(['followup', 'list', '--json'], {
        home,
        env: { DESKCTL_NOW: NOW },
      });
      expect(followups.map((f) => [f.ticketId, f.dueAt, f.source, f.actions.setStatus, f.state])).toEqual([[id, '2026-11-27T09:00:00.000Z', 'snooze', 'open', 'scheduled']]);
    } finally {
      run.kill();
    }
  });

  it('triage apply on a terminal previews the changes and asks before applying', async () => {
    writeFileSync(join(home, 'rules.yaml'), 'rules:\n  - name: chat-tag\n    when: { status: unsolved, channel: chat }\n    then: { addTags: [chat-queue] }\n');
    const before = snapshot();
    const expected = [...before.values()].filter((t) => ['new', 'open', 'pending', 'on_hold'].includes(t.status) && t.channel === 'chat' && !t.tags.includes('chat-queue'));
    expect(expected.length).toBeGreaterThan(0);
    // answer no: nothing changes
    let run = await openPty(['triage', 'apply', '--rules', 'rules.yaml']);
    try {
      const q = await run.waitFor(new RegExp(`Apply ${expected.length} changes? to ${expected.length} tickets?\\?`));
      expect(run.plain().slice(0, q.end)).toMatch(/#\d+\s+chat-tag\s+\+tag chat-queue/);
      await run.type('n\r');
      expect(await run.exited).toBe(0);
      expect(run.plain()).toContain('Nothing was changed.');
    } finally {
      run.kill();
    }
    expect(snapshot()).toEqual(before);
    // answer yes: exactly those tickets get the tag
    run = await openPty(['triage', 'apply', '--rules', 'rules.yaml']);
    try {
      await run.waitFor(/Apply \d+ changes?/);
      await run.type('y\r');
      expect(await run.exited).toBe(0);
      expect(run.plain()).toMatch(new RegExp(`Applied ${expected.length} changes? to ${expected.length} tickets?`));
    } finally {
      run.kill();
    }
    const after = snapshot();
    const tagged = [...after.values()].filter((t) => !before.get(t.id)!.tags.includes('chat-queue') && t.tags.includes('chat-queue')).map((t) => t.id);
    expect(tagged.sort()).toEqual(expected.map((t) => t.id).sort());
  });
});
