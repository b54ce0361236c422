import { Link } from 'react-router';
import type { PendingPush } from '../../../../server/contract/sync.ts';
import { HealthTag } from './HealthTag.tsx';
import {
  formatInstant,
  formatSeconds,
  offersRequeue,
  PUSH_WARN_SECONDS,
  pushJobText,
  pushLevel,
  shownCount,
} from './sync-health.ts';
import styles from './Sync.module.css';

export interface PendingPushesTableProps {
  rows: PendingPush[];
  /** How many decisions wait in all (the server lists the 50 oldest). */
  total: number;
  /** Show the Re-queue column (the user has `push.requeue`). */
  canRequeue: boolean;
  /** Review event ids with a re-queue request in flight. */
  requeueing: ReadonlySet<number>;
  onRequeue: (row: PendingPush) => void;
}

/**
 * Analysts' decisions recorded but not yet confirmed by Didit, oldest first, with what the job
 * pushing each is doing. Every value is text, never HTML.
 */
export function PendingPushesTable({ rows, total, canRequeue, requeueing, onRequeue }: PendingPushesTableProps) {
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.caption}>
          Decisions not yet confirmed by Didit, oldest first ({shownCount(rows.length, total, ['decision', 'decisions'])})
        </caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Decision</th>
            <th scope="col">Decided by</th>
            <th scope="col">Decided</th>
            <th scope="col" className={styles.numeric}>
              Attempts
            </th>
            <th scope="col">Job</th>
            <th scope="col">Last error</th>
            {canRequeue ? (
              <th scope="col">
                <span className={styles.visuallyHidden}>Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.reviewEventId} data-job={row.job}>
              <th scope="row" className={styles.mono}>
                <Link to={`/sessions/${encodeURIComponent(row.sessionId)}`}>{row.sessionId}</Link>
              </th>
              <td>{row.decision}</td>
              <td>{row.decidedBy}</td>
              <td className={styles.nowrap}>
                <time dateTime={row.decidedAt}>{formatInstant(row.decidedAt)}</time>
                <div className={styles.muted}>waiting {formatSeconds(row.pendingSeconds)}</div>
              </td>
              <td className={styles.numeric}>{row.attempts}</td>
              <td>
                <PushLevelTag row={row} />
                {pushJobText(row)}
              </td>
              <td className={styles.errorText}>{row.lastError ? <code>{row.lastError}</code> : '—'}</td>
              {canRequeue ? (
                <td>
                  <RequeueCell row={row} inFlight={requeueing.has(row.reviewEventId)} onRequeue={onRequeue} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A tag only on a push that needs a look, so the stuck ones stand out. */
function PushLevelTag({ row }: { row: PendingPush }) {
  const level = pushLevel(row);
  if (level === 'ok') return null;
  return (
    <>
      <HealthTag level={level} />{' '}
    </>
  );
}

function RequeueCell({
  row,
  inFlight,
  onRequeue,
}: {
  row: PendingPush;
  inFlight: boolean;
  onRequeue: (row: PendingPush) => void;
}) {
  if (offersRequeue(row)) {
    return (
      <button
        type="button"
        className={styles.button}
        onClick={() => onRequeue(row)}
        disabled={inFlight}
        aria-label={`Re-queue the decision on session ${row.sessionId}`}
      >
        {inFlight ? 'Re-queueing…' : 'Re-queue'}
      </button>
    );
  }
  if (row.job === 'running') return null;
  return <span className={styles.muted}>Re-queue after {formatSeconds(PUSH_WARN_SECONDS)}</span>;
}
