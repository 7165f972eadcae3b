import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpClient,
  guessItems,
  guessNextPage,
  paginateByCursor,
  paginateByLinkHeader,
  paginateByNextUrl,
  paginateByPage,
  parseLinkHeader,
} from '../../src/providers/http.js';
import { collect } from '../../src/providers/provider.js';
import { FakeServer } from '../support/fake-server.js';

const N = 23;
const all = Array.from({ length: N }, (_, i) => ({ id: i + 1 }));
let server: FakeServer;
let c: HttpClient;

beforeAll(async () => {
  server = await FakeServer.start();
  const base = () => server.url;
  // cursor with a next URL (Zendesk style)
  server.route('GET', '/next', (req) => {
    const after = Number(req.query.get('page[after]') ?? 0);
    const size = Number(req.query.get('page[size]') ?? 5);
    const page = all.slice(after, after + size);
    const more = after + size < N;
    return { json: { items: page, meta: { has_more: more, after_cursor: more ? String(after + size) : null }, links: { next: more ? `${base()}/next?page[size]=${size}&page[after]=${after + size}` : null } } };
  });
  // opaque cursor passed back as a parameter
  server.route('GET', '/cursor', (req) => {
    const after = Number(req.query.get('starting_after') ?? 0);
    const page = all.slice(after, after + 10);
    return { json: { data: page, next: after + 10 < N ? String(after + 10) : null } };
  });
  // page numbers (Freshdesk style), short last page
  server.route('GET', '/pages', (req) => {
    const p = Number(req.query.get('page'));
    const per = Number(req.query.get('per_page'));
    return { json: all.slice((p - 1) * per, p * per) };
  });
  // Link header
  server.route('GET', '/linked', (req) => {
    const p = Number(req.query.get('page') ?? 1);
    const page = all.slice((p - 1) * 10, p * 10);
    const headers: Record<string, string> = {};
    if (p * 10 < N) headers.link = `<${base()}/linked?page=${p + 1}>; rel="next", <${base()}/linked?page=3>; rel="last"`;
    return { json: page, headers };
  });
  // a broken server that always returns the same next link
  server.route('GET', '/loop', () => ({ json: { items: [{ id: 1 }], links: { next: `${base()}/loop?page[after]=x` }, meta: { has_more: true } } }));
  c = new HttpClient({ vendor: 'Acme', baseUrl: server.url });
});

afterAll(async () => {
  c.close();
  await server.close();
});

type Body = { items: { id: number }[]; links: { next: string | null } };

describe('pagination helpers', () => {
  it('follows next URLs page by page', async () => {
    server.clearLog();
    const pages: number[] = [];
    for await (const page of paginateByNextUrl<Body, { id: number }>(c, { path: '/next', query: { 'page[size]': 5 } }, (b) => b.items, (b) => b.links.next)) {
      pages.push(page.length);
    }
    expect(pages).toEqual([5, 5, 5, 5, 3]);
    expect(server.requests).toHaveLength(5);
  });

  it('stops early when the consumer stops (one page fetched at a time)', async () => {
    server.clearLog();
    const got = await collect(paginateByNextUrl<Body, { id: number }>(c, { path: '/next', query: { 'page[size]': 5 } }, (b) => b.items, (b) => b.links.next), 7);
    expect(got.map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(server.requests).toHaveLength(2);
  });

  it('passes an opaque cursor back as a parameter', async () => {
    const got = await collect(paginateByCursor<{ data: { id: number }[]; next: string | null }, { id: number }>(c, { path: '/cursor' }, (b) => b.data, (b) => b.next, 'starting_after'));
    expect(got.map((x) => x.id)).toEqual(all.map((x) => x.id));
  });

  it('walks page numbers until a short page', async () => {
    server.clearLog();
    const got = await collect(paginateByPage<{ id: number }[], { id: number }>(c, { path: '/pages' }, (b) => b, { pageSize: 10 }));
    expect(got).toHaveLength(N);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('follows Link headers', async () => {
    const got = await collect(paginateByLinkHeader<{ id: number }[], { id: number }>(c, { path: '/linked' }, (b) => b));
    expect(got).toHaveLength(N);
    expect(parseLinkHeader('<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"')).toEqual({ next: 'https://x/a?page=2', last: 'https://x/a?page=9' });
  });

  it('stops when a server repeats the same next page', async () => {
    server.clearLog();
    const got = await collect(paginateByNextUrl<Body, { id: number }>(c, { path: '/loop' }, (b) => b.items, (b) => b.links.next));
    expect(got).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('guesses next pages and items of unknown vendors (deskctl api --paginate)', () => {
    expect(guessNextPage({ links: { next: 'https://z/api?page[after]=a' }, meta: { has_more: true } }, {})).toBe('https://z/api?page[after]=a');
    expect(guessNextPage({ links: { next: 'https://z/x' }, meta: { has_more: false } }, {})).toBeUndefined();
    expect(guessNextPage({ next_page: 'https://z/api/v2/users?page=2' }, {})).toBe('https://z/api/v2/users?page=2');
    expect(guessNextPage({ after_url: 'https://z/inc?cursor=b', end_of_stream: false }, {})).toBe('https://z/inc?cursor=b');
    expect(guessNextPage({ after_url: 'https://z/inc?cursor=b', end_of_stream: true }, {})).toBeUndefined();
    expect(guessNextPage({ _links: { next: { href: 'https://hs/v2/conversations?page=2' } } }, {})).toBe('https://hs/v2/conversations?page=2');
    expect(guessNextPage({ _pagination: { next: 'https://front/x?page_token=t' } }, {})).toBe('https://front/x?page_token=t');
    expect(guessNextPage({ pages: { next: { starting_after: 'abc' } } }, {})).toBe('?starting_after=abc');
    expect(guessNextPage([], { link: '<https://fd/api/v2/tickets?page=2>; rel="next"' })).toBe('https://fd/api/v2/tickets?page=2');
    expect(guessItems({ count: 2, tickets: [1, 2] })).toEqual([1, 2]);
    expect(guessItems({ _embedded: { conversations: [3] } })).toEqual([3]);
  });
});
