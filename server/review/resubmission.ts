import type { QueueItem, SessionAttempt, SessionDetail } from '../contract/review.ts';
import type { Database } from '../db/database.ts';
import type { ReviewSettings } from './review-deps.ts';
import { findPreviousAttempt, findResubmissionRequests, type PreviousAttemptRow } from './resubmission.repository.ts';

/**
 * Asking the user to try again (issue 20), as the queue and the session page show it: a
 * Resubmitted session says since when and who asked; once the new attempt arrives, the session
 * page sets it against the attempt the analyst asked to redo (kept by `snapshotAttempt`).
 */

/** Resubmitted rows say since when and who asked (the latest request not undone). */
export async function withResubmissions(db: Database, items: QueueItem[]): Promise<QueueItem[]> {
  const resubmitted = items.filter((item) => item.status === 'Resubmitted').map((item) => item.id);
  const requests = await findResubmissionRequests(db, resubmitted);
  return items.map((item) => {
    const request = item.status === 'Resubmitted' ? requests.get(item.id) : undefined;
    return { ...item, resubmission: request ? { requestedAt: request.at.toISOString(), requestedBy: request.by } : null };
  });
}

/** The session page's previous attempt: the one the user was last asked to redo, if any. */
export async function withPreviousAttempt(db: Database, detail: SessionDetail, settings: ReviewSettings): Promise<SessionDetail> {
  const row = await findPreviousAttempt(db, detail.id);
  return { ...detail, previousAttempt: row ? toSessionAttempt(row, settings) : null };
}

function toSessionAttempt(row: PreviousAttemptRow, settings: ReviewSettings): SessionAttempt {
  return {
    requestedAt: row.created_at.toISOString(),
    requestedBy: row.actor_label,
    reason: row.reason_code,
    reasonLabel: row.reason_code
      ? (settings.reasons.Resubmitted.find((r) => r.code === row.reason_code)?.label ?? row.reason_code)
      : null,
    livenessStatus: row.liveness_status,
    faceMatchStatus: row.face_match_status,
    livenessScore: row.liveness_score,
    faceMatchScore: row.face_match_score,
    livenessMethod: row.liveness_method,
    warnings: row.warnings.map((w) => ({ feature: w.feature, risk: w.risk })),
  };
}
