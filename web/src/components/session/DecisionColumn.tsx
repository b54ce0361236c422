import type { SessionDetail } from '../../../../server/contract/review.ts';
import { EvidencePackLink } from '../evidence-pack/EvidencePackLink.tsx';
import { FourEyesNotice } from '../second-review/FourEyesNotice.tsx';
import { SecondReviewPanel } from '../second-review/SecondReviewPanel.tsx';
import { DecisionForm, type DecisionFormProps } from './DecisionForm.tsx';
import { FaceBlockPanel } from './FaceBlockPanel.tsx';
import { PrivacyPanel } from './PrivacyPanel.tsx';
import { PushState } from './PushState.tsx';
import { ScoreBar } from './ScoreBar.tsx';
import styles from './SessionView.module.css';

export interface DecisionColumnProps extends DecisionFormProps {
  /** Why the page could not re-read the session while its decision is on its way to Didit. */
  pushCheckError: string | null;
  /** A push retried, or another change from the decision panel. */
  onChange: (fresh: SessionDetail, message: string) => void;
}

/** The scores against the thresholds the session was scored under, then the decision. */
export function DecisionColumn({ pushCheckError, onChange, ...form }: DecisionColumnProps) {
  const { session } = form;
  return (
    <aside className={styles.side} aria-label="Scores and decision">
      <ScoresPanel session={session} />
      <section aria-labelledby="decision-title" className={styles.panel}>
        <h2 id="decision-title" className={styles.panelTitle}>
          Decision
        </h2>
        <PushState session={session} onChange={onChange} />
        {pushCheckError ? (
          <p role="alert" className={styles.status}>
            Could not check whether Didit has confirmed the decision ({pushCheckError}); trying again.
          </p>
        ) : null}
        <SecondReviewPanel session={session} reasons={form.reasons} reasonsError={form.reasonsError} onChange={onChange} />
        {/* A blind second reviewer answers through the review form: there is nothing else to decide. */}
        {session.secondReview?.blind ? null : (
          <>
            <FourEyesNotice session={session} />
            <DecisionForm {...form} />
          </>
        )}
        <EvidencePackLink session={session} />
        <FaceBlockPanel session={session} reasons={form.reasons} onChange={onChange} />
      </section>
      <PrivacyPanel session={session} onChange={onChange} />
    </aside>
  );
}

function ScoresPanel({ session }: { session: SessionDetail }) {
  const t = session.thresholds;
  return (
    <section aria-labelledby="scores-title" className={styles.panel}>
      <h2 id="scores-title" className={styles.panelTitle}>
        Scores{t.version !== null ? <span className={styles.muted}> · thresholds v{t.version}</span> : null}
      </h2>
      <ScoredUnder thresholds={t} />
      <ScoreBar
        label={`Liveness${session.livenessMethod ? ` (${session.livenessMethod})` : ''}`}
        score={session.livenessScore}
        review={t.livenessReview}
        decline={t.livenessDecline}
      />
      <ScoreBar
        label="Face match"
        score={session.hasFaceMatch ? session.faceMatchScore : null}
        review={t.faceMatchReview}
        decline={t.faceMatchDecline}
        missing={session.hasFaceMatch ? 'not available' : 'liveness only (no face match)'}
      />
    </section>
  );
}

/**
 * Which thresholds the bars are drawn against: those the session was scored under, which may not
 * be today's. Didit's own word (the warnings' thresholds) is named when it is what is shown.
 */
function ScoredUnder({ thresholds: t }: { thresholds: SessionDetail['thresholds'] }) {
  const parts: string[] = [];
  if (t.source === 'didit_warnings') parts.push("Thresholds from Didit's warnings, as it scored this session.");
  if (t.nowInForce) {
    parts.push(
      t.version !== null
        ? `Scored under v${t.version}; v${t.nowInForce.version} now in force.`
        : `Scored before any console version; v${t.nowInForce.version} now in force.`,
    );
  }
  if (parts.length === 0) return null;
  return (
    <p className={styles.muted} data-testid="scored-under">
      {parts.join(' ')}
    </p>
  );
}
