import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../api/review.ts';
import { preloadSessionMedia } from './preload.ts';
import { useReviewApi } from './use-review-api.tsx';

export type ClaimNextState = { state: 'idle' } | { state: 'claiming' } | { state: 'empty' } | { state: 'error'; message: string };

/**
 * "Claim next": claim the oldest matching session and open it, its images already downloading.
 * `filters` are the queue's URL parameters; they travel on in the session URL so the loop keeps
 * the view the analyst came from.
 */
export function useClaimNext(filters: Record<string, string>) {
  const api = useReviewApi();
  const navigate = useNavigate();
  const [status, setStatus] = useState<ClaimNextState>({ state: 'idle' });

  /** `notice` is shown on the page that opens (e.g. "Approved user-42"). */
  const claimNext = useCallback(
    async (notice?: string) => {
      setStatus({ state: 'claiming' });
      try {
        const session = await api.claimNext(filters);
        if (!session) {
          setStatus({ state: 'empty' });
          return null;
        }
        preloadSessionMedia(session);
        setStatus({ state: 'idle' });
        const search = new URLSearchParams(filters).toString();
        await navigate(`/sessions/${encodeURIComponent(session.id)}${search ? `?${search}` : ''}`, {
          state: { session, notice },
        });
        return session;
      } catch (error) {
        setStatus({ state: 'error', message: errorMessage(error) });
        return null;
      }
    },
    [api, filters, navigate],
  );

  return { claimNext, status };
}
