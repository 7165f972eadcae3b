import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

const env = { DESKCTL_NOW: '2026-11-27T17:00:00Z' };
let home: string;
const cli = (args: string[]) => runCli(args, { home, env });
const json = <T = unknown>(args: string[]) => runJson<T>(args, { home, env });
const write = (name: string, content: string | Buffer) => {
  const file = join(home, name);
  writeFileSync(file, content);
  return file;
};
const ticketCount = (profile?: string) => json<unknown[]>(['tickets', 'list', '--status', 'all', '--all', '--json', ...(profile ? ['--profile', profile] : [])]).length;
const record = (id: number, extra: object = {}) =>
  JSON.stringify({ id, subject: `t${id}`, requester: { name: 'Ann', email: 'ann@example.com' }, createdAt: '2026-03-01T10:00:00Z', ...extra });

beforeAll(() => {
  home = makeHome();
  expect(cli(['demo']).code).toBe(0);
});
afterAll(() => cleanupHome(home));

describe('export then import', () => {
  it('reproduces every metric of the demo', () => {
    const file = join(home, 'demo.ndjson');
    const exported = cli(['export', '--out', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBe(ticketCount());
    const withConversation = lines.map((l) => JSON.parse(l)).find((t) => t.comments.length > 1 && t.ratings.length);
    expect(withConversation).toBeDefined();
    expect(cli(['import', file, '--into', 'copy']).code).toBe(0);
    for (const args of [['metrics', 'summary', '--json'], ['metrics', 'summary', '--since', '2020-01-01', '--json'], ['metrics', 'summary', '--since', '90d', '--group-by', 'channel', '--json']]) {
      expect(json([...args, '--profile', 'copy'])).toEqual(json(args));
    }
  });

  it('writes one JSON array with --format json, which imports too', () => {
    const r = cli(['export', '--format', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { comments: unknown[] }[];
    expect(list.length).toBe(ticketCount());
    const file = write('demo.json', r.stdout);
    expect(cli(['import', file, '--into', 'copy-json']).code).toBe(0);
    expect(json(['metrics', 'summary', '--json', '--profile', 'copy-json'])).toEqual(json(['metrics', 'summary', '--json']));
  });

  it('keeps first contact resolution from `tickets list --json` (publicReplyCount without messages)', () => {
    const file = write('list.json', cli(['tickets', 'list', '--status', 'all', '--all', '--json']).stdout);
    expect(cli(['import', file, '--into', 'listcopy']).code).toBe(0);
    const fcr = (p?: string) => json<{ metrics: { fcr: unknown } }>(['metrics', 'summary', '--since', '2020-01-01', '--json', ...(p ? ['--profile', p] : [])]).metrics.fcr;
    expect(fcr('listcopy')).toEqual(fcr());
    expect((fcr() as { value: number }).value).toBeGreaterThan(0);
  });
});

describe('strict input', () => {
  it('refuses a rating outside its scale with the record number, and --skip-invalid lists it', () => {
    const file = write('bad-rating.ndjson', [record(5001), record(5002, { ratings: [{ kind: 'csat', score: 7, createdAt: '2026-03-02T00:00:00Z' }] })].join('\n'));
    const r = cli(['import', file, '--into', 'strict']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('record 2: ratings.0: csat 7 is outside its scale 1-5');
    expect(existsSync(join(home, 'config.json')) && cli(['profile', 'list', '--json']).stdout).not.toContain('"strict"');
    const skipped = cli(['import', file, '--into', 'strict', '--skip-invalid', '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ imported: 1, skipped: [{ record: 'record 2' }] });
    expect(skipped.stderr).toContain('skipped record 2');
  });

  it('refuses a duplicate id and leaves the profile exactly as it was', () => {
    const before = ticketCount('copy');
    const file = write('dup.ndjson', [record(9001), record(9002), record(9001)].join('\n'));
    const r = cli(['import', file, '--into', 'copy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('record 3: ticket id 9001 appears twice in the file, nothing imported');
    expect(ticketCount('copy')).toBe(before);
    expect(readdirSync(join(home)).join()).not.toContain('importing');
  });

  it('refuses an id that already exists, and a time before creation', () => {
    const exists = cli(['import', write('exists.ndjson', record(1)), '--into', 'copy']);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('ticket 1 already exists');
    const early = cli(['import', write('early.ndjson', record(9100, { solvedAt: '2026-02-01T00:00:00Z' })), '--into', 'copy']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/record 1: solvedAt .* is before createdAt/);
  });

  it('reads CSV with a BOM and rating columns; refuses unknown columns by name', () => {
    const csv = '\ufeffsubject,requester_name,requester_email,created_at,solved_at,status,csat,nps,ces,ces_scale\nBroken,Bo,bo@example.com,2026-03-01T10:00:00Z,2026-03-01T12:00:00Z,solved,5,9,2,1-7\n';
    const ok = cli(['import', write('r.csv', csv), '--into', 'csv', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ imported: 1, ratings: 3 });
    const bad = cli(['import', write('u.csv', 'subject,created_at,csat_score\nx,2026-03-01T10:00:00Z,5\n'), '--into', 'csv2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown CSV column: csat_score');
  });

  it('refuses invalid UTF-8, and reads it with --encoding latin1', () => {
    const file = write('latin1.csv', Buffer.from('subject,requester_name,created_at\nCaf\xe9,Ren\xe9,2026-03-01T10:00:00Z\n', 'latin1'));
    const bad = cli(['import', file, '--into', 'latin']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not valid utf-8');
    const ok = cli(['import', file, '--into', 'latin', '--encoding', 'latin1']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<{ subject: string }[]>(['tickets', 'list', '--json', '--profile', 'latin'])[0]!.subject).toBe('Café');
  });
});
