import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../src/help/environment.js';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

let home: string;
beforeAll(() => {
  home = makeHome('deskctl-help-');
});
afterAll(() => cleanupHome(home));

describe('deskctl help', () => {
  it('help tickets list shows the subcommand\'s help, not the group\'s', () => {
    const r = runCli(['help', 'tickets', 'list'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: deskctl tickets list\|ls \[options\]/);
    expect(r.stdout).toContain('--status <list>');
    expect(runCli(['tickets', 'list', '--help'], { home }).stdout).toBe(r.stdout);
  });

  it('help with global options first, and for a group', () => {
    expect(runCli(['--no-color', 'help', 'bulk', 'reply'], { home }).stdout).toMatch(/^Usage: deskctl bulk reply /);
    expect(runCli(['help', 'bulk'], { home }).stdout).toMatch(/^Usage: deskctl bulk \[options\] \[command\]/);
    expect(runCli(['help'], { home }).stdout).toMatch(/^Usage: deskctl \[options\] \[command\]/);
  });

  it('help on an unknown command is a usage error with a suggestion', () => {
    const r = runCli(['help', 'tickets', 'lst'], { home });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown command 'lst'\nhint: did you mean one of list, ls\?/);
  });

  it('help environment lists every variable deskctl reads', () => {
    const r = runCli(['help', 'environment'], { home });
    expect(r.code).toBe(0);
    for (const v of ENVIRONMENT) expect(r.stdout).toMatch(new RegExp(`^  ${v.name} `, 'm'));
    expect(r.stdout).toContain('DESKCTL_API_SPECS');
    expect(runCli(['help'], { home }).stdout).toContain('deskctl help environment');
  });
});
