import { mapLimit, renderAll } from '../bulk/selection.js';
import type { Comment, Person, Ticket, TicketPatch } from '../domain/model.js';
import { exitCodeOf } from '../errors.js';
import { isUnknownOutcome } from '../providers/http/outcome.js';
import type { HelpdeskProvider } from '../providers/provider.js';
import type { SentLedger } from '../store/ledger.js';
import { findRepeats, sendGuard, type SkippedSend } from '../store/repeats.js';
import type { Template } from '../templates/types.js';
import { applyChanges, changedInWrite, changesResult, describeChange, splitForWrite, type ChangeOutcome } from './changes.js';
import { isEmptyPatch, type ItemResult } from './service.js';

/** `tickets reply` / `tickets note`: one message (typed or from a template) to a few tickets, through the sent ledger. */
export interface MessagePlan {
  kind: 'reply' | 'note';
  template: Template | null;
  /** Ready to send, in the order given. */
  ready: { ticket: Ticket; body: string }[];
  /** Cannot be rendered (template) for these tickets. */
  invalid: { ticketId: string; error: string }[];
  /** Already got it (or another run is sending it). */
  skipped: SkippedSend[];
}

export interface PlanInput {
  kind: 'reply' | 'note';
  ids: string[];
  body?: string;
  template?: Template;
  agent: Person | null;
  signature?: string;
  now: Date;
  since: Date;
  allowRepeat: boolean;
}

/** Everything read and decided before the first write: tickets exist, bodies render, repeats found. */
export async function planMessage(provider: HelpdeskProvider, ledger: SentLedger, input: PlanInput): Promise<MessagePlan> {
  const tickets = await mapLimit(input.ids, 4, (id) => provider.getTicket(id));
  const isPublic = input.kind === 'reply';
  let rendered: { ticket: Ticket; body?: string; error?: string; comments?: Comment[] }[];
  if (input.template) {
    rendered = await renderAll(provider, input.template, tickets, { agent: input.agent, signature: input.signature, now: input.now, concurrency: 4 });
  } else rendered = tickets.map((ticket) => ({ ticket, body: input.body! }));
  const readToRender = new Map(rendered.map((r) => [r.ticket.id, r.comments]));
  const renderable = rendered.filter((r): r is { ticket: Ticket; body: string } => r.body !== undefined);
  const repeats = await findRepeats(
    ledger,
    provider,
    renderable.map((r) => ({ ticketId: r.ticket.id, template: input.template?.name ?? null, body: r.body, public: isPublic })),
    // a conversation read to render the template is not read again
    { since: input.since, holderId: null, allowRepeat: input.allowRepeat, concurrency: 4, comments: (id) => readToRender.get(id) },
  );
  return {
    kind: input.kind,
    template: input.template ?? null,
    ready: renderable.filter((r) => !repeats.has(r.ticket.id)),
    invalid: rendered.filter((r) => r.body === undefined).map((r) => ({ ticketId: r.ticket.id, error: r.error ?? 'could not be rendered' })),
    skipped: [...repeats.values()],
  };
}

export interface SendOptions {
  /** Status and template actions applied after the message. */
  patch: TicketPatch;
  since: Date;
  allowRepeat: boolean;
  now: () => Date;
}

export type SendResult = ItemResult<unknown> & { skipped?: SkippedSend };

/**
 * Sends a plan: per ticket, claim it in the ledger (another run may have started meanwhile), post,
 * record, then apply the changes, each reported applied or failed. Where the helpdesk can, the status goes
 * in the same write as the message (Zendesk). An unknown outcome (the helpdesk did not confirm and the
 * message was not seen after the settle checks) is reported as such, never re-sent, and keeps the ticket
 * claimed so nobody re-sends it.
 */
export async function sendPlan(provider: HelpdeskProvider, ledger: SentLedger, plan: MessagePlan, o: SendOptions): Promise<SendResult[]> {
  const isPublic = plan.kind === 'reply';
  const template = plan.template?.name ?? null;
  const guard = sendGuard(ledger, plan.kind, `tickets ${plan.kind}`, o.since, o.now);
  const unknown: string[] = [];
  const results: SendResult[] = [];
  // what goes in the message's own write (all of it on Zendesk, the status where only that can), and what after it
  const { inWrite, after } = splitForWrite(provider, o.patch);
  try {
    for (const { ticket, body } of plan.ready) {
      const message = { ticketId: ticket.id, template, body, public: isPublic };
      const skip = await guard.beforeSend(message, { allowRepeat: o.allowRepeat });
      if (skip) {
        results.push({ id: ticket.id, ok: true, outcome: 'ok', skipped: { ticketId: ticket.id, reason: skip, sentBy: 'another run', sentAt: null } });
        continue;
      }
      let commentId: string | null;
      let statusRefused: string | undefined;
      try {
        const added = await provider.addComment(ticket.id, { body, public: isPublic, ...inWrite });
        commentId = added.id;
        statusRefused = added.statusRefused;
      } catch (err) {
        if ((err as Error)?.name === 'WriteLandedError') commentId = null;
        else {
          const message = (err as Error).message.split('\n')[0]!;
          if (isUnknownOutcome(err)) {
            unknown.push(ticket.id);
            results.push({ id: ticket.id, ok: false, outcome: 'unknown', error: message, hint: `check with 'deskctl tickets show ${ticket.id}' before trying again`, exitCode: 1 });
          } else results.push({ id: ticket.id, ok: false, outcome: 'failed', error: message, exitCode: exitCodeOf(err) });
          continue;
        }
      }
      await guard.afterSend(message, null, commentId);
      const changes: ChangeOutcome[] = changedInWrite(inWrite, statusRefused);
      if (!isEmptyPatch(after)) {
        try {
          changes.push(...(await applyChanges(provider, ticket.id, after)).changes);
        } catch (err) {
          const why = (err as Error).message.split('\n')[0]!;
          results.push({ id: ticket.id, ok: false, outcome: 'partial', value: commentId, changes, error: `the ${plan.kind} was sent but the changes failed: ${why}` });
          continue;
        }
      }
      const failed = changes.filter((c) => c.outcome === 'failed');
      const outcome = changes.length && changesResult(changes) !== 'applied' ? 'partial' : 'ok';
      results.push({
        id: ticket.id,
        ok: outcome === 'ok',
        outcome,
        value: commentId,
        ...(changes.length ? { changes } : {}),
        ...(failed.length ? { error: `the ${plan.kind} was sent but ${failed.map((c) => `${describeChange(c)} failed: ${c.error}`).join('; ')}` } : {}),
      });
    }
  } finally {
    await guard.stop(unknown);
  }
  return results;
}
