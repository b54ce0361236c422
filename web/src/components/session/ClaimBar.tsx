import { useState } from 'react';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { errorMessage } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { formatDateTime } from '../../format/date.ts';
import styles from './SessionPanels.module.css';

/** Who holds the session, and claim / release for the current user when the server allows them. */
export function ClaimBar({
  session,
  onChange,
}: {
  session: SessionDetail;
  onChange: (fresh: SessionDetail, message: string) => void;
}) {
  const api = useReviewApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: 'claim' | 'release') => {
    setBusy(true);
    setError(null);
    try {
      const fresh = action === 'claim' ? await api.claim(session.id) : await api.release(session.id);
      onChange(fresh, action === 'claim' ? 'Session claimed.' : 'Session released.');
    } catch (cause) {
      setError(`Could not ${action}: ${errorMessage(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  const claim = session.claim;
  return (
    <div className={styles.claimBar}>
      {claim ? (
        <span>
          Claimed by <strong>{claim.label}</strong> since{' '}
          <time dateTime={claim.claimedAt}>{formatDateTime(claim.claimedAt)}</time>
          <span className={styles.muted}>
            {' '}
            · lapses <time dateTime={claim.expiresAt}>{formatDateTime(claim.expiresAt)}</time> if idle
          </span>
        </span>
      ) : (
        <span className={styles.muted}>Unassigned</span>
      )}
      {session.allowed.claim ? (
        <button type="button" className={styles.button} disabled={busy} onClick={() => void run('claim')}>
          Claim
        </button>
      ) : null}
      {session.allowed.release ? (
        <button type="button" className={styles.button} disabled={busy} onClick={() => void run('release')}>
          Release
        </button>
      ) : null}
      {error ? (
        <span role="alert" className={styles.errorText}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
