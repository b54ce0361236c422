import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { sessionDetailSchema, type SessionDetail } from '../../../../server/contract/review.ts';
import { ApiError, errorMessage, freshSessionFromConflict, isAbortError } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { EmptyState } from '../layout/EmptyState.tsx';
import type { SessionIntent } from './intent.ts';
import { SessionView } from './SessionView.tsx';

export interface SessionPageProps {
  id: string;
  /** A session handed over by the page that opened this one (claim next), shown without a round trip. */
  handedOver?: unknown;
  filters: Record<string, string>;
  notice?: string | null;
  /** Opened to work on it (from the queue, claim next) or only to look (a link). */
  intent?: SessionIntent;
}

type Load =
  { state: 'loading' } | { state: 'ready'; session: SessionDetail } | { state: 'error'; status: number | null; message: string };

function initialLoad(id: string, handedOver: unknown): Load {
  const parsed = sessionDetailSchema.safeParse(handedOver);
  return parsed.success && parsed.data.id === id ? { state: 'ready', session: parsed.data } : { state: 'loading' };
}

/** Loads a session (unless one was handed over) and renders it. Remount with `key={id}` per session. */
export function SessionPage({ id, handedOver, filters, notice = null, intent = 'look' }: SessionPageProps) {
  const api = useReviewApi();
  const [load, setLoad] = useState<Load>(() => initialLoad(id, handedOver));
  const [claimNotice, setClaimNotice] = useState<string | null>(null);
  const claimTried = useRef(false);
  const [claimDone, setClaimDone] = useState(false);
  const needsFetch = load.state === 'loading';

  // Opened from the queue to work on it: claim it, unless someone holds it (then the page shows who).
  const claimable = intent === 'work' && load.state === 'ready' && load.session.allowed.claim;
  useEffect(() => {
    if (!claimable || claimTried.current) return;
    claimTried.current = true;
    api.claim(id).then(
      (session) => {
        setLoad({ state: 'ready', session });
        setClaimNotice('Claimed for you: you are working on this session.');
        setClaimDone(true);
      },
      (cause: unknown) => {
        const fresh = freshSessionFromConflict(cause);
        if (fresh) setLoad({ state: 'ready', session: fresh });
        setClaimNotice(`Not claimed: ${errorMessage(cause)}`);
        setClaimDone(true);
      },
    );
  }, [api, id, claimable]);

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

  // The page shows the session once it is claimed (or the claim was refused), not before.
  const claiming = claimable && !claimDone;
  const queueLink = `/queue${Object.keys(filters).length ? `?${new URLSearchParams(filters).toString()}` : ''}`;
  if (load.state === 'loading' || claiming) {
    return (
      <p aria-busy="true" style={{ color: 'var(--color-text-muted)' }}>
        {claiming ? 'Claiming the session…' : 'Loading the session…'}
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
  return <SessionView initial={load.session} filters={filters} notice={claimNotice ?? notice} intent={intent} />;
}
