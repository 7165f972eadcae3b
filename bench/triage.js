#!/usr/bin/env node
// Benchmark of triage: sentiment and urgency scoring, rules parsing, and planning the example rules
// over synthetic tickets with conversations (in-memory provider, so the figures are triage's own
// cost), then the CLI on the demo helpdesk: `tickets list --sort urgency --all` and
// `triage apply --dry-run` with examples/triage-rules.yaml.
// Usage: node bench/triage.js [--tickets 20000]   (build first: npx tsc -p .)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const size = Number(args[args.indexOf('--tickets') + 1] || 20_000);
const root = fileURLToPath(new URL('..', import.meta.url));
const NOW = new Date('2026-11-25T09:00:00Z');

const { loadSentimentAnalyzer } = await import('../dist/src/triage/sentiment.js');
const { scoreTicket } = await import('../dist/src/triage/urgency.js');
const { parseRules } = await import('../dist/src/triage/rules.js');
const { planRules } = await import('../dist/src/triage/apply.js');
const { seededRandom } = await import('../dist/src/providers/local/demo.js');

const MESSAGES = [
  'Hi, I ordered the tent on Monday and it still has not arrived. Can you check?',
  'This is unacceptable. I have been waiting a month for a refund. I will file a chargeback.',
  'Is your website down? I get an error on every page.',
  'Thanks so much, that fixed it!',
  'The zip on my jacket broke after two uses. Very disappointed.',
  'Please cancel my subscription box, I have asked twice already.',
  'On Mon, Support wrote:\n> we are sorry\n> terrible delays\nStill nothing today.',
];
const CHANNELS = ['email', 'chat', 'phone', 'social', 'web'];
const PRIORITIES = ['low', 'normal', 'normal', 'high', 'urgent'];
const g = seededRandom(7);
const pick = (xs) => xs[Math.floor(g() * xs.length)];

const tickets = [];
const comments = new Map();
for (let i = 0; i < size; i++) {
  const created = new Date(NOW.getTime() - g() * 10 * 86_400_000).toISOString();
  const answered = g() < 0.5;
  const t = {
    id: String(i + 1),
    subject: pick(['Where is my order?', 'Refund not received', 'Website down?', 'Broken zip', 'Cancel my order', 'Question']),
    status: pick(['new', 'open', 'open', 'pending']),
    priority: pick(PRIORITIES),
    channel: pick(CHANNELS),
    requester: { id: `c${i}`, name: `Customer ${i}`, email: `c${i}@${pick(['mail.example', 'bigcorp.example'])}`, role: 'customer' },
    assignee: g() < 0.3 ? { id: 'a1', name: 'Agent', role: 'agent' } : null,
    group: pick(['Support', 'Billing', null]),
    tags: g() < 0.2 ? ['vip'] : [],
    createdAt: created,
    updatedAt: created,
    firstResponseAt: answered ? new Date(Date.parse(created) + 3_600_000).toISOString() : null,
    solvedAt: null,
    reopenCount: 0,
    customFields: { tier: pick(['standard', 'standard', 'premium', 'vip']) },
  };
  tickets.push(t);
  const conv = [{ id: `m${i}a`, ticketId: t.id, author: t.requester, authorRole: 'customer', public: true, body: pick(MESSAGES), createdAt: created }];
  if (answered) conv.push({ id: `m${i}b`, ticketId: t.id, author: { id: 'a1', name: 'Agent', role: 'agent' }, authorRole: 'agent', public: true, body: 'We are on it.', createdAt: t.firstResponseAt });
  comments.set(t.id, conv);
}

const time = async (label, n, unit, fn) => {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms   ${n ? `${((n / ms) * 1000).toFixed(0).padStart(9)} ${unit}/s` : ''}`);
  return r;
};

const analyze = await time('load the sentiment model (first use)', 0, '', () => loadSentimentAnalyzer());
await time(`sentiment of ${size} messages`, size, 'messages', () => {
  for (const t of tickets) analyze(comments.get(t.id)[0].body);
});
await time(`urgency of ${size} tickets (with conversation)`, size, 'tickets', () => {
  for (const t of tickets) scoreTicket(t, comments.get(t.id), { now: NOW, analyze });
});
await time(`urgency of ${size} tickets (list view: ticket only)`, size, 'tickets', () => {
  for (const t of tickets) scoreTicket(t, undefined, { now: NOW, analyze });
});
const text = readFileSync(join(root, 'examples', 'triage-rules.yaml'), 'utf8');
const set = await time('parse + validate examples/triage-rules.yaml', 0, '', () => parseRules(text, 'triage-rules.yaml'));
const provider = { listComments: async (id) => comments.get(id) };
const assignees = new Map(set.rules.filter((r) => r.then.assignee !== undefined).map((r) => [r.name, { id: 'a9', name: 'Senior' }]));
const plan = await time(`plan the example rules over ${size} tickets`, size, 'tickets', () =>
  planRules(set, tickets, { provider, journal: { sentStates: async () => new Map() }, now: NOW, analyze, assignees, concurrency: 8 }),
);
console.log(`  -> ${plan.plans.filter((p) => p.changes.length).length} tickets would change, ${plan.unstable.length} unstable`);

// the CLI on the demo helpdesk (720 tickets)
const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-triage-'));
const env = { ...process.env, DESKCTL_HOME: home, DESKCTL_NOW: NOW.toISOString(), NO_COLOR: '1', CI: '1' };
const cli = (argv) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'deskctl.js'), ...argv], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`deskctl ${argv.join(' ')}: ${r.stderr}`);
  return performance.now() - t0;
};
try {
  cli(['demo']);
  const best = (argv) => Math.min(cli(argv), cli(argv), cli(argv));
  console.log(`${'deskctl tickets list --all --json (no triage, baseline)'.padEnd(52)} ${best(['tickets', 'list', '--all', '--json']).toFixed(0).padStart(7)} ms   best of 3`);
  console.log(`${'deskctl tickets list --sort urgency --all --json'.padEnd(52)} ${best(['tickets', 'list', '--sort', 'urgency', '--all', '--json']).toFixed(0).padStart(7)} ms   best of 3`);
  console.log(
    `${'deskctl triage apply --dry-run (example rules, demo)'.padEnd(52)} ${best(['triage', 'apply', '--rules', join(root, 'examples', 'triage-rules.yaml'), '--dry-run', '--json']).toFixed(0).padStart(7)} ms   best of 3`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
