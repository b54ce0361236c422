import type { SecondReviewSettings, SecondReviewTrigger } from '../contract/second-review.ts';

/**
 * Which decisions a second analyst decides again (ADR 0021). Pure rules with no queries: the
 * decision path, the session page (which shows the four-eyes rules before the analyst decides)
 * and the tests use them alike.
 */

/** What the four-eyes rules read of a session. */
export interface FourEyesInput {
  livenessScore: number | null;
  faceMatchScore: number | null;
  /** The decline lines the session was scored against (the session page's thresholds). */
  livenessDecline: number | null;
  faceMatchDecline: number | null;
  /** The user's sessions created in the 24 hours up to this one's creation, this one included. */
  attemptsWithinDay: number;
}

/** A workflow with no second review: nothing sampled, no four-eyes rule. */
export const noSecondReview: SecondReviewSettings = {
  sharePercent: 0,
  faceMatchFloor: null,
  declineMargin: null,
  repeatAttempts: false,
};

/** The attempt from which approving needs four eyes, with `repeatAttempts` on: the third within a day. */
export const REPEAT_ATTEMPT_THRESHOLD = 3;

const points = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/**
 * The four-eyes rules an approval of the session meets (empty: one analyst's approval goes to
 * Didit). Only approvals: declining a risky session is the safe side, and needs no second pair.
 */
export function fourEyesTriggers(input: FourEyesInput, rules: SecondReviewSettings): SecondReviewTrigger[] {
  const triggers: SecondReviewTrigger[] = [];
  if (rules.faceMatchFloor !== null && input.faceMatchScore !== null && input.faceMatchScore < rules.faceMatchFloor) {
    triggers.push({
      rule: 'face_match_floor',
      detail: `Face match ${points(input.faceMatchScore)} is below this workflow's floor of ${points(rules.faceMatchFloor)}.`,
    });
  }
  if (rules.declineMargin !== null) {
    const margin = rules.declineMargin;
    const near = [
      { name: 'Liveness', score: input.livenessScore, line: input.livenessDecline },
      { name: 'Face match', score: input.faceMatchScore, line: input.faceMatchDecline },
    ].filter(
      (check): check is { name: string; score: number; line: number } =>
        check.score !== null && check.line !== null && Math.abs(check.score - check.line) <= margin,
    );
    for (const check of near) {
      triggers.push({
        rule: 'near_decline_line',
        detail: `${check.name} ${points(check.score)} is within ${points(margin)} points of its decline line (${points(check.line)}).`,
      });
    }
  }
  if (rules.repeatAttempts && input.attemptsWithinDay >= REPEAT_ATTEMPT_THRESHOLD) {
    triggers.push({
      rule: 'repeat_attempt',
      detail: `This is the user's attempt number ${input.attemptsWithinDay} within 24 hours.`,
    });
  }
  return triggers;
}

/**
 * Whether a decision goes to a quality review: every override of an automatic Declined, and the
 * workflow's share of the rest (`random` in [0, 1), injected so tests choose).
 */
export function qualityTrigger(
  { fromStatus, verdict }: { fromStatus: string; verdict: 'Approved' | 'Declined' },
  sharePercent: number,
  random: () => number,
): SecondReviewTrigger | null {
  if (fromStatus === 'Declined' && verdict === 'Approved') {
    return { rule: 'override_declined', detail: "Didit's automatic Declined was overridden." };
  }
  if (sharePercent > 0 && random() * 100 < sharePercent) {
    return { rule: 'sample', detail: `Picked at random: ${sharePercent} % of this workflow's decisions are checked.` };
  }
  return null;
}
