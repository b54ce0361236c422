import type { SessionDetail } from '../../../../server/contract/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { formatScore } from '../queue/format.ts';
import styles from './AttemptCompare.module.css';

/**
 * Asking the user to try again (issue 20), on the session page: while Didit waits for the new
 * attempt, who asked and why; once it has arrived, the attempt they were asked to redo set
 * against this one (liveness, face match, warnings).
 */
export function AttemptCompare({ session }: { session: SessionDetail }) {
  const previous = session.previousAttempt;
  if (!previous) return null;
  const asked = (
    <>
      Asked to try again <time dateTime={previous.requestedAt}>{formatDateTime(previous.requestedAt)}</time> by{' '}
      {previous.requestedBy}
      {previous.reasonLabel ? <> — {previous.reasonLabel}</> : null}
    </>
  );
  // Still waiting: the pushed request (or Didit's Resubmitted) and no new attempt yet.
  if (session.status === 'Resubmitted' || session.pushState === 'pending') {
    return (
      <section className={styles.panel} aria-label="Resubmission">
        <p>
          {asked}. {session.status === 'Resubmitted' ? 'Awaiting the new attempt.' : 'On its way to Didit.'}
        </p>
      </section>
    );
  }
  const previousRisks = new Set(previous.warnings.map((w) => w.risk));
  const currentRisks = new Set(session.warnings.map((w) => w.risk));
  const showFaceMatch = session.hasFaceMatch || previous.faceMatchScore !== null;
  return (
    <section className={styles.panel} aria-labelledby="attempt-compare-title">
      <h2 id="attempt-compare-title" className={styles.title}>
        Previous attempt vs this attempt
      </h2>
      <p className={styles.muted}>{asked}.</p>
      <table className={styles.table}>
        <thead>
          <tr>
            <th scope="col">
              <span className={styles.srOnly}>Measure</span>
            </th>
            <th scope="col">Previous attempt</th>
            <th scope="col">This attempt</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          <ScoreRow label="Liveness score" before={previous.livenessScore} after={session.livenessScore} />
          {showFaceMatch ? (
            <ScoreRow label="Face match score" before={previous.faceMatchScore} after={session.faceMatchScore} />
          ) : null}
          <tr>
            <th scope="row">Warnings</th>
            <td>
              <RiskList risks={[...previousRisks]} />
            </td>
            <td>
              <RiskList risks={[...currentRisks]} />
            </td>
            <td>{describeRiskChange(previousRisks, currentRisks)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function ScoreRow({ label, before, after }: { label: string; before: number | null; after: number | null }) {
  const change = before !== null && after !== null ? after - before : null;
  return (
    <tr>
      <th scope="row">{label}</th>
      <td className={styles.numeric}>{formatScore(before)}</td>
      <td className={styles.numeric}>{formatScore(after)}</td>
      <td className={styles.numeric}>
        {change === null ? '—' : change === 0 ? 'same' : `${change > 0 ? '+' : '−'}${formatScore(Math.abs(change))}`}
      </td>
    </tr>
  );
}

function RiskList({ risks }: { risks: string[] }) {
  if (risks.length === 0) return <span className={styles.muted}>none</span>;
  return <span className={styles.risks}>{risks.join(', ')}</span>;
}

/** Which warnings went away and which are new, in words. */
export function describeRiskChange(before: ReadonlySet<string>, after: ReadonlySet<string>): string {
  const gone = [...before].filter((risk) => !after.has(risk));
  const added = [...after].filter((risk) => !before.has(risk));
  if (gone.length === 0 && added.length === 0) return 'same';
  return [gone.length ? `gone: ${gone.join(', ')}` : null, added.length ? `new: ${added.join(', ')}` : null]
    .filter(Boolean)
    .join('; ');
}
