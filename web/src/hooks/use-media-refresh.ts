import { useCallback, useEffect, useRef, useState } from 'react';
import type { Media } from '../../../server/contract/review.ts';
import { ApiError, errorMessage } from '../api/review.ts';
import { useNow } from './use-now.ts';
import { useReviewApi } from './use-review-api.tsx';

/** Refresh links this long before they expire. */
export const refreshMarginSeconds = 60;
/** After a refused (stale) or failed refresh, wait this long before trying again. */
const retryAfterMs = 30_000;

export interface MediaRefreshState {
  media: Media;
  /** Seconds until the links expire (negative once expired), or null when unknown. */
  secondsLeft: number | null;
  refreshing: boolean;
  error: string | null;
  /** Seconds until the next automatic attempt after Didit refused or failed, or null. */
  retryInSeconds: number | null;
  /** Call from an <img>/<video> error handler: refreshes once per failing URL. */
  onMediaError: (url: string) => void;
  /** Call from an <img> load handler. */
  onMediaLoad: (url: string) => void;
  /** Whether this link has loaded in the page (a failed or pending image has not). */
  loaded: (url: string | null) => boolean;
  /** Whether this link failed to load. */
  failed: (url: string | null) => boolean;
  /**
   * Ask for fresh links now (the "Retry now" button), whatever was tried before. With a failed
   * image this reports its link broken; the server forces new links at most once a minute per
   * session and otherwise answers the current ones, which are then loaded again.
   */
  retry: () => void;
}

/**
 * Keeps a session's short-lived media links usable: when fewer than 60 s are left (or an image
 * fails to load), asks the API for fresh links. A refresh Didit refused comes back `stale`;
 * the caller shows a notice and we retry a little later rather than hammering.
 */
export function useMediaRefresh(sessionId: string, initial: Media, onRefreshed?: (media: Media) => void): MediaRefreshState {
  const api = useReviewApi();
  const now = useNow(1000);
  const [media, setMedia] = useState(initial);
  const [refreshing, setRefreshing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** No automatic attempt before this time (after a refused or failed refresh). */
  const [retryAt, setRetryAt] = useState(0);
  /**
   * An image that fails to load gets one automatic refresh of the links. If the fresh links fail
   * too (the media host is unreachable, not the links), nothing more happens by itself: the page
   * says so and offers "Retry now". Otherwise every failure would mint new links and fail again,
   * spending Didit's shared decision budget in a loop. Re-armed once an image loads.
   */
  const autoRefreshUsed = useRef(false);
  const [loadedUrls, setLoadedUrls] = useState<ReadonlySet<string>>(() => new Set());
  const [failedNow, setFailedNow] = useState<ReadonlySet<string>>(() => new Set());
  const inFlight = useRef(false);
  const onRefreshedRef = useRef(onRefreshed);
  useEffect(() => {
    onRefreshedRef.current = onRefreshed;
  });

  // A new session payload (claim, decision, 409) may carry newer links.
  const [seenInitial, setSeenInitial] = useState(initial);
  if (seenInitial !== initial) {
    setSeenInitial(initial);
    setMedia(initial);
  }

  /** `brokenUrl`: a link that failed to load here (the server may then force new links). */
  const refresh = useCallback(
    (brokenUrl?: string) => {
      if (inFlight.current) return;
      inFlight.current = true;
      setRetryAt(Date.now() + retryAfterMs);
      setRefreshing(true);
      api.refreshMedia(sessionId, brokenUrl).then(
        (fresh) => {
          inFlight.current = false;
          setRefreshing(false);
          setError(null);
          setMedia(fresh);
          // Didit said when to come back (rate limit): not before then.
          if (fresh.stale) setRetryAt(Date.now() + Math.max(5_000, (fresh.retryAfterSeconds ?? retryAfterMs / 1000) * 1000));
          // The server kept the links (new ones were forced for this session a moment ago, or the
          // failed link is already replaced): load them again rather than show them as failed.
          if (brokenUrl !== undefined && !fresh.stale) setFailedNow(new Set());
          onRefreshedRef.current?.(fresh);
        },
        (cause: unknown) => {
          inFlight.current = false;
          setRefreshing(false);
          setError(errorMessage(cause));
          // Asked too often (429): not before the server says there is room again.
          setRetryAt(Date.now() + Math.max(retryAfterMs, retryAfterSecondsOf(cause) * 1000));
        },
      );
    },
    [api, sessionId],
  );

  const expiresAt = media.expiresAt ? Date.parse(media.expiresAt) : NaN;
  const secondsLeft = Number.isNaN(expiresAt) ? null : Math.floor((expiresAt - now) / 1000);
  // Due when the links near expiry, or to try again after Didit refused or failed (at the time it set).
  const didNotRefresh = media.stale || error !== null;
  const due = now >= retryAt && ((secondsLeft !== null && secondsLeft < refreshMarginSeconds) || didNotRefresh);
  const waiting = didNotRefresh && retryAt > now;
  const retryInSeconds = waiting ? Math.ceil((retryAt - now) / 1000) : null;

  useEffect(() => {
    if (due) refresh();
  }, [due, refresh]);

  const onMediaError = useCallback(
    (url: string) => {
      setFailedNow((set) => (set.has(url) ? set : new Set(set).add(url)));
      if (autoRefreshUsed.current) return;
      autoRefreshUsed.current = true;
      refresh(url);
    },
    [refresh],
  );
  const retry = useCallback(() => {
    const current = [media.selfie, media.portrait, media.video];
    refresh(current.find((url): url is string => url !== null && failedNow.has(url)));
  }, [refresh, media, failedNow]);
  const onMediaLoad = useCallback((url: string) => {
    autoRefreshUsed.current = false;
    setLoadedUrls((set) => (set.has(url) ? set : new Set(set).add(url)));
  }, []);
  const loaded = useCallback((url: string | null) => url !== null && loadedUrls.has(url), [loadedUrls]);
  const failed = useCallback((url: string | null) => url !== null && failedNow.has(url), [failedNow]);

  return { media, secondsLeft, refreshing, error, retryInSeconds, onMediaError, onMediaLoad, loaded, failed, retry };
}

/** The wait a 429 asked for (`details.retryAfterSeconds`), else 0. */
function retryAfterSecondsOf(cause: unknown): number {
  if (!(cause instanceof ApiError) || cause.status !== 429) return 0;
  const seconds = (cause.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : 0;
}
