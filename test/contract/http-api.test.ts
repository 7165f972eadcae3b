/** `deskctl api` logic: flag parsing (pure) and requests through any provider's HttpClient (Link-header vendor here). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planApiRequest } from '../../commands/api.js';
import { UsageError } from '../../src/errors.js';
import { HttpClient } from '../../src/providers/http.js';
import { runApiRequest } from '../../src/providers/http/api-request.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { FakeServer } from '../support/fake-server.js';

const noFile = (p: string): string => {
  if (p === 'body.txt') return 'Hello from a file';
  throw new UsageError(`cannot read ${p}`);
};

describe('planApiRequest', () => {
  it('turns typed fields into a nested JSON body for writes', () => {
    const plan = planApiRequest('put', '/api/v2/tickets/1', { field: ['ticket[status]=solved', 'ticket[comment][public]=false', 'ticket[comment][body]=@body.txt', 'ticket[tags][]=a', 'ticket[tags][]=b', 'n=42', 'x=null'] }, noFile);
    expect(plan.method).toBe('PUT');
    expect(plan.json).toEqual({ ticket: { status: 'solved', comment: { public: false, body: 'Hello from a file' }, tags: ['a', 'b'] }, n: 42, x: null });
  });

  it('puts fields in the query for GET; raw fields stay strings; a lone path means GET', () => {
    const plan = planApiRequest('/api/v2/search/export', undefined, { rawField: ['query=status<solved', 'n=5'], field: ['page[size]=50', 'ids[]=1', 'ids[]=2'] }, noFile);
    expect(plan.method).toBe('GET');
    expect(plan.query).toEqual({ query: 'status<solved', n: '5', 'page[size]': '50', 'ids[]': ['1', '2'] });
    expect(plan.json).toBeUndefined();
  });

  it('rejects bad input with usage errors', () => {
    expect(() => planApiRequest('FETCH', '/x', {}, noFile)).toThrow(/invalid method/);
    expect(() => planApiRequest('tickets', undefined, {}, noFile)).toThrow(/missing PATH/);
    expect(() => planApiRequest('GET', '/x', { field: ['oops'] }, noFile)).toThrow(/invalid --field/);
    expect(() => planApiRequest('GET', '/x', { header: ['nocolon'] }, noFile)).toThrow(/invalid --header/);
    expect(() => planApiRequest('POST', '/x', { paginate: true }, noFile)).toThrow(/GET only/);
    expect(() => planApiRequest('GET', '/x', { input: 'body.txt' }, noFile)).toThrow(/GET has none/);
    expect(() => planApiRequest('POST', '/x', { field: ['a=1', 'a[b]=2'] }, noFile)).toThrow(/conflicts/);
    expect(() => planApiRequest('GET', '/x', { maxPages: '0' }, noFile)).toThrow(/--max-pages/);
  });
});

describe('runApiRequest', () => {
  let server: FakeServer;
  let http: HttpClient;
  const provider = () => ({ kind: 'acme', displayName: 'Acme', http }) as unknown as HelpdeskProvider;

  beforeAll(async () => {
    server = await FakeServer.start();
    server.route('GET', '/api/items', (req) => {
      const page = Number(req.query.get('page') ?? 1);
      const items = Array.from({ length: page < 3 ? 10 : 4 }, (_, i) => ({ id: (page - 1) * 10 + i + 1 }));
      return { json: items, headers: page < 3 ? { link: `<${server.url}/api/items?page=${page + 1}>; rel="next"` } : {} };
    });
    server.route('POST', '/api/items', () => ({ status: 422, json: { message: 'name is required' } }));
    http = new HttpClient({ vendor: 'Acme', baseUrl: server.url, headers: { authorization: 'Bearer t-123456' } });
  });
  afterAll(async () => {
    http.close();
    await server.close();
  });

  it('paginates by Link header for a vendor it knows nothing about', async () => {
    const out = await runApiRequest(provider(), planApiRequest('GET', '/api/items', { paginate: true }, noFile), { profileName: 'acme' });
    expect(JSON.parse(out.body!)).toHaveLength(24);
    expect(out.failed).toBeUndefined();
  });

  it('shows a 4xx body and reports the failure instead of throwing', async () => {
    const out = await runApiRequest(provider(), planApiRequest('POST', '/api/items', { field: ['x=1'] }, noFile), { profileName: 'acme' });
    expect(JSON.parse(out.body!)).toEqual({ message: 'name is required' });
    expect(out.failed).toContain('HTTP 422');
    expect(out.head).toMatch(/^HTTP 422/);
  });

  it('refuses a provider without an HTTP API', async () => {
    const local = { kind: 'local', displayName: 'embedded helpdesk' } as unknown as HelpdeskProvider;
    await expect(runApiRequest(local, planApiRequest('GET', '/x', {}, noFile), { profileName: 'local' })).rejects.toThrow(/has no HTTP API/);
  });
});
