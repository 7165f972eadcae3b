import { chmodSync, createWriteStream, existsSync, lstatSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DeskctlError, UsageError } from '../errors.js';

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

const statOrUndefined = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** Where a write to `file` lands: the end of its symlink chain (which may not exist yet). */
function finalTarget(file: string): string {
  let path = file;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      if (!lstatSync(path).isSymbolicLink()) return path;
      link = readlinkSync(path);
    } catch {
      return path;
    }
    path = isAbsolute(link) ? link : resolve(dirname(path), link);
  }
  throw new DeskctlError(`cannot write ${file}: too many levels of symbolic links`);
}

/** /dev/stdout and its aliases: written through the stdout stream (open(2) on them fails when stdout is a socket). */
export const isStdoutPath = (file: string): boolean => /^\/(dev\/stdout|dev\/fd\/1|proc\/self\/fd\/1)$/.test(resolve(file));

/**
 * Refuses an output path that cannot take a file: a directory (exit 2) or a missing parent directory.
 * Run it before any write to the helpdesk.
 */
export function checkOutputTarget(file: string): void {
  if (statOrUndefined(file)?.isDirectory()) {
    throw new UsageError(`cannot write ${file}: it is a directory`, `give a file name, e.g. --out ${join(file, 'report.json')}`);
  }
  checkDirectory(finalTarget(file));
}

/**
 * Writes a whole file so readers never see half of it: a temporary sibling renamed over the target.
 * A symlink is followed (its target is replaced, the link stays); a FIFO or a device (/dev/stdout, a
 * terminal) is written in place, never replaced by a regular file.
 */
export function writeFileAtomic(file: string, content: string): void {
  checkOutputTarget(file);
  const existing = statOrUndefined(file);
  if ((existing && !existing.isFile()) || /^\/(dev|proc)\//.test(resolve(file))) {
    try {
      writeFileSync(file, content);
    } catch (err) {
      throw new DeskctlError(`cannot write ${file}: ${(err as Error).message}`);
    }
    return;
  }
  const target = finalTarget(file);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    if (existing) chmodSync(tmp, existing.mode & 0o7777);
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new DeskctlError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/**
 * writeFileAtomic for content produced in pieces (a streamed export): write to `stream`, then
 * `commit()` renames the temporary sibling over the target, or `abort()` drops it. Same rules: a symlink
 * is followed, a FIFO or a device is written in place.
 */
export function openFileAtomic(file: string): { stream: Writable; commit(): Promise<void>; abort(): void } {
  checkOutputTarget(file);
  const existing = statOrUndefined(file);
  const inPlace = (existing && !existing.isFile()) || /^\/(dev|proc)\//.test(resolve(file));
  const target = inPlace ? file : finalTarget(file);
  const tmp = inPlace ? file : join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const stream = createWriteStream(tmp, { mode: 0o644 });
  const fail = (err: unknown) => new DeskctlError(`cannot write ${file}: ${(err as Error).message}`);
  return {
    stream,
    async commit() {
      try {
        stream.end();
        await once(stream, 'finish');
        if (inPlace) return;
        if (existing) chmodSync(tmp, existing.mode & 0o7777);
        renameSync(tmp, target);
      } catch (err) {
        this.abort();
        throw fail(err);
      }
    },
    abort() {
      stream.destroy();
      if (!inPlace) {
        try {
          unlinkSync(tmp);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** Reads the current content of a file for an atomic append (empty when missing). */
export function readExisting(file: string): string {
  // a FIFO or a device has nothing to append to (and reading a FIFO would wait for a writer)
  return statOrUndefined(file)?.isFile() ? readFileSync(file, 'utf8') : '';
}
