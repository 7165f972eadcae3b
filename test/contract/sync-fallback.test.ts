/**
 * deskctl sync from Front, Intercom and Help Scout (no cursor export: the updated-since fallback) against
 * their fakes: the first sync mirrors everything; after a few tickets change, the next sync fetches the
 * conversations of those only (counted on the fake's request log); a sync with nothing new reads only the
 * listing; a 429 is waited out as the vendor asks; a complete pass (--full) removes what the helpdesk no
 * longer lists. After each sync the mirror's tickets and conversations equal the source's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/config/config-store.js';
import { resolvePaths } from '../../src/config/paths.js';
import type { Profile } from '../../src/config/profile.js';
import type { Ticket } from '../../src/domain/model.js';
import { createIO } from '../../src/output/io.js';
import { LocalProvider, openHelpdesk } from '../../src/providers/local/index.js';
import { MirrorWriter } from '../../src/providers/local/mirror.js';
import { collect, type HelpdeskProvider } from '../../src/providers/provider.js';
import { createProvider } from '../../src/providers/registry.js';
import type { Database } from '../../src/store/sqlite.js';
import { syncMirror, type SyncResult } from '../../src/sync/sync.js';
import type { FakeRequest, FakeServer } from '../support/fake-server.js';
import { FrontFake } from '../support/front-fake.js';
import { requestTally } from '../support/request-budget.js';
import { HelpScoutFake } from '../support/helpscout-fake.js';
import { IntercomFake } from '../support/intercom-fake.js';

const NOW = new Date('2026-11-25T09:00:00Z');

/** What each vendor's test needs: its fake, a profile for it, and how a ticket changes or disappears there. */
interface Vendor {
  name: string;
  start(): Promise<{ server: FakeServer; close(): Promise<void> }>;
  profile(): { profile: Profile; secret: [string, string] };
  /** A new customer message on a conversation, its updated time set to `at` (ms; default: a little later). */
  change(id: string, at?: number): void;
  /** Deleted for good: the API no longer lists it. */
  remove(id: string): void;
  /** Requests that read one conversation's messages, and the conversation id they name. */
  conversationRead: RegExp;
  /** Requests that list conversations. */
  listing: (r: FakeRequest) => boolean;
  /** Every request of a sync with nothing new (40 conversations). */
  idle: Record<string, number>;
  /** Makes the next conversation read answer 429 as the vendor does, asking for `seconds` of wait. */
  refuseOnce(seconds: number): void;
}

let front: FrontFake;
let ic: IntercomFake;
let hs: HelpScoutFake;

const vendors: Vendor[] = [
  {
    name: 'Front',
    async start() {
      front = await FrontFake.start({ token: 'front-sync-token' });
      front.seedDemo(40);
      return front;
    },
    profile: () => ({ profile: { provider: 'front', url: front.url, agent: 'ana@acme.test', rateLimit: 60_000, options: { retryBaseMs: 5 } }, secret: ['token', front.token] }),
    change(id, at) {
      const c = front.conversations.get(id)!;
      front.now = at === undefined ? front.now + 60 : Math.floor(at / 1000);
      c.messages.push({ id: front.nextId('msg'), is_inbound: true, created_at: front.now, body: `<p>Any news on ${id}?</p>`, from: c.recipient });
      c.updated_at = front.now;
    },
    remove: (id) => void front.conversations.delete(id),
    conversationRead: /^\/conversations\/([^/]+)\/messages$/,
    listing: (r) => /^\/inboxes\/[^/]+\/conversations$/.test(r.path) || r.path === '/conversations',
    // no server-side date filter: every inbox's whole list (100 a page), then nothing per conversation; no ratings API
    idle: { 'GET /inboxes': 1, 'GET /inboxes/inb_sup/channels': 1, 'GET /inboxes/inb_chat/channels': 1, 'GET /inboxes/inb_sup/conversations': 1, 'GET /inboxes/inb_chat/conversations': 1 },
    refuseOnce: (seconds) => front.server.inject({ type: '429', retryAfter: seconds }, { path: /^\/conversations\/[^/]+\/messages$/ }),
  },
  {
    name: 'Intercom',
    async start() {
      ic = await IntercomFake.start({ token: 'ic-sync-token' });
      ic.seedDemo(40);
      return ic;
    },
    profile: () => ({ profile: { provider: 'intercom', url: ic.url, rateLimit: 60_000, options: { retryBaseMs: 5, tickets: 'off' } }, secret: ['token', ic.token] }),
    change(id, at) {
      const c = ic.conversations.get(id)!;
      ic.now = at === undefined ? ic.now + 60 : Math.floor(at / 1000);
      c.parts.push({ id: `${id}9${c.parts.length}`, part_type: 'comment', body: `<p>Any news on ${id}?</p>`, created_at: ic.now, author: { type: 'user', id: c.contact.id, name: c.contact.name, email: c.contact.email } });
      c.updated_at = ic.now;
    },
    remove: (id) => void ic.conversations.delete(id),
    conversationRead: /^\/conversations\/(\d+)$/,
    listing: (r) => r.path === '/conversations/search' || r.path === '/conversations',
    // the search updated_at > high-water mark, the ratings search, and the admins and teams lookups
    idle: { 'GET /admins': 1, 'GET /teams': 1, 'GET /me': 1, 'POST /conversations/search': 2 },
    // Intercom answers 429 with X-RateLimit-Reset (the epoch second the window resets)
    refuseOnce: (seconds) =>
      ic.server.inject({ type: '429', headers: { 'x-ratelimit-limit': '10000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + seconds) }, json: { type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit' }] } }, { path: /^\/conversations\/\d+$/ }),
  },
  {
    name: 'Help Scout',
    async start() {
      hs = await HelpScoutFake.start({ clientId: 'hs-sync-app', clientSecret: 'hs-sync-secret' });
      hs.seedDemo(40);
      return hs;
    },
    profile: () => ({ profile: { provider: 'helpscout', url: hs.url, clientId: hs.clientId, rateLimit: 60_000, options: { retryBaseMs: 5 } }, secret: ['client_secret', hs.clientSecret] }),
    change(id, when) {
      const c = hs.conversations.get(Number(id))!;
      // by default made two minutes ago: a ticket changed within the last minute is read again by the next sync too
      const at = new Date(when ?? hs.now() - 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      c.threads.push({ id: 990_000 + c.threads.length + Number(id), type: 'customer', status: 'active', body: `<p>Any news on ${id}?</p>`, createdBy: { id: c.customerId, type: 'customer' }, createdAt: at });
      c.userUpdatedAt = at;
    },
    remove(id) {
      hs.conversations.delete(Number(id));
      // the ratings report goes with the conversation
      for (let i = hs.ratings.length - 1; i >= 0; i--) if (hs.ratings[i]!.conversationId === Number(id)) hs.ratings.splice(i, 1);
    },
    conversationRead: /^\/v2\/conversations\/(\d+)(?:\/threads)?$/,
    listing: (r) => r.path === '/v2/conversations',
    // the list with modifiedSince, the happiness report, and the users and mailboxes lookups
    idle: { 'GET /v2/users': 1, 'GET /v2/mailboxes': 1, 'GET /v2/conversations': 1, 'GET /v2/reports/happiness/ratings': 1 },
    // Help Scout's own limit: 429 with X-RateLimit-Retry-After
    refuseOnce: (seconds) =>
      hs.server.inject({ type: '429', headers: { 'x-ratelimit-retry-after': String(seconds), 'x-ratelimit-limit-minute': '400', 'x-ratelimit-remaining-minute': '0' }, json: { message: 'Rate limit exceeded' } }, { path: /^\/v2\/conversations\/\d+/ }),
  },
];

/** The fields a mirror must reproduce, per ticket, with the conversation. */
async function snapshot(p: HelpdeskProvider, sourceIdOf: (id: string) => string = (id) => id) {
  const tickets: Ticket[] = await collect(p.listTickets({}));
  const out = new Map<string, unknown>();
  for (const listed of tickets) {
    // a ticket read alone carries what the listing may leave out (Front: first response, replies)
    const t = await p.getTicket(listed.id);
    const comments = await p.listComments(t.id);
    out.set(sourceIdOf(t.id), {
      firstResponseAt: t.firstResponseAt && new Date(t.firstResponseAt).toISOString(),
      solvedAt: t.solvedAt && new Date(t.solvedAt).toISOString(),
      publicReplyCount: t.publicReplyCount,
      subject: t.subject,
      status: t.status,
      priority: t.priority,
      channel: t.channel,
      group: t.group ?? null,
      tags: [...t.tags].sort(),
      createdAt: new Date(t.createdAt).toISOString(),
      updatedAt: new Date(t.updatedAt).toISOString(),
      requester: t.requester.email ?? t.requester.name,
      assignee: t.assignee ? (t.assignee.email ?? t.assignee.name) : null,
      comments: comments.map((c) => ({ body: c.body, public: c.public, authorRole: c.authorRole, createdAt: new Date(c.createdAt).toISOString() })),
    });
  }
  return out;
}

for (const vendor of vendors) {
  describe(`sync from ${vendor.name} (updated-since fallback)`, () => {
    let fake: { server: FakeServer; close(): Promise<void> };
    let home: string;
    let source: HelpdeskProvider;
    let db: Database;
    let mirror: MirrorWriter;
    let local: LocalProvider;
    let justChanged = '';
    /** One sync, with a provider of its own as each `deskctl sync` has. */
    const run = async (opts: { full?: boolean } = {}): Promise<SyncResult> => {
      await source.close();
      source = await open();
      return syncMirror(source, mirror, { now: () => NOW, ...opts });
    };
    /** The conversation ids whose messages were read since the log was cleared. */
    const conversationsRead = () =>
      [...new Set(fake.server.requests.filter((r) => r.method === 'GET' && vendor.conversationRead.test(r.path)).map((r) => decodeURIComponent(vendor.conversationRead.exec(r.path)![1]!)))].sort();
    const expectMirrorEqualsSource = async () => {
      const ids = new Map((db.prepare(`SELECT source_id, ticket_id FROM sync_ids`).all() as { source_id: string; ticket_id: number }[]).map((r) => [String(r.ticket_id), r.source_id]));
      const mirrored = await snapshot(local, (id) => ids.get(id) ?? id);
      // a provider of its own: Front's keeps what it read for the run, as a command's does
      const reader = await open();
      const original = await snapshot(reader);
      await reader.close();
      expect(original.size).toBeGreaterThan(0);
      expect(mirrored).toEqual(original);
    };

    const open = async (): Promise<HelpdeskProvider> => {
      const paths = resolvePaths({ DESKCTL_HOME: home });
      const config = await ConfigStore.open(paths);
      const { profile, secret } = vendor.profile();
      await config.setProfile('src', profile);
      await config.setSecret('src', secret[0], secret[1]);
      const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
      return createProvider({ profileName: 'src', profile, config, paths, clock: { now: () => NOW }, io: createIO({ stderr: sink, stdout: sink, env: {} }) });
    };

    const sourceIds = async () => {
      const reader = await open();
      const ids = (await collect(reader.listTickets({}))).map((t) => t.id);
      await reader.close();
      return ids;
    };

    beforeAll(async () => {
      fake = await vendor.start();
      home = mkdtempSync(join(tmpdir(), 'deskctl-sync-'));
      source = await open();
      db = await openHelpdesk(join(home, 'mirror.db'));
      mirror = new MirrorWriter(db, 'src');
      local = new LocalProvider(db, { now: () => NOW });
    });

    afterAll(async () => {
      await source?.close();
      db?.close();
      await fake?.close();
      rmSync(home, { recursive: true, force: true });
    });

    it('mirrors every ticket with its conversation on the first sync', async () => {
      const first = await run();
      expect(first.method).toBe('updated-since');
      expect(first.tickets).toBeGreaterThan(20);
      expect(first.unchanged).toBe(0);
      await expectMirrorEqualsSource();
    });

    it('then fetches the conversations of the changed tickets only', async () => {
      const ids = [...await sourceIds()];
      const changed = [ids[3]!, ids[17]!].sort();
      for (const id of changed) vendor.change(id);
      fake.server.clearLog();
      const second = await run();
      expect(conversationsRead()).toEqual(changed);
      expect(second.tickets).toBe(2);
      await expectMirrorEqualsSource();
    });

    it('reads only the listing when nothing changed', async () => {
      fake.server.clearLog();
      const third = await run();
      expect(third.tickets).toBe(0);
      expect(requestTally(fake.server.requests)).toEqual(vendor.idle);
      expect(conversationsRead()).toEqual([]);
      expect(fake.server.requests.filter(vendor.listing).length).toBeGreaterThan(0);
      await expectMirrorEqualsSource();
    });

    it('waits out a 429 as long as the vendor asks, and misses nothing', async () => {
      const ids = [...await sourceIds()];
      vendor.change(ids[5]!);
      fake.server.clearLog();
      vendor.refuseOnce(1);
      const r = await run();
      expect(r.tickets).toBe(1);
      const reads = fake.server.requests.filter((q) => vendor.conversationRead.test(q.path));
      const refused = reads.findIndex((q) => q.status === 429);
      expect(refused).toBeGreaterThanOrEqual(0);
      const retried = reads.slice(refused + 1).find((q) => q.path === reads[refused]!.path);
      expect(retried?.status).toBe(200);
      expect(retried!.at - reads[refused]!.at).toBeGreaterThanOrEqual(900);
      await expectMirrorEqualsSource();
    });

    it('reads a ticket again when it changed again in the second the last sync read it (times have whole seconds)', async () => {
      const id = (justChanged = (await sourceIds())[7]!);
      const at = Math.floor(Date.now() / 1000) * 1000;
      vendor.change(id, at);
      await run();
      vendor.change(id, at); // another message, and the updated time does not move
      fake.server.clearLog();
      await run();
      expect(conversationsRead()).toContain(id);
      await expectMirrorEqualsSource();
    });

    it('removes tickets deleted in the helpdesk on a complete pass (--full), fetching no unchanged conversation', async () => {
      const ids = [...await sourceIds()];
      vendor.remove(ids[0]!);
      vendor.remove(ids[9]!);
      await run();
      expect((await snapshot(local)).size).toBe(ids.length); // the updated-since listing cannot see deletions
      fake.server.clearLog();
      const full = await run({ full: true });
      expect(full.removed).toBe(2);
      // nothing read again but the ticket changed within the last minute
      expect(conversationsRead().filter((id) => id !== justChanged)).toEqual([]);
      await expectMirrorEqualsSource();
    });
  });
}
