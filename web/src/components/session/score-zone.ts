export type ScoreZone = 'decline' | 'review' | 'pass' | 'unknown';

/**
 * Where a score falls against a workflow's thresholds, with Didit's at-or-below semantics:
 * score ≤ decline → decline zone; otherwise score ≤ review → review zone; otherwise pass.
 * Without thresholds the zone is unknown (the score is shown alone).
 */
export function scoreZone(score: number, review: number | null, decline: number | null): ScoreZone {
  if (decline !== null && score <= decline) return 'decline';
  if (review !== null && score <= review) return 'review';
  if (review === null && decline === null) return 'unknown';
  return 'pass';
}

export const zoneLabels: Record<ScoreZone, string> = {
  decline: 'decline zone',
  review: 'review zone',
  pass: 'above the review threshold',
  unknown: 'no thresholds known',
};
