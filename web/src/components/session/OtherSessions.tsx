import { Link } from 'react-router';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { formatScore } from '../queue/format.ts';
import { StatusBadge } from './StatusBadge.tsx';
import styles from './SessionPanels.module.css';

const sourceLabels = { didit: 'Didit (automatic)', console: 'this console', outside: 'outside the console' } as const;

/** This user's other sessions (same vendor_data) with their outcomes. */
export function OtherSessions({ sessions, linkSearch }: { sessions: SessionDetail['otherSessions']; linkSearch: string }) {
  if (sessions.length === 0) return <p className={styles.muted}>No other sessions for this user.</p>;
  return (
    <table className={styles.small} aria-label="Other sessions of this user">
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Outcome</th>
          <th scope="col">Workflow</th>
          <th scope="col" className={styles.numeric}>
            Liveness
          </th>
          <th scope="col" className={styles.numeric}>
            Face match
          </th>
          <th scope="col">Decided by</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.id}>
            <td>
              <Link to={`/sessions/${encodeURIComponent(session.id)}${linkSearch ? `?${linkSearch}` : ''}`}>
                {formatDateTime(session.createdAt)}
              </Link>
            </td>
            <td>
              <StatusBadge status={session.status} />
            </td>
            <td>{session.workflowLabel ?? '—'}</td>
            <td className={styles.numeric}>{formatScore(session.livenessScore)}</td>
            <td className={styles.numeric}>{formatScore(session.faceMatchScore)}</td>
            <td>
              {session.decisionSource ? sourceLabels[session.decisionSource] : '—'}
              {session.decidedAt ? <span className={styles.muted}> · {formatDateTime(session.decidedAt)}</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
