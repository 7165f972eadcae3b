import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile, readRecords, splitJson } from '../../src/providers/local/import-read.js';
import { checkRecord, importTimestamp } from '../../src/providers/local/import-record.js';

const dir = mkdtempSync(join(tmpdir(), 'deskctl-import-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function split(text: string, chunkSize = 7): Promise<unknown[]> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  }
  const out: unknown[] = [];
  for await (const r of splitJson(chunks())) out.push(r.value);
  return out;
}

describe('splitJson', () => {
  const a = { subject: 'a "quoted" } ] { [', n: 1 };
  const b = { subject: 'b\\', nested: { x: [1, { y: '}' }] } };

  it('reads a top-level array in any chunking', async () => {
    for (const size of [1, 3, 7, 1000]) expect(await split(JSON.stringify([a, b], null, 2), size)).toEqual([a, b]);
  });

  it('reads NDJSON and pretty-printed concatenated objects', async () => {
    expect(await split(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)).toEqual([a, b]);
    expect(await split(`${JSON.stringify(a, null, 2)}\n${JSON.stringify(b, null, 2)}`)).toEqual([a, b]);
  });

  it('expands a { "tickets": [...] } wrapper', async () => {
    expect(await split(JSON.stringify({ tickets: [a, b] }))).toEqual([a, b]);
  });

  it('refuses broken and truncated JSON naming the record', async () => {
    await expect(split('[{"subject": "x"}, 12]')).rejects.toThrow(/record 2 is not an object/);
    await expect(split('[{"subject": "x"},\n{"subject": ')).rejects.toThrow(/ends in the middle of a record/);
    await expect(split('{"a":1}\n{"b":}\n')).rejects.toThrow(/record 2/);
    await expect(split('[{"a":1}] x')).rejects.toThrow(/after the closing/);
  });
});

describe('decodeFile', () => {
  const read = async (bytes: Buffer, encoding?: string) => {
    const file = join(dir, `f-${Math.random()}.txt`);
    writeFileSync(file, bytes);
    let text = '';
    for await (const t of decodeFile(file, { encoding })) text += t;
    return text;
  };

  it('skips a UTF-8 BOM', async () => {
    expect(await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('é{}')]))).toBe('é{}');
  });

  it('refuses invalid UTF-8 and reads it with --encoding latin1', async () => {
    const latin1 = Buffer.from([0x7b, 0xe9, 0x7d]); // "{é}" in ISO-8859-1
    await expect(read(latin1)).rejects.toThrow(/not valid utf-8.*byte 0/);
    expect(await read(latin1, 'latin1')).toBe('{é}');
  });

  it('names an unknown encoding', async () => {
    await expect(read(Buffer.from('x'), 'klingon')).rejects.toThrow(/unknown encoding 'klingon'/);
  });
});

describe('CSV records', () => {
  it('refuses unknown columns by name and reads rating columns', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'subject,created_at,satisfaction,cf.plan\nx,2026-01-01T00:00:00Z,5,pro\n');
    await expect(async () => {
      for await (const _ of readRecords(bad, 'csv'));
    }).rejects.toThrow(/unknown CSV column: satisfaction/);
    const good = join(dir, 'good.csv');
    writeFileSync(good, '\ufeffsubject,requester_name,created_at,solved_at,csat,csat_scale,nps,cf.plan\nx,Ann,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,4,1-5,9,pro\n');
    const rows = [];
    for await (const r of readRecords(good, 'csv')) rows.push(r);
    expect(rows[0]!.label).toBe('row 2');
    const checked = checkRecord(rows[0]!.value);
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.ticket.ratings).toEqual([
        expect.objectContaining({ kind: 'csat', score: 4, scale: { min: 1, max: 5 }, createdAt: '2026-01-02T00:00:00.000Z' }),
        expect.objectContaining({ kind: 'nps', score: 9 }),
      ]);
      expect(checked.ticket.customFields).toEqual({ plan: 'pro' });
    }
  });
});

describe('checkRecord', () => {
  const base = { subject: 's', requester: { name: 'Ann' }, createdAt: '2026-03-01T10:00:00Z' };
  const problem = (extra: object) => {
    const r = checkRecord({ ...base, ...extra });
    return r.ok ? null : r.problem;
  };

  it('accepts a plain record and normalises its dates to UTC', () => {
    const r = checkRecord({ ...base, solvedAt: '2026-03-01T12:00:00+01:00' });
    expect(r.ok && r.ticket.solvedAt).toBe('2026-03-01T11:00:00.000Z');
  });

  it.each([
    [{ ratings: [{ kind: 'csat', score: 7, createdAt: base.createdAt }] }, /csat 7 is outside its scale 1-5/],
    [{ ratings: [{ kind: 'nps', score: 11, createdAt: base.createdAt }] }, /nps 11 is outside its scale 0-10/],
    [{ ratings: [{ kind: 'nps', score: -1, createdAt: base.createdAt }] }, /nps -1 is outside/],
    [{ ratings: [{ kind: 'ces', score: 9, createdAt: base.createdAt }] }, /ces 9 is outside its scale 1-7/],
    [{ ratings: [{ kind: 'ces', score: 0, createdAt: base.createdAt }] }, /ces 0 is outside/],
    [{ ratings: [{ kind: 'csat', score: 3, scale: { min: 5, max: 5 }, createdAt: base.createdAt }] }, /scale 5-5 is not a range/],
    [{ firstResponseAt: '2026-03-01T09:59:59Z' }, /firstResponseAt .* is before createdAt/],
    [{ solvedAt: '2026-02-28T10:00:00Z' }, /solvedAt .* is before createdAt/],
    [{ createdAt: '2026-02-30T10:00:00Z' }, /createdAt: invalid date '2026-02-30T10:00:00Z'/],
  ])('refuses %j', (extra, message) => {
    expect(problem(extra)).toMatch(message);
  });

  it('recognises the canonical form without the full parser, and refuses impossible days in it', () => {
    expect(importTimestamp('2026-11-30T23:59:59.999Z')).toEqual({ ok: true, value: '2026-11-30T23:59:59.999Z' });
    expect(importTimestamp('2028-02-29T00:00:00Z')).toEqual({ ok: true, value: '2028-02-29T00:00:00.000Z' });
    expect(importTimestamp('2026-11-31T00:00:00.000Z').ok).toBe(false);
    expect(importTimestamp('2026-02-29T00:00:00.000Z').ok).toBe(false);
  });
});
