import { useCallback, useEffect, useRef, useState } from 'react';
import type { SyncStatus } from '../../../../server/contract/sync.ts';
import type { SyncApi } from '../../api/sync.ts';
import { errorMessage, isAbortError } from '../../api/review.ts';

export interface SyncStatusState {
  status: SyncStatus | null;
  /** When `status` was fetched (ms since the epoch). */
  fetchedAt: number | null;
  /** The last fetch failed (the previous status, if any, is still shown). */
  error: string | null;
  refresh: () => void;
}

/**
 * `GET /api/sync/status` now, then every `pollMs` while the page is visible, and at once when
 * it becomes visible again. One request at a time; a newer refresh replaces a slower one.
 */
export function useSyncStatus(api: SyncApi, pollMs = 10_000): SyncStatusState {
  const [state, setState] = useState<Omit<SyncStatusState, 'refresh'>>({ status: null, fetchedAt: null, error: null });
  const inFlight = useRef<AbortController | null>(null);

  const fetchNow = useCallback(() => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    api.getStatus(controller.signal).then(
      (status) => {
        if (controller.signal.aborted) return;
        inFlight.current = null;
        setState({ status, fetchedAt: Date.now(), error: null });
      },
      (cause: unknown) => {
        if (controller.signal.aborted || isAbortError(cause)) return;
        inFlight.current = null;
        setState((previous) => ({ ...previous, error: errorMessage(cause) }));
      },
    );
  }, [api]);

  useEffect(() => {
    fetchNow();
    const visible = () => document.visibilityState !== 'hidden';
    const poll = () => {
      if (visible() && !inFlight.current) fetchNow();
    };
    const timer = pollMs > 0 ? window.setInterval(poll, pollMs) : undefined;
    const onVisibility = () => {
      if (visible()) fetchNow();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      inFlight.current?.abort();
      inFlight.current = null;
    };
  }, [fetchNow, pollMs]);

  return { ...state, refresh: fetchNow };
}
