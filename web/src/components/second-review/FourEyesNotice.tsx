import { useId } from 'react';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import styles from './SecondReview.module.css';

/**
 * Before an analyst approves a session that meets the workflow's four-eyes rules (issue 20, ADR
 * 0021): approving still works, but the decision then waits for a second analyst's confirmation
 * before it goes to Didit. Each rule met is said in the server's words (as text).
 */
export function FourEyesNotice({ session }: { session: Pick<SessionDetail, 'fourEyes' | 'allowed'> }) {
  const titleId = useId();
  const triggers = session.fourEyes ?? [];
  if (triggers.length === 0 || !session.allowed.decide.includes('Approved')) return null;
  return (
    <section className={styles.notice} aria-labelledby={titleId} data-testid="four-eyes">
      <p id={titleId}>
        <strong>Approving needs a second analyst&apos;s confirmation:</strong>
      </p>
      <ul className={styles.triggers}>
        {triggers.map((trigger) => (
          <li key={`${trigger.rule}:${trigger.detail}`}>{trigger.detail}</li>
        ))}
      </ul>
      <p className={styles.muted}>You can still approve; the decision then waits for them before it goes to Didit.</p>
    </section>
  );
}
