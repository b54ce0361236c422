import { useMemo } from 'react';
import { useLocation, useParams, useSearchParams } from 'react-router';
import { z } from 'zod';
import { parseQueueSearch, queueFilters } from '../components/queue/queue-url.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { SessionPage } from '../components/session/SessionPage.tsx';

/**
 * `/sessions/:id`: one session's evidence and decision. The search params are the queue filters
 * the analyst came from (so "claim next" and "back to the queue" keep that view).
 */
export function Component() {
  const { id = '' } = useParams();
  const [searchParams] = useSearchParams();
  const location = useLocation();
  const filters = useMemo(() => queueFilters(parseQueueSearch(searchParams).query), [searchParams]);
  const state = location.state as { session?: unknown; notice?: unknown } | null;

  if (!z.uuid().safeParse(id).success) {
    return <EmptyState title="Session not found">{<p>That is not a session id.</p>}</EmptyState>;
  }
  return (
    <SessionPage
      // A new navigation (claim next, even onto the same id) starts from the session it hands over.
      key={`${id}:${location.key}`}
      id={id}
      handedOver={state?.session}
      filters={filters}
      notice={typeof state?.notice === 'string' ? state.notice : null}
    />
  );
}
