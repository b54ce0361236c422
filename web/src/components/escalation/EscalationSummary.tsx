import type { Escalation } from '../../../../server/contract/escalation.ts';
import { formatDateTime } from '../../format/date.ts';
import { formatDuration } from '../queue/sla.ts';
import styles from './Escalation.module.css';

/** The queue's escalation cell: how long ago, by whom, and the start of the note (as text). */
export function EscalationSummary({ escalation, now }: { escalation: Escalation | null | undefined; now: number }) {
  if (!escalation) return <span className={styles.muted}>—</span>;
  const minutes = Math.max(0, (now - Date.parse(escalation.at)) / 60_000);
  return (
    <span className={styles.cell}>
      <span className={styles.cellAge} title={`Escalated ${formatDateTime(escalation.at)}`}>
        {formatDuration(minutes)} ago <span className={styles.muted}>by {escalation.by}</span>
      </span>
      {escalation.note !== null ? <span className={styles.cellNote}>{escalation.note}</span> : null}
    </span>
  );
}
