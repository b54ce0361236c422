import { useCallback, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import type { SessionDetail } from '../../../server/contract/review.ts';
import { errorMessage } from '../api/review.ts';
import { claimNextView } from '../components/queue/queue-url.ts';
import { preloadSessionMedia } from './preload.ts';
import { useReviewApi } from './use-review-api.tsx';

export type ClaimNextState = { state: 'idle' } | { state: 'claiming' } | { state: 'empty' } | { state: 'error'; message: string };

/**
 * "Claim next": claim the oldest matching session and open it, its images already downloading.
 * `filters` are the queue's URL parameters; they travel on in the session URL so the loop keeps
 * the view the analyst came from, in In Review (the only sessions claim next takes) even when the
 * analyst pressed it on a view of decided ones. While one claim is on its way, pressing again (or holding `c`,
 * which repeats the key) joins it instead of claiming a second session and racing two navigations.
 */
export function useClaimNext(filters: Record<string, string>) {
  const api = useReviewApi();
  const navigate = useNavigate();
  const [status, setStatus] = useState<ClaimNextState>({ state: 'idle' });
  const inFlight = useRef<Promise<SessionDetail | null> | null>(null);

  const claim = useCallback(
    async (notice?: string): Promise<SessionDetail | null> => {
      setStatus({ state: 'claiming' });
      try {
        const view = claimNextView(filters);
        const session = await api.claimNext(view);
        if (!session) {
          setStatus({ state: 'empty' });
          return null;
        }
        preloadSessionMedia(session);
        setStatus({ state: 'idle' });
        const search = new URLSearchParams(view).toString();
        await navigate(`/sessions/${encodeURIComponent(session.id)}${search ? `?${search}` : ''}`, {
          state: { session, notice, intent: 'work' },
        });
        return session;
      } catch (error) {
        setStatus({ state: 'error', message: errorMessage(error) });
        return null;
      }
    },
    [api, filters, navigate],
  );

  /** `notice` is shown on the page that opens (e.g. "Approved user-42"). */
  const claimNext = useCallback(
    (notice?: string): Promise<SessionDetail | null> => {
      inFlight.current ??= claim(notice).finally(() => {
        inFlight.current = null;
      });
      return inFlight.current;
    },
    [claim],
  );

  return { claimNext, status, message: claimNextMessage(status) };
}

/** What the page's status line says about claim next, or null when there is nothing to say. */
function claimNextMessage(status: ClaimNextState): string | null {
  switch (status.state) {
    case 'empty':
      return 'Nothing left to claim with these filters.';
    case 'error':
      return `Could not claim the next session: ${status.message}`;
    case 'claiming':
      return 'Claiming the next session…';
    case 'idle':
      return null;
  }
}
