import type { ChalkInstance } from 'chalk';
import { UsageError } from '../errors.js';

export const FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Flags every listing command accepts (see addOutputOptions). */
export interface OutputFlags {
  format?: string;
  json?: boolean;
  fields?: string[] | string;
  /** --jq EXPR: filter the JSON through jq (implies --format json). */
  jq?: string;
  out?: string;
  append?: boolean;
}

export interface Column<T> {
  key: string;
  header: string;
  /** Machine value for json/ndjson/csv: the same value as at path `key` in the row's full JSON. */
  value: (row: T) => unknown;
  /** CSV cell when the machine value is an object (e.g. a person's name); defaults to the value. */
  csv?: (row: T) => unknown;
  /** Older names still accepted by --fields (output always uses `key`). */
  aliases?: string[];
  /** Table cell text; defaults to String(value). */
  cell?: (row: T, color: ChalkInstance) => string;
  /** This column gives up width first when the table is wider than the terminal. */
  flex?: boolean;
  /** A flexible column never shrinks below this many characters (default 8). */
  min?: number;
  /** Gives up width before the other flexible columns (a ticket's subject, before people's names). */
  shrinkFirst?: boolean;
  /** Never left out of a table that is too wide (the id, the status, the column the list is sorted by). */
  keep?: boolean;
  /** Left out of the default table on terminals narrower than this (shown with --fields or in json/csv). */
  hideBelow?: number;
  align?: 'left' | 'right';
}

export interface ListSpec<T> {
  columns: Column<T>[];
  /** Column keys shown when --fields is not given. */
  defaultFields: string[];
  /** Full JSON object per row when --fields is not given (defaults to the row itself). */
  toJson?: (row: T) => unknown;
  /** What to print on a terminal when there are no rows. */
  emptyMessage?: string;
  /** Columns made up on demand for keys not in `columns` (e.g. customFields.<name>). */
  dynamic?: (key: string) => Column<T> | undefined;
}

/** Explicit --format wins, then --json, then table on a terminal and `fallback` (json) otherwise. */
export function resolveFormat(flags: OutputFlags, stdoutIsTTY: boolean, fallback: Format = 'json'): Format {
  if (flags.format !== undefined) {
    const f = flags.format.toLowerCase();
    if (!(FORMATS as readonly string[]).includes(f)) {
      throw new UsageError(`invalid --format '${flags.format}'`, `use one of: ${FORMATS.join(', ')}`);
    }
    if (flags.json && f !== 'json') throw new UsageError('--json and --format disagree', 'give only one of them');
    if (flags.jq !== undefined && f !== 'json' && f !== 'ndjson') throw new UsageError(`--jq filters JSON, not --format ${f}`, 'drop --format (or use --format json)');
    return f as Format;
  }
  if (flags.json || flags.jq !== undefined) return 'json';
  if (flags.out) return formatFromExtension(flags.out) ?? fallback;
  return stdoutIsTTY ? 'table' : fallback;
}

export function formatFromExtension(file: string): Format | undefined {
  const m = /\.(json|ndjson|jsonl|csv)$/i.exec(file.replace(/%[A-Za-z]/g, ''));
  if (!m) return undefined;
  const ext = m[1]!.toLowerCase();
  return ext === 'jsonl' ? 'ndjson' : (ext as Format);
}

export function parseFields(fields: string[] | string | undefined): string[] | undefined {
  if (fields === undefined) return undefined;
  const list = (Array.isArray(fields) ? fields : [fields])
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

/** snake_case -> camelCase, so pre-1.0 field names keep working in --fields. */
export const camelCase = (key: string): string => key.replace(/[_-]([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());

/** The column for one --fields name: its key, an alias, the camelCase of a snake_case name, or a dynamic column. */
export function findColumn<T>(spec: ListSpec<T>, name: string): Column<T> | undefined {
  const exact = spec.columns.find((c) => c.key === name) ?? spec.columns.find((c) => c.aliases?.includes(name));
  if (exact) return exact;
  const camel = camelCase(name);
  return spec.columns.find((c) => c.key === camel) ?? spec.dynamic?.(name);
}

/** Picks the columns named by --fields, failing with the valid names when one is unknown. */
export function selectColumns<T>(spec: ListSpec<T>, fields: string[] | undefined): Column<T>[] {
  const keys = fields ?? spec.defaultFields;
  return keys.map((k) => {
    const col = findColumn(spec, k);
    if (!col) {
      throw new UsageError(`unknown field '${k}'`, `valid fields: ${spec.columns.map((c) => c.key).join(', ')}`);
    }
    return col;
  });
}

/** A spec for one result object whose --fields are its top-level keys (a bulk job, a login). */
export function recordSpec<T extends object>(keys: readonly string[]): ListSpec<T> {
  return {
    columns: keys.map((key) => ({ key, header: key, value: (r: T) => (r as Record<string, unknown>)[key] ?? null })),
    defaultFields: [...keys],
  };
}
