import type { SessionDetail } from '../../../../server/contract/review.ts';
import { OtherSessions } from './OtherSessions.tsx';
import { Timeline } from './Timeline.tsx';
import { WarningList } from './WarningList.tsx';
import styles from './SessionView.module.css';

/** Below the evidence: Didit's warnings, the session's timeline, and the same user's other sessions. */
export function SessionRecord({ session, linkSearch }: { session: SessionDetail; linkSearch: string }) {
  return (
    <div className={styles.lower}>
      <section aria-labelledby="warnings-title" className={styles.panel}>
        <h2 id="warnings-title" className={styles.panelTitle}>
          Warnings ({session.warnings.length})
        </h2>
        <WarningList warnings={session.warnings} />
      </section>
      <section aria-labelledby="timeline-title" className={styles.panel}>
        <h2 id="timeline-title" className={styles.panelTitle}>
          Timeline
        </h2>
        <Timeline entries={session.timeline} />
      </section>
      <section aria-labelledby="others-title" className={`${styles.panel} ${styles.full}`}>
        <h2 id="others-title" className={styles.panelTitle}>
          Other sessions of this user ({session.otherSessions.length})
        </h2>
        <OtherSessions sessions={session.otherSessions} linkSearch={linkSearch} />
      </section>
    </div>
  );
}
