/**
 * Every kind of fault a write can meet, for "exactly once" tests: refused before the handler ran (429, 500,
 * reset: nothing happened, repeat it) or after (502, reset, malformed JSON: it happened, only the answer is
 * lost, never repeat it).
 *
 *   injectWriteFaults(server, ids, (id) => `/conversations/${id}/reply`);
 *   await inParallel(ids, 4, (id) => provider.addComment(id, { body, public: true }));
 */
import type { Fault, FakeServer } from './fake-server.js';

export const WRITE_FAULTS: readonly (readonly [Fault, 'before' | 'after'])[] = [
  [{ type: '429', retryAfter: 1 }, 'before'],
  [{ type: 'status', status: 500 }, 'before'],
  [{ type: 'status', status: 502 }, 'after'],
  [{ type: 'reset' }, 'before'],
  [{ type: 'reset' }, 'after'],
  [{ type: 'malformed' }, 'after'],
];

/** One fault per id, cycling through WRITE_FAULTS, on the first POST to pathFor(id). */
export function injectWriteFaults(server: FakeServer, ids: string[], pathFor: (id: string) => string): void {
  ids.forEach((id, i) => {
    const [fault, phase] = WRITE_FAULTS[i % WRITE_FAULTS.length]!;
    server.inject(fault, { method: 'POST', path: pathFor(id), phase });
  });
}

/** Runs fn over items with `limit` in flight; resolves with the results in input order. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
