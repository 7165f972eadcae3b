import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, makeHome, runCli } from '../support/cli.js';

// Issue 13's everyday friction, each point through the real bin/deskctl.js against the demo helpdesk.
const NOW = '2026-11-25T09:00:00Z';
let home: string;
const env = { DESKCTL_NOW: NOW };
const cli = (args: string[], input?: string) => runCli(args, { home, env, input });

beforeAll(() => {
  home = makeHome();
  const r = cli(['demo']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanupHome(home));

const sql = <T>(query: string, ...params: unknown[]): T[] => {
  const db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'), { readonly: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
};

/** deskctl in a pseudo-terminal `cols` wide: what a person sees (stdout and stderr together). */
async function inTerminal(args: string[], cols = 80, extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const pty = await import('node-pty');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'DESKCTL_PROFILE') childEnv[k] = v;
  Object.assign(childEnv, { DESKCTL_HOME: home, NO_COLOR: '1', TERM: 'xterm', DESKCTL_NOW: NOW, DESKCTL_PAGER: 'cat', PAGER: 'cat' }, extraEnv);
  const p = pty.spawn(process.execPath, [BIN, ...args], { cols, rows: 50, cwd: home, env: childEnv });
  let out = '';
  return new Promise((resolve) => {
    p.onData((d) => (out += d));
    p.onExit(({ exitCode }) => resolve({ code: exitCode, out: out.replace(/\r/g, '') }));
  });
}

describe('--json FIELDS and --jq', () => {
  it('--json id,subject picks fields like --fields; --json alone keeps working', () => {
    const picked = cli(['tickets', 'list', '--limit', '2', '--json', 'id,subject']);
    expect(picked.code, picked.stderr).toBe(0);
    const rows = JSON.parse(picked.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'subject']);
    const whole = JSON.parse(cli(['tickets', 'list', '--limit', '1', '--json']).stdout) as Record<string, unknown>[];
    expect(whole[0]).toHaveProperty('createdAt');
    const bad = cli(['tickets', 'list', '--json', 'id,nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown field 'nope'/);
  });

  it('--jq filters the JSON with jq built in; strings come out raw', () => {
    const ids = cli(['tickets', 'list', '--limit', '3', '--jq', '.[].id']);
    expect(ids.code, ids.stderr).toBe(0);
    expect(ids.stdout.trim().split('\n')).toHaveLength(3);
    expect(ids.stdout.trim().split('\n').every((l) => /^\d+$/.test(l))).toBe(true);
    const count = cli(['tickets', 'list', '--status', 'all', '--all', '--jq', 'length']);
    expect(Number(count.stdout.trim())).toBeGreaterThan(600);
    const shown = cli(['tickets', 'show', '716', '--jq', '.ticket | {id, status}']);
    expect(JSON.parse(shown.stdout)).toEqual({ id: '716', status: expect.any(String) });
    const metrics = cli(['metrics', 'summary', '--since', '30d', '--jq', '.metrics.volume.created']);
    expect(metrics.code, metrics.stderr).toBe(0);
    expect(Number(metrics.stdout.trim())).toBeGreaterThan(0);
  });

  it('a bad --jq is a usage error before anything runs; --jq with CSV is refused', () => {
    const syntax = cli(['tickets', 'list', '--jq', '.[']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^error: invalid --jq expression: syntax error/m);
    // compiled, not run: an endless program is still only checked
    const undefinedFn = cli(['bulk', 'update', '--ids', '716', '--status', 'pending', '--yes', '--jq', 'range(1e12) | nosuchfn']);
    expect(undefinedFn.code).toBe(2);
    expect(undefinedFn.stderr).toMatch(/nosuchfn\/0 is not defined/);
    const shown = JSON.parse(cli(['tickets', 'show', '716', '--json']).stdout) as { ticket: { status: string } };
    expect(shown.ticket.status).not.toBe('pending');
    const csv = cli(['tickets', 'list', '--format', 'csv', '--jq', '.']);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/--jq filters JSON, not --format csv/);
  });
});

describe("ids from deskctl's own output", () => {
  const dryRun = (input: string) => cli(['bulk', 'reply', '--ids-file', '-', '-t', 'acknowledgement', '--dry-run', '--json'], input);

  it('tickets list --json | bulk reply --ids-file - works; so do NDJSON and CSV', () => {
    const json = cli(['tickets', 'list', '--status', 'unsolved', '--limit', '4', '--json']);
    const wanted = (JSON.parse(json.stdout) as { id: string }[]).map((t) => t.id);
    expect(wanted).toHaveLength(4);
    for (const format of ['json', 'ndjson', 'csv']) {
      const listed = cli(['tickets', 'list', '--status', 'unsolved', '--limit', '4', '--format', format]);
      const r = dryRun(listed.stdout);
      expect(r.code, `${format}: ${r.stderr}`).toBe(0);
      expect((JSON.parse(r.stdout) as { ticketId: string }[]).map((x) => x.ticketId), format).toEqual(wanted);
    }
  });

  it('- as the ids of tickets update and followup schedule reads them from stdin in the same forms', () => {
    const listed = cli(['tickets', 'list', '--status', 'all', '--limit', '2', '--format', 'ndjson', '--fields', 'id']);
    const wanted = listed.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    const upd = cli(['tickets', 'update', '-', '--add-tag', 'ux-stdin', '--json'], listed.stdout);
    expect(upd.code, upd.stderr).toBe(0);
    expect((JSON.parse(upd.stdout) as { ticketId: string }[]).map((r) => r.ticketId)).toEqual(wanted);
    const sched = cli(['followup', 'schedule', '-', '-t', 'follow-up-check-in', '--in', '3d', '--dry-run', '--json'], `id\n${wanted.join('\n')}\n`);
    expect(sched.code, sched.stderr).toBe(0);
    expect((JSON.parse(sched.stdout) as { ticketId: string }[]).map((r) => r.ticketId)).toEqual(wanted);
    const both = cli(['tickets', 'note', '-', '--body-file', '-'], '1\n');
    expect(both.code).toBe(2);
  });

  it('follow-up and bulk rows name their ticket in ticketId, which wins over their own id', () => {
    const items = '{"id":7,"ticketId":"716","state":"done"}\n{"id":8,"ticketId":"715","state":"done"}\n';
    const r = dryRun(items);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { ticketId: string }[]).map((x) => x.ticketId)).toEqual(['716', '715']);
    const none = dryRun('[]');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/stdin has no ticket ids/);
  });
});

describe('tickets list: open work first, and says when --limit cut it', () => {
  it('lists unsolved tickets by default; --status all lists everything', () => {
    const unsolved = JSON.parse(cli(['tickets', 'list', '--all', '--json', 'status']).stdout) as { status: string }[];
    expect(unsolved.length).toBeGreaterThan(0);
    expect(unsolved.every((t) => !['solved', 'closed'].includes(t.status))).toBe(true);
    const all = JSON.parse(cli(['tickets', 'list', '--status', 'all', '--all', '--json', 'status']).stdout) as { status: string }[];
    expect(all.length).toBe(sql<{ n: number }>('SELECT count(*) AS n FROM tickets')[0]!.n);
    expect(all.some((t) => t.status === 'closed')).toBe(true);
  });

  it('on a terminal, "Showing 30 of N" on stderr when the limit cuts the list; nothing in a pipe', async () => {
    const unsolved = sql<{ n: number }>(`SELECT count(*) AS n FROM tickets WHERE status NOT IN ('solved', 'closed')`)[0]!.n;
    const tty = await inTerminal(['tickets', 'list'], 120);
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toContain(`Showing 30 of ${unsolved} tickets; --limit N or --all for more.`);
    const piped = cli(['tickets', 'list', '--format', 'table']);
    expect(piped.stderr).not.toMatch(/Showing/);
    const few = await inTerminal(['tickets', 'list', '--limit', '5000'], 120);
    expect(few.out).not.toMatch(/Showing/);
  });

  it('at 80 columns keeps id, status and the sorted column, and shortens the subject first', async () => {
    for (const sort of ['urgency', 'sla']) {
      const r = await inTerminal(['tickets', 'list', '--sort', sort, '--limit', '8'], 80);
      expect(r.code, r.out).toBe(0);
      const lines = r.out.split('\n').filter((l) => l.trim());
      const header = lines.find((l) => /\bID\b/.test(l))!;
      expect(header).toMatch(/\bSTATUS\b/);
      expect(header).toContain(sort.toUpperCase());
      expect(header).toMatch(/\bSUBJECT\b/);
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
      expect(r.out).not.toMatch(/unassign…/);
    }
  });
});

describe('the same filters for tickets list and bulk', () => {
  // a ticket whose order number is in its custom fields and conversation, not in its subject
  let target: { id: number; order: string } | undefined;
  beforeAll(() => {
    [target] = sql<{ id: number; order: string }>(
      `SELECT id, json_extract(custom_fields, '$.order_number') AS "order" FROM tickets
       WHERE json_extract(custom_fields, '$.order_number') IS NOT NULL AND subject NOT LIKE '%ORD-%' ORDER BY id LIMIT 1`,
    );
  });

  it('--query finds a ticket by the order number in its custom fields and conversation', () => {
    const found = JSON.parse(cli(['tickets', 'list', '--status', 'all', '--query', target!.order, '--json', 'id']).stdout) as { id: string }[];
    expect(found.map((t) => t.id)).toContain(String(target!.id));
    // a word only in the conversation
    const [c] = sql<{ ticket_id: number; body: string }>(`SELECT ticket_id, body FROM comments WHERE body LIKE '%warehouse%' ORDER BY id LIMIT 1`);
    const byBody = JSON.parse(cli(['tickets', 'list', '--status', 'all', '--all', '--query', 'warehouse', '--json', 'id']).stdout) as { id: string }[];
    expect(byBody.map((t) => t.id)).toContain(String(c!.ticket_id));
  });

  it('--where cf.order_number=... selects in tickets list and bulk alike', () => {
    const listed = JSON.parse(cli(['tickets', 'list', '--status', 'all', '--where', `cf.order_number=${target!.order.toLowerCase()}`, '--json', 'id']).stdout) as { id: string }[];
    expect(listed.map((t) => t.id)).toEqual([String(target!.id)]);
    const bulk = cli(['bulk', 'reply', '-t', 'acknowledgement', '--status', 'all', '--where', `cf.order_number=${target!.order}`, '--dry-run', '--json', 'ticketId']);
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(JSON.parse(bulk.stdout)).toEqual([{ ticketId: String(target!.id) }]);
    const update = cli(['bulk', 'update', '--where', 'status=all', '--where', `cf.order_number=${target!.order}`, '--add-tag', 'x', '--dry-run', '--json', 'id']);
    expect(JSON.parse(update.stdout)).toEqual([{ id: String(target!.id) }]);
    const bad = cli(['tickets', 'list', '--where', 'cf.order_number=']);
    expect(bad.code).toBe(2);
  });

  it("--exclude-tag x and --tag '!x' leave out tickets with the tag", () => {
    const ids = (args: string[]) => (JSON.parse(cli(['tickets', 'list', '--status', 'all', '--all', '--tag', 'delivery', ...args, '--json', 'id,tags']).stdout) as { id: string; tags: string[] }[]);
    const withVip = ids([]);
    const excluded = ids(['--exclude-tag', 'vip']);
    const bang = ids(['--tag', '!vip']);
    expect(withVip.some((t) => t.tags.includes('vip'))).toBe(true);
    expect(excluded.length).toBe(withVip.filter((t) => !t.tags.includes('vip')).length);
    expect(excluded.every((t) => !t.tags.includes('vip'))).toBe(true);
    expect(bang).toEqual(excluded);
    const dry = cli(['bulk', 'reply', '-t', 'acknowledgement', '--status', 'all', '--tag', 'delivery', '--exclude-tag', 'vip', '--dry-run', '--json', 'ticketId']);
    expect((JSON.parse(dry.stdout) as { ticketId: string }[]).length).toBe(excluded.length);
  });
});

describe('options that did nothing or disagreed', () => {
  it('tickets show --fields picks ticket fields and comments; a wrong one exits 2', () => {
    const r = cli(['tickets', 'show', '716', '--fields', 'id,status,comments']);
    expect(r.code, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(shown)).toEqual(['id', 'status', 'comments']);
    expect(cli(['tickets', 'show', '716', '--fields', 'foo']).code).toBe(2);
  });

  it('bulk update --fields nope exits 2 before changing anything; known fields pick from the job', () => {
    const before = sql<{ tags: string }>(`SELECT group_concat(tag) AS tags FROM ticket_tags WHERE ticket_id = 715`)[0]!.tags;
    const bad = cli(['bulk', 'update', '--ids', '715', '--add-tag', 'ux-fields', '--yes', '--fields', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown field 'nope'/);
    expect(sql<{ tags: string }>(`SELECT group_concat(tag) AS tags FROM ticket_tags WHERE ticket_id = 715`)[0]!.tags).toBe(before);
    const ok = cli(['bulk', 'update', '--ids', '715', '--add-tag', 'ux-fields', '--yes', '--fields', 'state,total']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ state: 'done', total: 1 });
  });

  it('login and demo take no --fields or --out; metrics export --help says it writes CSV', () => {
    for (const args of [['demo', '--fields', 'x'], ['demo', '--out', 'x.json'], ['login', '--fields', 'x']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/unknown option/);
    }
    const help = cli(['metrics', 'export', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/output format \(default: csv/);
    expect(cli(['metrics', 'export', '--since', '7d']).stdout.split('\n')[0]).toMatch(/^since,until,/);
  });

  it('an unknown option that is part of real ones gets them as suggestions', () => {
    const r = cli(['tickets', 'list', '--since', '7d']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hint: did you mean --created-since, --updated-since, --solved-since?');
  });

  it("$EDITOR opens with the customer's last message quoted below a scissors line, which is not sent", async () => {
    const seen = join(home, 'editor-saw.txt');
    const editor = join(home, 'editor.sh');
    // keeps a copy of what the editor was given, then writes the reply above it
    writeFileSync(editor, `#!/bin/sh\ncp "$1" '${seen}'\n{ printf 'Thanks, on it.\\n'; cat '${seen}'; } > "$1"\n`);
    chmodSync(editor, 0o755);
    const [last] = sql<{ body: string }>(`SELECT body FROM comments WHERE ticket_id = 714 AND author_role = 'customer' AND public = 1 ORDER BY created_at DESC, id DESC LIMIT 1`);
    const r = await inTerminal(['tickets', 'reply', '714'], 120, { EDITOR: editor, VISUAL: editor });
    expect(r.code, r.out).toBe(0);
    const given = readFileSync(seen, 'utf8');
    expect(given).toContain('# ------------------------ >8 ------------------------');
    expect(given).toContain(`> ${last!.body.split('\n')[0]}`);
    const sent = JSON.parse(cli(['tickets', 'show', '714', '--json']).stdout) as { comments: { body: string }[] };
    expect(sent.comments.at(-1)!.body).toBe('Thanks, on it.');
  });
});

describe('--web', () => {
  it('the embedded helpdesk has no web UI and says so', () => {
    for (const args of [['tickets', 'show', '716', '--web'], ['tickets', 'list', '--web']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error: the embedded helpdesk has no web UI/m);
      expect(r.stdout).toBe('');
    }
  });
});
