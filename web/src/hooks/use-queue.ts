import { useCallback, useEffect, useRef, useState } from 'react';
import type { QueuePage, QueueQuery } from '../../../server/contract/review.ts';
import { errorMessage, isAbortError } from '../api/review.ts';
import { queueQueryToSearch } from '../components/queue/queue-url.ts';
import { useReviewApi } from './use-review-api.tsx';

export interface QueueState {
  status: 'loading' | 'ready' | 'error';
  page: QueuePage | null;
  error: string | null;
  /** Live count of matching sessions (from the latest poll). */
  total: number | null;
  totalCapped: boolean;
  /** Rows on the fresh first page that the analyst is not seeing yet. */
  newCount: number;
  /** Replace the visible rows with the latest poll (the "N new" button). */
  showNew: () => void;
  reload: () => void;
}

/**
 * The queue page for `query`, plus live updates: every `pollMs` the first page is fetched again
 * with the same filters. Rows already on screen are updated in place; new rows that only extend
 * the list appear at once, and new rows that would land above the analyst's rows are announced
 * ("N new") instead of shifting the list under them.
 */
export function useQueue(query: QueueQuery, pollMs = 10_000): QueueState {
  const api = useReviewApi();
  const search = queueQueryToSearch(query);
  const firstPageSearch = queueQueryToSearch({ ...query, cursor: undefined, before: undefined });
  const onFirstPage = query.cursor === undefined && query.before === undefined;

  const [reloadToken, setReloadToken] = useState(0);
  const key = `${search}#${reloadToken}`;
  const [result, setResult] = useState<{ key: string; page: QueuePage } | null>(null);
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const [pending, setPending] = useState<{ key: string; page: QueuePage } | null>(null);
  const [live, setLive] = useState<{ total: number; capped: boolean } | null>(null);
  const resultRef = useRef(result);
  useEffect(() => {
    resultRef.current = result;
  }, [result]);

  useEffect(() => {
    const controller = new AbortController();
    api.listQueue(search, controller.signal).then(
      (fresh) => {
        if (controller.signal.aborted) return;
        setResult({ key, page: fresh });
        setLive({ total: fresh.total, capped: fresh.totalCapped });
        setFailure(null);
      },
      (cause: unknown) => {
        if (controller.signal.aborted || isAbortError(cause)) return;
        setFailure({ key, message: errorMessage(cause) });
      },
    );
    return () => controller.abort();
  }, [api, search, key]);

  useEffect(() => {
    if (!(pollMs > 0)) return;
    let controller: AbortController | null = null;
    const poll = () => {
      if (document.visibilityState === 'hidden' || controller) return;
      const current = new AbortController();
      controller = current;
      api.listQueue(firstPageSearch, current.signal).then(
        (fresh) => {
          controller = null;
          if (current.signal.aborted) return;
          setLive({ total: fresh.total, capped: fresh.totalCapped });
          if (!onFirstPage) return;
          const shown = resultRef.current;
          if (!shown || shown.key !== key) return;
          // Rows only added below what the analyst sees (or to an empty list) move nothing: show them.
          // Rows that would land above or between the visible ones wait behind "N new".
          const freshIds = new Set(fresh.items.map((item) => item.id));
          const kept = shown.page.items.filter((item) => freshIds.has(item.id));
          const appendOnly = kept.every((item, index) => fresh.items[index]?.id === item.id);
          if (appendOnly) {
            setPending(null);
            setResult({ key, page: fresh });
            return;
          }
          // New rows: announce them, keep the analyst's rows where they are (updated in place).
          const byId = new Map(fresh.items.map((item) => [item.id, item]));
          setPending({ key, page: fresh });
          setResult({ key, page: { ...shown.page, items: shown.page.items.map((item) => byId.get(item.id) ?? item) } });
        },
        () => {
          // A failed poll is not worth interrupting the analyst; the next one retries.
          controller = null;
        },
      );
    };
    const timer = window.setInterval(poll, pollMs);
    return () => {
      window.clearInterval(timer);
      controller?.abort();
    };
  }, [api, firstPageSearch, onFirstPage, pollMs, key]);

  const page = result?.page ?? null;
  const status: QueueState['status'] = failure?.key === key ? 'error' : result?.key === key ? 'ready' : 'loading';
  const currentPending = pending?.key === key && result?.key === key ? pending.page : null;
  const newCount =
    currentPending && page ? currentPending.items.filter((item) => !page.items.some((shown) => shown.id === item.id)).length : 0;

  const showNew = useCallback(() => {
    if (currentPending) setResult({ key, page: currentPending });
    setPending(null);
  }, [currentPending, key]);
  const reload = useCallback(() => setReloadToken((n) => n + 1), []);

  return {
    status,
    page,
    error: status === 'error' ? (failure?.message ?? null) : null,
    total: live?.total ?? null,
    totalCapped: live?.capped ?? false,
    newCount,
    showNew,
    reload,
  };
}
