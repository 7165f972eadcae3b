/**
 * Request budgets: what a command asked of a fake helpdesk, as "METHOD /path" -> count (query strings left
 * out, so every page of a list counts under its path). Contract tests compare it with the budget written
 * down in docs/request-budgets.md.
 */
import type { FakeRequest } from './fake-server.js';

export function requestTally(requests: readonly Pick<FakeRequest, 'method' | 'path'>[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const r of requests) {
    const key = `${r.method} ${r.path}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}
