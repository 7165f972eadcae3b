import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

interface TicketJson {
  id: string;
  status: string;
  priority: string;
  channel: string;
  subject: string;
  tags: string[];
  createdAt: string;
  assignee: { id: string; name: string; email: string } | null;
  customFields: Record<string, unknown>;
}

const NOW = '2026-11-25T09:00:00Z';
let home: string;
const env = { DESKCTL_NOW: NOW };
const cli = (args: string[], input?: string) => runCli(args, { home, env, input });
const json = <T>(args: string[]) => runJson<T>(args, { home, env });

beforeAll(() => {
  home = makeHome();
  const r = cli(['demo']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanupHome(home));

describe('demo helpdesk', () => {
  it('has 600+ tickets over 90 days with every status, priority and channel', () => {
    const all = json<TicketJson[]>(['tickets', 'list', '--status', 'all', '--all', '--json']);
    expect(all.length).toBeGreaterThanOrEqual(600);
    for (const s of ['new', 'open', 'pending', 'on_hold', 'solved', 'closed']) expect(all.some((t) => t.status === s), s).toBe(true);
    for (const p of ['none', 'low', 'normal', 'high', 'urgent']) expect(all.some((t) => t.priority === p), p).toBe(true);
    for (const c of ['email', 'chat', 'phone', 'social', 'web']) expect(all.some((t) => t.channel === c), c).toBe(true);
    const oldest = Math.min(...all.map((t) => Date.parse(t.createdAt)));
    expect(Date.parse(NOW) - oldest).toBeLessThanOrEqual(90 * 86_400_000);
    expect(Date.parse(NOW) - oldest).toBeGreaterThan(80 * 86_400_000);
    expect(all.filter((t) => typeof t.customFields.order_number === 'string').length).toBeGreaterThan(300);
  });

  it('is deterministic for the same clock', () => {
    const again = makeHome();
    try {
      runCli(['demo'], { home: again, env });
      const a = runCli(['tickets', 'list', '--limit', '50', '--json'], { home: again, env }).stdout;
      const b = cli(['tickets', 'list', '--limit', '50', '--json']).stdout;
      expect(a).toBe(b);
    } finally {
      cleanupHome(again);
    }
  });
});

describe('tickets list', () => {
  it('filters by status, channel and tag', () => {
    const rows = json<TicketJson[]>(['tickets', 'list', '--all', '--status', 'open,pending', '--channel', 'email', '--tag', 'delivery']);
    expect(rows.length).toBeGreaterThan(0);
    for (const t of rows) {
      expect(['open', 'pending']).toContain(t.status);
      expect(t.channel).toBe('email');
      expect(t.tags).toContain('delivery');
    }
  });

  it('filters by assignee me / none / email and by created date', () => {
    const mine = json<TicketJson[]>(['tickets', 'list', '--status', 'all', '--all', '--assignee', 'me']);
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((t) => t.assignee?.name))).toEqual(new Set(['Alex Rivera']));
    const none = json<TicketJson[]>(['tickets', 'list', '--status', 'all', '--all', '--assignee', 'none']);
    expect(none.length).toBeGreaterThan(0);
    expect(none.every((t) => t.assignee === null)).toBe(true);
    const byEmail = json<TicketJson[]>(['tickets', 'list', '--status', 'all', '--all', '--assignee', 'priya.shah@northwind.example']);
    expect(byEmail.every((t) => t.assignee?.name === 'Priya Shah')).toBe(true);
    const recent = json<TicketJson[]>(['tickets', 'list', '--status', 'all', '--all', '--created-since', '7d']);
    expect(recent.every((t) => Date.parse(t.createdAt) >= Date.parse(NOW) - 7 * 86_400_000)).toBe(true);
  });

  it('sorts and limits', () => {
    const rows = json<TicketJson[]>(['tickets', 'list', '--sort', 'created:asc', '--limit', '5']);
    expect(rows).toHaveLength(5);
    const times = rows.map((t) => Date.parse(t.createdAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const urgentFirst = json<TicketJson[]>(['tickets', 'list', '--status', 'all', '--sort', 'priority', '--limit', '3']);
    expect(urgentFirst.every((t) => t.priority === 'urgent')).toBe(true);
  });

  it('selects --fields in json, ndjson, csv and table', () => {
    const j = json<Array<Record<string, unknown>>>(['tickets', 'list', '--limit', '3', '--fields', 'id,status,cf.order_number']);
    // a field is a path into the ticket's JSON: cf.X is short for customFields.X
    expect(Object.keys(j[0]!)).toEqual(['id', 'status', 'customFields']);
    expect(Object.keys(j[0]!.customFields as object)).toEqual(['order_number']);
    const nd = cli(['tickets', 'list', '--limit', '3', '--format', 'ndjson', '--fields', 'id,subject']).stdout.trim().split('\n');
    expect(nd).toHaveLength(3);
    expect(Object.keys(JSON.parse(nd[0]!))).toEqual(['id', 'subject']);
    const csv = cli(['tickets', 'list', '--limit', '3', '--format', 'csv', '--fields', 'id,priority']).stdout.trim().split('\n');
    expect(csv[0]).toBe('id,priority');
    expect(csv).toHaveLength(4);
    const table = cli(['tickets', 'list', '--limit', '3', '--format', 'table', '--fields', 'id,status']).stdout.trim().split('\n');
    expect(table[0]).toMatch(/^\s*ID\s+STATUS$/);
    expect(table).toHaveLength(4);
  });

  it('writes --out atomically and refuses a missing directory', () => {
    const file = join(home, 'export.csv');
    expect(cli(['tickets', 'list', '--limit', '4', '--out', file]).code).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
    const missing = join(home, 'nope', 'x.json');
    const r = cli(['tickets', 'list', '--out', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/directory .*nope does not exist/);
    expect(existsSync(join(home, 'nope'))).toBe(false);
  });
});

describe('changing tickets', () => {
  it('update, reply and note change the helpdesk and show shows it', () => {
    const [t] = json<TicketJson[]>(['tickets', 'list', '--status', 'open', '--limit', '1']);
    const id = t!.id;
    const up = cli(['tickets', 'update', id, '--status', 'pending', '--priority', 'urgent', '--assignee', 'Hana Kobayashi', '--add-tag', 'e2e,checked', '--group', 'Technical']);
    expect(up.code, up.stderr).toBe(0);
    expect(cli(['tickets', 'reply', id, '--body', 'Your replacement ships today.']).code).toBe(0);
    expect(cli(['tickets', 'note', id, '--body-file', '-'], 'Checked the warehouse.\n').code).toBe(0);
    const shown = json<{ ticket: TicketJson & { group: string }; comments: Array<{ body: string; public: boolean; authorRole: string }> }>(['tickets', 'show', id, '--json']);
    expect(shown.ticket.status).toBe('pending');
    expect(shown.ticket.priority).toBe('urgent');
    expect(shown.ticket.assignee?.name).toBe('Hana Kobayashi');
    expect(shown.ticket.group).toBe('Technical');
    expect(shown.ticket.tags).toEqual(expect.arrayContaining(['e2e', 'checked']));
    const last = shown.comments.slice(-2);
    expect(last[0]).toMatchObject({ body: 'Your replacement ships today.', public: true, authorRole: 'agent' });
    expect(last[1]).toMatchObject({ body: 'Checked the warehouse.', public: false });
    const text = cli(['tickets', 'show', id, '--format', 'table']).stdout;
    expect(text).toContain('internal note');
    expect(text).toContain('Your replacement ships today.');
  });

  it('reports per-id results and exits 3 when some fail', () => {
    const [a] = json<TicketJson[]>(['tickets', 'list', '--limit', '1']);
    const r = cli(['tickets', 'update', a!.id, '999999', '--add-tag', 'x']);
    expect(r.code).toBe(3);
    const results = JSON.parse(r.stdout) as Array<{ ticketId: string; ok: boolean; error: string | null }>;
    expect(results).toEqual([
      { ticketId: a!.id, ok: true, result: 'updated', error: null, changes: [{ change: 'addTag', value: 'x', outcome: 'applied' }] },
      { ticketId: '999999', ok: false, result: 'failed', error: 'ticket 999999 not found' },
    ]);
    expect(r.stderr).toContain('1 of 2 updates failed: 999999');
  });
});

describe('bad input', () => {
  it('unknown ticket exits 1 naming the id', () => {
    const r = cli(['tickets', 'show', '424242']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ticket 424242 not found');
  });
  it('invalid --status exits 2 listing valid values', () => {
    const r = cli(['tickets', 'list', '--status', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid --status 'bogus'");
    expect(r.stderr).toContain('new, open, pending, on_hold, solved, closed');
  });
  it('unknown flag and unknown command exit 2', () => {
    expect(cli(['tickets', 'list', '--bogus']).code).toBe(2);
    expect(cli(['tickets', 'lst']).code).toBe(2);
    expect(cli(['nonsense']).code).toBe(2);
  });
  it('reply without a body exits 2 and sends nothing', () => {
    const before = json<{ comments: unknown[] }>(['tickets', 'show', '5', '--json']).comments.length;
    const r = cli(['tickets', 'reply', '5']);
    expect(r.code).toBe(2);
    expect(json<{ comments: unknown[] }>(['tickets', 'show', '5', '--json']).comments.length).toBe(before);
  });
  it('a corrupt config file exits 4 with a hint', () => {
    const h = makeHome();
    try {
      writeFileSync(join(h, 'config.json'), '{"profiles": ');
      const r = runCli(['tickets', 'list'], { home: h });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/config\.json/);
      expect(r.stderr).toMatch(/hint: /);
      writeFileSync(join(h, 'config.json'), '{"profiles": {"x": {"provider": "nope"}}}');
      expect(runCli(['tickets', 'list'], { home: h }).code).toBe(4);
    } finally {
      cleanupHome(h);
    }
  });
  it('--help everywhere shows examples', () => {
    for (const args of [['--help'], ['tickets', '--help'], ['tickets', 'list', '--help'], ['tickets', 'update', '--help'], ['profile', 'add', '--help'], ['demo', '--help']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Examples:/);
    }
  });
});

describe('profiles and secrets', () => {
  const TOKEN = 'zd-secret-token-8f3a9c1e77';
  it('stores a token 0600, never prints it, and masks it in show', () => {
    const h = makeHome();
    try {
      const add = runCli(['profile', 'add', 'zendesk', '--name', 'work', '--url', 'https://acme.zendesk.com', '--user', 'me@acme.com', '--auth', 'token', '--with-token'], { home: h, input: `${TOKEN}\n` });
      expect(add.code, add.stderr).toBe(0);
      const mode = statSync(join(h, 'secrets.json')).mode & 0o777;
      expect(mode).toBe(0o600);
      const outputs = [
        runCli(['profile', 'show', 'work'], { home: h }),
        runCli(['profile', 'show', 'work', '--verbose'], { home: h }),
        runCli(['profile', 'list', '--verbose'], { home: h }),
        runCli(['--profile', 'work', 'tickets', 'list', '--verbose'], { home: h, env: { HTTPS_PROXY: 'http://127.0.0.1:9' } }),
        runCli(['profile', 'test', 'work', '--verbose'], { home: h }),
      ];
      for (const o of outputs) {
        expect(o.stdout + o.stderr).not.toContain(TOKEN);
        expect(o.stdout + o.stderr).not.toContain(Buffer.from(`me@acme.com/token:${TOKEN}`).toString('base64'));
      }
      expect(outputs[0]!.stdout).toContain('stored (****)');
      expect(readFileSync(join(h, 'config.json'), 'utf8')).not.toContain(TOKEN);
    } finally {
      cleanupHome(h);
    }
  });
  it('refuses plain http for remote hosts', () => {
    const h = makeHome();
    try {
      const r = runCli(['profile', 'add', 'freshdesk', '--name', 'fd', '--url', 'http://acme.freshdesk.com', '--token-env', 'FD_KEY'], { home: h });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('plain http:// is refused');
    } finally {
      cleanupHome(h);
    }
  });
  it('switches profiles with use, --profile and DESKCTL_PROFILE', () => {
    const h = makeHome();
    try {
      expect(runCli(['profile', 'add', 'local', '--name', 'sandbox'], { home: h }).code).toBe(0);
      expect(runCli(['demo', '--profile', 'sandbox', '--tickets', '20'], { home: h }).code).toBe(0);
      expect(runJson<unknown[]>(['tickets', 'list', '--status', 'all', '--all', '--profile', 'sandbox'], { home: h })).toHaveLength(20);
      expect(runJson<unknown[]>(['tickets', 'list', '--status', 'all', '--all'], { home: h, env: { DESKCTL_PROFILE: 'sandbox' } })).toHaveLength(20);
      expect(runCli(['profile', 'use', 'sandbox'], { home: h }).code).toBe(0);
      expect(runJson<unknown[]>(['tickets', 'list', '--status', 'all', '--all'], { home: h })).toHaveLength(20);
      const missing = runCli(['tickets', 'list', '--profile', 'ghost'], { home: h });
      expect(missing.code).toBe(4);
      expect(missing.stderr).toContain("profile 'ghost' does not exist");
    } finally {
      cleanupHome(h);
    }
  });
});

describe('import', () => {
  it('round-trips an export into a new local profile, and rejects bad rows with nothing imported', () => {
    const file = join(home, 'all.json');
    writeFileSync(file, cli(['tickets', 'list', '--status', 'all', '--all', '--json']).stdout);
    const r = cli(['import', file, '--into', 'offline']);
    expect(r.code, r.stderr).toBe(0);
    expect(json<unknown[]>(['tickets', 'list', '--status', 'all', '--all', '--profile', 'offline']).length).toBeGreaterThanOrEqual(600);
    mkdirSync(join(home, 'csv'), { recursive: true });
    const csv = join(home, 'csv', 't.csv');
    writeFileSync(csv, 'subject,status,requester_name,requester_email,created_at,tags,cf.order_number,body\nHello,open,Ann Lee,ann@example.com,2026-11-20T10:00:00Z,a;b,ORD-1,Where is it\nBad,weird,Bob,,2026-11-20,,,\n');
    const bad = cli(['import', csv, '--into', 'csvp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('row 3: status');
    writeFileSync(csv, 'subject,status,requester_name,requester_email,created_at,tags,cf.order_number,body\nHello,open,Ann Lee,ann@example.com,2026-11-20T10:00:00Z,a;b,ORD-1,Where is it\n');
    expect(cli(['import', csv, '--into', 'csvp']).code).toBe(0);
    const [t] = json<TicketJson[]>(['tickets', 'list', '--profile', 'csvp']);
    expect(t).toMatchObject({ subject: 'Hello', status: 'open', tags: ['a', 'b'], customFields: { order_number: 'ORD-1' } });
  });
});
