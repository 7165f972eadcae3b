import { createRequire } from 'node:module';
import type { ChalkInstance } from 'chalk';
import type TableCtor from 'cli-table3';
import type { stringify as Stringify } from 'csv-stringify/sync';
import type { Column } from './format.js';

// Loaded on first use: a command that prints JSON never pays for the table or CSV code.
const require = createRequire(import.meta.url);
const loadTable = () => require('cli-table3') as typeof TableCtor;
const loadStringify = () => (require('csv-stringify/sync') as { stringify: typeof Stringify }).stringify;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => [...s.replace(ANSI, '')].length;

/** Cuts a string to `width` visible characters with an ellipsis (colour codes are dropped when cut). */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (visibleLength(s) <= width) return s;
  const plain = [...s.replace(ANSI, '')];
  return width === 1 ? '…' : `${plain.slice(0, width - 1).join('')}…`;
}

const plainValue = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(plainValue).join(',');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

export function cellText<T>(col: Column<T>, row: T, color: ChalkInstance): string {
  return (col.cell ? col.cell(row, color) : plainValue(col.value(row))).replace(/\s*\n\s*/g, ' ');
}

/**
 * Fits column widths into the terminal: flexible columns shrink first (widest first),
 * never below 8 characters; others keep their natural width.
 */
export function fitWidths(natural: number[], flex: boolean[], total: number, gap = 2): number[] {
  const widths = [...natural];
  const budget = total - gap * (widths.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) - budget;
  const MIN = 8;
  while (excess > 0) {
    let idx = -1;
    for (let i = 0; i < widths.length; i++) {
      if (flex[i] && widths[i]! > MIN && (idx < 0 || widths[i]! > widths[idx]!)) idx = i;
    }
    if (idx < 0) break;
    const cut = Math.min(excess, widths[idx]! - MIN);
    widths[idx]! -= cut;
    excess -= cut;
  }
  return widths;
}

/** A borderless table (like gh): bold headers, columns fitted to the terminal width. */
export function renderTable<T>(rows: T[], columns: Column<T>[], color: ChalkInstance, width: number): string {
  const cells = rows.map((r) => columns.map((c) => cellText(c, r, color)));
  const headers = columns.map((c) => c.header.toUpperCase());
  const natural = columns.map((_, i) => Math.max(visibleLength(headers[i]!), ...cells.map((row) => visibleLength(row[i]!))));
  const widths = fitWidths(
    natural,
    columns.map((c) => Boolean(c.flex)),
    width,
  );
  const Table = loadTable();
  const table = new Table({
    head: headers.map((h, i) => color.bold(truncate(h, widths[i]!))),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: columns.map((c) => c.align ?? 'left'),
    wordWrap: false,
  });
  for (const row of cells) table.push(row.map((c, i) => truncate(c, widths[i]!)));
  return table
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n');
}

export function toCsv<T>(rows: T[], columns: Column<T>[], header = true): string {
  return loadStringify()(
    rows.map((r) => columns.map((c) => plainValue(c.value(r)))),
    { header, columns: columns.map((c) => c.key) },
  );
}

export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
export const toNdjson = (rows: unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Picks the --fields keys for json output, using each column's machine value. */
export function pickFields<T>(row: T, columns: Column<T>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c.key] = c.value(row) ?? null;
  return out;
}
