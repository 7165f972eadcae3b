/** Fetching the tickets a query names by id, for providers whose API has no "these ids" listing. */
import type { Ticket } from '../domain/model.js';
import { NotFoundError } from '../errors.js';

/**
 * The tickets with these ids, a few at a time (the rate limiter paces them), in the order of the ids.
 * An id that does not exist is skipped: a NotFoundError, or any error `isMissing` also accepts
 * (e.g. a UsageError for an id the vendor cannot have).
 */
export async function* ticketsByIds(
  ids: readonly string[],
  get: (id: string) => Promise<Ticket>,
  { concurrency = 4, isMissing = () => false }: { concurrency?: number; isMissing?: (err: unknown) => boolean } = {},
): AsyncGenerator<Ticket[]> {
  for (let i = 0; i < ids.length; i += concurrency) {
    const batch = await Promise.all(
      ids.slice(i, i + concurrency).map((id) =>
        get(id).catch((err: unknown) => {
          if (!(err instanceof NotFoundError) && !isMissing(err)) throw err;
          return null;
        }),
      ),
    );
    const found = batch.filter((t): t is Ticket => t !== null);
    if (found.length) yield found;
  }
}
