/**
 * Pagination helpers as async iterators of pages. They are independent of any vendor: a provider
 * says how to find the items and the next page in a response, the helpers do the loop, stop on
 * repeated cursors, and fetch one page at a time (so memory stays flat however long the list).
 */
import type { HttpClient, HttpResponse, RequestOptions } from '../http.js';

export type QueryValue = string | number | boolean | undefined | null | (string | number)[];
export type Query = Record<string, QueryValue>;

export interface PageResult<T> {
  items: T[];
  /** The next request: a full URL or path (query included), request options, or nothing when done. */
  next?: string | RequestOptions | null;
}

export interface PaginateOptions {
  /** Stops after this many pages (a safety net; default unlimited). */
  maxPages?: number;
}

/** Generic loop: `extract` reads one response and tells where the next page is. */
export async function* paginate<B, T>(
  client: HttpClient,
  first: RequestOptions,
  extract: (body: B, res: HttpResponse<B>) => PageResult<T>,
  opts: PaginateOptions = {},
): AsyncGenerator<T[], void, undefined> {
  let request: RequestOptions | undefined = first;
  const seen = new Set<string>();
  let pages = 0;
  while (request) {
    const key = `${request.path}?${JSON.stringify(request.query ?? {})}`;
    if (seen.has(key)) {
      // a server that returns the same cursor again would loop forever
      return;
    }
    seen.add(key);
    const res: HttpResponse<B> = await client.request<B>(request);
    const { items, next } = extract(res.body, res);
    pages++;
    if (items.length) yield items;
    if (!next || (opts.maxPages !== undefined && pages >= opts.maxPages)) return;
    request = typeof next === 'string' ? { method: first.method ?? 'GET', path: next, headers: first.headers } : next;
  }
}

/**
 * Cursor pagination where the response names the next page's URL (Zendesk `links.next` with
 * `meta.has_more`, Help Scout `_links.next.href`, Intercom `pages.next`).
 */
export function paginateByNextUrl<B, T>(
  client: HttpClient,
  first: RequestOptions,
  items: (body: B) => T[],
  nextUrl: (body: B) => string | null | undefined,
  opts?: PaginateOptions,
): AsyncGenerator<T[], void, undefined> {
  return paginate<B, T>(client, first, (body) => ({ items: items(body), next: nextUrl(body) }), opts);
}

/**
 * Cursor pagination where the response carries an opaque cursor to pass back as a query parameter
 * (e.g. `after_cursor` -> `page[after]`, Front `_pagination.next`, Intercom `starting_after`).
 */
export function paginateByCursor<B, T>(
  client: HttpClient,
  first: RequestOptions,
  items: (body: B) => T[],
  cursor: (body: B) => string | null | undefined,
  cursorParam: string,
  opts?: PaginateOptions,
): AsyncGenerator<T[], void, undefined> {
  return paginate<B, T>(
    client,
    first,
    (body) => {
      const c = cursor(body);
      return { items: items(body), next: c ? { ...first, query: { ...(first.query ?? {}), [cursorParam]: c } } : null };
    },
    opts,
  );
}

/**
 * Offset/page pagination: `page=1,2,...` (or an offset) until a short or empty page
 * (Freshdesk, RT). `pageParam` is incremented; `sizeParam` is set to `pageSize`.
 */
export function paginateByPage<B, T>(
  client: HttpClient,
  first: RequestOptions,
  items: (body: B) => T[],
  opts: PaginateOptions & { pageParam?: string; sizeParam?: string; pageSize: number; firstPage?: number; hasMore?: (body: B, res: HttpResponse<B>) => boolean | undefined },
): AsyncGenerator<T[], void, undefined> {
  const pageParam = opts.pageParam ?? 'page';
  const sizeParam = opts.sizeParam ?? 'per_page';
  let page = opts.firstPage ?? 1;
  const build = (p: number): RequestOptions => ({ ...first, query: { ...(first.query ?? {}), [pageParam]: p, [sizeParam]: opts.pageSize } });
  return paginate<B, T>(
    client,
    build(page),
    (body, res) => {
      const list = items(body);
      const more = opts.hasMore?.(body, res) ?? list.length >= opts.pageSize;
      return { items: list, next: more && list.length > 0 ? build(++page) : null };
    },
    opts,
  );
}

/** RFC 8288 Link header: `<https://x/y?page=2>; rel="next", <...>; rel="last"` -> { next: ..., last: ... }. */
export function parseLinkHeader(header: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return out;
  for (const part of text.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rel = /rel\s*=\s*"?([^";]+)"?/i.exec(m[2]!);
    if (rel) for (const r of rel[1]!.trim().split(/\s+/)) out[r.toLowerCase()] = m[1]!;
  }
  return out;
}

/** Link-header pagination (Freshdesk, GitHub style). */
export function paginateByLinkHeader<B, T>(
  client: HttpClient,
  first: RequestOptions,
  items: (body: B) => T[],
  opts?: PaginateOptions,
): AsyncGenerator<T[], void, undefined> {
  return paginate<B, T>(client, first, (body, res) => ({ items: items(body), next: parseLinkHeader(res.headers.link).next ?? null }), opts);
}

const get = (o: unknown, path: string[]): unknown => {
  let cur = o;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
};

/**
 * Where the next page is, for a response of an unknown vendor (used by `deskctl api --paginate`):
 * a Link header, then the common body conventions.
 */
export function guessNextPage(body: unknown, headers: Record<string, string | string[] | undefined>): string | undefined {
  const link = parseLinkHeader(headers.link).next;
  if (link) return link;
  const hasMore = get(body, ['meta', 'has_more']);
  const linksNext = get(body, ['links', 'next']);
  if (typeof linksNext === 'string' && linksNext && hasMore !== false) return linksNext;
  // Zendesk incremental exports: end_of_stream / after_url
  const eos = get(body, ['end_of_stream']);
  const afterUrl = get(body, ['after_url']);
  if (typeof afterUrl === 'string' && afterUrl && eos === false) return afterUrl;
  for (const path of [['next_page'], ['_links', 'next', 'href'], ['_pagination', 'next'], ['pages', 'next'], ['pagination', 'next'], ['next']]) {
    const v = get(body, path);
    if (typeof v === 'string' && /^(https?:\/\/|\/)/.test(v)) return v;
    // Intercom: pages.next = { page, starting_after }
    if (path[0] === 'pages' && v && typeof v === 'object') {
      const after = (v as Record<string, unknown>).starting_after;
      if (typeof after === 'string') return `?starting_after=${encodeURIComponent(after)}`;
    }
  }
  return undefined;
}

/** Items of a page for an unknown vendor: the body if it is an array, else its first array-valued property. */
export function guessItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') {
    for (const v of Object.values(body as Record<string, unknown>)) if (Array.isArray(v)) return v;
    const embedded = (body as Record<string, unknown>)._embedded;
    if (embedded && typeof embedded === 'object') for (const v of Object.values(embedded)) if (Array.isArray(v)) return v;
  }
  return [];
}
