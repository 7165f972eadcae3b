import type { Writable } from 'node:stream';

/** Plain lines to a stream, for answers that must start fast (shell completion values). */
export function writeLines(stream: Writable, lines: readonly string[]): void {
  if (lines.length) stream.write(`${lines.join('\n')}\n`);
}
