import { describe, expect, it } from 'vitest';
import { lintTemplateFile, lintTemplateSource } from '../../src/templates/lint.js';
import { listTemplates, packageRoot } from '../../src/templates/index.js';
import { join } from 'node:path';

const lint = (text: string) => lintTemplateSource(text, { name: 't', file: '/x/t.liquid' });

describe('template lint', () => {
  it('passes every shipped template without errors or warnings', async () => {
    const shipped = join(packageRoot(), 'templates');
    const list = await listTemplates({ project: shipped, user: '/nonexistent', shipped });
    expect(list.length).toBeGreaterThanOrEqual(8);
    for (const t of list) expect(await lintTemplateFile({ name: t.name, file: t.file })).toEqual([]);
  });

  it('reports unknown variables with a suggestion', async () => {
    const issues = await lint('---\ndescription: d\npublic: true\n---\nHi {{ ticket.requester.frist_name }} {{ agnt.name }}\n');
    const errors = issues.filter((i) => i.severity === 'error').map((i) => i.message);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('did you mean ticket.requester.first_name');
    expect(errors[1]).toContain("unknown variable 'agnt'");
    expect(issues[0]!.line).toBe(5);
  });

  it('accepts any custom field and row column', async () => {
    expect(await lint('---\ndescription: d\npublic: true\n---\n{{ ticket.custom_fields.whatever }} {{ row.x }} {{ ticket.tags | join: ", " }}\n')).toEqual([]);
  });

  it('reports invalid front matter, unknown actions and statuses, and an empty body', async () => {
    const issues = await lint('---\ndescription: d\npublic: yes please\nstatus: done\nclose_ticket: true\n---\n\n');
    const msgs = issues.map((i) => `${i.severity}: ${i.message}`);
    expect(msgs.some((m) => m.startsWith('error') && m.includes('close_ticket'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('error') && m.includes('status'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('error') && m.includes('public'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('error') && m.includes('body is empty'))).toBe(true);
  });

  it('reports bad YAML and Liquid syntax errors', async () => {
    expect((await lint('---\ndescription: [\n---\nx\n'))[0]!.message).toMatch(/not valid YAML/);
    const syntax = await lint('---\ndescription: d\npublic: true\n---\n{% if ticket.id %}open\n');
    expect(syntax.some((i) => i.severity === 'error' && /not closed/.test(i.message))).toBe(true);
  });

  it('warns about bureaucratic phrases with plain alternatives', async () => {
    const issues = await lint('---\ndescription: d\npublic: true\n---\nHello,\nKindly be advised that per our policy we need it at your earliest convenience.\n');
    expect(issues.every((i) => i.severity === 'warning')).toBe(true);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/kindly be advised[\s\S]*per our policy[\s\S]*earliest convenience[\s\S]*when you can/i);
    expect(issues[0]!.line).toBe(6);
  });
});
