import type { Channel, Priority, Status } from '../../domain/model.js';
import type { Database } from '../../store/sqlite.js';
import {
  AGENT_DOMAIN,
  AGENTS,
  CATEGORIES,
  COMPANY,
  CUSTOMER_DOMAINS,
  FIRST_NAMES,
  GROUPS,
  LAST_NAMES,
  PRODUCTS,
  RATING_COMMENTS,
  type Category,
} from './demo-content.js';
import { seededRandom } from '../../domain/random.js';

export { seededRandom };

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface DemoOptions {
  now: Date;
  tickets?: number;
  days?: number;
  seed?: number;
}

export interface DemoSummary {
  tickets: number;
  comments: number;
  ratings: number;
  agents: number;
  customers: number;
  groups: number;
}

class Gen {
  constructor(private readonly rnd: () => number) {}
  next = () => this.rnd();
  int = (lo: number, hi: number) => lo + Math.floor(this.rnd() * (hi - lo + 1));
  pick = <T>(xs: readonly T[]): T => xs[Math.floor(this.rnd() * xs.length)]!;
  chance = (p: number) => this.rnd() < p;
  weighted = <T>(items: ReadonlyArray<[T, number]>): T => {
    const total = items.reduce((a, [, w]) => a + w, 0);
    let r = this.rnd() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1]![0];
  };
  /** Log-normal delay in ms around `median` with spread `sigma`. */
  lognormal = (median: number, sigma: number) => {
    const u = Math.max(this.rnd(), 1e-9);
    const v = this.rnd();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  };
}

const CHANNEL_WEIGHTS: Array<[Channel, number]> = [
  ['email', 38],
  ['chat', 24],
  ['web', 16],
  ['social', 12],
  ['phone', 10],
];

/** First-response delay by channel: chat in seconds to minutes, email in hours to days. */
function firstResponseDelay(g: Gen, channel: Channel): number {
  switch (channel) {
    case 'chat':
      return Math.max(5_000, g.lognormal(40_000, 0.9));
    case 'phone':
      return g.chance(0.88) ? 0 : g.lognormal(4 * MIN, 0.8);
    case 'social':
      return g.lognormal(35 * MIN, 1.0);
    case 'web':
      return g.lognormal(7 * HOUR, 0.9);
    default:
      return g.lognormal(6 * HOUR, 1.0);
  }
}

/** Time between messages later in the conversation. */
function laterDelay(g: Gen, channel: Channel, customer: boolean): number {
  if (channel === 'chat' || channel === 'phone') return g.lognormal(customer ? 3 * MIN : 2 * MIN, 0.7);
  return g.lognormal(customer ? 10 * HOUR : 5 * HOUR, 0.9);
}

const fill = (text: string, v: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_m, k: string) => v[k] ?? `{${k}}`);

/** Replaces whatever the helpdesk holds by a realistic, seeded demo helpdesk ending at `now`. */
export function seedDemo(db: Database, opts: DemoOptions): DemoSummary {
  const g = new Gen(seededRandom(opts.seed ?? 20261125));
  const now = opts.now.getTime();
  const days = opts.days ?? 90;
  const count = opts.tickets ?? 720;
  const iso = (t: number) => new Date(t).toISOString();

  const insertPerson = db.prepare(`INSERT INTO people (id, name, email, role, grp, signature) VALUES (?, ?, ?, ?, ?, ?)`);
  const insertTicket = db.prepare(
    `INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, grp, created_at, updated_at, first_response_at, solved_at, reopen_count, custom_fields)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTag = db.prepare(`INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`);
  const insertComment = db.prepare(
    `INSERT INTO comments (ticket_id, author_id, author_role, public, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertRating = db.prepare(
    `INSERT INTO ratings (ticket_id, kind, score, scale_min, scale_max, comment, created_at, agent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO events (ticket_id, at, actor_id, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
  );

  let comments = 0;
  let ratings = 0;

  db.transaction(() => {
    // the conversation is written while the ticket's final state is still being worked out
    db.pragma('defer_foreign_keys = ON');
    for (const t of ['events', 'ratings', 'comments', 'ticket_tags', 'tickets', 'people', 'groups', 'meta']) db.exec(`DELETE FROM ${t}`);
    db.exec(`DELETE FROM sqlite_sequence WHERE name IN ('tickets','comments','ratings','events')`);

    GROUPS.forEach((name, i) => db.prepare(`INSERT INTO groups (id, name) VALUES (?, ?)`).run(String(i + 1), name));

    const agents = AGENTS.map((a, i) => {
      const [first, last] = a.name.split(' ') as [string, string];
      const email = `${first}.${last.replace(/[^A-Za-z]/g, '')}@${AGENT_DOMAIN}`.toLowerCase();
      const id = `agent-${i + 1}`;
      insertPerson.run(id, a.name, email, i === 0 ? 'admin' : 'agent', a.group, `${a.name}\n${a.title}, ${COMPANY}`);
      return { id, ...a };
    });
    db.prepare(`INSERT INTO meta (key, value) VALUES ('default_agent', ?), ('company', ?)`).run(agents[0]!.id, COMPANY);

    const customers: Array<{ id: string; tier: string }> = [];
    const used = new Set<string>();
    while (customers.length < 420) {
      const first = g.pick(FIRST_NAMES);
      const last = g.pick(LAST_NAMES);
      const local = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
      let email = `${local}@${g.pick(CUSTOMER_DOMAINS)}`;
      if (used.has(email)) email = `${local}${g.int(2, 99)}@${g.pick(CUSTOMER_DOMAINS)}`;
      if (used.has(email)) continue;
      used.add(email);
      const id = `cust-${customers.length + 1}`;
      insertPerson.run(id, `${first} ${last}`, email, 'customer', null, null);
      customers.push({ id, tier: g.weighted([['standard', 80], ['premium', 15], ['vip', 5]]) });
    }

    const categoryWeights = CATEGORIES.map((c) => [c, c.weight] as [Category, number]);
    // creation times: spread over the period, busier on weekdays and a little busier recently
    const created: number[] = [];
    while (created.length < count - Math.round(count / 12)) {
      const back = Math.pow(g.next(), 1.15) * days * DAY;
      const t = now - back;
      const dow = new Date(t).getUTCDay();
      if ((dow === 0 || dow === 6) && g.chance(0.45)) continue;
      created.push(Math.floor(t));
    }
    // A courier problem over the last day and a half: a spike of delivery tickets the team is still working through.
    const spikeStart = now - 36 * HOUR;
    const spike = new Set<number>();
    for (let i = 0; i < Math.round(count / 12); i++) {
      const t = Math.floor(spikeStart + g.next() * 36 * HOUR);
      created.push(t);
      spike.add(t);
    }
    created.sort((a, b) => a - b);

    created.forEach((createdAt, index) => {
      const id = index + 1;
      const inSpike = spike.has(createdAt);
      const cat = inSpike && g.chance(0.7) ? CATEGORIES.find((c) => c.key === 'delivery')! : g.weighted(categoryWeights);
      const channel = g.weighted(CHANNEL_WEIGHTS);
      const customer = g.pick(customers);
      const product = g.pick(PRODUCTS);
      const order = `ORD-${100000 + g.int(0, 89999)}`;
      const vars = { order, product, day: new Date(createdAt - g.int(2, 9) * DAY).toUTCString().slice(0, 11), n: String(g.int(1000, 9999)) };
      const subject = fill(g.pick(cat.subjects), vars);
      const group = customer.tier === 'vip' && g.chance(0.6) ? 'VIP Care' : cat.group;
      const groupAgents = agents.filter((a) => a.group === group);
      const assignee = g.pick(groupAgents.length ? groupAgents : agents);
      const urgencyRoll = g.next() * 10 + cat.priorityBias + (customer.tier === 'vip' ? 1 : 0);
      const priority: Priority = g.chance(0.04)
        ? 'none'
        : urgencyRoll > 10.2 ? 'urgent' : urgencyRoll > 8 ? 'high' : urgencyRoll > 2 ? 'normal' : 'low';
      const tags = new Set(cat.tags);
      if (customer.tier === 'vip') tags.add('vip');
      if (g.chance(0.08)) tags.add('repeat-contact');
      if (channel === 'social') tags.add('social-media');
      const custom: Record<string, unknown> = { tier: customer.tier };
      if (cat.hasOrder) custom.order_number = order;
      if (cat.key === 'product' || cat.key === 'damaged') custom.product = product;

      // The conversation as a timeline; anything that would happen after "now" has not happened yet.
      const events: Array<{ at: number; kind: 'customer' | 'reply' | 'note' | 'solve' | 'reopen' | 'close'; body?: string }> = [];
      let t = createdAt;
      const opener = g.int(0, cat.openers.length - 1);
      events.push({ at: t, kind: 'customer', body: fill(cat.openers[opener]!, vars) });
      // Old tickets were dealt with long ago; the open work sits in the last days and weeks.
      const age = now - createdAt;
      const leaveUnanswered = (inSpike && g.chance(0.55)) || (age < 5 * DAY && g.chance(0.1));
      if (!leaveUnanswered) {
        t += firstResponseDelay(g, channel);
        if (g.chance(0.3)) events.push({ at: t - Math.min(20 * MIN, (t - createdAt) / 2), kind: 'note', body: fill(g.pick(cat.notes), vars) });
        // the first answer fits the question (openers and replies are written in pairs)
        events.push({ at: t, kind: 'reply', body: fill(cat.agentReplies[opener % cat.agentReplies.length]!, vars) });
        let rounds = g.weighted([[0, 55], [1, 30], [2, 15]]);
        while (rounds-- > 0) {
          t += laterDelay(g, channel, true);
          events.push({ at: t, kind: 'customer', body: fill(g.pick(cat.followups), vars) });
          t += laterDelay(g, channel, false);
          events.push({ at: t, kind: 'reply', body: fill(g.pick(cat.agentReplies), vars) });
        }
        if (g.chance(age > 14 * DAY ? 0.985 : 0.8)) {
          t += channel === 'chat' || channel === 'phone' ? g.lognormal(10 * MIN, 1) : g.lognormal(20 * HOUR, 0.8);
          events.push({ at: t, kind: 'solve' });
          const reopens = g.weighted([[0, 91], [1, 7], [2, 2]]);
          for (let r = 0; r < reopens; r++) {
            t += g.lognormal(2 * DAY, 0.6);
            events.push({ at: t, kind: 'reopen', body: fill(g.pick(['Sorry, this is happening again.', 'The problem is back.', 'Actually it is still not working.', ...cat.followups]), vars) });
            t += laterDelay(g, channel, false);
            events.push({ at: t, kind: 'reply', body: fill(g.pick(cat.agentReplies), vars) });
            t += g.lognormal(12 * HOUR, 0.7);
            events.push({ at: t, kind: 'solve' });
          }
          t += 4 * DAY;
          events.push({ at: t, kind: 'close' });
        }
      }

      let status: Status = 'new';
      let assigned = false;
      let firstResponse: number | null = null;
      let solvedAt: number | null = null;
      let reopenCount = 0;
      let updated = createdAt;
      let lastAgent = assignee.id;
      const happened = events.filter((e) => e.at <= now);
      for (const e of happened) {
        updated = e.at;
        switch (e.kind) {
          case 'customer':
            insertComment.run(id, customer.id, 'customer', 1, e.body!, iso(e.at));
            comments++;
            if (status === 'pending') status = 'open';
            break;
          case 'reopen':
            insertComment.run(id, customer.id, 'customer', 1, e.body!, iso(e.at));
            comments++;
            insertEvent.run(id, iso(e.at), customer.id, 'status', status, 'open');
            status = 'open';
            solvedAt = null;
            reopenCount++;
            break;
          case 'note':
            insertComment.run(id, assignee.id, 'agent', 0, e.body!, iso(e.at));
            comments++;
            assigned = true;
            break;
          case 'reply': {
            // now and then a colleague from the same group answers
            lastAgent = g.chance(0.15) ? g.pick(groupAgents.length ? groupAgents : agents).id : assignee.id;
            insertComment.run(id, lastAgent, 'agent', 1, e.body!, iso(e.at));
            comments++;
            assigned = true;
            firstResponse ??= e.at;
            status = channel === 'chat' || channel === 'phone' ? 'open' : 'pending';
            break;
          }
          case 'solve':
            insertEvent.run(id, iso(e.at), assignee.id, 'status', status, 'solved');
            status = 'solved';
            solvedAt = e.at;
            break;
          case 'close':
            insertEvent.run(id, iso(e.at), null, 'status', 'solved', 'closed');
            status = 'closed';
            break;
        }
      }
      // Work in progress: some tickets wait on a third party or the customer.
      if (status === 'open' && g.chance(0.12)) status = 'on_hold';
      if (status === 'new' && g.chance(0.35)) assigned = false;
      else if (status === 'new' && g.chance(0.5)) assigned = true;

      insertTicket.run(
        id, subject, status, priority, channel, customer.id, assigned ? assignee.id : null, group,
        iso(createdAt), iso(updated), firstResponse === null ? null : iso(firstResponse), solvedAt === null ? null : iso(solvedAt),
        reopenCount, JSON.stringify(custom),
      );
      for (const tag of tags) insertTag.run(id, tag);

      // Surveys go out when a ticket is solved; a share of customers answer within two days.
      if (solvedAt !== null) {
        const rated = (kind: 'csat' | 'nps' | 'ces', p: number, score: () => number, min: number, max: number) => {
          if (!g.chance(p)) return;
          const at = solvedAt! + g.lognormal(5 * HOUR, 1);
          if (at > now) return;
          const s = score();
          const good = (s - min) / (max - min) >= 0.6;
          const comment = g.chance(0.3) ? g.pick(good ? RATING_COMMENTS.good : RATING_COMMENTS.bad) : null;
          insertRating.run(id, kind, s, min, max, comment, iso(at), lastAgent);
          ratings++;
        };
        const slow = firstResponse !== null && firstResponse - createdAt > 24 * HOUR;
        rated('csat', 0.42, () => g.weighted(slow ? [[5, 25], [4, 25], [3, 20], [2, 15], [1, 15]] : [[5, 58], [4, 24], [3, 8], [2, 4], [1, 6]]), 1, 5);
        rated('nps', 0.18, () => g.weighted([[10, 30], [9, 22], [8, 16], [7, 10], [6, 6], [5, 5], [4, 3], [3, 3], [2, 2], [1, 1], [0, 2]]), 0, 10);
        rated('ces', 0.16, () => g.weighted([[7, 30], [6, 28], [5, 17], [4, 10], [3, 7], [2, 5], [1, 3]]), 1, 7);
      }
    });
  })();

  return {
    tickets: count,
    comments,
    ratings,
    agents: AGENTS.length,
    customers: 420,
    groups: GROUPS.length,
  };
}
