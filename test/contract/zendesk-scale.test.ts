/**
 * 5,000 tickets from a fake Zendesk: listings stream one page at a time (the next page is fetched only when
 * the consumer asks for it) and go past the 1,000-result cap of /api/v2/search, which is never used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/domain/model.js';
import { FakeZendesk, zendeskProvider } from '../support/fake-zendesk.js';

const N = 5000;
let zd: FakeZendesk;
let home: string;

beforeAll(async () => {
  zd = await FakeZendesk.start({ tickets: N });
  home = mkdtempSync(join(tmpdir(), 'deskctl-zd-scale-'));
}, 120_000);

afterAll(async () => {
  await zd.close();
  rmSync(home, { recursive: true, force: true });
});

describe('5,000 tickets', () => {
  it('streams the unfiltered list page by page', async () => {
    zd.server.clearLog();
    const p = await zendeskProvider(zd, home);
    const it = p.listTickets({})[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toHaveLength(100);
    // only the first page has been fetched so far
    expect(zd.server.find('GET', '/api/v2/tickets')).toHaveLength(1);
    let count = (first.value as Ticket[]).length;
    let pages = 1;
    let maxPage = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      count += r.value.length;
      maxPage = Math.max(maxPage, r.value.length);
      pages++;
      expect(zd.server.find('GET', '/api/v2/tickets')).toHaveLength(pages);
    }
    expect(count).toBe(N);
    expect(maxPage).toBe(100);
    expect(pages).toBe(N / 100);
    expect(zd.server.find('GET', '/api/v2/search')).toHaveLength(0);
    await p.close();
  });

  it('filters 3,000+ matches through the search export, past the 1,000-result search cap', async () => {
    zd.server.clearLog();
    const p = await zendeskProvider(zd, home);
    const expected = [...zd.tickets.values()].filter((t) => ['new', 'open', 'pending', 'hold'].includes(t.status)).length;
    expect(expected).toBeGreaterThan(3000);
    let count = 0;
    const seen = new Set<string>();
    for await (const page of p.listTickets({ status: ['new', 'open', 'pending', 'on_hold'] })) {
      expect(page.length).toBeLessThanOrEqual(100);
      for (const t of page) seen.add(t.id);
      count += page.length;
    }
    expect(count).toBe(expected);
    expect(seen.size).toBe(expected);
    const exports = zd.server.find('GET', '/api/v2/search/export');
    expect(exports[0]!.query.get('query')).toBe('status<=hold');
    expect(exports.length).toBe(Math.ceil(expected / 100));
    expect(zd.server.find('GET', '/api/v2/search')).toHaveLength(0);
    await p.close();
  });

  it('reads a date-bounded range from the incremental export in pages of up to 1,000', async () => {
    zd.server.clearLog();
    const p = await zendeskProvider(zd, home);
    let count = 0;
    let pages = 0;
    for await (const page of p.listTickets({ updatedSince: new Date('2026-09-01T00:00:00Z') })) {
      count += page.length;
      pages++;
    }
    expect(count).toBe(N);
    expect(zd.server.find('GET', '/api/v2/incremental/tickets/cursor')).toHaveLength(Math.ceil(N / 1000));
    expect(pages).toBe(Math.ceil(N / 1000));
    await p.close();
  });
});
