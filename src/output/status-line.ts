import type { IO } from './io.js';

export interface StatusLine {
  update(text: string): void;
  stop(): void;
}

const NONE: StatusLine = { update() {}, stop() {} };

/**
 * A one-line status on stderr for long reads and writes, redrawn at most 10 times a second and erased at
 * the end. Only when stderr is a terminal and --quiet is off, so pipes and cron logs stay clean.
 */
export function createStatusLine(io: IO, now: () => number = Date.now): StatusLine {
  const stderr = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (!stderr.isTTY || io.quiet) return NONE;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      shown = true;
      stderr.write(`\r\u001b[2K${io.errColor.dim(text)}`);
    },
    stop() {
      if (shown) stderr.write('\r\u001b[2K');
    },
  };
}
