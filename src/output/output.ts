import { Chalk } from 'chalk';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { expandDatePattern, isStdoutPath, openFileAtomic, readExisting, writeFileAtomic } from './file.js';
import { parseFields, resolveFormat, selectColumns, type Format, type ListSpec, type OutputFlags } from './format.js';
import { pickFields, renderTable, toCsv, toJson, toNdjson } from './formatters.js';
import type { IO } from './io.js';
import { PagedStdout } from './pager.js';
import { applyJq } from './jq.js';

export interface ListOptions {
  /** Format when stdout is not a terminal and none was asked for. */
  fallback?: Format;
}

/**
 * The only writer of results. Commands hand it rows and a column spec; it picks the format
 * (table on a terminal, json for scripts), applies --fields, and writes to stdout or --out atomically.
 */
export class Output {
  private readonly stdout: PagedStdout;

  constructor(
    private readonly io: IO,
    private readonly now: () => Date,
  ) {
    this.stdout = new PagedStdout(io.stdout, io.pager, io.rows, process.env);
  }

  /** Before anything interactive: what is held for the pager goes to the terminal now. */
  flush(): void {
    this.stdout.flush();
  }

  /** At the end of the command: long output through the pager (on a terminal), the rest as it is. */
  finish(): Promise<void> {
    return this.stdout.finish();
  }

  /** Resolves the format for these flags (exposed so commands can branch on json vs table). */
  format(flags: OutputFlags, fallback: Format = 'json'): Format {
    return resolveFormat(flags, this.io.stdoutIsTTY && !flags.out, fallback);
  }

  list<T>(rows: T[], spec: ListSpec<T>, flags: OutputFlags, opts: ListOptions = {}): void {
    const format = this.format(flags, opts.fallback);
    const fields = parseFields(flags.fields);
    const columns = selectColumns(spec, fields);
    const toObject = (r: T) => (fields ? pickFields(r, columns) : spec.toJson ? spec.toJson(r) : r);
    if (flags.append && !flags.out) throw new UsageError('--append needs --out FILE');
    const target = flags.out ? expandDatePattern(flags.out, this.now()) : undefined;
    if (flags.jq !== undefined) {
      if (flags.append) throw new UsageError('--jq and --append do not mix', 'write the filtered output with a shell redirect (>>)');
      // jq reads the same document --json prints; with NDJSON, each row on its own
      const objects = rows.map(toObject);
      this.emit(format === 'ndjson' ? objects.map((o) => applyJq(o, flags.jq!, true)).join('') : applyJq(objects, flags.jq), target);
      return;
    }
    const existing = target && flags.append ? readExisting(target) : '';
    let content: string;
    switch (format) {
      case 'json': {
        const objects = rows.map(toObject);
        if (existing.trim()) {
          let previous: unknown;
          try {
            previous = JSON.parse(existing);
          } catch {
            previous = undefined;
          }
          if (!Array.isArray(previous)) {
            throw new UsageError(`cannot append to ${target}: it is not a JSON array`, 'use a new file or --format ndjson');
          }
          content = toJson([...previous, ...objects]);
        } else content = toJson(objects);
        break;
      }
      case 'ndjson':
        content = existing + toNdjson(rows.map(toObject));
        break;
      case 'csv':
        if (existing.trim()) {
          // appending rows under another header would corrupt the file for every reader
          const header = toCsv([], columns, true).trim();
          const nl = existing.indexOf('\n');
          const current = (nl < 0 ? existing : existing.slice(0, nl)).trim();
          if (current !== header) {
            throw new UsageError(`cannot append to ${target}: its columns differ (${current.slice(0, 60)}${current.length > 60 ? '…' : ''})`, 'use the same --fields/--group-by as before, or a new file');
          }
        }
        content = existing + (existing && !existing.endsWith('\n') ? '\n' : '') + toCsv(rows, columns, !existing.trim());
        break;
      case 'table':
      default:
        if (!rows.length && spec.emptyMessage && !target) {
          this.io.info(spec.emptyMessage);
          return;
        }
        {
          // narrow terminal: leave out the columns marked as optional unless --fields asked for them
          const shown = !fields && !target ? columns.filter((c) => !c.hideBelow || this.io.columns >= c.hideBelow) : columns;
          let hidden: string[] = [];
          content = `${renderTable(rows, shown, target ? this.plainColor() : this.io.color, target ? 10_000 : this.io.columns, target ? undefined : (h) => (hidden = h))}\n`;
          if (hidden.length) {
            this.emit(content, target);
            this.io.info(this.io.errColor.dim(`Not shown (too wide): ${hidden.join(', ')}. Widen the terminal, or choose columns with --fields.`));
            return;
          }
        }
    }
    this.emit(content, target);
  }

  /**
   * list() for rows that arrive in pages (a million-row export): csv, ndjson and json are written page
   * by page to stdout or to --out (a temporary sibling renamed at the end), so memory stays flat.
   * Tables and --append need every row first and go through list().
   */
  async listPages<T>(pages: AsyncIterable<T[]>, spec: ListSpec<T>, flags: OutputFlags, opts: ListOptions = {}): Promise<void> {
    const format = this.format(flags, opts.fallback);
    if (format === 'table' || flags.append || flags.jq !== undefined) {
      const rows: T[] = [];
      for await (const page of pages) for (const r of page) rows.push(r);
      this.list(rows, spec, flags, opts);
      return;
    }
    const fields = parseFields(flags.fields);
    const columns = selectColumns(spec, fields);
    const toObject = (r: T) => (fields ? pickFields(r, columns) : spec.toJson ? spec.toJson(r) : r);
    const target = flags.out ? expandDatePattern(flags.out, this.now()) : undefined;
    const file = target && !isStdoutPath(target) ? openFileAtomic(target) : undefined;
    if (!file) this.stdout.flush(); // streamed straight to stdout: what is held goes first
    const sink: Writable = file ? file.stream : this.io.stdout;
    const write = async (chunk: string) => {
      if (chunk && !sink.write(chunk)) await once(sink, 'drain');
    };
    let first = true;
    try {
      for await (const page of pages) {
        if (format === 'csv') await write(toCsv(page, columns, first));
        else if (format === 'ndjson') await write(toNdjson(page.map(toObject)));
        else if (page.length) await write((first ? '[\n' : ',\n') + page.map((r) => indent(JSON.stringify(toObject(r), null, 2))).join(',\n'));
        if (format === 'csv' || page.length) first = false;
      }
      if (format === 'csv' && first) await write(toCsv([], columns, true));
      if (format === 'json') await write(first ? '[]\n' : '\n]\n');
    } catch (err) {
      file?.abort();
      throw err;
    }
    if (file) {
      await file.commit();
      this.io.info(`Wrote ${target}`);
    }
  }

  /** One object: JSON for scripts, `text(color)` on a terminal. */
  record<T>(full: T, text: () => string, flags: OutputFlags, spec?: ListSpec<T>): void {
    const format = this.format(flags, 'json');
    const target = flags.out ? expandDatePattern(flags.out, this.now()) : undefined;
    const fields = parseFields(flags.fields);
    if (fields && !spec) throw new UsageError('--fields does not apply here: this command prints one result object', 'leave --fields out (pick keys with --jq)');
    // --fields picks from the object, as from a listing's rows
    const value: unknown = fields && spec ? pickFields(full, selectColumns(spec, fields)) : spec?.toJson ? spec.toJson(full) : full;
    if (flags.jq !== undefined) this.emit(applyJq(value, flags.jq, format === 'ndjson'), target);
    else if (format === 'table' && fields) this.emit(`${Object.entries(value as object).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join('\n')}\n`, target);
    else if (format === 'table') this.emit(`${text()}\n`, target);
    else if (format === 'ndjson') this.emit(`${JSON.stringify(value)}\n`, target);
    else if (format === 'json') this.emit(toJson(value), target);
    else throw new UsageError(`--format ${format} does not fit this command`, 'use --format json or table');
  }

  /** Free text to stdout (charts, previews), at once: it may be followed by a question. */
  text(content: string): void {
    this.stdout.flush();
    this.io.stdout.write(content.endsWith('\n') ? content : `${content}\n`);
  }

  /** Text that may be long and is the command's whole answer (help): paged on a terminal. */
  page(content: string): void {
    this.stdout.write(content);
  }

  private plainColor() {
    return new Chalk({ level: 0 });
  }

  private emit(content: string, target: string | undefined): void {
    if (target && isStdoutPath(target)) this.stdout.write(content);
    else if (target) {
      writeFileAtomic(target, content);
      this.io.info(`Wrote ${target}`);
    } else this.stdout.write(content);
  }
}

/** Two more spaces in front of every line: an array item as JSON.stringify(array, null, 2) prints it. */
const indent = (json: string): string => `  ${json.replace(/\n/g, '\n  ')}`;
