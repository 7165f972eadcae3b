import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DeskctlError } from '../errors.js';

/** Expands strftime-style %Y %m %d %H %M %S (UTC) in an output path, for dated cron exports. */
export function expandDatePattern(path: string, now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const map: Record<string, string> = {
    Y: String(now.getUTCFullYear()),
    m: pad(now.getUTCMonth() + 1),
    d: pad(now.getUTCDate()),
    H: pad(now.getUTCHours()),
    M: pad(now.getUTCMinutes()),
    S: pad(now.getUTCSeconds()),
    '%': '%',
  };
  return path.replace(/%([YmdHMS%])/g, (_m, k: string) => map[k]!);
}

function checkDirectory(file: string): void {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DeskctlError(`cannot write ${file}: directory ${dir} does not exist`, {
      hint: `create it first (mkdir -p ${dir}) or choose another --out`,
    });
  }
}

/** Writes a whole file via a temporary sibling and a rename, so readers never see half a file. */
export function writeFileAtomic(file: string, content: string): void {
  checkDirectory(file);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new DeskctlError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** Reads the current content of a file for an atomic append (empty when missing). */
export function readExisting(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
