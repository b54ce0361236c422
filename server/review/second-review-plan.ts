import type { Actor } from '../auth/rbac.ts';
import type { SecondReviewSettings, SecondReviewTrigger } from '../contract/second-review.ts';
import type { Database } from '../db/database.ts';
import type { SecondReviewPurpose } from '../db/schema.ts';
import { countAttemptsWithinDay, findSecondReviewSettings } from './second-review.repository.ts';
import { fourEyesTriggers, qualityTrigger } from './second-review-rules.ts';
import { findSessionById, type SessionRow } from './review.repository.ts';
import { loadScoredThresholds } from './session-detail.ts';

/**
 * Whether a decision goes to a second analyst (ADR 0021), read in the decision's transaction; and
 * the four-eyes rules an approval would meet, which the session page shows before the analyst
 * decides. The rules themselves are in second-review-rules.ts.
 */

const fourEyesOn = (rules: SecondReviewSettings) =>
  rules.faceMatchFloor !== null || rules.declineMargin !== null || rules.repeatAttempts;

/** The four-eyes rules approving this session meets now (empty when the workflow has none on). */
export async function fourEyesFor(
  db: Database,
  session: SessionRow,
  rules?: SecondReviewSettings,
): Promise<SecondReviewTrigger[]> {
  const settings = rules ?? (await findSecondReviewSettings(db, session.workflow_id));
  if (!fourEyesOn(settings)) return [];
  const [thresholds, attemptsWithinDay] = await Promise.all([
    settings.declineMargin !== null ? loadScoredThresholds(db, session) : null,
    settings.repeatAttempts ? countAttemptsWithinDay(db, session) : 1,
  ]);
  return fourEyesTriggers(
    {
      livenessScore: session.liveness_score,
      faceMatchScore: session.face_match_score,
      livenessDecline: thresholds?.livenessDecline ?? null,
      faceMatchDecline: thresholds?.faceMatchDecline ?? null,
      attemptsWithinDay,
    },
    settings,
  );
}

export interface SecondReviewPlan {
  purpose: SecondReviewPurpose;
  triggers: SecondReviewTrigger[];
  workflowId: string | null;
  warningCodes: string[];
}

/**
 * The second review a person's verdict goes to, if any: four eyes for an approval meeting the
 * workflow's rules (held from Didit until confirmed), else a quality review for an override of an
 * automatic Declined or the workflow's random share. API tokens' decisions and resubmissions go
 * to none (automation is checked by its own tests; a resubmission decides nothing).
 */
export async function planSecondReview(
  db: Database,
  sessionId: string,
  actor: Actor,
  decision: { verdict: 'Approved' | 'Declined' | 'Resubmitted'; fromStatus: string },
  random: () => number,
): Promise<SecondReviewPlan | null> {
  if (actor.kind !== 'user' || decision.verdict === 'Resubmitted') return null;
  const session = await findSessionById(db, sessionId);
  if (!session) return null;
  const rules = await findSecondReviewSettings(db, session.workflow_id);
  const base = { workflowId: session.workflow_id, warningCodes: session.warning_codes };
  if (decision.verdict === 'Approved') {
    const triggers = await fourEyesFor(db, session, rules);
    if (triggers.length > 0) return { ...base, purpose: 'four_eyes', triggers };
  }
  const quality = qualityTrigger({ fromStatus: decision.fromStatus, verdict: decision.verdict }, rules.sharePercent, random);
  return quality ? { ...base, purpose: 'quality', triggers: [quality] } : null;
}
