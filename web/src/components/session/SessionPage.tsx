import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { sessionDetailSchema, type SessionDetail } from '../../../../server/contract/review.ts';
import { queryKeys, useSessionDetail } from '../../api/queries.ts';
import { ApiError, errorMessage, freshSessionFromConflict } from '../../api/review.ts';
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

function handedOverSession(id: string, handedOver: unknown): SessionDetail | undefined {
  const parsed = sessionDetailSchema.safeParse(handedOver);
  return parsed.success && parsed.data.id === id ? parsed.data : undefined;
}

/** Loads a session (unless one was handed over) and renders it. Remount with `key={id}` per session. */
export function SessionPage({ id, handedOver, filters, notice = null, intent = 'look' }: SessionPageProps) {
  const api = useReviewApi();
  const client = useQueryClient();
  const [handed] = useState(() => handedOverSession(id, handedOver));
  // Fetched unless handed over; the session's one copy, shared with SessionView and its writes.
  const load = useSessionDetail(api, id, { initial: handed });
  const session = load.data;
  const [claimNotice, setClaimNotice] = useState<string | null>(null);
  const claimTried = useRef(false);
  const [claimDone, setClaimDone] = useState(false);

  // A new navigation starts from the session it hands over, even if an older copy is still cached.
  useEffect(() => {
    if (handed) client.setQueryData(queryKeys.session(id), handed);
  }, [client, id, handed]);

  // Opened from the queue to work on it: claim it, unless someone holds it (then the page shows who).
  const claimable = intent === 'work' && session !== undefined && session.allowed.claim;
  useEffect(() => {
    if (!claimable || claimTried.current) return;
    claimTried.current = true;
    api.claim(id).then(
      (claimed) => {
        client.setQueryData(queryKeys.session(id), claimed);
        setClaimNotice('Claimed for you: you are working on this session.');
        setClaimDone(true);
      },
      (cause: unknown) => {
        // A 409 carries the session as it is now: it replaces the cached one.
        const fresh = freshSessionFromConflict(cause);
        if (fresh) client.setQueryData(queryKeys.session(id), fresh);
        setClaimNotice(`Not claimed: ${errorMessage(cause)}`);
        setClaimDone(true);
      },
    );
  }, [api, client, id, claimable]);

  // The page shows the session once it is claimed (or the claim was refused), not before.
  const claiming = claimable && !claimDone;
  const queueLink = `/queue${Object.keys(filters).length ? `?${new URLSearchParams(filters).toString()}` : ''}`;
  if (load.error && !session) {
    const status = load.error instanceof ApiError ? load.error.status : null;
    return (
      <EmptyState title={status === 404 ? 'Session not found' : 'The session could not be loaded'}>
        <p>{errorMessage(load.error)}</p>
        <p>
          <Link to={queueLink}>Back to the queue</Link>
        </p>
      </EmptyState>
    );
  }
  if (!session || claiming) {
    return (
      <p aria-busy="true" style={{ color: 'var(--color-text-muted)' }}>
        {claiming ? 'Claiming the session…' : 'Loading the session…'}
      </p>
    );
  }
  return <SessionView initial={session} filters={filters} notice={claimNotice ?? notice} intent={intent} />;
}
