// Front and Intercom providers: mapping cost (vendor JSON -> tickets) and listing throughput over HTTP
// from a minimal local server (no client-side rate limit, so the figure is deskctl's own cost).
// Run after `npx tsc -p .`: node bench/front-intercom.js
import { createServer } from 'node:http';
import { HttpClient, bearerAuth } from '../dist/src/providers/http.js';
import { FrontProvider } from '../dist/src/providers/front/provider.js';
import { conversationToTicket as frontTicket } from '../dist/src/providers/front/map.js';
import { FrontConversationSchema } from '../dist/src/providers/front/schemas.js';
import { IntercomProvider } from '../dist/src/providers/intercom/provider.js';
import { conversationToTicket as icTicket } from '../dist/src/providers/intercom/map.js';
import { IcConversationSchema } from '../dist/src/providers/intercom/schemas.js';

const N_MAP = 100_000;
const N_LIST = 20_000;
const T0 = Date.parse('2026-11-01T00:00:00Z') / 1000;
const teammate = (i) => ({ _links: {}, id: `tea_${i}`, email: `a${i}@acme.test`, username: `a${i}`, first_name: 'Agent', last_name: String(i), license_type: 'full_seat', is_admin: false, is_available: true, is_blocked: false, type: 'user', custom_fields: {} });
const frontConv = (i) => ({
  _links: {}, id: `cnv_${i.toString(36)}`, type: 'conversation', subject: `Order ${i} problem`, status: ['assigned', 'unassigned', 'archived'][i % 3],
  ticket_ids: [], assignee: i % 3 === 1 ? null : teammate(i % 7), recipient: { _links: {}, name: `Customer ${i}`, handle: `c${i}@example.com`, role: 'from' },
  tags: i % 4 ? [] : [{ _links: {}, id: 'tag_1', name: 'billing', description: null, highlight: null, is_private: false, is_visible_in_conversation_lists: true }],
  links: [], custom_fields: {}, created_at: T0 + i * 60, updated_at: T0 + i * 60 + 3600, is_private: false, scheduled_reminders: [], metadata: {},
});
const icConv = (i) => ({
  type: 'conversation', id: String(100000 + i), title: `Order ${i} problem`, created_at: T0 + i * 60, updated_at: T0 + i * 60 + 3600,
  state: ['open', 'closed', 'snoozed'][i % 3], open: i % 3 !== 1, priority: i % 9 ? 'not_priority' : 'priority', admin_assignee_id: i % 5 ? 991 : null, team_assignee_id: 55,
  tags: { type: 'tag.list', tags: i % 4 ? [] : [{ type: 'tag', id: '7', name: 'vip' }] },
  source: { type: 'email', id: `s${i}`, subject: `Order ${i}`, body: '<p>Help</p>', author: { type: 'user', id: `u${i}`, name: `Customer ${i}`, email: `c${i}@example.com` } },
  contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: `u${i}` }] },
  statistics: { type: 'conversation_statistics', first_admin_reply_at: T0 + i * 60 + 900, last_close_at: i % 3 === 1 ? T0 + i * 60 + 3600 : undefined, count_reopens: 0 },
  custom_attributes: {},
});

const mb = (b) => `${Math.round(b / 1024 / 1024)} MB`;
function timeMap(name, make, schema, map) {
  const raw = Array.from({ length: N_MAP }, (_, i) => make(i));
  globalThis.gc?.();
  const t = performance.now();
  let n = 0;
  for (const r of raw) if (map(schema.parse(r)).id) n++;
  const ms = performance.now() - t;
  console.log(`${name}: parse+map ${n} conversations in ${ms.toFixed(0)} ms (${Math.round(n / (ms / 1000)).toLocaleString('en')} /s)`);
}

timeMap('Front   ', frontConv, FrontConversationSchema, (c) => frontTicket(c, { nowMs: Date.now(), inboxName: 'Support', channel: 'email' }));
timeMap('Intercom', icConv, IcConversationSchema, (c) => icTicket(c, { admins: new Map(), teams: new Map([['55', 'Billing']]), appId: 'x' }));

// ---- listing over HTTP ------------------------------------------------------------------------
const front = Array.from({ length: N_LIST }, (_, i) => frontConv(i));
const ic = Array.from({ length: N_LIST }, (_, i) => icConv(i));
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const url = new URL(req.url, 'http://x');
  const send = (body) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const p = url.pathname;
  if (p === '/inboxes') return send({ _results: [{ id: 'inb_1', name: 'Support' }] });
  if (p === '/inboxes/inb_1/channels') return send({ _results: [{ id: 'cha_1', type: 'gmail', settings: {}, is_private: false, is_valid: true }] });
  if (p === '/inboxes/inb_1/conversations') {
    const start = Number(url.searchParams.get('page_token') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const next = start + limit < front.length ? `http://x${p}?page_token=${start + limit}` : null;
    return send({ _pagination: { next }, _results: front.slice(start, start + limit) });
  }
  if (p === '/me') return send({ type: 'admin', id: '991', name: 'Ana', email: 'ana@acme.test', app: { id_code: 'x' } });
  if (p === '/admins') return send({ type: 'admin.list', admins: [{ type: 'admin', id: '991', name: 'Ana', email: 'ana@acme.test' }] });
  if (p === '/teams') return send({ type: 'team.list', teams: [{ type: 'team', id: '55', name: 'Billing' }] });
  if (p === '/conversations') {
    const start = Number(url.searchParams.get('starting_after') ?? 0);
    const per = Number(url.searchParams.get('per_page') ?? 20);
    const more = start + per < ic.length;
    return send({ type: 'conversation.list', conversations: ic.slice(start, start + per), pages: more ? { next: { starting_after: String(start + per) } } : {} });
  }
  res.writeHead(404).end('{}');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const http = (vendor) => new HttpClient({ vendor, baseUrl: base, auth: bearerAuth('bench-token') });

for (const [name, provider] of [
  ['Front   ', new FrontProvider({ http: http('Front'), now: () => new Date() })],
  ['Intercom', new IntercomProvider({ http: http('Intercom'), now: () => new Date() })],
]) {
  requests = 0;
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  let n = 0;
  let peak = rss0;
  for await (const page of provider.listTickets({})) {
    n += page.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const ms = performance.now() - t;
  console.log(`${name}: listed ${n} tickets in ${ms.toFixed(0)} ms over ${requests} requests (${Math.round(n / (ms / 1000)).toLocaleString('en')} tickets/s, RSS +${mb(peak - rss0)})`);
  await provider.close();
}
server.close();
