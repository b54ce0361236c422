import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { sessionDetailSchema, type SessionDetail } from '../../../../server/contract/review.ts';
import { ApiError, errorMessage, isAbortError } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { EmptyState } from '../layout/EmptyState.tsx';
import { SessionView } from './SessionView.tsx';

export interface SessionPageProps {
  id: string;
  /** A session handed over by the page that opened this one (claim next), shown without a round trip. */
  handedOver?: unknown;
  filters: Record<string, string>;
  notice?: string | null;
}

type Load =
  { state: 'loading' } | { state: 'ready'; session: SessionDetail } | { state: 'error'; status: number | null; message: string };

function initialLoad(id: string, handedOver: unknown): Load {
  const parsed = sessionDetailSchema.safeParse(handedOver);
  return parsed.success && parsed.data.id === id ? { state: 'ready', session: parsed.data } : { state: 'loading' };
}

/** Loads a session (unless one was handed over) and renders it. Remount with `key={id}` per session. */
export function SessionPage({ id, handedOver, filters, notice = null }: SessionPageProps) {
  const api = useReviewApi();
  const [load, setLoad] = useState<Load>(() => initialLoad(id, handedOver));
  const needsFetch = load.state === 'loading';

  useEffect(() => {
    if (!needsFetch) return;
    const controller = new AbortController();
    api.getSession(id, controller.signal).then(
      (session) => setLoad({ state: 'ready', session }),
      (cause: unknown) => {
        if (isAbortError(cause) || controller.signal.aborted) return;
        setLoad({ state: 'error', status: cause instanceof ApiError ? cause.status : null, message: errorMessage(cause) });
      },
    );
    return () => controller.abort();
  }, [api, id, needsFetch]);

  const queueLink = `/queue${Object.keys(filters).length ? `?${new URLSearchParams(filters).toString()}` : ''}`;
  if (load.state === 'loading') {
    return (
      <p aria-busy="true" style={{ color: 'var(--color-text-muted)' }}>
        Loading the session…
      </p>
    );
  }
  if (load.state === 'error') {
    return (
      <EmptyState title={load.status === 404 ? 'Session not found' : 'The session could not be loaded'}>
        <p>{load.message}</p>
        <p>
          <Link to={queueLink}>Back to the queue</Link>
        </p>
      </EmptyState>
    );
  }
  return <SessionView initial={load.session} filters={filters} notice={notice} />;
}
