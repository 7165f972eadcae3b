import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, makeHome, runCli, runJson } from '../support/cli.js';

/**
 * `triage learn` and `triage explain` through the real CLI. The "wobble" helpdesk is a shop whose
 * unhappy customers (CSAT 1-2) describe faults in words the shipped model does not read as unhappy
 * ("the spindle wobbles", "a rattle in the hinge"), so a model learned from its ratings beats the default
 * on held-out tickets and is used; on the demo (ratings that do not follow the words) it is not.
 */
const NOW = '2026-11-25T09:00:00Z';
const env = { DESKCTL_NOW: NOW };

const FAULTS = ['the spindle wobbles', 'a rattle in the hinge', 'the lid wobbles', 'the hinge rattles', 'the spindle grinds', 'a wobble in the base', 'the base rattles', 'the hinge grinds'];
const PARTS = ['on my lathe', 'on the new press', 'since Monday', 'after the first use', 'on order 7781', 'when I switch it on', 'at low speed', 'on both units'];
const GOOD = ['the lathe runs true now', 'the press is running fine', 'the parts arrived and fit', 'the unit is set up and running', 'the invoice is correct now', 'we are all set'];

function wobbleHelpdesk(): unknown[] {
  const tickets: unknown[] = [];
  const person = (i: number) => ({ name: `Customer ${i}`, email: `c${i}@example.com` });
  for (let i = 0; i < 96; i++) {
    const unhappy = i % 3 === 0;
    const at = new Date(Date.parse(NOW) - (200 - i) * 3_600_000).toISOString();
    const solved = new Date(Date.parse(at) + 2 * 3_600_000).toISOString();
    const body = unhappy ? `Hello, ${FAULTS[i % FAULTS.length]} ${PARTS[(i * 7) % PARTS.length]}.` : `Hello, ${GOOD[i % GOOD.length]} ${PARTS[(i * 5) % PARTS.length]}.`;
    tickets.push({
      id: String(i + 1),
      subject: `Ticket ${i + 1}`,
      status: 'solved',
      requester: person(i),
      createdAt: at,
      solvedAt: solved,
      comments: [
        { author: person(i), authorRole: 'customer', body, createdAt: at },
        { author: { name: 'Agent', email: 'agent@shop.example' }, authorRole: 'agent', body: 'Thanks, looking into it.', createdAt: solved },
      ],
      ratings: [{ kind: 'csat', score: unhappy ? 1 + (i % 2) : 5 - (i % 2), scale: { min: 1, max: 5 }, createdAt: solved }],
    });
  }
  tickets.push({
    id: '500',
    subject: 'Spindle problem',
    status: 'open',
    requester: person(500),
    createdAt: '2026-11-25T08:00:00Z',
    comments: [{ author: person(500), authorRole: 'customer', body: 'Hello, the spindle wobbles on the new press.', createdAt: '2026-11-25T08:00:00Z' }],
  });
  return tickets;
}

interface Learned {
  version: number | null;
  used: boolean;
  dryRun: boolean;
  tickets: { train: { negative: number; positive: number }; heldOut: { negative: number; positive: number } };
  heldOut: Record<'default' | 'learned', Record<'negative' | 'positive', { precision: number; recall: number; f1: number; n: number } | null>>;
}

describe('triage learn on a helpdesk whose ratings follow its words', () => {
  let home: string;
  beforeAll(() => {
    home = makeHome();
    const file = join(home, 'wobble.json');
    writeFileSync(file, JSON.stringify(wobbleHelpdesk()));
    const r = runCli(['import', file, '--into', 'wobble'], { home, env });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => cleanupHome(home));
  const opts = () => ({ home, env: { ...env, DESKCTL_PROFILE: 'wobble' } });

  it('--dry-run reports held-out figures and saves nothing', () => {
    const out = runJson<Learned>(['triage', 'learn', '--dry-run', '--json'], opts());
    expect(out).toMatchObject({ version: null, used: false, dryRun: true });
    expect(out.tickets.train.negative + out.tickets.heldOut.negative).toBe(32);
    expect(out.tickets.heldOut.negative).toBe(8);
    expect(runJson<unknown[]>(['triage', 'learn', '--list', '--json'], opts())).toEqual([]);
  });

  it('learns, beats the default on the held-out tickets, and triage uses it', () => {
    const before = runJson<{ sentiment: { label: string; model: string } }[]>(['tickets', 'list', '--status', 'open', '--sort', 'urgency', '--json'], opts());
    expect(before[0]!.sentiment).toMatchObject({ model: 'default' });

    const r = runCli(['triage', 'learn', '--format', 'table'], opts());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Learned from 72 rated tickets \(24 unhappy, 48 happy\); held out 24 \(8 unhappy, 16 happy\)/);
    expect(r.stdout).toMatch(/learned\s+negative\s+1\.00\s+1\.00\s+1\.00\s+8/);
    expect(r.stdout).toContain('triage now uses profile v1');

    const list = runJson<{ version: number; active: boolean }[]>(['triage', 'learn', '--list', '--json'], opts());
    expect(list).toMatchObject([{ version: 1, active: true }]);
    const after = runJson<{ id: string; sentiment: { label: string; model: string } }[]>(
      ['tickets', 'list', '--status', 'open', '--fields', 'id,sentiment', '--json'],
      opts(),
    );
    // list views read the subject ("Spindle problem"), with the profile's model; explain reads the message
    expect(after).toMatchObject([{ id: '500', sentiment: { model: 'profile v1', source: 'subject' } }]);
    const explained = runJson<{ sentiment: { label: string; model: string; source: string; features: { text: string; towardNegative: number }[] } }>(
      ['triage', 'explain', '500', '--json'],
      opts(),
    );
    expect(explained.sentiment).toMatchObject({ label: 'negative', model: 'profile v1', source: 'message' });
    expect(explained.sentiment.features.find((f) => f.text === 'wobbles')?.towardNegative).toBeGreaterThan(0);
  });

  it('--reset goes back to the shipped model and keeps the learned one', () => {
    const r = runJson<{ reset: boolean; wasActive: number }>(['triage', 'learn', '--reset', '--json'], opts());
    expect(r).toEqual({ reset: true, wasActive: 1 });
    expect(runJson<{ sentiment: { model: string } }>(['triage', 'explain', '500', '--json'], opts()).sentiment.model).toBe('default');
    expect(runJson<{ active: boolean }[]>(['triage', 'learn', '--list', '--json'], opts())).toMatchObject([{ version: 1, active: false }]);
  });

  it("--from reads another profile's ratings (e.g. a mirror) and stores the model with this one", () => {
    // the default profile learns from the wobble helpdesk
    const out = runJson<Learned>(['triage', 'learn', '--from', 'wobble', '--json'], { home, env });
    expect(out).toMatchObject({ version: 1, used: true });
    expect(runJson(['triage', 'learn', '--list', '--json'], { home, env })).toMatchObject([{ version: 1, active: true }]);
    // the wobble profile's own models are untouched (its v1 was reset above)
    expect(runJson(['triage', 'learn', '--list', '--json'], opts())).toMatchObject([{ version: 1, active: false }]);
    const r = runCli(['triage', 'learn', '--from', 'nope'], { home, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no profile named 'nope' (--from)");
  });

  it('usage errors exit 2 before reading anything', () => {
    const r = runCli(['triage', 'learn', '--list', '--reset'], opts());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--list and --reset disagree');
    expect(runCli(['triage', 'learn', '--since', 'someday'], opts()).code).toBe(2);
  });
});

describe('triage learn and explain on the demo', () => {
  let home: string;
  beforeAll(() => {
    home = makeHome();
    expect(runCli(['demo'], { home, env }).code).toBe(0);
  });
  afterAll(() => cleanupHome(home));

  it('reports held-out figures for both models and keeps the default when the learned one is not better', () => {
    const out = runJson<Learned>(['triage', 'learn', '--json'], { home, env });
    expect(out.heldOut.default.negative).not.toBeNull();
    expect(out.heldOut.learned.negative).not.toBeNull();
    const better = (out.heldOut.learned.negative?.f1 ?? 0) > (out.heldOut.default.negative?.f1 ?? 0);
    expect(out.used).toBe(better);
    expect(out.version).toBe(1);
    const model = runJson<{ sentiment: { model: string } }>(['triage', 'explain', '1', '--json'], { home, env }).sentiment.model;
    expect(model).toBe(better ? 'profile v1' : 'default');
  });

  it('explain prints every factor of the urgency, the sentiment features and the SLA', () => {
    const [top] = runJson<{ id: string; urgency: { score: number } }[]>(
      ['tickets', 'list', '--status', 'unsolved', '--sort', 'urgency', '--limit', '1', '--json'],
      { home, env },
    );
    const r = runCli(['triage', 'explain', top!.id, '--format', 'table'], { home, env: { ...env, COLUMNS: '100' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#\d+ /);
    expect(r.stdout).toMatch(/Urgency \d+ (critical|high|medium|low)/);
    expect(r.stdout).toMatch(/FACTOR\s+POINTS\s+WHY/);
    expect(r.stdout).toMatch(/Sentiment (negative|neutral|positive), \d+% unhappy/);
    expect(r.stdout).toMatch(/WORD OR PATTERN\s+TOWARD UNHAPPY\s+TOWARD HAPPY/);
    expect(r.stdout).toMatch(/\nSLA /);
    const json = runJson<{ urgency: { score: number; reasons: { factor: string; points: number }[] } }>(['triage', 'explain', top!.id, '--json'], { home, env });
    // the explanation's factors add up to the score (before the cap at 100 and the status discount)
    const sum = json.urgency.reasons.reduce((a, x) => a + x.points, 0);
    expect(json.urgency.score).toBe(Math.min(100, sum));
  });

  it('the demo queue by urgency opens on the unhappy, overdue tickets', () => {
    const queue = runJson<{ sla: { state: string }; sentiment: { label: string } }[]>(['tickets', 'list', '--status', 'unsolved', '--sort', 'urgency', '--all', '--json'], { home, env });
    const top = queue.slice(0, 10);
    expect(top.every((t) => t.sla.state === 'breached')).toBe(true);
    expect(top.filter((t) => t.sentiment.label === 'negative').length).toBeGreaterThanOrEqual(8);
    // far more than in the queue as a whole
    expect(queue.filter((t) => t.sla.state === 'breached').length / queue.length).toBeLessThan(0.5);
    expect(queue.filter((t) => t.sentiment.label === 'negative').length / queue.length).toBeLessThan(0.7);
  });

  it('a missing ticket is a clear error', () => {
    const r = runCli(['triage', 'explain', '99999'], { home, env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/99999/);
  });
});
