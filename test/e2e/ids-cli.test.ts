import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

// Issue 12 §8: ticket ids are read strictly in decimal, and `#716` (as tables print it) is accepted.
const NOW = '2026-11-25T09:00:00Z';
let home: string;
const env = { DESKCTL_NOW: NOW };
const cli = (args: string[]) => runCli(args, { home, env });

beforeAll(() => {
  home = makeHome();
  expect(cli(['demo']).code).toBe(0);
});
afterAll(() => cleanupHome(home));

describe('ticket ids on the embedded helpdesk', () => {
  it("tickets show '#716' shows ticket 716", () => {
    const r = cli(['tickets', 'show', '#716', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ticket.id).toBe('716');
  });

  it.each(['0x10', '016', '1.6e1'])('%s is not ticket 16', (id) => {
    const r = cli(['tickets', 'show', id, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid ticket id '${id}'`);
  });

  it('--ids 16,0x10 is refused with a clear message and nothing is sent (was: UNIQUE constraint failed)', () => {
    const before = JSON.parse(cli(['tickets', 'show', '16', '--json']).stdout).comments.length;
    const r = cli(['bulk', 'reply', '-t', 'acknowledgement', '--ids', '16,0x10', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid ticket id '0x10'");
    expect(r.stderr).not.toMatch(/UNIQUE/);
    expect(JSON.parse(cli(['tickets', 'show', '16', '--json']).stdout).comments.length).toBe(before);
  });

  it('--ids 16,#16 is one ticket', () => {
    const r = cli(['bulk', 'reply', '-t', 'acknowledgement', '--ids', '16,#16', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 ready/);
  });
});
