import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { SessionDetail, UndoDecisionRequest } from '../contract/review.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { withdrawFaceBlockOf } from '../face-block/face-block.repository.ts';
import { lockOrThrow } from './claims.ts';
import { lockSecondReviewOf, withdrawSecondReviewOf } from './second-review.repository.ts';
import { findEscalationEndedBy, restoreEscalation } from './escalation.repository.ts';
import { clearClaimsHeldBy, insertReviewEvent } from './review.repository.ts';
import type { ReviewDeps } from './review-deps.ts';
import {
  findLatestDecision,
  lockDecisionPushJob,
  markDecisionUndone,
  removeDecisionPushJob,
  restoreSessionBeforeDecision,
  type LatestDecision,
} from './undo.repository.ts';

/**
 * Undoing a decision (issue 20, ADR 0018). A person's decision waits `REVIEW_UNDO_SECONDS`
 * before its push leaves (the job's `run_at` is the decision's `undo_until`), and until then its
 * decider may take it back: the decision stays in the history, marked undone, a
 * `decision_undone` event follows it, its push job is removed in the same transaction, and the
 * session is as it was before (In Review and theirs again, no push on its way).
 */

/** Until when a decision made now may be undone: only a person's, and only with undo on. */
export function undoDeadline(actor: Actor, undoSeconds: number, now: Date): Date | null {
  if (actor.kind !== 'user' || undoSeconds <= 0) return null;
  return new Date(now.getTime() + undoSeconds * 1000);
}

/** Whether `actor` may undo `decision` at `now`, as far as the record shows (the job is checked under lock). */
export function undoableBy(decision: LatestDecision | undefined, actor: Actor, now: Date): decision is LatestDecision {
  return (
    decision !== undefined &&
    actor.kind === 'user' &&
    decision.actor_id === actor.id &&
    decision.undone_at === null &&
    // Held for a second analyst (four eyes) or waiting out the window before its push.
    (decision.push_state === 'pending' || decision.push_state === 'held') &&
    decision.undo_until !== null &&
    now < decision.undo_until
  );
}

const conflict = (reason: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError(409, 'conflict', message, { reason, ...details });

/** Undoing a decision, bound to the transaction it runs in. */
export function undo(trx: Transaction<DB>, { settings, now = () => new Date() }: ReviewDeps) {
  /** Takes back the caller's latest decision on the session; returns the `decision_undone` event's id. */
  async function undoDecision(id: string, actor: Actor, request: UndoDecisionRequest, origin: RequestOrigin): Promise<number> {
    if (actor.kind !== 'user')
      throw new AppError(403, 'forbidden', 'Only a signed-in person can undo a decision; API tokens cannot.');
    const session = await lockOrThrow(trx, id);
    if (settings.undoSeconds === 0)
      throw conflict('undo_disabled', 'Undoing a decision is turned off here (REVIEW_UNDO_SECONDS=0).');
    const decision = await findLatestDecision(trx, id);
    if (!decision) throw conflict('nothing_to_undo', 'This session has no decision to undo.');
    if (request.reviewEventId !== undefined && request.reviewEventId !== decision.id) {
      throw conflict('not_latest_decision', 'Only the latest decision on a session can be undone, and this one is not.', {
        latestReviewEventId: decision.id,
      });
    }
    if (decision.undone_at !== null) throw conflict('already_undone', 'This decision was already undone.');
    if (decision.actor_id !== actor.id) {
      throw new AppError(403, 'forbidden', `Only the person who made a decision can undo it (${decision.actor_label} did).`);
    }
    if (session.version !== request.expectedVersion) {
      throw conflict('version_mismatch', 'The session changed since you decided. Review its current state.', {
        expectedVersion: request.expectedVersion,
        currentVersion: session.version,
      });
    }
    const at = now();
    if (decision.undo_until === null || at >= decision.undo_until) {
      throw conflict('undo_window_closed', 'The time to undo this decision has passed; it is on its way to Didit.', {
        undoUntil: decision.undo_until?.toISOString() ?? null,
      });
    }
    if (decision.push_state !== 'pending' && decision.push_state !== 'held') {
      throw conflict('push_sent', 'This decision has already reached Didit.');
    }
    // The job is locked for the rest of the transaction: no worker takes it while we decide.
    const job = await lockDecisionPushJob(trx, id);
    if (job && (job.locked_at !== null || job.attempts > 0)) {
      throw conflict('push_in_flight', 'This decision is being pushed to Didit right now; it can no longer be undone.');
    }
    // A second analyst disagreed with it: the leads settle it now, not its decider (ADR 0021).
    const review = await lockSecondReviewOf(trx, decision.id);
    if (review && review.state !== 'open' && review.state !== 'withdrawn') {
      throw conflict('second_review_answered', 'A second analyst has reviewed this decision; it can no longer be undone.', {
        secondReviewId: review.id,
      });
    }
    if (job) await removeDecisionPushJob(trx, id);
    // A face blocked with this decline is withdrawn with it, unless its push has already left.
    const faceBlock = await withdrawFaceBlockOf(trx, decision.id);
    if (faceBlock === 'in_flight') {
      throw conflict(
        'push_in_flight',
        'The face block made with this decision is on its way to Didit; the decision can no longer be undone.',
      );
    }

    await markDecisionUndone(trx, decision.id, at);
    // Its second review has nothing left to check (ADR 0021).
    const secondReviewId = await withdrawSecondReviewOf(trx, decision.id);
    const undoEventId = await insertReviewEvent(trx, {
      sessionId: id,
      kind: 'decision_undone',
      actorId: actor.id,
      actorLabel: actor.label,
      sessionVersion: session.version,
    });
    // Back in the analyst's hands where it was in review (one claim at a time: others are handed back).
    const reclaim = session.status === 'In Review';
    if (reclaim) {
      for (const sessionId of await clearClaimsHeldBy(trx, actor.id, id)) {
        await insertReviewEvent(trx, { sessionId, kind: 'release', actorId: actor.id, actorLabel: actor.label });
      }
    }
    await restoreSessionBeforeDecision(trx, id, reclaim ? actor.id : null);
    // A lead's decision that ended an escalation: undone, the session is escalated again.
    const escalation = reclaim ? await findEscalationEndedBy(trx, id, decision.id) : undefined;
    if (escalation) await restoreEscalation(trx, id, escalation);
    await appendAudit(trx, {
      actor,
      action: 'session.decision_undone',
      targetType: 'session',
      targetId: id,
      details: {
        decision: decision.kind === 'approve' ? 'Approved' : decision.kind === 'resubmit' ? 'Resubmitted' : 'Declined',
        reason: decision.reason_code,
        reviewEventId: decision.id,
        undoEventId,
        ...(faceBlock === 'withdrawn' ? { faceBlockWithdrawn: true } : {}),
        ...(secondReviewId !== null ? { secondReviewWithdrawn: secondReviewId } : {}),
        ...(escalation ? { escalationRestored: escalation.id } : {}),
        secondsLeft: Math.max(0, Math.floor((decision.undo_until.getTime() - at.getTime()) / 1000)),
      },
      ...origin,
    });
    return undoEventId;
  }

  return { undoDecision };
}

/** The session page's undo for this actor: until when they may undo their latest decision, if they may. */
export function withUndo(detail: SessionDetail, decision: LatestDecision | undefined, actor: Actor, now: Date): SessionDetail {
  const open = undoableBy(decision, actor, now);
  return {
    ...detail,
    undoUntil: open ? decision.undo_until!.toISOString() : null,
    allowed: { ...detail.allowed, undo: open },
  };
}
