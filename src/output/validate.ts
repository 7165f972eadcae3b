import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { expandDatePattern } from './file.js';
import { FORMATS, parseFields, resolveFormat, selectColumns, type ListSpec, type OutputFlags } from './format.js';

/**
 * Output options checked before a command does anything (exit 2, nothing sent): the format, --json
 * against --format, --append without --out, and that --out can be written (its directory exists and is
 * writable, it is not a directory). How the file is then written is src/output/file.ts's business.
 */
export function validateOutputFlags(flags: OutputFlags, now: Date): void {
  resolveFormat(flags, false);
  if (flags.append && !flags.out) throw new UsageError('--append needs --out FILE');
  if (flags.out !== undefined) validateOutTarget(String(flags.out), now, '--out');
}

/** A file an option will write: refused up front when it cannot be. */
export function validateOutTarget(raw: string, now: Date, flag: string): void {
  if (!raw.trim()) throw new UsageError(`${flag} needs a file name`);
  const file = expandDatePattern(raw, now);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new UsageError(`${flag} ${file} is a directory`, `give a file name, e.g. ${file.replace(/\/+$/, '')}/out.json`);
  }
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`cannot write ${file}: directory ${dir} does not exist; nothing was done`, `create it first (mkdir -p ${dir}) or choose another ${flag}`);
  }
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${file}: permission denied; nothing was done`, `choose another ${flag} (a directory you can write to)`);
  }
}

/**
 * --fields against what the command prints: the columns of its listing, or (spec null) a single result
 * object, which takes no --fields.
 */
export function validateFields<T>(flags: OutputFlags, spec: ListSpec<T> | null, hint = 'leave --fields out (pick keys from the JSON with jq)'): void {
  const fields = parseFields(flags.fields);
  if (!fields) return;
  if (!spec) throw new UsageError(`--fields does not apply here: this command prints one result object`, hint);
  selectColumns(spec, fields);
}

export { FORMATS };
