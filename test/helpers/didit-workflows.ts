/**
 * Workflow bodies for `POST /v3/workflows/` in the form Didit documents (features list, integer
 * thresholds; docs/didit-contract.md §6–§8), for tests that create workflows on the sandbox.
 */
export function faceMatchWorkflow(label = 'Returning user', thresholds = { review: 70, decline: 50 }) {
  return {
    workflow_label: label,
    features: [
      {
        feature: 'LIVENESS',
        config: {
          face_liveness_method: 'PASSIVE',
          face_liveness_score_review_threshold: thresholds.review,
          face_liveness_score_decline_threshold: thresholds.decline,
        },
      },
      {
        feature: 'FACE_MATCH',
        config: {
          face_match_score_review_threshold: thresholds.review,
          face_match_score_decline_threshold: thresholds.decline,
        },
      },
    ],
  };
}

export function livenessOnlyWorkflow(label = 'Step-up', method: 'PASSIVE' | 'FLASHING' | 'ACTIVE_3D' = 'PASSIVE') {
  return {
    workflow_label: label,
    features: [
      {
        feature: 'LIVENESS',
        config: {
          face_liveness_method: method,
          face_liveness_score_review_threshold: 70,
          face_liveness_score_decline_threshold: 50,
        },
      },
    ],
  };
}
