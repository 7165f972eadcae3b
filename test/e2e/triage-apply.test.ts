import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

/**
 * `triage apply` on the embedded helpdesk: the exact changes, nothing else, and a second run that
 * changes nothing. Expected changes are computed here from the tickets before the run, independently
 * of the triage code.
 */
const NOW = '2026-11-25T09:00:00Z';
const env = { DESKCTL_NOW: NOW };

interface T {
  id: string;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  group: string | null;
  assignee: { id: string; name: string } | null;
  tags: string[];
  updatedAt: string;
  firstResponseAt: string | null;
  publicReplyCount: number | null;
  customFields: Record<string, unknown>;
  [k: string]: unknown;
}
interface Shown {
  comments: { body: string; public: boolean; authorRole: string; createdAt: string }[];
}

const RULES = `# e2e rules
mode: all-match
rules:
  - name: vip
    when:
      status: unsolved
      tier: vip
    then:
      raisePriority: high
      addTags: [vip-desk]
  - name: refund-billing
    when:
      status: unsolved
      subject: { regex: '\\brefund' }
    then:
      group: Billing
      note: { text: "Refund request: check the return first." }
  - name: ack-chat
    when:
      status: new
      channel: chat
      assigned: false
    then:
      reply: acknowledgement
`;

let home: string;
let rules: string;
beforeAll(() => {
  home = makeHome('deskctl-triage-apply-');
  const r = runCli(['demo'], { home, env });
  if (r.code !== 0) throw new Error(r.stderr);
  rules = join(home, 'rules.yaml');
  writeFileSync(rules, RULES);
});
afterAll(() => cleanupHome(home));

const snapshot = () => new Map(runJson<T[]>(['tickets', 'list', '--all', '--json'], { home, env }).map((t) => [t.id, t]));
const RANK: Record<string, number> = { none: 0, low: 1, normal: 2, high: 3, urgent: 4 };
const UNSOLVED = ['new', 'open', 'pending', 'on_hold'];
/** Comments written by this test's runs (at DESKCTL_NOW; the demo's are older), read from the embedded helpdesk's database. */
async function freshComments(): Promise<Map<string, Shown['comments']>> {
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(join(home, 'data', 'profiles', 'local', 'helpdesk.db'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT ticket_id, public, body, author_role, created_at FROM comments WHERE created_at >= ? ORDER BY id`).all(new Date(NOW).toISOString()) as {
      ticket_id: number | string;
      public: number;
      body: string;
      author_role: string;
      created_at: string;
    }[];
    const out = new Map<string, Shown['comments']>();
    for (const r of rows) {
      const id = String(r.ticket_id);
      out.set(id, [...(out.get(id) ?? []), { body: r.body, public: r.public === 1, authorRole: r.author_role, createdAt: r.created_at }]);
    }
    return out;
  } finally {
    db.close();
  }
}

describe('deskctl triage apply', () => {
  it('refuses to change tickets without a terminal unless --yes or --dry-run', () => {
    const r = runCli(['triage', 'apply', '--rules', rules], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: triage apply changes tickets and there is no terminal to confirm on');
    expect(r.stderr).toContain('hint: pass --yes to apply, or --dry-run to preview');
  });

  it('exits 2 naming the line for an unknown field or a bad regex, and changes nothing', () => {
    const before = snapshot();
    const unknown = join(home, 'unknown.yaml');
    writeFileSync(unknown, RULES.replace('      raisePriority: high', '      raisePriority: high\n      asignee: me'));
    let r = runCli(['triage', 'apply', '--rules', unknown, '--yes'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${unknown}:10: unknown field 'asignee' in actions`);
    expect(r.stderr).toContain("hint: did you mean 'assignee'?");
    const badRe = join(home, 'regex.yaml');
    writeFileSync(badRe, RULES.replace("'\\brefund'", "'(refund'"));
    r = runCli(['triage', 'apply', '--rules', badRe, '--yes'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error: ${badRe.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:14: regex: invalid regex /\\(refund/: Unterminated group$`, 'm'));
    const noAgent = join(home, 'agent.yaml');
    writeFileSync(noAgent, RULES.replace('      group: Billing', '      assignee: nobody@nowhere.example'));
    r = runCli(['triage', 'apply', '--rules', noAgent, '--yes'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${noAgent}:16: rule 'refund-billing': no agent matches 'nobody@nowhere.example'`);
    const noTemplate = join(home, 'template.yaml');
    writeFileSync(noTemplate, RULES.replace('reply: acknowledgement', 'reply: no-such-template'));
    r = runCli(['triage', 'apply', '--rules', noTemplate, '--yes'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error: .*template\\.yaml:24: rule 'ack-chat': `));
    writeFileSync(noTemplate, RULES.replace('reply: acknowledgement', 'reply: handover-note'));
    r = runCli(['triage', 'apply', '--rules', noTemplate, '--yes'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${noTemplate}:24: rule 'ack-chat': template 'handover-note' is an internal note (public: false)`);
    expect(r.stderr).toContain('hint: use note: handover-note');
    r = runCli(['triage', 'apply', '--rules', join(home, 'missing.yaml'), '--yes'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such file');
    expect(snapshot()).toEqual(before);
  });

  it('dry-run reports the plan and changes nothing', () => {
    const before = snapshot();
    const r = runCli(['triage', 'apply', '--rules', rules, '--dry-run', '--json'], { home, env });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { ticketId: string; rules: string[]; changes: { kind: string; result: string }[] }[];
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.every((p) => p.changes.every((c) => c.result === 'would change'))).toBe(true);
    expect(r.stderr).toMatch(/^Dry run: \d+ changes? on \d+ tickets?; \d+ tickets? checked/m);
    expect(snapshot()).toEqual(before);
  });

  it('applies exactly the planned changes; a second run changes nothing', async () => {
    const before = snapshot();
    // what the rules must do, worked out from the tickets themselves
    const expected = new Map<string, { priority?: string; addTag?: string; group?: string; note?: boolean; reply?: boolean }>();
    for (const t of before.values()) {
      if (!UNSOLVED.includes(t.status)) continue;
      const e: { priority?: string; addTag?: string; group?: string; note?: boolean; reply?: boolean } = {};
      if (String(t.customFields.tier ?? '').toLowerCase() === 'vip') {
        if (RANK[t.priority]! < RANK.high!) e.priority = 'high';
        if (!t.tags.includes('vip-desk')) e.addTag = 'vip-desk';
      }
      if (/\brefund/i.test(t.subject)) {
        if ((t.group ?? '').toLowerCase() !== 'billing') e.group = 'Billing';
        e.note = true;
      }
      if (t.status === 'new' && t.channel === 'chat' && !t.assignee) e.reply = true;
      if (Object.keys(e).length) expected.set(t.id, e);
    }
    expect(expected.size).toBeGreaterThan(3);
    expect([...expected.values()].some((e) => e.reply)).toBe(true);
    expect([...expected.values()].some((e) => e.note)).toBe(true);
    expect([...expected.values()].some((e) => e.priority)).toBe(true);

    expect(await freshComments()).toEqual(new Map()); // nothing written by the earlier (refused, dry) runs
    const r = runCli(['triage', 'apply', '--rules', rules, '--yes', '--json'], { home, env });
    expect(r.stderr).toMatch(/Applied \d+ changes? to \d+ tickets?/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ticketId: string; result: string }[];
    expect(out.map((o) => o.ticketId).sort()).toEqual([...expected.keys()].sort());
    expect(out.every((o) => o.result === 'applied')).toBe(true);

    const after = snapshot();
    for (const [id, a] of after) {
      const b = before.get(id)!;
      const e = expected.get(id);
      if (!e) {
        expect(a, `ticket ${id} must not change`).toEqual(b);
        continue;
      }
      const want: T = { ...b, updatedAt: a.updatedAt, tags: [...b.tags] };
      if (e.priority) want.priority = e.priority;
      if (e.addTag) want.tags.push(e.addTag);
      if (e.group) want.group = e.group;
      // the helpdesk opens a new ticket when an agent comments (like Zendesk)
      if ((e.note || e.reply) && b.status === 'new') want.status = 'open';
      if (e.reply) {
        // the acknowledgement template sets status open; the reply is the first response
        want.status = 'open';
        want.firstResponseAt = a.firstResponseAt;
        want.publicReplyCount = (b.publicReplyCount ?? 0) + 1;
        expect(Date.parse(a.firstResponseAt!)).toBe(Date.parse(NOW));
      }
      expect({ ...a, tags: [...a.tags].sort() }, `ticket ${id}`).toEqual({ ...want, tags: [...want.tags].sort() });
    }
    // the comments: one note per refund ticket, one reply per new unassigned chat, nothing else
    const written = await freshComments();
    expect([...written.keys()].sort()).toEqual([...expected].filter(([, e]) => e.note || e.reply).map(([id]) => id).sort());
    for (const [id, e] of expected) {
      const added = written.get(id) ?? [];
      const notes = added.filter((c) => !c.public);
      const replies = added.filter((c) => c.public);
      expect(notes.map((c) => c.body), `notes on ${id}`).toEqual(e.note ? ['Refund request: check the return first.'] : []);
      expect(replies.length, `replies on ${id}`).toBe(e.reply ? 1 : 0);
      if (e.reply) expect(replies[0]!.body).toContain('Thank you for getting in touch');
    }

    // every change is in the triage log: one update per changed ticket, one entry per reply/note
    const log = runJson<{ source: string; ticketId: string; action: string }[]>(['triage', 'log', '--source', 'apply', '--limit', '1000', '--json'], { home, env });
    const updates = [...expected].filter(([, e]) => e.priority || e.addTag || e.group).map(([id]) => id);
    expect(log.filter((e) => e.action === 'update').map((e) => e.ticketId).sort()).toEqual(updates.sort());
    expect(log.filter((e) => e.action === 'note').length).toBe([...expected.values()].filter((e) => e.note).length);
    expect(log.filter((e) => e.action === 'reply').length).toBe([...expected.values()].filter((e) => e.reply).length);

    // second run: nothing to do, nothing changes
    const again = runCli(['triage', 'apply', '--rules', rules, '--yes', '--json'], { home, env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect(again.stderr).toMatch(/nothing to change/i);
    expect(snapshot()).toEqual(after);
    expect(await freshComments()).toEqual(written);
  });

  it('shows the SLA and urgency in tickets list', () => {
    const breached = runJson<{ id: string; sla: { state: string }; urgency: { score: number } }[]>(
      ['tickets', 'list', '--status', 'unsolved', '--sla', 'breached', '--sort', 'urgency', '--all', '--json'],
      { home, env },
    );
    expect(breached.length).toBeGreaterThan(0);
    expect(breached.every((t) => t.sla.state === 'breached')).toBe(true);
    const scores = breached.map((t) => t.urgency.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const bad = runCli(['tickets', 'list', '--sla', 'late'], { home, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: invalid --sla 'late'");
  });
});
