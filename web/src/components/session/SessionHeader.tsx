import { Link } from 'react-router';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { KeyButton } from '../keyboard/KeyButton.tsx';
import { ClaimBar } from './ClaimBar.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import styles from './SessionView.module.css';

/** How a session is named on its page: the end user's reference, else its number, else its id. */
export function sessionLabel(session: Pick<SessionDetail, 'vendorData' | 'sessionNumber' | 'id'>): string {
  return session.vendorData ?? (session.sessionNumber !== null ? `Session #${session.sessionNumber}` : session.id);
}

export interface SessionHeaderProps {
  session: SessionDetail;
  /** The queue the analyst came from. */
  queueLink: string;
  /** Shown when the user may claim: "claim next" for this queue view. */
  onClaimNext?: () => void;
  claiming: boolean;
  onShowShortcuts: () => void;
  /** A claim or release answered with the session as it is now. */
  onClaimChange: (fresh: SessionDetail, message: string) => void;
  /** The page's last word on what happened (claimed, decided, nothing left to claim…). */
  status: string | null;
}

/** Which session this is, where it stands, who holds it, and the page's status line. */
export function SessionHeader({
  session,
  queueLink,
  onClaimNext,
  claiming,
  onShowShortcuts,
  onClaimChange,
  status,
}: SessionHeaderProps) {
  return (
    <header className={styles.header}>
      <div className={styles.titleRow}>
        <Link to={queueLink} className={styles.back}>
          ← Queue
        </Link>
        <h1 id="session-title" className={styles.title}>
          {sessionLabel(session)}
        </h1>
        <StatusBadge status={session.status} />
        <span className={styles.meta}>
          {session.workflowLabel ?? session.workflowId ?? 'Unknown workflow'}
          {session.sessionNumber !== null ? ` · #${session.sessionNumber}` : null}
          {session.createdAt ? ` · created ${formatDateTime(session.createdAt)}` : null}
          {session.inReviewSince ? ` · in review since ${formatDateTime(session.inReviewSince)}` : null}
        </span>
        <span className={styles.spacer} />
        {onClaimNext ? (
          <KeyButton shortcut="c" onClick={onClaimNext} disabled={claiming}>
            Claim next
          </KeyButton>
        ) : null}
        <KeyButton shortcut="?" onClick={onShowShortcuts} aria-haspopup="dialog">
          Shortcuts
        </KeyButton>
      </div>
      <ClaimBar session={session} onChange={onClaimChange} />
      <p role="status" className={styles.status}>
        {status}
      </p>
    </header>
  );
}
