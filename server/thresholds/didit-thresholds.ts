import type { Thresholds } from '../contract/review.ts';
import type { ThresholdSet } from '../contract/thresholds.ts';
import { thresholdsInStoredSettings } from '../vendors/didit/workflows.ts';
import type { WorkflowRow } from './thresholds.repository.ts';

/**
 * What Didit's settings say the thresholds are, from the settings last synced and stored as Didit
 * answered them (`workflow.didit_settings`). They are read by the Didit adapter's one set of rules
 * (`features[].config` or the flat fields, docs/didit-contract.md §5, §8).
 */

/** The thresholds a session without a console version is drawn against: whatever Didit's settings report. */
export function thresholdsFromDiditSettings(settings: unknown): Omit<Thresholds, 'source' | 'nowInForce'> {
  return { versionId: null, version: null, ...thresholdsInStoredSettings(settings) };
}

/** What Didit last reported for the workflow, or null if we never read its settings. */
export function diditThresholds(workflow: WorkflowRow): ThresholdSet | null {
  const t = thresholdsInStoredSettings(workflow.didit_settings);
  if (t.livenessReview === null || t.livenessDecline === null) return null;
  const face = workflow.has_face_match && t.faceMatchReview !== null && t.faceMatchDecline !== null;
  return {
    livenessReview: t.livenessReview,
    livenessDecline: t.livenessDecline,
    faceMatchReview: face ? t.faceMatchReview : null,
    faceMatchDecline: face ? t.faceMatchDecline : null,
  };
}
