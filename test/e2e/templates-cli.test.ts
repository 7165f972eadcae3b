import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

let home: string;
let project: string;

beforeAll(() => {
  home = makeHome('deskctl-templates-');
  project = join(home, 'project');
  mkdirSync(project);
  expect(runCli(['demo'], { home }).code).toBe(0);
});
afterAll(() => cleanupHome(home));

const cli = (args: string[]) => runCli(args, { home, cwd: project });

interface Listed {
  name: string;
  origin: string;
  public: boolean;
  description: string;
}

describe('templates', () => {
  it('lists the shipped templates, and project ones first', () => {
    const shipped = runJson<Listed[]>(['templates', 'list', '--json'], { home, cwd: project });
    expect(shipped.length).toBeGreaterThanOrEqual(8);
    expect(shipped.every((t) => t.origin === 'shipped')).toBe(true);
    for (const n of ['acknowledgement', 'delay-apology', 'refund-processed', 'need-more-info', 'outage-resolved', 'follow-up-check-in', 'satisfaction-survey', 'closing-thank-you']) {
      expect(shipped.map((t) => t.name)).toContain(n);
    }
    mkdirSync(join(project, 'templates'), { recursive: true });
    writeFileSync(join(project, 'templates', 'acknowledgement.liquid'), '---\ndescription: our own\npublic: true\n---\nThanks {{ ticket.requester.name }}\n');
    const mine = runJson<(Listed & { shadows: string[] })[]>(['templates', 'list', '--json'], { home, cwd: project }).find((t) => t.name === 'acknowledgement')!;
    expect(mine.origin).toBe('project');
    expect(mine.shadows).toHaveLength(1);
  });

  it('previews a template against a real ticket with the profile agent signature', () => {
    const tickets = runJson<{ id: string; customFields: Record<string, string>; requester: { name: string } }[]>(['tickets', 'list', '--all', '--json'], { home });
    const t = tickets.find((x) => x.customFields.order_number)!;
    const r = cli(['templates', 'preview', 'delay-apology', '--ticket', t.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { body: string; actions: { status: string } };
    expect(p.body).toContain(String(t.customFields.order_number));
    expect(p.body).toContain(`Hi ${t.requester.name.split(' ')[0]},`);
    expect(p.body).not.toMatch(/\{\{|\{%/);
    expect(p.actions.status).toBe('pending');
    // the signature comes from the demo agent
    expect(p.body.trim().split('\n').length).toBeGreaterThan(5);

    const noOrder = tickets.find((x) => !x.customFields.order_number)!;
    const bad = cli(['templates', 'preview', 'delay-apology', '--ticket', noOrder.id]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ticket.custom_fields.order_number');
    expect(bad.stderr).toContain(`ticket ${noOrder.id}`);
  });

  it('uses the profile signature when set', () => {
    writeFileSync(join(project, 'templates', 'sig.liquid'), '---\ndescription: s\npublic: true\n---\n{{ agent.signature }}\n');
    const cfg = join(home, 'config.json');
    const before = existsSync(cfg) ? (JSON.parse(readFileSync(cfg, 'utf8')) as { profiles?: Record<string, object> }) : {};
    const profiles = { ...(before.profiles ?? {}), local: { ...(before.profiles?.local ?? { provider: 'local' }), signature: 'The Northwind team' } };
    writeFileSync(cfg, JSON.stringify({ ...before, currentProfile: 'local', profiles }));
    const r = cli(['templates', 'preview', 'sig', '--ticket', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { body: string }).body).toBe('The Northwind team');
  });

  it('show, unknown names and new', () => {
    const show = cli(['templates', 'show', 'refund-processed', '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'refund-processed', public: true, actions: { status: 'solved', addTags: ['refunded'] } });
    const unknown = cli(['templates', 'show', 'refund-procesed']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no template named 'refund-procesed'/);
    expect(unknown.stderr).toMatch(/did you mean 'refund-processed'/);

    const created = cli(['templates', 'new', 'order-late', '-d', 'When an order is late']);
    expect(created.code, created.stderr).toBe(0);
    const file = join(project, 'templates', 'order-late.liquid');
    expect(created.stdout.trim()).toBe(file);
    expect(readFileSync(file, 'utf8')).toMatch(/description: When an order is late/);
    expect(cli(['templates', 'lint', 'order-late']).code).toBe(0);
    expect(cli(['templates', 'preview', 'order-late', '--ticket', '1']).code).toBe(0);
    const again = cli(['templates', 'new', 'order-late']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(cli(['templates', 'new', 'bad name!']).code).toBe(2);
  });

  it('lint passes the shipped templates and fails on errors with the reasons', () => {
    const ok = runCli(['templates', 'lint', 'delay-apology', 'closing-thank-you'], { home });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/Checked 2 templates: 0 errors, 0 warnings/);
    writeFileSync(
      join(project, 'templates', 'broken.liquid'),
      '---\ndescription: b\npublic: true\nstatus: finished\nescalate: true\n---\nDear {{ ticket.requester.frist_name }}, kindly be advised we got it.\n',
    );
    const r = cli(['templates', 'lint', 'broken', '--json']);
    expect(r.code).toBe(1);
    const issues = JSON.parse(r.stdout) as { severity: string; message: string }[];
    const text = issues.map((i) => `${i.severity} ${i.message}`).join('\n');
    expect(text).toMatch(/error .*status/);
    expect(text).toMatch(/error .*escalate/);
    expect(text).toMatch(/error .*frist_name.*first_name/);
    expect(text).toMatch(/warning .*kindly be advised/i);
    // a broken template is listed as invalid but does not break the list
    const list = runJson<{ name: string; error?: string }[]>(['templates', 'list', '--json'], { home, cwd: project });
    expect(list.find((t) => t.name === 'broken')?.error).toMatch(/status/);
  });
});
