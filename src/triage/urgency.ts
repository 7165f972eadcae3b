import type { Channel, Comment, Priority, Ticket } from '../domain/model.js';
import { isUnsolved } from '../domain/model.js';
import { latestCustomerMessage, stripQuoted, type SentimentAnalyzer, type SentimentResult } from './sentiment.js';
import { DEFAULT_SLA_TARGETS, formatSeconds, slaClock, type SlaClock, type SlaTargets } from './sla.js';

/**
 * Urgency: a 0-100 score of how soon a ticket needs a human, with the reasons that make it up.
 *
 *   priority   urgent 40, high 25, normal 10, none 5, low 0
 *   SLA        unanswered and breached 25, at risk 15
 *   sentiment  negative customer message: 20 x the model's probability that the customer is unhappy
 *   keywords   outage/legal 15, urgent 10, refund/cancel 8 per group found, at most 25
 *   wait       customer waiting: up to 15, full after twice the channel's target (at least 30 min)
 *   channel    chat and phone 10 (someone is on the line), social 8 (public)
 * The sum is capped at 100; pending/on-hold tickets (waiting on the customer) count half;
 * solved and closed tickets are 0. Levels: critical >= 70, high >= 45, medium >= 25, low below.
 */
export const URGENCY_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type UrgencyLevel = (typeof URGENCY_LEVELS)[number];

export const urgencyLevel = (score: number): UrgencyLevel =>
  score >= 70 ? 'critical' : score >= 45 ? 'high' : score >= 25 ? 'medium' : 'low';

/** Lowest score of each level (for `urgency: high` in rules). */
export const URGENCY_LEVEL_MIN: Record<UrgencyLevel, number> = { low: 0, medium: 25, high: 45, critical: 70 };

export type ReasonFactor = 'priority' | 'sla' | 'sentiment' | 'keywords' | 'wait' | 'channel' | 'status';

export interface Reason {
  factor: ReasonFactor;
  /** Points this factor added (negative for the status discount). */
  points: number;
  text: string;
}

export interface UrgencyResult {
  score: number;
  level: UrgencyLevel;
  reasons: Reason[];
}

export const PRIORITY_POINTS: Record<Priority, number> = { urgent: 40, high: 25, normal: 10, none: 5, low: 0 };
export const CHANNEL_POINTS: Partial<Record<Channel, number>> = { chat: 10, phone: 10, social: 8 };

export interface KeywordGroup {
  name: string;
  points: number;
  terms: string[];
}

export const DEFAULT_KEYWORDS: readonly KeywordGroup[] = [
  {
    name: 'outage',
    points: 15,
    terms: ['down', 'outage', 'not working', "isn't working", "doesn't work", "can't log in", 'cannot log in', "can't access", 'cannot access', 'data loss', 'lost data', 'crashed', 'crashing'],
  },
  { name: 'legal', points: 15, terms: ['lawyer', 'legal action', 'attorney', 'sue', 'lawsuit', 'court', 'small claims'] },
  { name: 'urgent', points: 10, terms: ['urgent', 'asap', 'emergency', 'immediately', 'critical'] },
  { name: 'refund', points: 8, terms: ['refund', 'chargeback', 'charged twice', 'double charged', 'overcharged', 'money back'] },
  { name: 'cancel', points: 8, terms: ['cancel', 'cancellation', 'cancelling', 'canceling', 'close my account', 'delete my account'] },
];
const KEYWORD_CAP = 25;
const SENTIMENT_POINTS = 20;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const termRe = (term: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(term.toLowerCase()).replace(/'/g, "['’]")}(?![\\p{L}\\p{N}])`, 'u');
const compiled = new WeakMap<KeywordGroup, RegExp[]>();

/** Whole-word, case-insensitive search for each group's terms; returns the groups found with their matching terms. */
export function findKeywords(text: string, groups: readonly KeywordGroup[] = DEFAULT_KEYWORDS): { group: KeywordGroup; terms: string[] }[] {
  const hay = text.toLowerCase();
  const found: { group: KeywordGroup; terms: string[] }[] = [];
  for (const g of groups) {
    let res = compiled.get(g);
    if (!res) compiled.set(g, (res = g.terms.map(termRe)));
    const terms = g.terms.filter((_, i) => res[i]!.test(hay));
    if (terms.length) found.push({ group: g, terms });
  }
  return found;
}

export interface UrgencyInput {
  ticket: Pick<Ticket, 'status' | 'priority' | 'channel'>;
  now: Date;
  sla: SlaClock;
  /** Sentiment of the latest customer message (or the subject when no message was read). */
  sentiment?: SentimentResult;
  sentimentSource?: 'message' | 'subject';
  /** Subject and latest customer message, scanned for keywords. */
  text: string;
  /** Since when the customer has been waiting for an answer (null: not waiting). */
  waitingSince?: Date | null;
  targetSeconds?: number;
  keywords?: readonly KeywordGroup[];
}

/** The urgency score of one ticket. Pure. */
export function computeUrgency(input: UrgencyInput): UrgencyResult {
  const { ticket } = input;
  if (!isUnsolved(ticket.status)) {
    return { score: 0, level: 'low', reasons: [{ factor: 'status', points: 0, text: `${ticket.status}: nothing to do` }] };
  }
  const reasons: Reason[] = [];
  const add = (factor: ReasonFactor, points: number, text: string) => {
    if (points !== 0) reasons.push({ factor, points, text });
  };

  add('priority', PRIORITY_POINTS[ticket.priority], `priority ${ticket.priority}`);

  const sla = input.sla;
  if (!sla.answered && sla.state === 'breached') add('sla', 25, `SLA breached ${formatSeconds(-sla.secondsToBreach)} ago`);
  else if (sla.state === 'at_risk') add('sla', 15, `SLA due in ${formatSeconds(sla.secondsToBreach)}`);

  const s = input.sentiment;
  if (s && s.label === 'negative') {
    const of = input.sentimentSource === 'subject' ? 'subject' : 'latest message';
    const words = s.negative.slice(0, 3).join(', ');
    add('sentiment', Math.round(SENTIMENT_POINTS * s.probability), `negative ${of} (${Math.round(s.probability * 100)}% unhappy${words ? `: ${words}` : ''})`);
  }

  const found = findKeywords(input.text, input.keywords);
  if (found.length) {
    const points = Math.min(KEYWORD_CAP, found.reduce((sum, f) => sum + f.group.points, 0));
    add('keywords', points, `keywords: ${found.flatMap((f) => f.terms).slice(0, 4).join(', ')}`);
  }

  if (input.waitingSince) {
    const waited = Math.max(0, (input.now.getTime() - input.waitingSince.getTime()) / 1000);
    const reference = Math.max(input.targetSeconds ?? sla.targetSeconds ?? 24 * 3600, 1800);
    const points = Math.min(15, Math.round((15 * waited) / (2 * reference)));
    add('wait', points, `customer waiting ${formatSeconds(waited)}`);
  }

  const channelPoints = CHANNEL_POINTS[ticket.channel] ?? 0;
  add('channel', channelPoints, `${ticket.channel} channel`);

  let score = Math.min(100, reasons.reduce((sum, r) => sum + r.points, 0));
  if (ticket.status === 'pending' || ticket.status === 'on_hold') {
    const cut = -Math.ceil(score / 2);
    add('status', cut, ticket.status === 'pending' ? 'pending: waiting on the customer' : 'on hold');
    score += cut;
  }
  reasons.sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  return { score, level: urgencyLevel(score), reasons };
}

/**
 * Since when the customer has been waiting for an answer. With the conversation: from the first
 * customer message after the last public agent reply. Without it (list views), from the ticket:
 * unanswered -> createdAt; a customer message after the first reply on an open ticket -> that message.
 */
export function customerWaitingSince(
  ticket: Pick<Ticket, 'status' | 'createdAt' | 'firstResponseAt' | 'lastCustomerMessageAt'>,
  comments?: readonly Comment[],
): Date | null {
  if (!isUnsolved(ticket.status) || ticket.status === 'pending' || ticket.status === 'on_hold') return null;
  if (comments && comments.length) {
    let since: string | null = null;
    for (const c of comments) {
      if (!c.public) continue;
      if (c.authorRole === 'agent') since = null;
      else if (c.authorRole === 'customer' && since === null) since = c.createdAt;
    }
    return since ? new Date(since) : null;
  }
  if (!ticket.firstResponseAt) return new Date(ticket.createdAt);
  if (ticket.lastCustomerMessageAt && Date.parse(ticket.lastCustomerMessageAt) > Date.parse(ticket.firstResponseAt)) {
    return new Date(ticket.lastCustomerMessageAt);
  }
  return null;
}

/** Everything triage knows about a ticket at a moment. */
export interface TicketScore {
  ticketId: string;
  sla: SlaClock;
  sentiment: SentimentResult;
  sentimentSource: 'message' | 'subject';
  urgency: UrgencyResult;
  waitingSince: Date | null;
  /** Text of the latest customer message (quotes stripped), when the conversation was read. */
  latestMessage?: string;
}

export interface ScoreOptions {
  now: Date;
  targets?: SlaTargets;
  analyze: SentimentAnalyzer;
  keywords?: readonly KeywordGroup[];
}

/**
 * Scores a ticket. With its comments the sentiment and keywords come from the latest customer
 * message; without (fast list sorting) from the subject.
 */
export function scoreTicket(ticket: Ticket, comments: readonly Comment[] | undefined, opts: ScoreOptions): TicketScore {
  const targets = opts.targets ?? DEFAULT_SLA_TARGETS;
  const sla = slaClock(ticket, opts.now, targets);
  const latest = comments ? latestCustomerMessage(comments) : undefined;
  const latestMessage = latest ? stripQuoted(latest.body) : undefined;
  const sentimentSource = latestMessage ? 'message' : 'subject';
  const sentiment = opts.analyze(latestMessage ?? ticket.subject);
  const waitingSince = customerWaitingSince(ticket, comments);
  const urgency = computeUrgency({
    ticket,
    now: opts.now,
    sla,
    sentiment,
    sentimentSource,
    text: latestMessage ? `${ticket.subject}\n${latestMessage}` : ticket.subject,
    waitingSince,
    keywords: opts.keywords,
  });
  return { ticketId: ticket.id, sla, sentiment, sentimentSource, urgency, waitingSince, latestMessage };
}
