import { useCallback, useState } from 'react';
import type { QueuePage, QueueQuery } from '../../../server/contract/review.ts';
import { useQueuePage } from '../api/queries.ts';
import { errorMessage } from '../api/review.ts';
import { queueQueryToSearch } from '../components/queue/queue-url.ts';
import { useReviewApi } from './use-review-api.tsx';

export interface QueueState {
  status: 'loading' | 'ready' | 'error';
  page: QueuePage | null;
  error: string | null;
  /** Live count of matching sessions (from the latest poll). */
  total: number | null;
  totalCapped: boolean;
  /** The latest live-update poll failed (the rows shown stay; the next poll tries again). */
  pollError: string | null;
  /** Rows on the fresh first page that the analyst is not seeing yet. */
  newCount: number;
  /** Replace the visible rows with the latest poll (the "N new" button). */
  showNew: () => void;
  reload: () => void;
}

interface Shown {
  key: string;
  page: QueuePage;
  /** `dataUpdatedAt` of the answer these rows come from. */
  at: number;
}

/**
 * The queue page for `query`, plus live updates: the first page is read again every `pollMs`
 * while the tab is visible, and when the tab or the network comes back (TanStack Query, ADR 0011).
 * What the analyst sees is kept apart from the cache: rows already on screen are updated in place;
 * new rows that only extend the list appear at once, and new rows that would land above the
 * analyst's rows are announced ("N new") instead of shifting the list under them.
 */
export function useQueue(query: QueueQuery, pollMs = 10_000): QueueState {
  const api = useReviewApi();
  const search = queueQueryToSearch(query);
  const firstPageSearch = queueQueryToSearch({ ...query, cursor: undefined, before: undefined });
  const onFirstPage = query.cursor === undefined && query.before === undefined;
  const key = search;

  // The page asked for; on the first page it is also the live one.
  const pageQuery = useQueuePage(api, search, { live: onFirstPage, pollMs });
  // On a later page, the first page is polled only for the live count.
  const liveQuery = useQueuePage(api, firstPageSearch, { live: true, pollMs, enabled: !onFirstPage && pollMs > 0 });

  const [shown, setShown] = useState<Shown | null>(null);
  const [pending, setPending] = useState<{ key: string; page: QueuePage } | null>(null);

  // Rows are shown from a read made since this page (or these filters) opened, never from what the
  // cache held before: sessions decided meanwhile must not come back, even for a moment.
  const fetchedHere = pageQuery.isFetchedAfterMount && !pageQuery.isError;
  const fetching = pageQuery.isFetching;
  // A fresh answer reaches the rows during render (React's "adjust state when data changes"); each
  // answer is applied once, so this settles.
  const change = pageQuery.data
    ? reconcile(shown, pageQuery.data, pageQuery.dataUpdatedAt, { key, onFirstPage, fetchedHere })
    : null;
  if (change) {
    setShown(change.shown);
    if (change.pending !== undefined) setPending(change.pending ? { key, page: change.pending } : null);
  }

  const ready = shown?.key === key;
  const page = shown?.page ?? null;
  const status: QueueState['status'] = ready ? 'ready' : pageQuery.isError && !fetching ? 'error' : 'loading';
  const currentPending = pending?.key === key && shown?.key === key ? pending.page : null;
  const newCount =
    currentPending && page ? currentPending.items.filter((item) => !page.items.some((row) => row.id === item.id)).length : 0;
  const live = (onFirstPage ? pageQuery.data : (liveQuery.data ?? pageQuery.data)) ?? null;
  const pollFailure = ready ? (onFirstPage ? pageQuery.error : liveQuery.error) : null;

  const showNew = useCallback(() => {
    if (currentPending && shown) setShown({ ...shown, page: currentPending });
    setPending(null);
  }, [currentPending, shown]);
  const { refetch } = pageQuery;
  const reload = useCallback(() => void refetch(), [refetch]);

  return {
    status,
    page,
    error: status === 'error' ? errorMessage(pageQuery.error) : null,
    total: live?.total ?? null,
    totalCapped: live?.totalCapped ?? false,
    pollError: pollFailure ? errorMessage(pollFailure) : null,
    newCount,
    showNew,
    reload,
  };
}

/**
 * What a fresh answer (`fresh`, read at `at`) does to the rows on screen, or null when it changes
 * nothing. `pending`: rows held behind "N new" (null clears them; undefined leaves them).
 */
function reconcile(
  current: Shown | null,
  fresh: QueuePage,
  at: number,
  { key, onFirstPage, fetchedHere }: { key: string; onFirstPage: boolean; fetchedHere: boolean },
): { shown: Shown; pending?: QueuePage | null } | null {
  if (!current || current.key !== key) return fetchedHere ? { shown: { key, page: fresh, at }, pending: null } : null;
  if (current.at === at) return null;
  if (!onFirstPage) return { shown: { key, page: fresh, at } };
  // Rows only added below what the analyst sees (or to an empty list) move nothing: show them.
  // Rows that would land above or between the visible ones wait behind "N new".
  const freshIds = new Set(fresh.items.map((item) => item.id));
  const kept = current.page.items.filter((item) => freshIds.has(item.id));
  const appendOnly = kept.every((item, index) => fresh.items[index]?.id === item.id);
  if (appendOnly) return { shown: { key, page: fresh, at }, pending: null };
  // New rows: announce them, keep the analyst's rows where they are (updated in place).
  const byId = new Map(fresh.items.map((item) => [item.id, item]));
  return {
    shown: { key, page: { ...current.page, items: current.page.items.map((item) => byId.get(item.id) ?? item) }, at },
    pending: fresh,
  };
}
