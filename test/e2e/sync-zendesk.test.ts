/**
 * deskctl sync from a fake Zendesk with 5,000 tickets into a local mirror: the first sync reads everything
 * through the incremental cursor export; after 100 tickets change, the next sync fetches only those 100
 * (counted on the fake's request log); a sync with no changes reads one cursor page; a sync that fails
 * halfway resumes from the last page it wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, startCli, type CliResult } from '../support/cli.js';
import { FakeZendesk, ZENDESK_DOCUMENTED, zendeskProfileAddArgs, zendeskSpecRequests } from '../support/fake-zendesk.js';
import { loadSpec, type SpecRequest } from '../support/openapi.js';
import { mustSkip, specPrereq } from '../support/prereqs.js';

const SPEC_FILE = 'zendesk/support-oas.yaml';
const checkSpec = !mustSkip('deskctl sync requests checked against the Zendesk API description', specPrereq(SPEC_FILE));
/** Endpoints documented by Zendesk but absent from the OAS snapshot. */
const NOT_IN_OAS = (r: SpecRequest) => r.path === '/api/v2/guide/survey_responses' || r.path.startsWith('/oauth/');

let zd: FakeZendesk;
let home: string;
const env = { DESKCTL_NOW: '2026-11-25T09:00:00Z' };
const cli = (args: string[], input?: string): Promise<CliResult> => startCli(args, { home, env, input, timeoutMs: 300_000 }).done;
const sync = async (extra: string[] = []) => {
  const r = await cli(['sync', '--from', 'zd', '--rate-limit', '1000000', '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { tickets: number; comments: number; ratings: number; method: string };
};
const requests = () => ({
  incremental: zd.server.find('GET', '/api/v2/incremental/tickets/cursor'),
  comments: zd.server.find('GET', /^\/api\/v2\/tickets\/\d+\/comments$/),
  all: zd.server.requests,
});
const mirrorTickets = async (profile = 'zd-mirror') => {
  const r = await cli(['tickets', 'list', '--all', '--status', 'all', '--json', '--profile', profile]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; subject: string; status: string; updatedAt: string }[];
};

beforeAll(async () => {
  zd = await FakeZendesk.start({ tickets: 5000, incrementalPageSize: 1000 });
  home = makeHome();
  const add = await cli(
    zendeskProfileAddArgs(zd, 'zd', ['incrementalRateLimit=100000']),
    `${zd.apiToken}\n`,
  );
  expect(add.code, add.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  cleanupHome(home);
  await zd.close();
});

describe('sync from Zendesk', () => {
  it('mirrors every ticket, conversation and rating on the first sync', async () => {
    zd.server.clearLog();
    const first = await sync();
    expect(first).toMatchObject({ method: 'cursor', tickets: 5000 });
    expect(first.comments).toBe([...zd.comments.values()].reduce((n, c) => n + c.length, 0));
    expect(first.ratings).toBe(zd.satisfaction.length);
    expect(requests().incremental).toHaveLength(5); // 5 pages of 1,000, the last one marked end_of_stream
    const mirror = await mirrorTickets();
    expect(mirror.map((t) => Number(t.id)).sort((a, b) => a - b)).toEqual([...zd.tickets.keys()].sort((a, b) => a - b));
  }, 300_000);

  it('then fetches only the 100 changed tickets', async () => {
    const changed = [...zd.tickets.values()].filter((t) => t.id % 50 === 7);
    expect(changed).toHaveLength(100);
    for (const t of changed) {
      t.subject = `Changed ${t.id}`;
      zd.comments.get(t.id)!.push(zd.makeComment(t.requester_id, `Follow-up on ${t.id}`, true, Date.now()));
      zd.touch(t);
    }
    zd.server.clearLog();
    const second = await sync();
    expect(second.tickets).toBe(100);
    const r = requests();
    expect(r.incremental).toHaveLength(1);
    expect(r.comments.map((q) => Number(q.path.split('/')[4])).sort((a, b) => a - b)).toEqual(changed.map((t) => t.id).sort((a, b) => a - b));
    expect(r.all.length).toBeLessThan(100 + 10); // the changes, the cursor page, people and the ratings listing
    const mirror = new Map((await mirrorTickets()).map((t) => [Number(t.id), t]));
    expect(mirror.size).toBe(5000);
    for (const t of changed) expect(mirror.get(t.id)?.subject).toBe(`Changed ${t.id}`);
    if (checkSpec) (await loadSpec(SPEC_FILE)).assertRequests(zendeskSpecRequests(r.all), { ignore: NOT_IN_OAS, documented: ZENDESK_DOCUMENTED });
    const show = await cli(['tickets', 'show', String(changed[0]!.id), '--profile', 'zd-mirror', '--json']);
    expect(show.stdout).toContain(`Follow-up on ${changed[0]!.id}`);
  }, 300_000);

  it('reads one cursor page when nothing changed', async () => {
    zd.server.clearLog();
    const third = await sync();
    expect(third.tickets).toBe(0);
    expect(requests().incremental).toHaveLength(1);
    expect(requests().comments).toHaveLength(0);
  }, 120_000);

  it('resumes after a failure from the last page it wrote', async () => {
    const fresh = ['--into', 'zd-resume'];
    // the third export page fails for good: two pages (2,000 tickets) are written with their cursor
    zd.server.inject({ type: 'status', status: 500, json: { error: 'boom' } }, { path: '/api/v2/incremental/tickets/cursor', skip: 2, times: Infinity });
    const failed = await cli(['sync', '--from', 'zd', '--rate-limit', '1000000', ...fresh]);
    expect(failed.code).not.toBe(0);
    expect(await mirrorTickets('zd-resume')).toHaveLength(2000);
    zd.server.clearFaults();
    zd.server.clearLog();
    const resumed = await sync(fresh);
    expect(resumed.tickets).toBe(3000);
    expect(requests().incremental[0]!.query.get('cursor')).toBeTruthy();
    expect(requests().incremental[0]!.query.get('start_time')).toBeNull();
    expect(await mirrorTickets('zd-resume')).toHaveLength(5000);
  }, 300_000);
});
