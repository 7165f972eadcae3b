import type { Context } from '../context.js';
import type { FindReport } from '../tickets/service.js';
import type { Ticket } from '../domain/model.js';
import { parseEnumList } from '../domain/parse.js';
import { compareTickets, sortTickets, type SortField, type TicketQuery, type TicketSort } from '../domain/query.js';
import type { Column, ListSpec } from '../output/format.js';
import { collect, type HelpdeskProvider } from '../providers/provider.js';
import { describeSentiment } from './sentiment.js';
import { profileSentiment } from './sentiment-store.js';
import { shortDuration } from '../output/time.js';
import { matchesSlaFilter, resolveSlaTargets, SLA_FILTERS, slaSortKey, type SlaFilter } from './sla.js';
import { scoreTicket, type TicketScore } from './urgency.js';

/**
 * What `tickets list` borrows from triage: `--sort urgency`, `--sort sla`, `--sla breached|at-risk`
 * and the `urgency` / `sla` fields. List views score from the ticket fields alone (subject
 * keywords and sentiment, priority, wait, channel, SLA), without reading every conversation, so it
 * stays one listing call on any helpdesk; `deskctl triage` also reads the latest message.
 */
export interface TriageListing {
  /** The list spec with urgency/sla columns (shown by default) and scores in the JSON. */
  spec(base: ListSpec<Ticket>): ListSpec<Ticket>;
  find(provider: HelpdeskProvider, query: TicketQuery, opts: { sort?: TicketSort; limit: number; report?: FindReport }): Promise<Ticket[]>;
}

/** `--sla breached,at-risk` -> filters (usage error naming the valid values). */
export function parseSlaFlag(raw: unknown): SlaFilter[] | undefined {
  if (raw === undefined || raw === null || raw === false) return undefined;
  return parseEnumList(String(raw), SLA_FILTERS, '--sla');
}

/** Comparator values where bigger = needs attention sooner (so "desc", the default, lists the most pressing first). */
export function triageCompare(scores: ReadonlyMap<string, TicketScore>) {
  return (field: SortField, a: Ticket, b: Ticket): number => {
    const sa = scores.get(a.id);
    const sb = scores.get(b.id);
    if (field === 'urgency' && sa && sb) return sa.urgency.score - sb.urgency.score;
    if (field === 'sla' && sa && sb) return slaSortKey(sb.sla) - slaSortKey(sa.sla);
    return compareTickets(field, a, b);
  };
}

/** The urgency, sentiment and SLA fields of a scored ticket; paths into the JSON of scoreJson (docs/json.md). */
export function triageColumns(scores: ReadonlyMap<string, TicketScore>): Column<Ticket>[] {
  const s = (t: Ticket) => scores.get(t.id);
  const json = (t: Ticket) => scoreJson(s(t));
  return [
    {
      key: 'urgency',
      header: 'urgency',
      value: (t) => json(t)?.urgency ?? null,
      csv: (t) => s(t)?.urgency.score ?? null,
      cell: (t, c) => {
        const u = s(t)?.urgency;
        if (!u) return '';
        const text = `${u.score} ${u.level}`;
        return u.level === 'critical' ? c.bold.red(text) : u.level === 'high' ? c.red(text) : u.level === 'medium' ? c.yellow(text) : c.dim(text);
      },
      align: 'right',
    },
    { key: 'urgency.score', header: 'urgency', value: (t) => s(t)?.urgency.score ?? null, align: 'right' },
    { key: 'urgency.level', header: 'level', value: (t) => s(t)?.urgency.level ?? null },
    {
      key: 'urgency.reasons',
      header: 'why',
      value: (t) => json(t)?.urgency.reasons ?? [],
      csv: (t) => (s(t)?.urgency.reasons ?? []).map((r) => r.text),
      cell: (t) => (s(t)?.urgency.reasons ?? []).map((r) => r.text).join('; '),
      flex: true,
      aliases: ['urgency_reasons'],
    },
    {
      key: 'sla',
      header: 'sla',
      value: (t) => json(t)?.sla ?? null,
      csv: (t) => s(t)?.sla.state ?? null,
      cell: (t, c) => {
        const clock = s(t)?.sla;
        if (!clock) return '';
        const text =
          clock.state === 'none'
            ? '-'
            : clock.answered
              ? clock.state === 'met' ? 'met' : 'late reply'
              : clock.state === 'breached'
                ? `overdue ${shortDuration(clock.secondsToBreach * 1000)}`
                : `due in ${shortDuration(clock.secondsToBreach * 1000)}`;
        return clock.state === 'breached' ? c.red(text) : clock.state === 'at_risk' ? c.yellow(text) : c.dim(text);
      },
    },
    {
      key: 'sentiment',
      header: 'mood',
      value: (t) => {
        const score = s(t);
        return score ? sentimentJson(score) : null;
      },
      csv: (t) => s(t)?.sentiment.label ?? null,
      cell: (t, c) => {
        const score = s(t);
        if (!score) return '';
        const text = describeSentiment(score.sentiment, 3);
        return score.sentiment.label === 'negative' ? c.red(text) : score.sentiment.label === 'positive' ? c.green(text) : text;
      },
      flex: true,
    },
    { key: 'sla.state', header: 'sla', value: (t) => s(t)?.sla.state ?? null },
    { key: 'sla.dueAt', header: 'sla due', value: (t) => s(t)?.sla.dueAt?.toISOString() ?? null, aliases: ['sla_due'] },
  ];
}

/** The sentiment of a scored ticket in JSON: label, calibrated probabilities, reasons, source and model. */
export function sentimentJson(score: TicketScore) {
  const x = score.sentiment;
  return {
    label: x.label,
    probability: x.probability,
    positiveProbability: x.positiveProbability,
    score: x.score,
    negative: x.negative,
    positive: x.positive,
    source: score.sentimentSource,
    model: x.model,
  };
}

export function scoreJson(score: TicketScore | undefined) {
  if (!score) return undefined;
  return {
    urgency: { score: score.urgency.score, level: score.urgency.level, reasons: score.urgency.reasons },
    sentiment: sentimentJson(score),
    sla: {
      state: score.sla.state,
      targetSeconds: score.sla.targetSeconds,
      dueAt: score.sla.dueAt?.toISOString() ?? null,
      secondsToBreach: score.sla.secondsToBreach,
      answered: score.sla.answered,
    },
  };
}

export function triageListing(ctx: Context, slaRaw: unknown): TriageListing {
  const slaFilter = parseSlaFlag(slaRaw); // before any I/O
  const scores = new Map<string, TicketScore>();
  return {
    spec(base) {
      const extra = triageColumns(scores);
      const baseJson = base.toJson ?? ((t: Ticket) => t);
      return {
        ...base,
        columns: [...base.columns, ...extra],
        defaultFields: [...base.defaultFields.filter((f) => f !== 'updatedAt'), 'urgency', 'sla'],
        toJson: (t) => ({ ...(baseJson(t) as object), ...scoreJson(scores.get(t.id)) }),
      };
    },
    async find(provider, query, opts) {
      const [{ analyze }, profile] = await Promise.all([ctx.store().then(profileSentiment), ctx.profile()]);
      const targets = resolveSlaTargets(profile.sla);
      const now = ctx.clock.now();
      let tickets = await collect(provider.listTickets(query));
      for (const t of tickets) scores.set(t.id, scoreTicket(t, undefined, { now, targets, analyze }));
      if (slaFilter) tickets = tickets.filter((t) => matchesSlaFilter(scores.get(t.id)!.sla, slaFilter));
      if (opts.sort) tickets = sortTickets(tickets, opts.sort, triageCompare(scores));
      if (opts.report) Object.assign(opts.report, { more: tickets.length > opts.limit, total: tickets.length });
      return tickets.slice(0, opts.limit);
    },
  };
}
