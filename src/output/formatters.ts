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

/**
 * Word-wraps plain text to `width` columns (lines that fit are kept as they are; a word longer
 * than the width stays whole), prefixing every line with `indent`.
 */
export function wrapText(text: string, width: number, indent = ''): string {
  const out: string[] = [];
  const max = Math.max(20, width - indent.length);
  for (const para of text.split('\n')) {
    if (visibleLength(para) <= max) {
      out.push(indent + para);
      continue;
    }
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && visibleLength(line) + visibleLength(word) + 1 > max) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

/** "1 ticket", "3 tickets", "0 replies" (pass the plural when it is not word + s). */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

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
 * Fits column widths into the terminal: flexible columns shrink first, the widest one down to the
 * next widest at a time (so one long column does not lose everything), never below their minimum
 * (`mins[i]`, default 8); others keep their natural width.
 */
export function fitWidths(natural: number[], flex: boolean[], total: number, gap = 2, mins: number[] = []): number[] {
  const widths = [...natural];
  const budget = total - gap * (widths.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) - budget;
  const MIN = 8;
  const floor = (i: number) => Math.min(natural[i]!, mins[i] ?? MIN);
  while (excess > 0) {
    let idx = -1;
    for (let i = 0; i < widths.length; i++) {
      if (flex[i] && widths[i]! > floor(i) && (idx < 0 || widths[i]! - floor(i) > widths[idx]! - floor(idx))) idx = i;
    }
    if (idx < 0) break;
    // room above the floor of the runner-up: cut down to it, at least one character
    let next = 0;
    for (let i = 0; i < widths.length; i++) if (i !== idx && flex[i] && widths[i]! > floor(i)) next = Math.max(next, widths[i]! - floor(i));
    const room = widths[idx]! - floor(idx);
    const cut = Math.min(excess, Math.max(1, room - next));
    widths[idx]! -= cut;
    excess -= cut;
  }
  return widths;
}

/**
 * A borderless table (like gh): bold headers, columns fitted to the terminal width. Columns marked
 * shrinkFirst give up width first; when the table cannot fit even with its flexible columns at their
 * minimum, columns are left out (people's names and other flexible ones first, then from the right;
 * never a `keep` column, never truncated numbers) and `onHidden` gets their headers.
 */
export function renderTable<T>(rows: T[], allColumns: Column<T>[], color: ChalkInstance, width: number, onHidden?: (headers: string[]) => void): string {
  const allCells = rows.map((r) => allColumns.map((c) => cellText(c, r, color)));
  const allHeaders = allColumns.map((c) => c.header.toUpperCase());
  const allNatural = allColumns.map((_, i) => Math.max(visibleLength(allHeaders[i]!), ...allCells.map((row) => visibleLength(row[i]!))));
  const fitFirst = (natural: number[], idx: number[]) => {
    // the shrinkFirst columns go down to their minimum before the others give anything
    const cols = idx.map((i) => allColumns[i]!);
    const floors = cols.map((c) => c.min ?? 8);
    const firstOnly = fitWidths(natural, cols.map((c) => Boolean(c.flex && c.shrinkFirst)), width, 2, floors);
    return fitWidths(firstOnly, cols.map((c) => Boolean(c.flex)), width, 2, floors);
  };
  const tooWide = (w: number[]) => w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1) > width;
  let shown = allColumns.map((_, i) => i);
  let widths = fitFirst(shown.map((i) => allNatural[i]!), shown);
  while (onHidden && tooWide(widths) && shown.length > 2) {
    const droppable = shown.filter((i) => !allColumns[i]!.keep);
    if (!droppable.length) break;
    const flexible = droppable.filter((i) => allColumns[i]!.flex && !allColumns[i]!.shrinkFirst);
    const drop = (flexible.length ? flexible : droppable).at(-1)!;
    shown = shown.filter((i) => i !== drop);
    widths = fitFirst(shown.map((i) => allNatural[i]!), shown);
  }
  if (shown.length < allColumns.length) onHidden?.(allHeaders.filter((_, i) => !shown.includes(i)));
  // still too wide: every column gives way, so a row never wraps on the terminal
  if (tooWide(widths)) widths = fitWidths(widths, widths.map(() => true), width, 2, widths.map(() => 6));
  const columns = shown.map((i) => allColumns[i]!);
  const headers = shown.map((i) => allHeaders[i]!);
  const cells = allCells.map((row) => shown.map((i) => row[i]!));
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
    rows.map((r) => columns.map((c) => plainValue((c.csv ?? c.value)(r)))),
    { header, columns: columns.map((c) => c.key) },
  );
}

export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
export const toNdjson = (rows: unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * Picks the --fields keys for json output, using each column's machine value. A dotted key
 * (`requester.email`, `customFields.order_number`) is a path into the full JSON and comes out nested.
 */
export function pickFields<T>(row: T, columns: Column<T>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const made = new Set<object>([out]);
  for (const c of columns) {
    const parts = c.key.split('.');
    let node: Record<string, unknown> | undefined = out;
    for (const p of parts.slice(0, -1)) {
      const next: unknown = node[p];
      if (next === undefined || next === null) {
        const fresh = {};
        made.add(fresh);
        node[p] = fresh;
        node = fresh;
      } else if (typeof next === 'object' && made.has(next)) node = next as Record<string, unknown>;
      else {
        // the whole object was asked for too (`requester` and `requester.email`): it already holds the part
        node = undefined;
        break;
      }
    }
    if (node) node[parts.at(-1)!] = c.value(row) ?? null;
  }
  return out;
}
