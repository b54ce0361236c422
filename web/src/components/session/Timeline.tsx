import type { TimelineEntry } from '../../../../server/contract/review.ts';
import { formatDateTime } from '../../format/date.ts';
import styles from './SessionPanels.module.css';

const kindLabels = {
  claim: 'claimed',
  release: 'released',
  approve: 'approved',
  decline: 'declined',
  note: 'note',
  escalate: 'escalated to a lead',
  de_escalate: 'returned it to the queue',
  decision_undone: 'undid the decision (never sent to Didit)',
  resubmit: 'asked the user to try again',
  second_review: 'gave a second review',
  second_review_resolved: 'settled the second review',
} as const;
const pushLabels = {
  pending: 'push pending',
  confirmed: 'confirmed by Didit',
  failed: 'push failed',
  held: 'held for a second analyst',
} as const;

/** Didit's status changes and our review events, oldest first, each console decision with its push state. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className={styles.muted}>No events yet.</p>;
  const sorted = [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <ol className={styles.timeline}>
      {sorted.map((entry, index) => (
        <li key={`${entry.at}-${index}`} className={styles.event}>
          <time dateTime={entry.at} className={styles.eventTime}>
            {formatDateTime(entry.at)}
          </time>
          <span className={`${styles.source} ${entry.source === 'didit' ? styles.sourceDidit : styles.sourceConsole}`}>
            {entry.source === 'didit' ? 'Didit' : 'Console'}
          </span>
          {entry.source === 'didit' ? (
            <span>
              Status <strong>{entry.status}</strong> <span className={styles.muted}>({entry.webhookType})</span>
            </span>
          ) : (
            <span className={styles.eventBody}>
              <span>
                <strong>{entry.actor}</strong> {kindLabels[entry.kind]}
                {entry.reasonLabel || entry.reason ? <> — {entry.reasonLabel ?? entry.reason}</> : null}
                {entry.pushState ? (
                  <span className={`${styles.push} ${styles[`push_${entry.pushState}`]}`}>{pushLabels[entry.pushState]}</span>
                ) : null}
              </span>
              {entry.pushError ? <span className={styles.pushError}>{entry.pushError}</span> : null}
              {entry.note ? <q className={styles.note}>{entry.note}</q> : null}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
