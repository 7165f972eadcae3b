/**
 * Every kind of fault a write can meet, for "exactly once" tests. Refused in a way that proves nothing was
 * applied (429, 503 with Retry-After): the write is repeated and lands once. Ambiguous (reset, 502, malformed
 * JSON): never repeated; the helpdesk is checked, and the write is found when it was applied ('after') or ends
 * as "outcome unknown" when it was not ('before': nothing there, and nothing sent twice).
 *
 *   const expected = injectWriteFaults(server, ids, (id) => `/conversations/${id}/reply`);
 *   const results = await inParallel(ids, 4, (id) => provider.addComment(id, { body, public: true }).catch((e) => e));
 *   // expected.get(id): 'once' (the comment is there once) or 'unknown' (UncertainWriteError, nothing there)
 */
import type { Fault, FakeServer } from './fake-server.js';

export type WriteFaultOutcome = 'once' | 'unknown';

export const WRITE_FAULTS: readonly (readonly [Fault, 'before' | 'after', WriteFaultOutcome])[] = [
  [{ type: '429', retryAfter: 1 }, 'before', 'once'],
  [{ type: 'status', status: 503, headers: { 'retry-after': '1' } }, 'before', 'once'],
  [{ type: 'status', status: 502 }, 'after', 'once'],
  [{ type: 'reset' }, 'before', 'unknown'],
  [{ type: 'reset' }, 'after', 'once'],
  [{ type: 'malformed' }, 'after', 'once'],
];

/** One fault per id, cycling through WRITE_FAULTS, on the first POST to pathFor(id); returns what each id should end as. */
export function injectWriteFaults(server: FakeServer, ids: string[], pathFor: (id: string) => string): Map<string, WriteFaultOutcome> {
  const expected = new Map<string, WriteFaultOutcome>();
  ids.forEach((id, i) => {
    const [fault, phase, outcome] = WRITE_FAULTS[i % WRITE_FAULTS.length]!;
    server.inject(fault, { method: 'POST', path: pathFor(id), phase });
    expected.set(id, outcome);
  });
  return expected;
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
