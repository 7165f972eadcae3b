/**
 * Helpers the Freshdesk and Help Scout providers share: reading vendor bodies with zod, and posting a
 * comment exactly once when the answer to the POST may have been lost.
 */
import type { z } from 'zod';
import type { Comment, NewComment } from '../../domain/model.js';
import { ApiError } from '../../errors.js';
import { WriteLandedError, type Headers } from '../http.js';
import { htmlToText, textToHtml } from './html.js';

/** Validates a vendor body; a shape deskctl cannot read is an ApiError naming the vendor and the object. */
export function parseVendorBody<S extends z.ZodType>(vendor: string, schema: S, body: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ApiError(`${vendor} returned an unexpected ${what}: ${issue?.path.join('.') || 'body'}: ${issue?.message}`, {
    hint: 'run again with --verbose to see the request',
  });
}

/** The first value of a response header. */
export const headerValue = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const normalizeText = (s: string): string => s.replace(/\s+/g, ' ').trim();

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
 * Posts a comment once. `send` gets the check the HTTP layer runs after an ambiguous failure (reset,
 * 5xx after sending); when the comment is found on the ticket (then, or after a malformed answer) it is
 * returned instead of posting again.
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
  try {
    return await send(async () => !(await findLanded()));
  } catch (err) {
    if (err instanceof WriteLandedError) {
      const found = await findLanded();
      if (found) return found;
    }
    throw err;
  }
}
