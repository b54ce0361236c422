import { useId, useState } from 'react';
import type { SessionDetail, TimelineEntry } from '../../../../server/contract/review.ts';
import { errorMessage } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { formatDateTime } from '../../format/date.ts';
import { looksLikeEmail, ResubmissionEmail, type ResubmissionEmailDraft } from './ResubmissionEmail.tsx';
import styles from './SessionPanels.module.css';

/**
 * Where the decision stands: held for a second analyst (four eyes), pushed to Didit (pending /
 * confirmed / failed → retry), or decided outside.
 */
export function PushState({
  session,
  onChange,
}: {
  session: SessionDetail;
  onChange: (fresh: SessionDetail, message: string) => void;
}) {
  const api = useReviewApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A failed request to try again: the email is asked for again (the address given first is not kept).
  const [email, setEmail] = useState<ResubmissionEmailDraft>({ sendEmail: false, emailAddress: '' });
  const emailId = useId();

  const retry = async (resubmission: boolean) => {
    const sendEmail = resubmission && email.sendEmail;
    if (sendEmail && !looksLikeEmail(email.emailAddress)) {
      setError('Enter the email address to send the new link to, or untick "Email the user".');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = sendEmail ? { sendEmail: true, emailAddress: email.emailAddress.trim() } : {};
      onChange(
        await api.retryPush(session.id, body),
        sendEmail ? 'Push to Didit queued again, with the email to the user.' : 'Push to Didit queued again.',
      );
      setEmail({ sendEmail: false, emailAddress: '' });
    } catch (cause) {
      setError(`Could not retry: ${errorMessage(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  if (session.decisionSource === 'outside') {
    return (
      <div className={`${styles.pushBox} ${styles.push_outside}`}>
        <p>
          Decided outside the console (in Didit&apos;s own console)
          {session.diditReview?.by ? <> by {session.diditReview.by}</> : null}
          {session.decidedAt ? <> on {formatDateTime(session.decidedAt)}</> : null}.
        </p>
        {session.diditReview?.comment ? <p className={styles.quote}>“{session.diditReview.comment}”</p> : null}
      </div>
    );
  }
  if (!session.pushState) return null;
  // What was pushed: a verdict, or the request that the user try again (then the verdict that
  // follows is the new attempt's, not this push's).
  const resubmission = lastConsoleDecision(session)?.kind === 'resubmit';
  const what = resubmission ? 'The request to try again' : 'The decision';
  return (
    <div className={`${styles.pushBox} ${styles[`push_${session.pushState}`]}`}>
      {session.pushState === 'held' ? <p>Waiting for a second analyst&apos;s confirmation.</p> : null}
      {session.pushState === 'pending' ? <p>{what} is recorded; waiting for Didit to confirm it.</p> : null}
      {session.pushState === 'confirmed' ? (
        resubmission ? (
          <p>Didit confirmed the request to try again.</p>
        ) : (
          <p>Decision confirmed by Didit{session.decidedAt ? <> ({formatDateTime(session.decidedAt)})</> : null}.</p>
        )
      ) : null}
      {session.pushState === 'failed' ? (
        <>
          <p>
            Sending {what.toLowerCase()} to Didit failed{session.pushError ? <>: {session.pushError}</> : null}.
          </p>
          {resubmission ? (
            <ResubmissionEmail
              id={emailId}
              draft={email}
              onChange={(change) => setEmail((current) => ({ ...current, ...change }))}
              label="Email the user a link to try again with this retry (an address given before is not kept)"
            />
          ) : null}
          <button type="button" className={styles.button} disabled={busy} onClick={() => void retry(resubmission)}>
            Retry push
          </button>
        </>
      ) : null}
      {error ? (
        <p role="alert" className={styles.errorText}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The console's latest verdict or request on the session (the one its push state is about). */
function lastConsoleDecision(session: SessionDetail): Extract<TimelineEntry, { source: 'console' }> | undefined {
  return session.timeline.findLast(
    (entry): entry is Extract<TimelineEntry, { source: 'console' }> =>
      entry.source === 'console' && (entry.kind === 'approve' || entry.kind === 'decline' || entry.kind === 'resubmit'),
  );
}
