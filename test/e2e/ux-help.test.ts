import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

// The terminal contract every command group shares: help with examples, usage errors as
// `error:` + `hint:` and exit 2. No helpdesk is needed (nothing here reaches a provider).
const GROUPS = ['tickets', 'triage', 'bulk', 'templates', 'followup', 'metrics', 'profile', 'login', 'api', 'demo', 'import'];

describe('help and usage errors', () => {
  let home: string;
  beforeAll(() => {
    home = makeHome();
  });
  afterAll(() => cleanupHome(home));

  it('every group has an Examples block in its own --help', () => {
    for (const g of GROUPS) {
      const r = runCli([g, '--help'], { home });
      expect(r.code, g).toBe(0);
      expect(r.stdout, g).toMatch(/\nExamples:\n {2}\$ deskctl /);
      expect(r.stderr, g).toBe('');
    }
  });

  it('lists a command\'s own flags before the output flags', () => {
    const r = runCli(['followup', 'list', '--help'], { home });
    expect(r.code).toBe(0);
    const own = r.stdout.indexOf('\nOptions:');
    const output = r.stdout.indexOf('\nOutput options:');
    expect(own).toBeGreaterThan(0);
    expect(output).toBeGreaterThan(own);
    expect(r.stdout.slice(own, output)).toContain('--due');
    expect(r.stdout.slice(output)).toContain('--format <format>');
  });

  it.each([
    [['tickets', 'list', '--bogus'], /^error: unknown option '--bogus'\nhint: run 'deskctl tickets list --help' for usage\n$/],
    [['tickets', 'show'], /^error: missing required argument 'id'\nhint: run 'deskctl tickets show --help' for usage\n$/],
    [['tickets', 'lst'], /^error: unknown command 'lst'\nhint: did you mean one of list, ls\?\n$/],
    [['tcikets'], /^error: unknown command 'tcikets'\nhint: did you mean tickets\?\n$/],
  ])('%j: one error line, one hint line, exit 2, nothing on stdout', (args, expected) => {
    const r = runCli(args, { home });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(expected);
  });
});
