import type { IO } from '../output/io.js';

export interface ReadCounter {
  update(read: { tickets: number; ratings: number }): void;
  stop(): void;
}

const NONE: ReadCounter = { update() {}, stop() {} };

/**
 * A one-line "reading… 12,000 tickets, 3,100 ratings" status on stderr while metrics stream from the
 * helpdesk (the total is not known up front), redrawn at most 10 times a second and erased at the end.
 * Only when stderr is a terminal and --quiet is off.
 */
export function createReadCounter(io: IO, now: () => number = Date.now): ReadCounter {
  const stderr = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (!stderr.isTTY || io.quiet) return NONE;
  let last = 0;
  let shown = false;
  const fmt = (n: number) => n.toLocaleString('en-US');
  return {
    update(read) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      shown = true;
      stderr.write(`\r\u001b[2K${io.errColor.dim(`reading… ${fmt(read.tickets)} tickets, ${fmt(read.ratings)} ratings`)}`);
    },
    stop() {
      if (shown) stderr.write('\r\u001b[2K');
    },
  };
}
