import { Link } from 'react-router';
import type { Outcome, SimulationDto } from '../../../../server/contract/thresholds.ts';
import { outcomes } from '../../../../server/contract/thresholds.ts';
import styles from './Thresholds.module.css';

const sign = (n: number) => (n > 0 ? `+${n}` : String(n));

/**
 * What a set of thresholds would have done to the window's sessions: reviews and declines per
 * day before → after, what becomes of the analysts' approvals, the 3x3 matrix (in force →
 * proposed, each cell with the part an analyst approved) and the analyst verdicts it would
 * overturn. The editor shows it while a lead drags; the proposal review shows it to the approver.
 */
export function SimulationView({
  simulation,
  contradictionLimit,
}: {
  simulation: SimulationDto;
  /** List only the first few contradicted sessions (the count stays the whole total). */
  contradictionLimit?: number;
}) {
  const analyst = simulation.analystApprovals;
  const analystTo = (to: Outcome) => outcomes.reduce((sum, from) => sum + analyst[from][to], 0);
  const analystTotal = outcomes.reduce((sum, to) => sum + analystTo(to), 0);
  const items =
    contradictionLimit === undefined
      ? simulation.contradictions.items
      : simulation.contradictions.items.slice(0, contradictionLimit);
  return (
    <div aria-live="polite">
      <h3>What it would have done ({simulation.sessions} sessions in the window)</h3>
      <p data-testid="review-change">
        Reviews per day: {simulation.reviewsPerDay.current} → {simulation.reviewsPerDay.proposed} (
        <strong className={simulation.reviewsPerDay.change > 0 ? styles.warn : undefined}>
          {sign(simulation.reviewsPerDay.change)}
        </strong>
        ); declines per day: {simulation.declinesPerDay.current} → {simulation.declinesPerDay.proposed} (
        <strong className={simulation.declinesPerDay.change !== 0 ? styles.warn : undefined}>
          {sign(simulation.declinesPerDay.change)}
        </strong>
        ).
      </p>
      <p data-testid="analyst-approvals">
        {analystTotal === 0 ? (
          'No session in the window was approved by an analyst; every approval was automatic.'
        ) : (
          <>
            Approved by an analyst: {analystTotal} (in the console or Didit&apos;s). With these thresholds,{' '}
            <strong>{analystTo('Approved')}</strong> would be approved automatically, {analystTo('In Review')} would still go to
            review and <strong className={analystTo('Declined') > 0 ? styles.warn : undefined}>{analystTo('Declined')}</strong>{' '}
            would be declined.
          </>
        )}
      </p>
      <table className={styles.table} aria-label="Transition matrix">
        <thead>
          <tr>
            <th scope="col">Current ↓ / proposed →</th>
            {outcomes.map((o) => (
              <th key={o} scope="col" className={styles.num}>
                {o}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {outcomes.map((from) => (
            <tr key={from}>
              <th scope="row">{from}</th>
              {outcomes.map((to) => (
                <td key={to} className={`${styles.num} ${from !== to && simulation.matrix[from][to] > 0 ? styles.changed : ''}`}>
                  {simulation.matrix[from][to]}
                  {analyst[from][to] > 0 ? (
                    <span className={styles.cellNote}>{analyst[from][to]} approved by an analyst</span>
                  ) : null}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h3 style={{ marginTop: 'var(--space-3)' }}>Analyst verdicts it would contradict: {simulation.contradictions.total}</h3>
      {items.length > 0 ? (
        <>
          <table className={styles.table} aria-label="Contradicted verdicts">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Analyst</th>
                <th scope="col">Proposed</th>
                <th scope="col" className={styles.num}>
                  Liveness
                </th>
                <th scope="col" className={styles.num}>
                  Face match
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.sessionId}>
                  <td>
                    <Link to={`/sessions/${c.sessionId}`}>{c.vendorData ?? c.sessionId.slice(0, 8)}</Link>
                  </td>
                  <td>{c.analystVerdict}</td>
                  <td>{c.proposedOutcome}</td>
                  <td className={styles.num}>{c.livenessScore ?? '—'}</td>
                  <td className={styles.num}>{c.faceMatchScore ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length < simulation.contradictions.total ? (
            <p className={styles.muted}>
              The first {items.length} of {simulation.contradictions.total} listed.
            </p>
          ) : null}
        </>
      ) : null}
      <p className={styles.muted}>Computed in {simulation.tookMs} ms.</p>
    </div>
  );
}
