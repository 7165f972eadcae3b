import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { expandDatePattern, writeFileAtomic } from '../../src/output/file.js';
import { resolveFormat, selectColumns, type ListSpec } from '../../src/output/format.js';
import { fitWidths, plural, renderTable, toCsv, truncate, wrapText } from '../../src/output/formatters.js';
import { colorLevel, createIO } from '../../src/output/io.js';
import { Output } from '../../src/output/output.js';
import { redact, registerBasicAuth, registerSecret } from '../../src/output/redact.js';

interface Row {
  id: number;
  name: string;
  tags: string[];
}
const spec: ListSpec<Row> = {
  columns: [
    { key: 'id', header: 'id', value: (r) => r.id },
    { key: 'name', header: 'name', value: (r) => r.name, flex: true },
    { key: 'tags', header: 'tags', value: (r) => r.tags },
  ],
  defaultFields: ['id', 'name'],
};
const rows: Row[] = [
  { id: 1, name: 'Ann "the" Lee', tags: ['a', 'b'] },
  { id: 2, name: 'Bob, Jr.', tags: [] },
];

function capture() {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) }) as Writable & { isTTY?: boolean; columns?: number };
  const stderr = new Writable({ write: (c, _e, cb) => ((err += c), cb()) });
  return { stdout, stderr, out: () => out, err: () => err };
}

describe('format resolution', () => {
  it('defaults to table on a TTY and json otherwise', () => {
    expect(resolveFormat({}, true)).toBe('table');
    expect(resolveFormat({}, false)).toBe('json');
    expect(resolveFormat({ json: true }, true)).toBe('json');
    expect(resolveFormat({ out: 'x.csv' }, false)).toBe('csv');
    expect(resolveFormat({ out: 'm-%Y-%m-%d.ndjson' }, false)).toBe('ndjson');
  });
  it('rejects unknown formats and contradictions', () => {
    expect(() => resolveFormat({ format: 'xml' }, true)).toThrowError(/invalid --format 'xml'/);
    expect(() => resolveFormat({ format: 'csv', json: true }, true)).toThrowError(/disagree/);
  });
  it('selects --fields and names unknown ones', () => {
    expect(selectColumns(spec, ['tags', 'id']).map((c) => c.key)).toEqual(['tags', 'id']);
    expect(() => selectColumns(spec, ['nope'])).toThrowError(/unknown field 'nope'/);
  });
});

describe('formatters', () => {
  it('writes RFC 4180 CSV with a header', () => {
    expect(toCsv(rows, spec.columns)).toBe('id,name,tags\n1,"Ann ""the"" Lee","a,b"\n2,"Bob, Jr.",\n');
    expect(toCsv(rows, spec.columns, false).startsWith('1,')).toBe(true);
  });
  it('fits flexible columns into the width', () => {
    expect(fitWidths([4, 40, 10], [false, true, false], 40)).toEqual([4, 22, 10]);
    expect(fitWidths([4, 5], [false, true], 80)).toEqual([4, 5]);
  });
  it('renders a borderless table within the width', () => {
    const long = [{ id: 1, name: 'x'.repeat(200), tags: [] }];
    const text = renderTable(long, spec.columns.slice(0, 2), new Chalk({ level: 0 }), 40);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(text).toContain('…');
    expect(text.split('\n')[0]).toMatch(/^ID\s+NAME$/);
  });
  it('shares the cut between flexible columns, widest first, and honours their minimum', () => {
    // one long column does not lose everything while a shorter flexible one keeps its width
    expect(fitWidths([40, 13, 13], [true, true, true], 50)).toEqual([20, 13, 13]);
    expect(fitWidths([40, 13, 13], [true, true, true], 40)).toEqual([12, 12, 12]);
    // the minimum counts as zero: above it the columns give way evenly
    expect(fitWidths([40, 13, 13], [true, true, true], 50, 2, [24, 8, 8])).toEqual([26, 10, 10]);
    expect(fitWidths([40, 10], [true, false], 30, 2, [30, 8])).toEqual([30, 10]);
  });
  it('leaves out the rightmost columns that cannot fit, and says which', () => {
    const wide: ListSpec<Record<string, string>> = {
      columns: ['a', 'b', 'c', 'd', 'e'].map((k) => ({ key: k, header: `col ${k}`, value: (r: Record<string, string>) => r[k] })),
      defaultFields: ['a', 'b', 'c', 'd', 'e'],
    };
    const row = { a: '1234567890', b: '1234567890', c: '1234567890', d: '1234567890', e: '1234567890' };
    let hidden: string[] = [];
    const text = renderTable([row], wide.columns, new Chalk({ level: 0 }), 40, (h) => (hidden = h));
    expect(hidden).toEqual(['COL D', 'COL E']);
    expect(text).not.toContain('…');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    // without a callback every column shrinks instead, still within the width
    for (const line of renderTable([row], wide.columns, new Chalk({ level: 0 }), 40).split('\n')) expect(line.length).toBeLessThanOrEqual(40);
  });
  it('word-wraps long lines and keeps short ones as they are', () => {
    expect(wrapText('one two three four five six', 20)).toBe('one two three four\nfive six');
    expect(wrapText('short\n  indented line', 20)).toBe('short\n  indented line');
    expect(wrapText('aaaa bbbb cccc dddd eeee ffff', 24, '> ')).toBe('> aaaa bbbb cccc dddd\n> eeee ffff');
  });
  it('writes plurals', () => {
    expect(plural(1, 'ticket')).toBe('1 ticket');
    expect(plural(0, 'ticket')).toBe('0 tickets');
    expect(plural(3, 'reply', 'replies')).toBe('3 replies');
  });
  it('truncates', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('Output', () => {
  it('prints json with --fields picking machine values', () => {
    const c = capture();
    const io = createIO({ stdout: c.stdout, stderr: c.stderr, env: {} });
    new Output(io, () => new Date()).list(rows, spec, { fields: 'id,tags' });
    expect(JSON.parse(c.out())).toEqual([{ id: 1, tags: ['a', 'b'] }, { id: 2, tags: [] }]);
  });
  it('prints ndjson', () => {
    const c = capture();
    new Output(createIO({ stdout: c.stdout, stderr: c.stderr, env: {} }), () => new Date()).list(rows, spec, { format: 'ndjson', fields: ['id'] });
    expect(c.out()).toBe('{"id":1}\n{"id":2}\n');
  });
  it('appends CSV with one header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'out-'));
    const c = capture();
    const out = new Output(createIO({ stdout: c.stdout, stderr: c.stderr, env: {} }), () => new Date('2026-11-25T00:00:00Z'));
    out.list(rows, spec, { out: join(dir, 'r-%Y-%m-%d.csv'), append: true });
    out.list(rows, spec, { out: join(dir, 'r-%Y-%m-%d.csv'), append: true });
    const text = readFileSync(join(dir, 'r-2026-11-25.csv'), 'utf8');
    expect(text.match(/^id,name$/gm)).toHaveLength(1);
    expect(text.trim().split('\n')).toHaveLength(5);
  });
});

describe('files', () => {
  it('expands date patterns in UTC', () => {
    expect(expandDatePattern('m-%Y-%m-%d_%H%M%S-%%.csv', new Date('2026-01-02T03:04:05Z'))).toBe('m-2026-01-02_030405-%.csv');
  });
  it('refuses a missing directory and leaves nothing behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'out-'));
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.json'), '{}')).toThrowError(/directory .* does not exist/);
    expect(readdirSync(dir)).toEqual([]);
  });
  it('writes atomically without temp files left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'out-'));
    writeFileAtomic(join(dir, 'a.json'), '{"a":1}');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('colour and redaction', () => {
  it('turns colour off without a TTY or with NO_COLOR', () => {
    expect(colorLevel(false, {})).toBe(0);
    expect(colorLevel(true, { NO_COLOR: '1' })).toBe(0);
    expect(colorLevel(true, {})).toBeGreaterThan(0);
    expect(colorLevel(true, {}, true)).toBe(0);
  });
  it('redacts registered secrets, basic auth and token-looking fields', () => {
    registerSecret('s3cr3t-token-value');
    registerBasicAuth('me@acme.com/token', 'other-secret-123');
    const b64 = Buffer.from('me@acme.com/token:other-secret-123').toString('base64');
    const text = redact(`token s3cr3t-token-value; Authorization: Basic ${b64}; {"access_token":"abc123xyz"} Bearer zzz`);
    expect(text).not.toContain('s3cr3t-token-value');
    expect(text).not.toContain(b64);
    expect(text).not.toContain('abc123xyz');
    expect(text).toContain('****');
  });
});

describe('rows written page by page', () => {
  async function* pagesOf<T>(list: T[][]): AsyncIterable<T[]> {
    yield* list;
  }
  const write = async (format: 'json' | 'csv' | 'ndjson', pages: Row[][], paged: boolean, extra: { fields?: string; out?: string } = {}) => {
    const c = capture();
    const io = createIO({ stdout: c.stdout, stderr: c.stderr, env: {} });
    const out = new Output(io, () => new Date('2026-11-25T09:00:00Z'));
    if (paged) await out.listPages(pagesOf(pages), spec, { format, ...extra });
    else out.list(pages.flat(), spec, { format, ...extra });
    return c.out();
  };
  it.each(['json', 'csv', 'ndjson'] as const)('give the same %s as the whole list, empty or not', async (format) => {
    for (const pages of [[rows.slice(0, 1), rows.slice(1)], [rows], [], [[], rows]]) {
      expect(await write(format, pages, true)).toBe(await write(format, pages, false));
      expect(await write(format, pages, true, { fields: 'name' })).toBe(await write(format, pages, false, { fields: 'name' }));
    }
  });
  it('write --out through a temporary sibling renamed at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskctl-pages-'));
    const file = join(dir, 'rows.csv');
    await write('csv', [rows.slice(0, 1), rows.slice(1)], true, { out: file });
    expect(readFileSync(file, 'utf8')).toBe(toCsv(rows, selectColumns(spec, undefined)));
    expect(readdirSync(dir)).toEqual(['rows.csv']);
  });
});
