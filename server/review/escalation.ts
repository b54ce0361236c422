import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { DeEscalateRequest, EscalateRequest } from '../contract/escalation.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { claimConflict, claimedByOther, lockOrThrow } from './claims.ts';
import { clearEscalation, setEscalation } from './escalation.repository.ts';
import { isEscalated } from './escalation-rules.ts';
import { insertReviewEvent, type LockedSession } from './review.repository.ts';
import type { ReviewDeps } from './review-deps.ts';

/**
 * Escalation (issue 20): an analyst who may decide an In Review session hands it to the leads with
 * a note, instead of deciding. It leaves the analysts' queue for the leads' Escalated view; only
 * leads and admins claim and decide it (escalation-rules.ts). It ends when a lead decides it (in
 * the decision's transaction, `endEscalationByDecision`) or returns it to the analysts' queue with
 * a note. Each step is an appended review event, the session's state updated in the same
 * transaction, and an audit entry (the note stays in the review event, where retention finds it).
 */

function versionMismatch(expected: number, session: LockedSession): AppError {
  return new AppError(409, 'conflict', 'The session changed since you opened it. Look at it again before escalating.', {
    reason: 'version_mismatch',
    expectedVersion: expected,
    currentVersion: session.version,
  });
}

/** Escalating and returning to the queue, bound to the transaction they run in. */
export function escalations(trx: Transaction<DB>, { settings }: ReviewDeps) {
  async function escalate(id: string, actor: Actor, request: EscalateRequest, origin: RequestOrigin): Promise<number> {
    // Leads answer a person: automation decides or leaves alone, it does not escalate.
    if (actor.kind !== 'user')
      throw new AppError(403, 'forbidden', 'Only a signed-in person can escalate a session; API tokens cannot.');
    const session = await lockOrThrow(trx, id);
    // What happened to the session says more than a version number: escalated or decided first.
    if (isEscalated(session)) {
      throw new AppError(409, 'conflict', 'This session is already escalated to a lead.', {
        reason: 'already_escalated',
        since: session.escalated_at?.toISOString() ?? null,
      });
    }
    if (session.review_push_state !== null && session.review_push_state !== 'failed') {
      throw new AppError(409, 'conflict', 'This session has been decided; there is nothing left to escalate.', {
        reason: 'decided',
      });
    }
    if (session.status !== 'In Review') {
      throw new AppError(409, 'conflict', `Only In Review sessions can be escalated; this one is ${session.status}.`, {
        reason: 'not_in_review',
        status: session.status,
      });
    }
    if (session.version !== request.expectedVersion) throw versionMismatch(request.expectedVersion, session);
    if (claimedByOther(session, actor, settings)) throw await claimConflict(trx, session);

    const reviewEventId = await insertReviewEvent(trx, {
      sessionId: id,
      kind: 'escalate',
      actorId: actor.id,
      actorLabel: actor.label,
      note: request.note,
      sessionVersion: session.version,
    });
    await setEscalation(trx, id, { userId: actor.id, reviewEventId });
    await appendAudit(trx, {
      actor,
      action: 'session.escalated',
      targetType: 'session',
      targetId: id,
      // The note is personal data under retention: it stays in the review event, not the audit chain.
      details: { reviewEventId, releasedClaim: session.claimed_by !== null },
      ...origin,
    });
    return reviewEventId;
  }

  async function deEscalate(id: string, actor: Actor, request: DeEscalateRequest, origin: RequestOrigin): Promise<number> {
    const session = await lockOrThrow(trx, id);
    if (request.expectedVersion !== undefined && session.version !== request.expectedVersion) {
      throw versionMismatch(request.expectedVersion, session);
    }
    if (!isEscalated(session)) {
      throw new AppError(409, 'conflict', 'This session is not escalated; it is already in the analysts’ queue.', {
        reason: 'not_escalated',
      });
    }
    const reviewEventId = await insertReviewEvent(trx, {
      sessionId: id,
      kind: 'de_escalate',
      actorId: actor.kind === 'user' ? actor.id : null,
      actorLabel: actor.label,
      note: request.note,
      sessionVersion: session.version,
    });
    await clearEscalation(trx, id, { returnToQueue: true });
    await appendAudit(trx, {
      actor,
      action: 'session.de_escalated',
      targetType: 'session',
      targetId: id,
      details: { reviewEventId, escalationEventId: session.escalation_event_id },
      ...origin,
    });
    return reviewEventId;
  }

  return { escalate, deEscalate };
}

/**
 * A lead's decision on an escalated session ends the escalation, in the decision's transaction
 * (the decision event is its resolution). Returns the escalation's review event, for the
 * decision's audit entry; null when the session was not escalated.
 */
export async function endEscalationByDecision(trx: Transaction<DB>, session: LockedSession): Promise<number | null> {
  // Recorded at all (even one no longer in force, the session having left review): cleared.
  if (session.escalated_at === null) return null;
  await clearEscalation(trx, session.id, { returnToQueue: false });
  return session.escalation_event_id;
}
