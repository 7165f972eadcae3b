import type { Comment } from '../domain/model.js';

/** Like git's scissors line: it and everything below it are removed from what is sent. */
export const SCISSORS = '# ------------------------ >8 ------------------------';

/**
 * What $EDITOR opens with for `tickets reply/note`: room to write, then the scissors line and the
 * customer's last message quoted below it (as mail clients do), for reference only.
 */
export function editorTemplate(ticketId: string, last: Comment | undefined): string {
  const lines = ['', '', SCISSORS, '# Write above this line. It and everything below it are removed before sending.'];
  if (last) {
    lines.push(`# Ticket #${ticketId}: on ${last.createdAt.slice(0, 16).replace('T', ' ')} UTC, ${last.author.name} wrote:`, '#');
    for (const l of last.body.split(/\r?\n/)) lines.push(`> ${l}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/** The message without the scissors line and what follows it. */
export function stripEditorTemplate(text: string): string {
  const lines = text.split(/\r?\n/);
  const cut = lines.findIndex((l) => l.trim() === SCISSORS);
  return (cut < 0 ? lines : lines.slice(0, cut)).join('\n');
}

/** The latest public message from the customer, to quote. */
export const lastCustomerMessage = (comments: readonly Comment[]): Comment | undefined =>
  [...comments].reverse().find((c) => c.authorRole === 'customer' && c.public);
