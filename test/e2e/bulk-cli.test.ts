import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

let home: string;
let db: Database.Database;

const write = (name: string, text: string) => writeFileSync(join(home, name), text);
const tpl = (name: string, text: string) => write(join('templates', `${name}.liquid`), text);
const markerCount = (marker: string, ids?: string[]): number =>
  ids
    ? (db.prepare(`SELECT count(*) AS n FROM comments WHERE body LIKE ? AND ticket_id IN (${ids.map(() => '?').join(',')})`).get(`%${marker}%`, ...ids) as { n: number }).n
    : (db.prepare(`SELECT count(*) AS n FROM comments WHERE body LIKE ?`).get(`%${marker}%`) as { n: number }).n;

interface Ticket {
  id: string;
  status: string;
  priority: string;
  tags: string[];
  customFields: Record<string, unknown>;
}
let withOrder: string[];
let withoutOrder: string[];

beforeAll(() => {
  home = makeHome('deskctl-bulk-cli-');
  expect(runCli(['demo'], { home }).code).toBe(0);
  mkdirSync(join(home, 'templates'));
  db = new Database(join(home, 'data', 'profiles', 'local', 'helpdesk.db'));
  const all = runJson<Ticket[]>(['tickets', 'list', '--all', '--json'], { home });
  withOrder = all.filter((t) => t.customFields.order_number).map((t) => t.id);
  withoutOrder = all.filter((t) => !t.customFields.order_number).map((t) => t.id);
  expect(withOrder.length).toBeGreaterThan(20);
  expect(withoutOrder.length).toBeGreaterThan(5);
});
afterAll(() => {
  db?.close();
  cleanupHome(home);
});

describe('bulk reply safety', () => {
  it('without a terminal and without --yes exits 2 and sends nothing', () => {
    tpl('e2e-a', '---\ndescription: a\npublic: true\n---\nHello {{ ticket.id }} [e2e-a]\n');
    const r = runCli(['bulk', 'reply', '-t', 'e2e-a', '--ids', withOrder.slice(0, 5).join(',')], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect(markerCount('[e2e-a]')).toBe(0);
  });

  it('a typo in a variable sends nothing and names the variable and the first ticket; --skip-invalid sends the rest', () => {
    tpl('e2e-typo', '---\ndescription: t\npublic: true\n---\nOrder {{ ticket.custom_fields.order_number }} [e2e-typo]\n');
    const ids = [withOrder[0]!, withoutOrder[0]!, withOrder[1]!, withoutOrder[1]!, withOrder[2]!];
    const r = runCli(['bulk', 'reply', '-t', 'e2e-typo', '--ids', ids.join(','), '--yes'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ticket.custom_fields.order_number');
    expect(r.stderr).toContain(`ticket ${withoutOrder[0]}`);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(markerCount('[e2e-typo]')).toBe(0);

    const s = runCli(['bulk', 'reply', '-t', 'e2e-typo', '--ids', ids.join(','), '--yes', '--skip-invalid', '--json'], { home });
    expect(s.code, s.stderr).toBe(0);
    expect(markerCount('[e2e-typo]')).toBe(3);
    expect(markerCount('[e2e-typo]', [withoutOrder[0]!, withoutOrder[1]!])).toBe(0);
    const summary = JSON.parse(s.stdout) as { id: string; counts: Record<string, number> };
    expect(summary.counts).toMatchObject({ done: 3, skipped: 2 });
    // the skipped ones are reported, and can be written out as CSV
    const out = join(home, 'failed.csv');
    const st = runCli(['bulk', 'status', summary.id, '--failed', '--failed-out', out, '--json'], { home });
    expect(st.code).toBe(0);
    expect((JSON.parse(st.stdout) as { ticketId: string }[]).map((i) => i.ticketId).sort()).toEqual([withoutOrder[0], withoutOrder[1]].sort());
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,state,reason');
    expect(csv).toHaveLength(3);
    expect(csv[1]).toMatch(/skipped,.*order_number/);
  });

  it('--dry-run --json gives every rendered body and sends nothing', () => {
    tpl('e2e-dry', '---\ndescription: d\npublic: true\n---\nHi {{ ticket.requester.first_name | default: "there" }}, order {{ ticket.custom_fields.order_number }} [e2e-dry]\n');
    const ids = withOrder.slice(0, 4);
    const r = runCli(['bulk', 'reply', '-t', 'e2e-dry', '--ids', ids.join(','), '--dry-run', '--json'], { home });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { ticketId: string; result: string; body: string }[];
    expect(rows.map((x) => x.ticketId)).toEqual(ids);
    for (const row of rows) {
      expect(row.result).toBe('ready');
      expect(row.body).toMatch(/^Hi .+, order ORD-\d+ \[e2e-dry\]$/);
    }
    expect(markerCount('[e2e-dry]')).toBe(0);
  });

  it('an --ids-file CSV feeds row.<column> and filters select like tickets list', () => {
    tpl('e2e-row', '---\ndescription: r\npublic: false\n---\nTracking {{ row.tracking }} for {{ ticket.id }} [e2e-row]\n');
    write('rows.csv', `id,tracking\n${withOrder[5]},TRK-1\n${withOrder[6]},"TRK-2, express"\n`);
    const r = runCli(['bulk', 'reply', '-t', 'e2e-row', '--ids-file', 'rows.csv', '--dry-run', '--json'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { body: string }[]).map((x) => x.body)).toEqual([`Tracking TRK-1 for ${withOrder[5]} [e2e-row]`, `Tracking TRK-2, express for ${withOrder[6]} [e2e-row]`]);

    const open = runJson<Ticket[]>(['tickets', 'list', '--status', 'open', '--tag', 'delivery', '--all', '--json'], { home });
    const d = runCli(['bulk', 'reply', '-t', 'e2e-a', '--status', 'open', '--tag', 'delivery', '--dry-run', '--json'], { home });
    expect(d.code, d.stderr).toBe(0);
    expect((JSON.parse(d.stdout) as { ticketId: string }[]).map((x) => x.ticketId).sort()).toEqual(open.map((t) => t.id).sort());
  });

  it('refuses bad selections with exit 2 before doing anything', () => {
    expect(runCli(['bulk', 'reply', '-t', 'e2e-a', '--yes'], { home }).stderr).toMatch(/choose the tickets/);
    expect(runCli(['bulk', 'reply', '-t', 'e2e-a', '--yes'], { home }).code).toBe(2);
    expect(runCli(['bulk', 'reply', '-t', 'e2e-a', '--ids', '1', '--ids-file', 'x', '--yes'], { home }).code).toBe(2);
    expect(runCli(['bulk', 'reply', '-t', 'no-such-template', '--ids', '1', '--yes'], { home }).code).toBe(2);
    expect(runCli(['bulk', 'reply', '-t', 'e2e-a', '--status', 'bogus', '--yes'], { home }).code).toBe(2);
    write('bad.csv', 'ticket_no,x\n1,2\n');
    const bad = runCli(['bulk', 'reply', '-t', 'e2e-a', '--ids-file', 'bad.csv', '--yes'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no 'id' column/);
    expect(markerCount('[e2e-a]')).toBe(0);
  });

  it('a ticket that does not exist stops the send unless --skip-invalid', () => {
    const r = runCli(['bulk', 'reply', '-t', 'e2e-a', '--ids', `${withOrder[10]},999999`, '--yes'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/999999/);
    expect(markerCount('[e2e-a]')).toBe(0);
    const s = runCli(['bulk', 'reply', '-t', 'e2e-a', '--ids', `${withOrder[10]},999999`, '--yes', '--skip-invalid'], { home });
    expect(s.code).toBe(0);
    expect(markerCount('[e2e-a]')).toBe(1);
  });

  it('exits 3 listing the tickets the helpdesk refused; resume --retry-failed sends only those', () => {
    tpl('e2e-fail', '---\ndescription: f\npublic: true\n---\nHello {{ ticket.id }} [e2e-fail]\n');
    const ids = withOrder.slice(40, 46);
    const refused = ids[2]!;
    // the embedded helpdesk refuses comments on one ticket while the trigger exists
    db.exec(`CREATE TRIGGER e2e_refuse BEFORE INSERT ON comments WHEN NEW.ticket_id = ${Number(refused)} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;`);
    const r = runCli(['bulk', 'reply', '-t', 'e2e-fail', '--ids', ids.join(','), '--yes', '--json'], { home });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/1 of 6 tickets failed/);
    const summary = JSON.parse(r.stdout) as { id: string; state: string; failed: { ticketId: string; error: string }[] };
    expect(summary.state).toBe('partial');
    expect(summary.failed).toEqual([{ ticketId: refused, error: expect.stringMatching(/refused by the test/) }]);
    expect(markerCount('[e2e-fail]')).toBe(5);
    db.exec('DROP TRIGGER e2e_refuse');
    const plain = runCli(['bulk', 'resume', summary.id], { home });
    expect(plain.code).toBe(0);
    expect(markerCount('[e2e-fail]')).toBe(5);
    const retry = runCli(['bulk', 'resume', summary.id, '--retry-failed', '--json'], { home });
    expect(retry.code, retry.stderr).toBe(0);
    expect(markerCount('[e2e-fail]')).toBe(6);
    for (const id of ids) expect(markerCount('[e2e-fail]', [id])).toBe(1);
  });
});

describe('bulk update', () => {
  it('changes every selected ticket once, journaled like replies', () => {
    const ids = withOrder.slice(30, 36);
    write('upd.txt', ids.join('\n'));
    const usage = runCli(['bulk', 'update', '--ids-file', 'upd.txt', '--yes'], { home });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/nothing to change/);
    const r = runCli(['bulk', 'update', '--ids-file', 'upd.txt', '--priority', 'urgent', '--add-tag', 'e2e-upd', '--yes', '--json'], { home });
    expect(r.code, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout) as { id: string; kind: string; counts: Record<string, number> };
    expect(job.kind).toBe('update');
    expect(job.counts.done).toBe(6);
    for (const id of ids) {
      const t = runJson<{ ticket: Ticket }>(['tickets', 'show', id, '--json'], { home }).ticket;
      expect(t.priority).toBe('urgent');
      expect(t.tags).toContain('e2e-upd');
    }
    // --where selects with the tickets list filters
    const dry = runCli(['bulk', 'update', '--where', 'tag=e2e-upd', '--status', 'pending', '--dry-run', '--json'], { home });
    expect(dry.code, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as { id: string }[]).map((x) => x.id).sort()).toEqual([...ids].sort());
    const jobs = runJson<{ id: string }[]>(['bulk', 'status', '--json'], { home });
    expect(jobs[0]!.id).toBe(job.id);
    expect(existsSync(join(home, 'data', 'profiles', 'local', 'state.db'))).toBe(true);
  });
});
