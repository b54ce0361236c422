import type { QueueQuery } from '../../../../server/contract/review.ts';
import { defaultQueueQuery, parseQueueSearch, queueQueryToSearch, queueQueryToSearchParams } from './queue-url.ts';

/**
 * Between a saved view's filters (as the server stores them: the queue query's values that differ
 * from the defaults, JSON typed) and the queue's URL state.
 */

const paramText = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);

/** The view's filters as a queue query, through the queue's own lenient URL parser: what it no longer knows is dropped. */
export function viewQuery(filters: Record<string, unknown>, keep: Pick<QueueQuery, 'limit'>): QueueQuery {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === null || value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.map(paramText).join(',') : paramText(value));
  }
  // A view without a page size keeps the analyst's own.
  if (!params.has('limit')) params.set('limit', String(keep.limit));
  return parseQueueSearch(params).query;
}

/** The current queue's filters, as a view saves them (URL form, page position left out). */
export function currentViewFilters(query: QueueQuery): Record<string, string> {
  return Object.fromEntries(queueQueryToSearchParams({ ...query, cursor: undefined, before: undefined }));
}

/** One string per distinct view (page position and page size aside), to tell which saved view is on screen. */
export function viewKey(query: QueueQuery): string {
  return queueQueryToSearch({ ...query, cursor: undefined, before: undefined, limit: defaultQueueQuery.limit });
}
