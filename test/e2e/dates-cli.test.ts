import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli } from '../support/cli.js';

// One date parser everywhere (docs/dates.md): the same value means the same instant in every command,
// and what Date.parse would guess at is refused with exit 2 naming the value.
const NOW = '2026-11-25T09:00:00Z';
let home: string;
const env = { DESKCTL_NOW: NOW, TZ: 'America/Los_Angeles' };
const cli = (args: string[]) => runCli(args, { home, env });

beforeAll(() => {
  home = makeHome();
  expect(cli(['demo']).code).toBe(0);
});
afterAll(() => cleanupHome(home));

describe('dates on the command line', () => {
  it('--since "last month" works like followup --at "next monday 9am" (issue 13)', () => {
    const r = cli(['metrics', 'summary', '--since', 'last month', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).period.since).toBe('2026-10-01T00:00:00.000Z');
  });

  it.each([
    ['metrics', 'summary', '--since', '2026-02-30'],
    ['metrics', 'summary', '--until', '2026-11-31T10:00:00Z'],
    ['tickets', 'list', '--created-since', '1'],
    ['tickets', 'list', '--created-since', 'banana 12'],
    ['tickets', 'list', '--solved-since', '12/11/2026'],
    ['bulk', 'reply', '-t', 'acknowledgement', '--created-since', '2026-11-20T10:00', '--dry-run'],
  ])('refuses %s %s %s %s with exit 2 naming the value', (...args) => {
    const r = cli(args);
    expect(r.code, r.stderr).toBe(2);
    const value = args[args.findIndex((a) => a.startsWith('--') && /since|until/.test(a)) + 1]!;
    expect(r.stderr).toContain(`'${value}'`);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2); // one error line and a hint
  });

  it('reads a time without an offset only in the zone --tz names, never the machine zone', () => {
    const utc = cli(['tickets', 'list', '--all', '--created-since', '2026-11-24T09:00', '--tz', 'UTC', '--json']);
    const paris = cli(['tickets', 'list', '--all', '--created-since', '2026-11-24T10:00', '--tz', 'Europe/Paris', '--json']);
    const zulu = cli(['tickets', 'list', '--all', '--created-since', '2026-11-24T09:00:00Z', '--json']);
    expect(utc.code, utc.stderr).toBe(0);
    expect(JSON.parse(utc.stdout)).toEqual(JSON.parse(zulu.stdout));
    expect(JSON.parse(paris.stdout)).toEqual(JSON.parse(zulu.stdout));
    expect(cli(['tickets', 'list', '--created-since', 'yesterday', '--tz', 'Mars/Olympus']).code).toBe(2);
  });

  it('followup --at keeps its natural forms and refuses impossible days', () => {
    const ok = cli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--at', 'next monday 9am', '--tz', 'UTC', '--dry-run', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('2026-11-30T09:00:00.000Z');
    const bad = cli(['followup', 'schedule', '716', '-t', 'follow-up-check-in', '--at', '2026-02-30 09:00', '--dry-run']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'2026-02-30 09:00'");
  });
});

describe('dates in import files', () => {
  const header = 'subject,status,requester_name,requester_email,created_at\n';
  const importCsv = (name: string, createdAt: string, extra: string[] = []) => {
    const file = join(home, `${name}.csv`);
    writeFileSync(file, `${header}Hello,open,Ann Lee,ann@example.com,${createdAt}\n`);
    return cli(['import', file, '--into', name, ...extra]);
  };

  it.each(['2026-11-31T10:00:00Z', '1', 'banana 12', '12/11/2026', '2026-11-20T10:00:00', '7d'])('refuses %s naming it', (value) => {
    const r = importCsv(`bad${value.replace(/\W/g, '')}`, value);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`'${value}'`);
  });

  it('reads an offset-less time in --tz', () => {
    const r = importCsv('tzok', '2026-11-20T10:00:00', ['--tz', 'Europe/Paris', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = cli(['tickets', 'list', '--profile', 'tzok', '--json']);
    expect(JSON.parse(list.stdout)[0].createdAt).toBe('2026-11-20T09:00:00.000Z');
  });
});
