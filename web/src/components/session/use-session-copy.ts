import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { queryKeys, useSessionDetail } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';

/**
 * The page's copy of the session: the cached one (SessionPage loaded or was handed it), re-read
 * every `pushPollMs` while its decision is on its way to Didit, and replaced by every write's answer.
 */
export function useSessionCopy(initial: SessionDetail, pushPollMs: number) {
  const api = useReviewApi();
  const client = useQueryClient();
  const query = useSessionDetail(api, initial.id, { initial, pushPollMs });
  const session = query.data ?? initial;
  const setSession = useCallback(
    (fresh: SessionDetail) => client.setQueryData(queryKeys.session(initial.id), fresh),
    [client, initial.id],
  );
  /** Why the re-read failed while the push is pending (it keeps trying). */
  const pushCheckError = session.pushState === 'pending' && query.error ? errorMessage(query.error) : null;
  return { session, setSession, pushCheckError };
}
