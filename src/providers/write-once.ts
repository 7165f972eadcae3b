/**
 * Non-idempotent writes (a reply, a note, a created tag) sent exactly once. The HTTP layer repeats such a
 * write after an ambiguous failure only when `verifyNotLanded` says the first attempt left no trace, and
 * throws WriteLandedError when it did; these helpers wire that check and return what landed instead of
 * writing again.
 */
import type { Comment, NewComment } from '../domain/model.js';
import { WriteLandedError } from './http/outcome.js';
import { htmlToText, normalizeText, textToHtml } from './html.js';

/**
 * Sends a write once. `send` gets the check to pass as the request's `verifyNotLanded`; when the HTTP layer
 * reports that the write landed (WriteLandedError), `findLanded` is asked again and what it finds is
 * returned through `fromLanded`; when it finds nothing the error is rethrown.
 */
export async function writeOnce<R, L>(
  findLanded: () => Promise<L | undefined>,
  send: (verifyNotLanded: () => Promise<boolean>) => Promise<R>,
  fromLanded: (landed: L) => R | Promise<R>,
): Promise<R> {
  try {
    return await send(async () => !(await findLanded()));
  } catch (err) {
    if (err instanceof WriteLandedError) {
      const landed = await findLanded();
      if (landed) return fromLanded(landed);
    }
    throw err;
  }
}

/** How far the helpdesk's clock may be from ours when matching a comment to the POST that made it. */
const SKEW_MS = 10 * 60_000;

/** The newest agent comment with the text and visibility of `c`, written since `sinceMs` (give or take clock skew). */
export function findPostedComment(comments: Comment[], c: NewComment, sinceMs: number): Comment | undefined {
  const want = normalizeText(htmlToText(textToHtml(c.body)));
  for (let i = comments.length - 1; i >= 0; i--) {
    const x = comments[i]!;
    if (x.public === c.public && x.authorRole === 'agent' && Date.parse(x.createdAt) >= sinceMs - SKEW_MS && normalizeText(x.body) === want) return x;
  }
  return undefined;
}

/**
 * Posts a comment once (Freshdesk, Help Scout): the ticket's comments in the domain model are searched
 * for it (see findPostedComment) after an ambiguous failure, and a comment found there is returned
 * instead of posting again.
 */
export async function postCommentOnce(
  c: NewComment,
  listComments: () => Promise<Comment[]>,
  send: (verifyNotLanded: () => Promise<boolean>) => Promise<Comment>,
): Promise<Comment> {
  // wall-clock time of the request (not DESKCTL_NOW): compared with the helpdesk's own timestamps
  const sentAt = Date.now();
  let landed: Comment | undefined;
  const findLanded = async () => (landed ??= findPostedComment(await listComments(), c, sentAt));
  return writeOnce(findLanded, send, (found) => found);
}
