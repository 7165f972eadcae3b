/**
 * Request budgets of whole commands (docs/request-budgets.md): the real bin/deskctl.js against each
 * helpdesk's fake, every request counted ("METHOD /path" -> count). `tickets reply` includes the reads of
 * deskctl's exactly-once checks (the ticket, and its conversation read once for the same text already
 * sent; the sent ledger is local) and, with --status, the update and its read-back. A command that makes
 * one request more than its budget fails here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FakeZendesk, zendeskProfileAddArgs } from '../support/fake-zendesk.js';
import { FreshdeskFake } from '../support/freshdesk-fake.js';
import { FrontFake } from '../support/front-fake.js';
import { HelpScoutFake } from '../support/helpscout-fake.js';
import { IntercomFake } from '../support/intercom-fake.js';
import type { FakeServer } from '../support/fake-server.js';
import { requestTally } from '../support/request-budget.js';

const NOW = '2026-11-25T09:00:00Z';
let home: string;
const env = { DESKCTL_NOW: NOW, FD_KEY: 'fd-k-123456', HS_SECRET: 'hs-secret-1234', FRONT_TOKEN: 'front-tok-1234', INTERCOM_TOKEN: 'ic-tok-12345' };
const run = (args: string[], input?: string): Promise<CliResult> => startCli(args, { home, env, input }).done;

let zd: FakeZendesk;
let fd: FreshdeskFake;
let hs: HelpScoutFake;
let fr: FrontFake;
let ic: IntercomFake;
beforeAll(async () => {
  home = makeHome();
  zd = await FakeZendesk.start({ tickets: 20 });
  fd = await FreshdeskFake.start({ apiKey: env.FD_KEY });
  fd.now = () => Date.parse(NOW);
  fd.seedDemo(10, Date.parse(NOW) - 86_400_000);
  hs = await HelpScoutFake.start({ clientId: 'hs-app', clientSecret: env.HS_SECRET });
  hs.seedDemo(10, Date.parse(NOW) - 86_400_000);
  fr = await FrontFake.start({ token: env.FRONT_TOKEN });
  fr.seedDemo(10);
  ic = await IntercomFake.start({ token: env.INTERCOM_TOKEN });
  ic.seedDemo(10);
  const adds: [string[], string?][] = [
    [zendeskProfileAddArgs(zd, 'zd'), `${zd.apiToken}\n`],
    [['profile', 'add', 'freshdesk', '--name', 'fd', '--url', fd.url, '--token-env', 'FD_KEY', '--rate-limit', '6000', '--option', 'retryBaseMs=1']],
    [['profile', 'add', 'helpscout', '--name', 'hs', '--url', hs.url, '--client-id', 'hs-app', '--client-secret-env', 'HS_SECRET', '--rate-limit', '6000', '--option', 'retryBaseMs=1']],
    [['profile', 'add', 'front', '--name', 'fr', '--url', fr.url, '--token-env', 'FRONT_TOKEN', '--agent', 'ana@acme.test', '--rate-limit', '6000', '--option', 'retryBaseMs=1']],
    [['profile', 'add', 'intercom', '--name', 'ic', '--region', 'eu', '--url', ic.url, '--token-env', 'INTERCOM_TOKEN', '--rate-limit', '6000', '--option', 'retryBaseMs=1']],
  ];
  for (const [args, input] of adds) {
    const r = await run(args, input);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => {
  await Promise.all([zd.close(), fd.close(), hs.close(), fr.close(), ic.close()]);
  cleanupHome(home);
});

/** Runs each command against a fresh log and returns its tally (after one warm-up command, which fetches any OAuth token). */
async function tallies(server: FakeServer, profile: string, commands: string[][]): Promise<Record<string, number>[]> {
  expect((await run(['-p', profile, 'tickets', 'list', '--limit', '1', '--json'])).code).toBe(0);
  const out: Record<string, number>[] = [];
  for (const args of commands) {
    server.clearLog();
    const r = await run(['-p', profile, ...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    out.push(requestTally(server.requests));
  }
  return out;
}

const commands = (id: string, tag: string) => [
  ['tickets', 'show', id],
  ['tickets', 'reply', id, '--body', `A budgeted reply to ${id}.`],
  ['tickets', 'reply', id, '--body', `A budgeted reply with a status to ${id}.`, '--status', 'pending'],
  ['tickets', 'update', id, '--status', 'open', '--add-tag', tag],
];

describe('request budgets of tickets show, reply, reply --status and update (docs/request-budgets.md)', () => {
  it('Zendesk: a reply with --status is one PUT; show is the ticket and its comments', async () => {
    const [show, reply, replyStatus, update] = await tallies(zd.server, 'zd', commands('3', 'budget'));
    expect(show).toEqual({ 'GET /api/v2/tickets/3': 1, 'GET /api/v2/tickets/3/comments': 1 });
    // exactly-once reads (the ticket, its latest comments), the write, and the reply's author when the ticket did not name them
    expect(reply).toEqual({ 'GET /api/v2/tickets/3': 1, 'GET /api/v2/tickets/3/comments': 1, 'PUT /api/v2/tickets/3': 1, 'GET /api/v2/users/show_many': 1 });
    expect(replyStatus).toEqual({ 'GET /api/v2/tickets/3': 1, 'GET /api/v2/tickets/3/comments': 1, 'PUT /api/v2/tickets/3': 1 });
    expect(update).toEqual({ 'PUT /api/v2/tickets/3': 1, 'GET /api/v2/tickets/3': 1 });
  });

  it('Freshdesk: the ticket is read once for show and for the exactly-once check', async () => {
    const directory = { 'GET /api/v2/groups': 1, 'GET /api/v2/agents': 1 };
    const [show, reply, replyStatus, update] = await tallies(fd.server, 'fd', commands('3', 'budget'));
    expect(show).toEqual({ ...directory, 'GET /api/v2/tickets/3': 1, 'GET /api/v2/tickets/3/conversations': 1 });
    expect(reply).toEqual({ ...directory, 'GET /api/v2/tickets/3': 1, 'GET /api/v2/tickets/3/conversations': 1, 'POST /api/v2/tickets/3/reply': 1 });
    // Freshdesk's reply takes no status: one PUT after it, and the ticket read back
    expect(replyStatus).toEqual({ ...directory, 'GET /api/v2/tickets/3': 2, 'GET /api/v2/tickets/3/conversations': 1, 'POST /api/v2/tickets/3/reply': 1, 'PUT /api/v2/tickets/3': 1 });
    // the current tags (tags are replaced as a list), one PUT, the read-back
    expect(update).toEqual({ ...directory, 'GET /api/v2/tickets/3': 2, 'PUT /api/v2/tickets/3': 1 });
  });

  it('Help Scout: the reply takes its customer from the conversation show read', async () => {
    const id = String([...hs.conversations.keys()][2]);
    const c = `/v2/conversations/${id}`;
    const directory = { 'GET /v2/users': 1, 'GET /v2/mailboxes': 1 };
    const [show, reply, replyStatus, update] = await tallies(hs.server, 'hs', commands(id, 'budget'));
    expect(show).toEqual({ ...directory, [`GET ${c}`]: 1, [`GET ${c}/threads`]: 1 });
    // and the token's own user (the reply's author), once per process
    expect(reply).toEqual({ ...directory, [`GET ${c}`]: 1, [`GET ${c}/threads`]: 1, [`POST ${c}/reply`]: 1, 'GET /v2/users/me': 1 });
    expect(replyStatus).toEqual({ ...directory, [`GET ${c}`]: 2, [`GET ${c}/threads`]: 1, [`POST ${c}/reply`]: 1, 'GET /v2/users/me': 1, [`PATCH ${c}`]: 1 });
    expect(update).toEqual({ ...directory, [`GET ${c}`]: 2, [`PATCH ${c}`]: 1, [`PUT ${c}/tags`]: 1 });
  });

  it('Front: the reply posts to the conversation show read; a snooze reads nothing first', async () => {
    const c = '/conversations/cnv_003';
    const directory = { 'GET /inboxes': 1, 'GET /inboxes/inb_sup/channels': 1, 'GET /inboxes/inb_chat/channels': 1 };
    const read = { [`GET ${c}`]: 1, [`GET ${c}/inboxes`]: 1, [`GET ${c}/messages`]: 1 };
    const [show, reply, replyStatus, update] = await tallies(fr.server, 'fr', commands('cnv_003', 'budget'));
    expect(show).toEqual({ ...directory, ...read, [`GET ${c}/comments`]: 1 });
    expect(reply).toEqual({ ...directory, ...read, [`GET ${c}/comments`]: 1, 'GET /teammates': 1, [`POST ${c}/messages`]: 1 });
    // pending is a snooze for the profile's agent; then the conversation read back
    expect(replyStatus).toEqual({
      ...directory,
      [`GET ${c}`]: 2,
      [`GET ${c}/inboxes`]: 2,
      [`GET ${c}/messages`]: 2,
      [`GET ${c}/comments`]: 1,
      'GET /teammates': 1,
      [`POST ${c}/messages`]: 1,
      [`PATCH ${c}/reminders`]: 1,
    });
    // the current tags, the status, the tag directory and the new tag, the tag, the read-back
    expect(update).toEqual({ ...directory, ...read, [`GET ${c}`]: 2, [`PATCH ${c}`]: 1, 'GET /tags': 1, 'POST /tags': 1, [`POST ${c}/tags`]: 1 });
  });

  it('Intercom: one read of the conversation serves show and the exactly-once check; the reply reads nothing first', async () => {
    const id = String([...ic.conversations.keys()][2]);
    const c = `/conversations/${id}`;
    const directory = { 'GET /admins': 1, 'GET /teams': 1, 'GET /me': 1 };
    const [show, reply, replyStatus, update] = await tallies(ic.server, 'ic', commands(id, 'budget'));
    expect(show).toEqual({ ...directory, [`GET ${c}`]: 1 });
    expect(reply).toEqual({ ...directory, [`GET ${c}`]: 1, [`POST ${c}/reply`]: 1 });
    // the status is a conversation part (snoozed), then the conversation read back
    expect(replyStatus).toEqual({ ...directory, [`GET ${c}`]: 2, [`POST ${c}/reply`]: 1, [`POST ${c}/parts`]: 1 });
    // the current tags, the tag directory and the new tag, the tag, the status, the read-back
    expect(update).toEqual({ ...directory, [`GET ${c}`]: 2, 'GET /tags': 1, 'POST /tags': 1, [`POST ${c}/tags`]: 1, [`POST ${c}/parts`]: 1 });
  });
});

describe('a reply from a template with ticket changes (status, tags) on Zendesk', () => {
  it('is one PUT per ticket, for tickets reply and bulk reply', async () => {
    mkdirSync(join(home, 'templates'), { recursive: true });
    writeFileSync(join(home, 'templates', 'budget-actions.liquid'), '---\ndescription: budget\npublic: true\nstatus: pending\nadd_tags: budget-actions\n---\nAbout "{{ ticket.subject }}": on its way.\n');
    zd.server.clearLog();
    let r = await run(['-p', 'zd', 'tickets', 'reply', '7', '-t', 'budget-actions', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // the exactly-once reads (the ticket, its comments), the token's own user (the template's agent), one PUT
    expect(requestTally(zd.server.requests)).toEqual({ 'GET /api/v2/users/me': 1, 'GET /api/v2/tickets/7': 1, 'GET /api/v2/tickets/7/comments': 1, 'PUT /api/v2/tickets/7': 1 });
    expect((JSON.parse(r.stdout) as { changes: unknown[] }[])[0]!.changes).toEqual([
      { change: 'status', value: 'pending', outcome: 'applied' },
      { change: 'addTag', value: 'budget-actions', outcome: 'applied' },
    ]);
    zd.server.clearLog();
    r = await run(['-p', 'zd', 'bulk', 'reply', '-t', 'budget-actions', '--ids', '8,9', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(requestTally(zd.server.requests)).toEqual({
      'GET /api/v2/users/me': 1,
      'GET /api/v2/tickets/8': 1,
      'GET /api/v2/tickets/9': 1,
      'GET /api/v2/tickets/8/comments': 1,
      'GET /api/v2/tickets/9/comments': 1,
      'PUT /api/v2/tickets/8': 1,
      'PUT /api/v2/tickets/9': 1,
    });
    for (const id of ['7', '8', '9']) {
      const put = zd.server.find('PUT', `/api/v2/tickets/${id}`).at(-1);
      if (id !== '7') expect((put!.json as { ticket: Record<string, unknown> }).ticket).toMatchObject({ status: 'pending', additional_tags: ['budget-actions'] });
    }
  });
});

describe('a template that quotes the conversation', () => {
  it('reads each conversation once for rendering and the exactly-once check (tickets reply -t, bulk reply -t)', async () => {
    mkdirSync(join(home, 'templates'), { recursive: true });
    writeFileSync(join(home, 'templates', 'budget-quote.liquid'), '---\ndescription: budget\npublic: true\n---\nYou wrote: "{{ ticket.latest_customer_comment | default: \'(nothing)\' | truncate: 40 }}"\n');
    zd.server.clearLog();
    let r = await run(['-p', 'zd', 'tickets', 'reply', '10', '-t', 'budget-quote', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(requestTally(zd.server.requests)).toEqual({ 'GET /api/v2/users/me': 1, 'GET /api/v2/tickets/10': 1, 'GET /api/v2/tickets/10/comments': 1, 'PUT /api/v2/tickets/10': 1 });
    zd.server.clearLog();
    r = await run(['-p', 'zd', 'bulk', 'reply', '-t', 'budget-quote', '--ids', '11,12', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const tally = requestTally(zd.server.requests);
    expect([tally['GET /api/v2/tickets/11/comments'], tally['GET /api/v2/tickets/12/comments'], tally['PUT /api/v2/tickets/11'], tally['PUT /api/v2/tickets/12']]).toEqual([1, 1, 1, 1]);
  });
});
