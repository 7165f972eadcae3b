#!/usr/bin/env node
// Seeded, realistic helpdesk dataset in deskctl's import format (NDJSON, one ticket per line).
//   node bench/dataset.js --tickets 1000000 --out /tmp/tickets-1m.ndjson [--seed 42] [--end 2026-11-27T00:00:00Z]
// The same seed and options always write the same bytes. Format: docs/import-export.md.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
// the demo's seeded PRNG (mulberry32), so both generators share one implementation
import { seededRandom } from '../dist/src/providers/local/demo.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const rng = seededRandom;

const pickWeighted = (r, entries) => {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of entries) if ((x -= w) < 0) return v;
  return entries[entries.length - 1][0];
};
const pick = (r, list) => list[Math.floor(r() * list.length)];
/** Log-normal delay around a median, in ms. */
const lognormal = (r, medianMs, sigma) => {
  const u = Math.max(r(), 1e-12);
  const v = r();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return medianMs * Math.exp(sigma * z);
};

const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas', 'Kwame', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Vera', 'Wei', 'Ximena', 'Yusuf', 'Zoë'];
const LAST = ['Alvarez', 'Brown', 'Chen', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Haddad', 'Ivanova', 'Jensen', 'Kowalski', 'López', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Singh', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Yilmaz', 'Zhang'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'acme.example', 'globex.example', 'initech.example'];
const GROUPS = [
  ['Billing', 3],
  ['Technical', 4],
  ['Accounts', 2],
  ['Shipping', 2],
];
const CHANNELS = [
  ['email', 50],
  ['web', 20],
  ['chat', 15],
  ['phone', 8],
  ['social', 4],
  ['api', 3],
];
const PRIORITIES = [
  ['low', 20],
  ['normal', 55],
  ['high', 20],
  ['urgent', 5],
];
const TOPICS = {
  Billing: ['Refund for order', 'Charged twice', 'Invoice address wrong', 'Cancel my subscription', 'VAT number missing'],
  Technical: ['App crashes on start', 'Cannot log in', 'Sync stopped working', 'Export is empty', 'Error 500 on checkout'],
  Accounts: ['Change account owner', 'Delete my account', 'Two-factor reset', 'Merge two accounts', 'Update email address'],
  Shipping: ['Where is my parcel', 'Package arrived damaged', 'Wrong item delivered', 'Change delivery address', 'Customs fees'],
};
const TAGS = ['vip', 'refund', 'bug', 'how-to', 'feedback', 'escalated', 'mobile', 'desktop', 'b2b', 'churn-risk', 'billing', 'delivery'];
const CUSTOMER_LINES = [
  'Hello, I have a problem and need help as soon as possible.',
  'Hi team, this has happened twice this week already.',
  'Could you look into this please? Thanks in advance.',
  'I tried the steps from your help centre but it still fails.',
  'This is urgent for us, our customers are waiting.',
];
const FOLLOW_UPS = ['Thanks, but it is still not working.', 'Any update on this?', 'That worked, thank you!', 'It happened again today.'];
const AGENT_LINES = [
  'Thanks for reaching out, I am looking into it now.',
  'I have fixed this on our side, could you try again?',
  'Sorry for the trouble. I have issued the refund, it takes 3-5 days.',
  'Could you send us a screenshot of the error?',
  'I have escalated this to our engineers and will update you tomorrow.',
];
const NOTES = ['Checked the logs: timeout on the payment provider.', 'Customer is on the legacy plan.', 'Asked engineering in #support-escalations.'];
const RATING_COMMENTS = ['Quick and helpful.', 'Took too long.', 'Great support!', 'Problem not solved.', null, null, null];

const iso = (ms) => new Date(ms).toISOString();

/** The people and the per-ticket generator for one seed. Pure: tickets(i) depends on (seed, options, i) only. */
export function createDataset({ tickets, seed = 42, end = '2026-11-27T00:00:00Z' }) {
  const endMs = Date.parse(end);
  if (Number.isNaN(endMs)) throw new Error(`--end ${end} is not an ISO date`);
  const startMs = endMs - 365 * DAY;
  const base = rng(seed);
  const requesterCount = Math.max(1, Math.ceil(tickets / 5));
  const agentsPerGroup = Math.max(2, Math.min(60, Math.ceil(tickets / 20_000)));
  const agents = [];
  for (const [group] of GROUPS) {
    for (let k = 0; k < agentsPerGroup; k++) {
      const first = pick(base, FIRST);
      const last = pick(base, LAST);
      const n = agents.length + 1;
      agents.push({ id: `agent-${n}`, name: `${first} ${last}`, email: `agent${n}@support.example.com`, group });
    }
  }
  const requester = (n) => {
    // derived from n so that 200k requesters need no table in memory
    const r = rng(seed * 7919 + n);
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    const hasEmail = r() > 0.03; // phone/social requesters without an email
    return {
      id: `cust-${n}`,
      name: `${first} ${last}`,
      email: hasEmail ? `${first}.${last}.${n}@${pick(r, DOMAINS)}`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '') : null,
    };
  };

  const ticket = (i) => {
    const r = rng(seed * 1_000_003 + i);
    const id = i + 1;
    const group = pickWeighted(r, GROUPS);
    const channel = pickWeighted(r, CHANNELS);
    const priority = pickWeighted(r, PRIORITIES);
    // volume grows over the year and dips at weekends
    let created = startMs + Math.sqrt(r()) * (endMs - startMs - HOUR);
    const weekday = new Date(created).getUTCDay();
    if ((weekday === 0 || weekday === 6) && r() < 0.5) created -= 2 * DAY;
    created = Math.max(startMs, Math.floor(created / 1000) * 1000);
    const customer = requester(1 + Math.floor(r() * requesterCount));
    const groupAgents = agents.filter((a) => a.group === group);
    const agent = pick(r, groupAgents);
    const age = endMs - created;

    const comments = [];
    const say = (who, role, pub, body, at) => comments.push({ author: { id: who.id, name: who.name, email: who.email }, authorRole: role, public: pub, body, createdAt: iso(at) });
    say(customer, 'customer', true, `${pick(r, CUSTOMER_LINES)} (ref ${id})`, created);

    // first response: median 2 h (chat/phone much faster); about 12% miss a 24 h SLA
    const speed = channel === 'chat' || channel === 'phone' ? 0.1 : 1;
    let delay = lognormal(r, 2 * HOUR * speed, 1.3);
    if (r() < 0.12) delay = 24 * HOUR + r() * 72 * HOUR;
    const answered = delay < age && r() > 0.02;
    let t = created;
    let firstResponseAt = null;
    let solvedAt = null;
    let reopenCount = 0;
    let status;
    const agentReply = () => {
      say(agent, 'agent', true, pick(r, AGENT_LINES), t);
      firstResponseAt ??= iso(t);
    };
    if (!answered) {
      status = age < 2 * DAY ? 'new' : 'open';
    } else {
      t += Math.max(60_000, delay);
      if (r() < 0.15) say(agent, 'agent', false, pick(r, NOTES), t - 30_000);
      agentReply();
      // about half the tickets need a second exchange (no first contact resolution)
      const exchanges = r() < 0.5 ? 0 : 1 + Math.floor(r() * 3);
      for (let k = 0; k < exchanges && t < endMs - 2 * HOUR; k++) {
        t += lognormal(r, 6 * HOUR, 1);
        if (t >= endMs) break;
        say(customer, 'customer', true, pick(r, FOLLOW_UPS), t);
        t += lognormal(r, 3 * HOUR * speed, 1.2);
        if (t >= endMs) break;
        agentReply();
      }
      const solveAt = t + lognormal(r, 4 * HOUR, 1);
      const stillOpen = solveAt >= endMs || r() < 0.06;
      if (stillOpen) status = r() < 0.6 ? 'pending' : pickWeighted(r, [['open', 3], ['on_hold', 1]]);
      else {
        t = solveAt;
        solvedAt = t;
        // about 7% are reopened by the customer and solved again
        if (r() < 0.07 && t + 2 * DAY < endMs) {
          reopenCount = 1;
          t += lognormal(r, 20 * HOUR, 0.8);
          say(customer, 'customer', true, 'Sorry, the problem is back.', t);
          t += lognormal(r, 3 * HOUR * speed, 1);
          agentReply();
          t += lognormal(r, 5 * HOUR, 1);
          solvedAt = t;
        }
        if (solvedAt >= endMs) {
          solvedAt = null;
          status = 'open';
        } else status = endMs - solvedAt > 4 * DAY && r() < 0.8 ? 'closed' : 'solved';
      }
    }

    const ratings = [];
    if (solvedAt !== null) {
      const happy = reopenCount === 0 && firstResponseAt && Date.parse(firstResponseAt) - created < 24 * HOUR;
      const rateAt = (h) => Math.min(endMs - 1000, solvedAt + lognormal(r, h * HOUR, 0.7));
      if (r() < 0.35) {
        const score = happy ? pickWeighted(r, [[5, 55], [4, 25], [3, 10], [2, 5], [1, 5]]) : pickWeighted(r, [[5, 20], [4, 20], [3, 20], [2, 20], [1, 20]]);
        ratings.push({ kind: 'csat', score, scale: { min: 1, max: 5 }, comment: pick(r, RATING_COMMENTS), createdAt: iso(rateAt(5)), agentId: agent.id });
      }
      if (r() < 0.1) {
        const score = Math.min(10, Math.max(0, Math.round((happy ? 8.2 : 6) + lognormal(r, 1, 0.6) * (r() < 0.5 ? -1 : 1))));
        ratings.push({ kind: 'nps', score, scale: { min: 0, max: 10 }, comment: null, createdAt: iso(rateAt(24)), agentId: null });
      }
      if (r() < 0.08) {
        const score = happy ? pickWeighted(r, [[1, 10], [2, 30], [3, 30], [4, 15], [5, 10], [6, 3], [7, 2]]) : 1 + Math.floor(r() * 7);
        ratings.push({ kind: 'ces', score, scale: { min: 1, max: 7 }, comment: null, createdAt: iso(rateAt(8)), agentId: agent.id });
      }
    }

    const tags = [];
    for (const tag of TAGS) if (r() < 0.09) tags.push(tag);
    const customFields = { plan: pickWeighted(r, [['free', 50], ['pro', 35], ['enterprise', 15]]), region: pick(r, ['eu', 'us', 'apac']) };
    if (group === 'Shipping' || group === 'Billing') customFields.order_id = `ORD-${100000 + Math.floor(r() * 900000)}`;
    const last = Math.max(...comments.map((c) => Date.parse(c.createdAt)), solvedAt ?? 0);
    const publicReplies = comments.filter((c) => c.authorRole === 'agent' && c.public).length;
    const lastCustomer = comments.filter((c) => c.authorRole === 'customer').at(-1).createdAt;
    return {
      id,
      subject: `${pick(r, TOPICS[group])} #${id}`,
      status,
      priority,
      channel,
      requester: customer,
      assignee: answered || r() < 0.5 ? { id: agent.id, name: agent.name, email: agent.email } : null,
      group,
      tags,
      createdAt: iso(created),
      updatedAt: iso(last),
      firstResponseAt,
      solvedAt: solvedAt === null ? null : iso(solvedAt),
      reopenCount,
      publicReplyCount: publicReplies,
      lastCustomerMessageAt: lastCustomer,
      customFields,
      comments,
      ratings,
    };
  };
  return { agents, requesterCount, ticket };
}

/** Writes `tickets` NDJSON lines to a stream, honouring backpressure. */
export async function writeDataset(stream, opts) {
  const { ticket } = createDataset(opts);
  let chunk = '';
  for (let i = 0; i < opts.tickets; i++) {
    chunk += JSON.stringify(ticket(i)) + '\n';
    if (chunk.length > 1 << 20) {
      if (!stream.write(chunk)) await once(stream, 'drain');
      chunk = '';
    }
  }
  if (chunk) stream.write(chunk);
  await new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())));
}

async function main() {
  const { values } = parseArgs({
    options: {
      tickets: { type: 'string', default: '100000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '42' },
      end: { type: 'string', default: '2026-11-27T00:00:00Z' },
    },
  });
  const tickets = Number(values.tickets);
  const seed = Number(values.seed);
  if (!Number.isInteger(tickets) || tickets < 1) throw new Error(`--tickets must be a positive integer, got ${values.tickets}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  const t0 = Date.now();
  await writeDataset(out, { tickets, seed, end: values.end });
  if (values.out) process.stderr.write(`wrote ${tickets} tickets to ${values.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${seed})\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`dataset: ${err.message}\n`);
    process.exit(2);
  });
}
