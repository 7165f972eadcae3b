import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { UsageError } from '../../errors.js';

/** One record of an import file, numbered as a person would count it (record 1, row 2 under a CSV header). */
export interface RawRecord {
  label: string;
  value: unknown;
}

export type ImportFormat = 'json' | 'csv';

export interface ReadOptions {
  /** A WHATWG label: utf-8 (default; a BOM is skipped, invalid bytes are refused), latin1, windows-1252, utf-16le... */
  encoding?: string;
  /** Called with the bytes read so far (for progress). */
  onBytes?: (bytes: number) => void;
}

/** The file as text chunks, decoded strictly: invalid UTF-8 is an error naming the byte offset. */
export async function* decodeFile(file: string, opts: ReadOptions = {}): AsyncGenerator<string> {
  const encoding = opts.encoding ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new UsageError(`unknown encoding '${encoding}'`, 'use --encoding utf-8, latin1, windows-1252 or utf-16le');
  }
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    let text: string;
    try {
      text = decoder.decode(buf, { stream: true });
    } catch {
      throw new UsageError(
        `${file} is not valid ${decoder.encoding} (bad bytes near byte ${bytes.toLocaleString('en-US')})`,
        encoding === 'utf-8' ? 'convert it to UTF-8, or name its encoding with --encoding latin1 (or windows-1252, utf-16le)' : 'name the right --encoding',
      );
    }
    bytes += buf.length;
    opts.onBytes?.(bytes);
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

const jsonError = (what: string): UsageError =>
  new UsageError(`the file is not valid JSON: ${what}`, 'give a JSON array of tickets, or NDJSON (one ticket object per line) as written by deskctl export');

/** Index of the quote closing the string whose contents start at `from`, or -1 when it is not in `buf` yet. */
function closingQuote(buf: string, from: number): number {
  for (let q = buf.indexOf('"', from); q !== -1; q = buf.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (buf.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

/**
 * Splits JSON text into records without holding the file: the elements of a top-level array, or
 * consecutive top-level objects (NDJSON, or one object per line). A `{ "tickets": [...] }` wrapper is
 * one object; its tickets are expanded (that legacy form is held in memory).
 */
export async function* splitJson(chunks: AsyncIterable<string>): AsyncGenerator<RawRecord> {
  let buf = '';
  let pos = 0;
  let depth = 0;
  /** Where the current string's contents start in buf, -1 outside strings. */
  let stringFrom = -1;
  let start = -1;
  let recordDepth = -1; // 1 inside a top-level array, 0 for top-level objects; -1 before the first character
  let arrayClosed = false;
  let n = 0;
  function* expand(value: unknown): Generator<RawRecord> {
    const wrapped = (value as { tickets?: unknown } | null)?.tickets;
    if (recordDepth === 0 && Array.isArray(wrapped) && !('subject' in (value as object))) {
      n--;
      for (const t of wrapped) yield { label: `record ${++n}`, value: t };
    } else yield { label: `record ${n}`, value };
  }
  for await (const chunk of chunks) {
    if (start >= 0) {
      buf = buf.slice(start) + chunk;
      pos -= start;
      if (stringFrom >= 0) stringFrom -= start;
      start = 0;
    } else {
      buf = chunk;
      pos = 0;
    }
    const len = buf.length;
    while (pos < len) {
      if (stringFrom >= 0) {
        const q = closingQuote(buf, Math.max(stringFrom, pos));
        if (q === -1) {
          pos = len;
          break;
        }
        stringFrom = -1;
        pos = q + 1;
        continue;
      }
      const c = buf.charCodeAt(pos);
      if (c === 123 && depth === 0 && recordDepth === 0) {
        // NDJSON fast path: a whole record on one line parses without scanning its characters
        const nl = buf.indexOf('\n', pos);
        if (nl !== -1) {
          let value: unknown;
          try {
            value = JSON.parse(buf.slice(pos, nl));
          } catch {
            value = undefined; // not a one-line record (pretty-printed): scan it
          }
          if (value !== undefined) {
            n++;
            pos = nl + 1;
            yield* expand(value);
            continue;
          }
        }
      }
      if (c === 34) {
        if (depth <= recordDepth) throw jsonError(`record ${n + 1} is not an object`);
        stringFrom = pos + 1;
      } else if (c === 123 || c === 91) {
        if (arrayClosed) throw jsonError('text after the closing ]');
        if (recordDepth === -1) {
          recordDepth = c === 91 ? 1 : 0;
          if (c === 91) {
            depth = 1;
            pos++;
            continue;
          }
        }
        if (depth === recordDepth) {
          if (c !== 123) throw jsonError(`record ${n + 1} is not an object`);
          start = pos;
        }
        depth++;
      } else if (c === 125 || c === 93) {
        depth--;
        if (depth < recordDepth) {
          if (recordDepth === 1 && c === 93 && depth === 0) {
            arrayClosed = true;
            pos++;
            continue;
          }
          throw jsonError(`unexpected '${String.fromCharCode(c)}'`);
        }
        if (depth === recordDepth && start >= 0) {
          const text = buf.slice(start, pos + 1);
          start = -1;
          n++;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (err) {
            throw jsonError(`record ${n}: ${(err as Error).message}`);
          }
          yield* expand(value);
        }
      } else if (!(c === 32 || c === 10 || c === 13 || c === 9)) {
        if (recordDepth === -1) throw jsonError('expected [ or {');
        if (arrayClosed) throw jsonError('text after the closing ]');
        if (depth === recordDepth && !(c === 44 && recordDepth === 1)) throw jsonError(arrayClosed ? 'text after the closing ]' : `record ${n + 1} is not an object`);
      }
      pos++;
    }
  }
  if (stringFrom >= 0 || depth > Math.max(0, recordDepth) || (recordDepth === 1 && !arrayClosed)) throw jsonError('the file ends in the middle of a record');
}

/** The CSV columns import understands (see docs/import-export.md); `cf.NAME` columns are custom fields. */
export const CSV_COLUMNS = [
  'id', 'subject', 'status', 'priority', 'channel', 'requester_name', 'requester_email', 'assignee_name', 'assignee_email',
  'group', 'tags', 'created_at', 'updated_at', 'first_response_at', 'solved_at', 'reopen_count', 'public_reply_count', 'body',
  ...['csat', 'nps', 'ces'].flatMap((k) => [k, `${k}_scale`, `${k}_at`, `${k}_comment`]),
] as const;

const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
const num = (v: string | undefined) => (blank(v) === undefined ? undefined : Number(v));

/** A CSV row as an import record (the record schema then validates it). */
export function csvRowToRecord(r: Record<string, string>): Record<string, unknown> {
  const customFields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith('cf.') && v !== '') customFields[k.slice(3)] = v;
  const createdAt = r.created_at ?? '';
  const requester = { name: r.requester_name || r.requester_email || '', email: blank(r.requester_email) };
  const ratings = (['csat', 'nps', 'ces'] as const).flatMap((kind) => {
    const score = num(r[kind]);
    if (score === undefined) return [];
    const scaleText = blank(r[`${kind}_scale`]);
    const m = scaleText ? /^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|to)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(scaleText) : null;
    const scale = scaleText ? (m ? { min: Number(m[1]), max: Number(m[2]) } : scaleText) : undefined;
    return [{ kind, score, scale, comment: blank(r[`${kind}_comment`]), createdAt: blank(r[`${kind}_at`]) ?? blank(r.solved_at) ?? createdAt }];
  });
  return {
    id: blank(r.id),
    subject: r.subject,
    status: blank(r.status?.toLowerCase()),
    priority: blank(r.priority?.toLowerCase()),
    channel: blank(r.channel?.toLowerCase()),
    requester,
    assignee: r.assignee_name || r.assignee_email ? { name: r.assignee_name || r.assignee_email!, email: blank(r.assignee_email) } : null,
    group: blank(r.group),
    tags: (r.tags ?? '').split(/[\s;]+/).filter(Boolean),
    createdAt,
    updatedAt: blank(r.updated_at),
    firstResponseAt: blank(r.first_response_at),
    solvedAt: blank(r.solved_at),
    reopenCount: num(r.reopen_count) ?? 0,
    publicReplyCount: num(r.public_reply_count),
    customFields,
    comments: r.body ? [{ author: requester, authorRole: 'customer', public: true, body: r.body, createdAt }] : [],
    ratings,
  };
}

/** CSV with a header row, streamed. Unknown columns are refused by name before any row is read. */
export async function* splitCsv(chunks: AsyncIterable<string>): AsyncGenerator<RawRecord> {
  const { parse } = await import('csv-parse');
  const known = new Set<string>(CSV_COLUMNS);
  const source = Readable.from(chunks);
  const parser = source.pipe(
    parse({
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim().toLowerCase());
        const unknown = names.filter((h) => !known.has(h) && !(h.startsWith('cf.') && h.length > 3));
        if (unknown.length) {
          throw new UsageError(
            `unknown CSV column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
            'rename them (see docs/import-export.md for the columns), or prefix custom fields with cf. (cf.plan)',
          );
        }
        return header.map((h) => (h.trim().startsWith('cf.') ? h.trim() : h.trim().toLowerCase()));
      },
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }),
  );
  // pipe() does not pass on the source's errors (bad bytes): hand them to the parser's reader
  source.on('error', (err) => parser.destroy(err));
  let row = 1;
  try {
    for await (const r of parser) yield { label: `row ${++row}`, value: csvRowToRecord(r as Record<string, string>) };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`the file is not valid CSV: ${(err as Error).message}`);
  }
}

export function readRecords(file: string, format: ImportFormat, opts: ReadOptions = {}): AsyncGenerator<RawRecord> {
  const chunks = decodeFile(file, opts);
  return format === 'csv' ? splitCsv(chunks) : splitJson(chunks);
}
