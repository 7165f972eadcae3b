import { readFileSync } from 'node:fs';
import type { Comment, Person, Ticket } from '../domain/model.js';
import { parseIds } from '../domain/parse.js';
import type { TicketQuery } from '../domain/query.js';
import { DeskctlError, UsageError } from '../errors.js';
import { collect, type HelpdeskProvider } from '../providers/provider.js';
import { renderTemplate, templateNeedsComments } from '../templates/render.js';
import type { Template } from '../templates/types.js';

export interface IdsFile {
  ids: string[];
  /** Extra CSV columns per ticket id (row.<column> in templates); empty for a plain list. */
  rows: Map<string, Record<string, string>>;
  columns: string[];
}

// a reference to a ticket wins over an object's own id (a follow-up has both)
const ID_COLUMNS = ['ticketid', 'ticket_id', 'ticket', 'id'];
const idColumnOf = (names: string[]): string | undefined => {
  for (const wanted of ID_COLUMNS) {
    const hit = names.find((n) => n.trim().toLowerCase() === wanted);
    if (hit !== undefined) return hit;
  }
  return undefined;
};

/**
 * Reads --ids-file: one id a line (blank lines and # comments ignored); a CSV whose header has an
 * id column (ticketId, ticket_id, ticket or id); or deskctl's own JSON (an array of objects or ids)
 * and NDJSON. Other CSV columns and scalar JSON fields become row.<column>.
 */
export async function parseIdsFile(text: string, file: string): Promise<IdsFile> {
  const src = text.replace(/^\uFEFF/, '');
  const start = src.trimStart()[0];
  if (start === '[' || start === '{') return idsFromJson(src, file);
  const firstLine = src.split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith('#')) ?? '';
  const header = firstLine.split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  const idName = idColumnOf(header);
  const idCol = idName === undefined ? -1 : header.indexOf(idName);
  if (idCol < 0) {
    if (firstLine.includes(',')) {
      throw new UsageError(`${file} looks like a CSV but has no 'id' column`, `put a header line first, e.g. id,tracking_url (ticketId also works)`);
    }
    const lines = src
      .split(/\r?\n/)
      .map((l, i) => ({ l: l.trim(), n: i + 1 }))
      .filter(({ l }) => l && !l.startsWith('#'));
    const ids = lines.map(({ l, n }) => {
      let parsed: string[] = [];
      try {
        parsed = parseIds(l);
      } catch {
        /* reported below */
      }
      if (parsed.length !== 1 || parsed[0] !== l) {
        throw new UsageError(`${file} line ${n}: '${l}' is not a ticket id`, 'give one ticket id a line, a CSV with an id column, or deskctl JSON/NDJSON');
      }
      return l;
    });
    if (!ids.length) throw new UsageError(`${file} has no ticket ids`, 'give one ticket id a line, or a CSV with an id column');
    return { ids: [...new Set(ids)], rows: new Map(), columns: [] };
  }
  const { parse } = await import('csv-parse/sync');
  let records: Record<string, string>[];
  try {
    records = parse(src, { columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (err) {
    throw new UsageError(`${file} is not a valid CSV: ${(err as Error).message}`, 'check quoting and that every line has the same number of columns');
  }
  const columns = Object.keys(records[0] ?? {});
  const idKey = idColumnOf(columns)!;
  return collectRows(records, idKey, columns, file, (i) => `row ${i + 2}`, 'add rows below the header');
}

/** Ids and row.<column> values from records that name their ticket in `idKey`. */
function collectRows(records: Record<string, string>[], idKey: string, columns: string[], file: string, where: (i: number) => string, emptyHint: string): IdsFile {
  const rows = new Map<string, Record<string, string>>();
  const ids: string[] = [];
  records.forEach((r, i) => {
    const raw = (r[idKey] ?? '').trim();
    let id: string;
    try {
      id = parseIds(raw)[0] ?? '';
    } catch {
      id = '';
    }
    if (!id) throw new UsageError(`${file} ${where(i)}: '${raw}' is not a ticket id`, `fix the ${idKey} field`);
    const row: Record<string, string> = {};
    for (const c of columns) if (c !== idKey && r[c] !== undefined) row[c] = r[c];
    const before = rows.get(id);
    if (before && JSON.stringify(before) !== JSON.stringify(row)) {
      throw new UsageError(`${file}: ticket ${id} appears twice with different values`, 'keep one row per ticket');
    }
    if (!before) ids.push(id);
    rows.set(id, row);
  });
  if (!ids.length) throw new UsageError(`${file} has no ticket ids`, emptyHint);
  return { ids, rows, columns: columns.filter((c) => c !== idKey) };
}

/**
 * deskctl's own JSON (`--json`: an array of objects with id or ticketId, or of ids) or NDJSON (one
 * object a line). Scalar fields become row.<field>; nested objects are left out.
 */
function idsFromJson(src: string, file: string): IdsFile {
  let values: unknown[];
  const trimmed = src.trim();
  try {
    if (trimmed.startsWith('[')) values = JSON.parse(trimmed) as unknown[];
    else values = trimmed.split(/\r?\n/).filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    throw new UsageError(`${file} is not valid ${trimmed.startsWith('[') ? 'JSON' : 'NDJSON'}: ${(err as Error).message}`, 'pipe deskctl ... --json (or --format ndjson) output unchanged');
  }
  const records = values.map((v, i): Record<string, string> => {
    if (typeof v === 'string' || typeof v === 'number') return { id: String(v) };
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new UsageError(`${file} item ${i + 1} is not an object or an id`, 'give objects with an id (or ticketId) field');
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) if (x === null || ['string', 'number', 'boolean'].includes(typeof x)) out[k] = x === null ? '' : String(x);
    return out;
  });
  if (!records.length) throw new UsageError(`${file} has no ticket ids`, 'the list is empty: nothing matched upstream');
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const idKey = idColumnOf(columns);
  if (!idKey) throw new UsageError(`${file} has objects without an id or ticketId field`, 'keep the id field, e.g. --json id');
  return collectRows(records, idKey, columns, file, (i) => `item ${i + 1}`, 'the list is empty: nothing matched upstream');
}

export async function readIdsFile(file: string, stdin?: () => string): Promise<IdsFile> {
  let text: string;
  try {
    text = file === '-' && stdin ? stdin() : readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --ids-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the path');
  }
  return parseIdsFile(text, file === '-' ? 'stdin' : file);
}

/**
 * Ticket id arguments where `-` means "read ids from stdin" in any form --ids-file takes (deskctl's
 * JSON, NDJSON, CSV, one a line): `deskctl tickets list --tag x --json | deskctl tickets update - --status pending`.
 */
export async function readIdArgs(args: string[], stdin: () => string): Promise<string[]> {
  const given = args.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  if (!given.includes('-')) return parseIds(given);
  const rest = given.filter((a) => a !== '-');
  let text: string;
  try {
    text = stdin();
  } catch (err) {
    throw new UsageError(`cannot read ticket ids from stdin: ${(err as Error).message}`, 'pipe ids in, e.g. deskctl tickets list --json | deskctl tickets update - ...');
  }
  const fromStdin = (await parseIdsFile(text, 'stdin')).ids;
  return [...new Set([...(rest.length ? parseIds(rest) : []), ...fromStdin])];
}

/** Runs fn over items with at most `limit` at once, keeping the input order in the result. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export interface Selection {
  /** Explicit ids (from --ids / --ids-file), in order. */
  ids?: string[];
  /** The tickets list filters; with ids, only the ids matching them are kept. */
  query?: TicketQuery;
  limit?: number;
}

export interface Selected {
  tickets: Ticket[];
  /** Ids that could not be loaded (not found...), with the reason. */
  missing: { id: string; error: string }[];
}

/** Loads the selected tickets: by id (bounded concurrency) or through the provider's filtered listing. */
export async function selectTickets(provider: HelpdeskProvider, sel: Selection, concurrency: number): Promise<Selected> {
  const limit = sel.limit ?? Infinity;
  if (!sel.ids) {
    return { tickets: await collect(provider.listTickets(sel.query ?? {}), limit), missing: [] };
  }
  const { matchesQuery } = await import('../domain/query.js');
  const missing: Selected['missing'] = [];
  const loaded = await mapLimit(sel.ids, concurrency, async (id) => {
    try {
      return await provider.getTicket(id);
    } catch (err) {
      if (err instanceof DeskctlError && err.exitCode === 1) {
        missing.push({ id, error: err.message });
        return undefined;
      }
      throw err;
    }
  });
  const seen = new Set<string>();
  // two spellings of one id (a helpdesk may read "016" as 16) must not make one ticket two items
  const unique = loaded.filter((t): t is Ticket => Boolean(t) && !seen.has(t!.id) && Boolean(seen.add(t!.id)));
  const tickets = unique.filter((t) => !sel.query || matchesQuery(t, { ...sel.query, ids: undefined }));
  return { tickets: tickets.slice(0, limit), missing };
}

export interface RenderedItem {
  ticket: Ticket;
  body?: string;
  error?: string;
  /** The variable that had no value, when that was the problem. */
  variable?: string;
  /** The conversation read to render it (for the exactly-once check that follows, which then reads it no more). */
  comments?: Comment[];
}

export interface RenderAllOptions {
  agent: Person | null;
  signature?: string;
  rows?: Map<string, Record<string, string>>;
  now: Date;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

/** Renders the template for every ticket before anything is sent; failures are collected, not thrown. */
export async function renderAll(provider: HelpdeskProvider, t: Template, tickets: Ticket[], o: RenderAllOptions): Promise<RenderedItem[]> {
  const needsComments = await templateNeedsComments(t);
  let done = 0;
  return mapLimit(tickets, needsComments ? o.concurrency : 1, async (ticket) => {
    // let the progress bar and Ctrl-C in between tickets
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      const comments: Comment[] | undefined = needsComments ? await provider.listComments(ticket.id) : undefined;
      const body = await renderTemplate(t, { ticket, comments, agent: o.agent, signature: o.signature, row: o.rows?.get(ticket.id), now: o.now });
      return { ticket, body, ...(comments ? { comments } : {}) };
    } catch (err) {
      if (!(err instanceof DeskctlError)) throw err;
      return { ticket, error: err.message, variable: (err as { variable?: string }).variable };
    } finally {
      o.onProgress?.(++done, tickets.length);
    }
  });
}
