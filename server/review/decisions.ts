import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import { reasonsFor, withoutEvidenceNote, type DecisionRequest, type RetryPushRequest } from '../contract/review.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { claimConflict, claimedByOther, lockOrThrow } from './claims.ts';
import { endEscalationByDecision } from './escalation.ts';
import { requireMayHandle } from './escalation-rules.ts';
import {
  enqueueDecisionPush,
  findLatestDecisionEvent,
  insertReviewEvent,
  markDecisionPending,
  reopenDecisionPush,
} from './review.repository.ts';
import type { ReviewDeps } from './review-deps.ts';
import { undoDeadline } from './undo.ts';
import { livenessNodesToResubmit } from '../vendors/didit/update-status.ts';
import { findSessionDecision, snapshotAttempt } from './resubmission.repository.ts';
import { planSecondReview } from './second-review-plan.ts';
import { insertSecondReview } from './second-review.repository.ts';

/**
 * Decisions: an analyst's verdict is an inserted review event, the session moves on in the same
 * transaction, and the push to Didit leaves through the outbox (a job queued in that transaction).
 */

export type Decision = DecisionRequest['decision'];

/** The email a request to try again asks Didit to send, if it asks for one. */
function resubmissionEmail(request: Pick<DecisionRequest, 'sendEmail' | 'emailAddress' | 'emailLanguage'>) {
  return request.sendEmail && request.emailAddress
    ? { address: request.emailAddress, language: request.emailLanguage }
    : undefined;
}

/** What an analyst may turn a session into, by its current Didit status. */
export function decisionsAllowedFrom(status: string): Decision[] {
  switch (status) {
    // Resubmitted asks the user to redo the liveness step (issue 20): only a session under review.
    case 'In Review':
      return ['Approved', 'Declined', 'Resubmitted'];
    // Overturning Didit's automatic verdict is allowed (Didit accepts Approved ↔ Declined), with a note.
    case 'Declined':
      return ['Approved'];
    case 'Approved':
      return ['Declined'];
    default:
      return [];
  }
}

/**
 * Whether a session matched faces: its workflow has face match (as synced from Didit), or Didit
 * scored a face match on it (a workflow not synced yet defaults to liveness only). Which reasons
 * fit a decision depends on it.
 */
export function matchesFaces(workflowHasFaceMatch: boolean | null, faceMatchScore: number | null): boolean {
  return workflowHasFaceMatch === true || faceMatchScore !== null;
}

/** Recording a decision and retrying its push, bound to the transaction they run in. */
export function decisions(trx: Transaction<DB>, { settings, now = () => new Date(), random = Math.random }: ReviewDeps) {
  /**
   * Records a verdict. `secondReview: 'skip'` is a lead settling a second review's disagreement
   * (second-review.ts): that verdict is the last word, not one to check again.
   */
  async function recordDecision(
    id: string,
    actor: Actor,
    request: DecisionRequest,
    origin: RequestOrigin,
    options: { secondReview?: 'skip' } = {},
  ): Promise<number> {
    const session = await lockOrThrow(trx, id);
    // Escalated: only leads and admins decide it now (issue 20).
    requireMayHandle(session, actor, 'decide');
    if (session.version !== request.expectedVersion) {
      throw new AppError(409, 'conflict', 'The session changed since you opened it. Review the current state and decide again.', {
        reason: 'version_mismatch',
        expectedVersion: request.expectedVersion,
        currentVersion: session.version,
      });
    }
    if (session.review_push_state === 'pending') {
      throw new AppError(409, 'conflict', 'A decision on this session is already on its way to Didit.', {
        reason: 'decision_pending',
      });
    }
    if (session.review_push_state === 'held') {
      throw new AppError(409, 'conflict', "A decision on this session waits for a second analyst's confirmation.", {
        reason: 'awaiting_second_review',
      });
    }
    const allowed = decisionsAllowedFrom(session.status);
    if (!allowed.includes(request.decision)) {
      throw new AppError(409, 'conflict', `A ${session.status} session cannot be set to ${request.decision}.`, {
        reason: 'not_decidable',
        status: session.status,
      });
    }
    if (claimedByOther(session, actor, settings)) throw await claimConflict(trx, session);
    const fitting = reasonsFor(
      settings.reasons[request.decision],
      matchesFaces(session.workflow_has_face_match, session.face_match_score),
    );
    const reason = fitting.find((r) => r.code === request.reason);
    if (!reason) {
      throw new AppError(
        400,
        'validation_failed',
        `Reason "${request.reason}" does not apply to this ${request.decision} decision.`,
        {
          issues: [{ path: 'reason', message: `must be one of ${fitting.map((r) => r.code).join(', ')}` }],
        },
      );
    }
    const resubmit = request.decision === 'Resubmitted';
    // The step to redo is the session's liveness step, as Didit's decision names it.
    const nodes = resubmit ? livenessNodesToResubmit(await findSessionDecision(trx, id)) : [];
    if (resubmit && nodes.length === 0) {
      throw new AppError(409, 'conflict', "Didit's decision names no liveness step to redo on this session.", {
        reason: 'no_liveness_step',
      });
    }
    const isOverride = session.status !== 'In Review';
    if (isOverride && !request.note) {
      throw new AppError(
        400,
        'validation_failed',
        `Overriding Didit's automatic ${session.status} needs a note explaining why.`,
        {
          issues: [{ path: 'note', message: 'is required when overriding an automatic decision' }],
        },
      );
    }

    // A verdict without its evidence is allowed only when the analyst says so; the record says it too.
    const evidenceMissing = [...new Set(request.evidenceMissing ?? [])];
    const note =
      [request.note, evidenceMissing.length > 0 ? withoutEvidenceNote(evidenceMissing) : undefined].filter(Boolean).join('\n') ||
      null;
    // A person may undo their decision for a while (undo.ts); its push waits that long (ADR 0018).
    // A lead settling a second review decides deliberately, with a note: no undo, pushed at once.
    const undoUntil = options.secondReview === 'skip' ? null : undoDeadline(actor, settings.undoSeconds, now());
    // A second analyst decides some verdicts again (ADR 0021); four eyes hold the push until then.
    const plan =
      options.secondReview === 'skip'
        ? null
        : await planSecondReview(trx, id, actor, { verdict: request.decision, fromStatus: session.status }, random);
    const held = plan?.purpose === 'four_eyes';
    const reviewEventId = await insertReviewEvent(trx, {
      sessionId: id,
      kind: request.decision === 'Approved' ? 'approve' : resubmit ? 'resubmit' : 'decline',
      actorId: actor.kind === 'user' ? actor.id : null,
      actorLabel: actor.label,
      reasonCode: reason.code,
      note,
      thresholdVersionId: session.threshold_version_id,
      sessionVersion: session.version,
      pushState: held ? 'held' : 'pending',
      inReviewSince: session.status === 'In Review' ? session.in_review_since : null,
      fromStatus: session.status,
      undoUntil,
    });
    // A lead's decision on an escalated session is the escalation's resolution (issue 20).
    const escalationEventId = await endEscalationByDecision(trx, session);
    // The attempt as it stands, to set the new one against when it arrives.
    if (resubmit) await snapshotAttempt(trx, id, reviewEventId);
    await markDecisionPending(trx, id, held ? 'held' : 'pending');
    const secondReviewId =
      plan && actor.kind === 'user' && request.decision !== 'Resubmitted'
        ? await insertSecondReview(trx, {
            sessionId: id,
            workflowId: plan.workflowId,
            purpose: plan.purpose,
            triggers: plan.triggers,
            decisionEventId: reviewEventId,
            firstActorId: actor.id,
            firstVerdict: request.decision,
            warningCodes: plan.warningCodes,
          })
        : null;
    // The email address travels in the push job's payload only: no table or audit entry holds it.
    const email = resubmit ? resubmissionEmail(request) : undefined;
    // Held for four eyes: the push is queued when a second analyst confirms (second-review.ts).
    if (!held) await enqueueDecisionPush(trx, reviewEventId, id, undoUntil, email);
    if (resubmit) {
      await appendAudit(trx, {
        actor,
        action: 'session.resubmission_requested',
        targetType: 'session',
        targetId: id,
        details: {
          reason: reason.code,
          nodes: nodes.map((node) => node.node_id),
          emailSent: email !== undefined,
          ...(email?.language ? { emailLanguage: email.language } : {}),
          reviewEventId,
          ...(escalationEventId !== null ? { escalationEventId } : {}),
          ...(undoUntil ? { undoUntil: undoUntil.toISOString() } : {}),
        },
        ...origin,
      });
      return reviewEventId;
    }
    await appendAudit(trx, {
      actor,
      action: 'session.decided',
      targetType: 'session',
      targetId: id,
      details: {
        decision: request.decision,
        reason: reason.code,
        override: isOverride,
        fromStatus: session.status,
        reviewEventId,
        ...(evidenceMissing.length > 0 ? { withoutEvidence: evidenceMissing } : {}),
        ...(plan && secondReviewId !== null
          ? { secondReview: { id: secondReviewId, purpose: plan.purpose, rules: plan.triggers.map((t) => t.rule) } }
          : {}),
        ...(escalationEventId !== null ? { escalationEventId } : {}),
        ...(undoUntil ? { undoUntil: undoUntil.toISOString() } : {}),
      },
      ...origin,
    });
    return reviewEventId;
  }

  /**
   * Sends a decision whose push failed permanently back to the outbox (after fixing the cause). A
   * request to try again may carry its email anew: the address given first went with the failed job.
   */
  async function retryDecisionPush(id: string, actor: Actor, request: RetryPushRequest, origin: RequestOrigin): Promise<void> {
    const session = await lockOrThrow(trx, id);
    if (session.review_push_state !== 'failed') {
      throw new AppError(409, 'conflict', 'Only a decision whose push failed can be retried.', { reason: 'not_failed' });
    }
    const event = await findLatestDecisionEvent(trx, id);
    const resubmit = event.kind === 'resubmit';
    if (request.sendEmail && !resubmit) {
      throw new AppError(409, 'conflict', 'Only a request to try again emails the user; this push is a verdict.', {
        reason: 'not_resubmission',
      });
    }
    const email = resubmit ? resubmissionEmail(request) : undefined;
    await reopenDecisionPush(trx, id, event.id);
    await enqueueDecisionPush(trx, event.id, id, null, email);
    await appendAudit(trx, {
      actor,
      action: 'session.decision_push_retried',
      targetType: 'session',
      targetId: id,
      details: {
        reviewEventId: event.id,
        ...(resubmit ? { emailSent: email !== undefined } : {}),
        ...(email?.language ? { emailLanguage: email.language } : {}),
      },
      ...origin,
    });
  }

  return { recordDecision, retryDecisionPush };
}
