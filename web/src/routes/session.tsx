import { useMemo } from 'react';
import { useLocation, useParams, useSearchParams } from 'react-router';
import { diditIdSchema } from '../../../server/contract/ids.ts';
import { parseQueueSearch, queueFilters } from '../components/queue/queue-url.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { SessionPage } from '../components/session/SessionPage.tsx';
import { intentOf } from '../components/session/intent.ts';

/**
 * `/sessions/:id`: one session's evidence and decision. The search params are the queue filters
 * the analyst came from (so "claim next" and "back to the queue" keep that view).
 */
export function Component() {
  const { id = '' } = useParams();
  const [searchParams] = useSearchParams();
  const location = useLocation();
  const filters = useMemo(() => queueFilters(parseQueueSearch(searchParams).query), [searchParams]);
  const state = location.state as { session?: unknown; notice?: unknown; intent?: unknown } | null;

  // Didit's ids are 8-4-4-4-12 hex but not always RFC 4122 UUIDs (its own examples are not).
  const parsed = diditIdSchema.safeParse(id);
  if (!parsed.success) {
    return <EmptyState title="Session not found">{<p>That is not a session id.</p>}</EmptyState>;
  }
  return (
    <SessionPage
      // A new navigation (claim next, even onto the same id) starts from the session it hands over.
      key={`${parsed.data}:${location.key}`}
      id={parsed.data}
      handedOver={state?.session}
      filters={filters}
      notice={typeof state?.notice === 'string' ? state.notice : null}
      intent={intentOf(state)}
    />
  );
}
