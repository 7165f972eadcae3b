/**
 * `deskctl api`: one raw request (or a paginated series) through a provider's HttpClient, so it uses the
 * profile's credentials, rate limiter and retries. Returns text for the command to print.
 */
import { UsageError } from '../../errors.js';
import { hasHttp, type HttpResponse } from '../http.js';
import type { HelpdeskProvider } from '../provider.js';
import { guessItems, guessNextPage } from './pagination.js';

export interface ApiPlan {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  path: string;
  query: Record<string, string | string[]>;
  json?: unknown;
  body?: string;
  headers: Record<string, string>;
  paginate: boolean;
  maxPages: number;
}

export interface ApiOutput {
  /** Status line and headers (for --include). */
  head?: string;
  /** What to print on stdout. */
  body?: string;
  /** Set when the helpdesk answered with an error status: the message for stderr (exit 1). */
  failed?: string;
}

const pretty = (body: unknown): string | undefined => (body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body, null, 2));

const headText = (res: HttpResponse<unknown>): string => {
  const lines = [`HTTP ${res.status}`];
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || /^(set-cookie|authorization)$/i.test(k)) continue;
    lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
  }
  return `${lines.join('\n')}\n`;
};

/** 4xx answers other than 401/403 are shown (body on stdout, status on stderr) rather than thrown, like gh api. */
const SHOWN_STATUSES = [400, 404, 405, 409, 410, 412, 413, 415, 422];

export async function runApiRequest(provider: HelpdeskProvider, plan: ApiPlan, opts: { profileName: string; debug?: (m: string) => void }): Promise<ApiOutput> {
  if (!hasHttp(provider)) {
    throw new UsageError(
      `profile '${opts.profileName}' (${provider.displayName}) has no HTTP API to call`,
      provider.kind === 'local' ? 'the embedded helpdesk is local; pick a helpdesk profile with --profile NAME' : 'this helpdesk does not support deskctl api yet',
    );
  }
  const http = provider.http;
  const first = await http.request<unknown>({
    method: plan.method,
    path: plan.path,
    query: plan.query,
    json: plan.json,
    body: plan.body,
    headers: plan.headers,
    responseType: 'json',
    allowStatus: SHOWN_STATUSES,
  }).catch(async (err) => {
    // a non-JSON success body: fetch it again as text only for reads
    if ((err as Error).name === 'TransientHttpError' && /malformed JSON/.test((err as Error).message) && plan.method === 'GET') {
      return http.request<unknown>({ method: 'GET', path: plan.path, query: plan.query, headers: plan.headers, responseType: 'text' });
    }
    throw err;
  });
  if (first.status >= 400) {
    return { head: headText(first), body: pretty(first.body), failed: `${provider.displayName} answered HTTP ${first.status} for ${plan.method} ${plan.path}` };
  }
  if (!plan.paginate) return { head: headText(first), body: pretty(first.body) };

  const items: unknown[] = [...guessItems(first.body)];
  let pages = 1;
  let res: HttpResponse<unknown> = first;
  let next = guessNextPage(res.body, res.headers);
  const seen = new Set<string>();
  while (next && pages < plan.maxPages) {
    // Intercom-style "?starting_after=..." continues the original path
    const target: string = next.startsWith('?') ? `${plan.path.split('?')[0]}${next}` : next;
    if (seen.has(target)) break;
    seen.add(target);
    opts.debug?.(`api: next page ${pages + 1}`);
    res = await http.request<unknown>({ method: 'GET', path: target, headers: plan.headers, query: next.startsWith('?') ? plan.query : undefined });
    items.push(...guessItems(res.body));
    pages++;
    next = guessNextPage(res.body, res.headers);
  }
  return { head: headText(first), body: JSON.stringify(items, null, 2) };
}
