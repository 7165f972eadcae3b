import { fstatSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { Writable } from 'node:stream';

type WriteFn = (fd: number, buffer: Buffer, offset: number, length: number) => number;

/**
 * Writes every byte of `data` to `fd`. One write(2) may stop short (a disk with 64 KiB left takes 64 KiB
 * and says so), and Node's stdout for files writes once and drops the rest: loop until all is written,
 * so that a full disk ends in ENOSPC instead of a silently cut file.
 */
export function writeAllSync(fd: number, data: Buffer, write: WriteFn = writeSync): void {
  let offset = 0;
  while (offset < data.length) {
    const n = write(fd, data, offset, data.length - offset);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += n;
  }
}

const octal = (text: string, key: string): number | undefined => {
  const m = new RegExp(`^${key}:\\s*([0-7]+)`, 'm').exec(text);
  return m ? parseInt(m[1]!, 8) : undefined;
};

/** Is `fd` /dev/null opened read-write? (what Node puts in place of a closed descriptor). */
function isReadWriteDevNull(fd: number): boolean {
  try {
    if (readlinkSync(`/proc/self/fd/${fd}`) !== '/dev/null') return false;
    return ((octal(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'), 'flags') ?? 0) & 3) === 2;
  } catch {
    return false;
  }
}

/**
 * `deskctl ... >&-`: Node reopens a closed stdout on /dev/null (read-write) at startup, so writes would
 * vanish with exit 0. A shell's `> /dev/null` opens it write-only. When stderr is read-write /dev/null
 * too, the caller discarded all output on purpose (spawn with stdio 'ignore'): not closed.
 */
export function stdoutWasClosed(): boolean {
  if (process.platform !== 'linux') return false;
  return isReadWriteDevNull(1) && !isReadWriteDevNull(2);
}

const ebadf = () => Object.assign(new Error('EBADF: bad file descriptor, write'), { code: 'EBADF', errno: -9, syscall: 'write' });

function chooseStdout(): Writable & { isTTY?: boolean; columns?: number } {
  if (stdoutWasClosed()) {
    return new Writable({ write: (_chunk, _enc, cb) => cb(ebadf()) });
  }
  let kind: 'file' | 'other' = 'other';
  try {
    const st = fstatSync(1);
    if (!isatty(1) && (st.isFile() || st.isCharacterDevice())) kind = 'file';
  } catch {
    /* leave it to process.stdout */
  }
  if (kind === 'other') return process.stdout;
  return new Writable({
    write(chunk: Buffer | string, encoding, cb) {
      try {
        writeAllSync(1, typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

let stdout: (Writable & { isTTY?: boolean; columns?: number }) | undefined;

/** The stream results are written to: process.stdout, or a complete-write stream when it is a file or device. */
export function processStdout(): Writable & { isTTY?: boolean; columns?: number } {
  return (stdout ??= chooseStdout());
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EBADF: 'standard output is closed',
  EIO: 'input/output error',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
};

/** One line for a failed write to stdout (no stack trace). */
export function stdoutErrorLine(err: NodeJS.ErrnoException): string {
  const code = err.code ?? 'EIO';
  return `error: cannot write the output to stdout: ${REASONS[code] ?? err.message.replace(/^\w+: /, '').replace(/, write$/, '')} (${code})`;
}

/**
 * Installed once by bin/deskctl.js: a reader that went away (EPIPE, `| head`) ends the run quietly with 0;
 * any other write error on stdout is one line on stderr and exit 1, never a stack trace or a cut output
 * reported as success.
 */
export function guardStdout(exit: (code: number) => never = process.exit, stderr: { write(s: string): unknown } = process.stderr): void {
  let reported = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(0);
    if (!reported) stderr.write(`${stdoutErrorLine(err)}\n`);
    reported = true;
    exit(1);
  };
  process.stdout.on('error', onError);
  const s = processStdout();
  if (s !== process.stdout) s.on('error', onError);
}
