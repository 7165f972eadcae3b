import { describe, expect, it } from 'vitest';
import { stdoutErrorLine, writeAllSync } from '../../src/output/stdout.js';

describe('writeAllSync', () => {
  it('keeps writing after a short write, and surfaces the error that follows (a disk filling up)', () => {
    const data = Buffer.alloc(200_000, 'x');
    const written: number[] = [];
    let room = 65_536;
    const write = (_fd: number, _b: Buffer, _off: number, len: number) => {
      if (room === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = Math.min(len, room, 16_384);
      room -= n;
      written.push(n);
      return n;
    };
    expect(() => writeAllSync(1, data, write)).toThrow(/ENOSPC/);
    expect(written.reduce((a, b) => a + b, 0)).toBe(65_536);
  });

  it('writes everything when every write is short', () => {
    const data = Buffer.from('0123456789');
    const out: string[] = [];
    writeAllSync(1, data, (_fd, b, off, len) => {
      const n = Math.min(3, len);
      out.push(b.subarray(off, off + n).toString());
      return n;
    });
    expect(out.join('')).toBe('0123456789');
  });
});

describe('stdoutErrorLine', () => {
  it('names the problem and the code on one line', () => {
    expect(stdoutErrorLine(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe(
      'error: cannot write the output to stdout: no space left on device (ENOSPC)',
    );
    expect(stdoutErrorLine(Object.assign(new Error('EACCES: permission denied, write'), { code: 'EACCES' }))).toBe(
      'error: cannot write the output to stdout: permission denied (EACCES)',
    );
  });
});
