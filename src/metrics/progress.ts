import type { IO } from '../output/io.js';
import { createStatusLine } from '../output/status-line.js';

export interface ReadCounter {
  update(read: { tickets: number; ratings: number }): void;
  stop(): void;
}

/**
 * A one-line "reading… 12,000 tickets, 3,100 ratings" status on stderr while metrics stream from the
 * helpdesk (the total is not known up front); see createStatusLine.
 */
export function createReadCounter(io: IO, now: () => number = Date.now): ReadCounter {
  const line = createStatusLine(io, now);
  const fmt = (n: number) => n.toLocaleString('en-US');
  return {
    update: (read) => line.update(`reading… ${fmt(read.tickets)} tickets, ${fmt(read.ratings)} ratings`),
    stop: () => line.stop(),
  };
}
