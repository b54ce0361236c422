import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import { can, type Actor } from '../auth/rbac.ts';
import type { QueueQuery } from '../contract/review.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { requireMayHandle } from './escalation-rules.ts';
import { endAssignmentOnClaim } from './assignment.repository.ts';
import { lockFirstInView, type QueueScope } from './queue.repository.ts';
import {
  clearClaim,
  clearClaimsHeldBy,
  findClaimHolder,
  insertReviewEvent,
  lockSessionForReview,
  setClaim,
  type LockedSession,
} from './review.repository.ts';
import type { ReviewDeps, ReviewSettings } from './review-deps.ts';

/**
 * Claims: who is working on a session. A claim belongs to a person, lapses when left idle,
 * and one person holds one at a time; leads may free a session someone else holds.
 */

export function isClaimActive(
  session: { claimed_by: string | null; claim_touched_at: Date | null },
  idleMinutes: number,
  now = Date.now(),
): boolean {
  return (
    session.claimed_by !== null &&
    session.claim_touched_at !== null &&
    now - session.claim_touched_at.getTime() < idleMinutes * 60_000
  );
}

export function claimExpiry(touchedAt: Date, idleMinutes: number): string {
  return new Date(touchedAt.getTime() + idleMinutes * 60_000).toISOString();
}

function requirePerson(actor: Actor, action: string): string {
  // Claims and their attribution belong to people; automation acts through tokens without claims.
  if (actor.kind !== 'user') throw new AppError(403, 'forbidden', `Only a signed-in person can ${action}; API tokens cannot.`);
  return actor.id;
}

export function notFound(id: string): AppError {
  return new AppError(404, 'not_found', `No session ${id}.`);
}

/** Locks the session for the rest of the transaction; 404 when there is none. */
export async function lockOrThrow(trx: Transaction<DB>, id: string): Promise<LockedSession> {
  const session = await lockSessionForReview(trx, id);
  if (!session) throw notFound(id);
  // Erased on request: deleted at Didit, nothing to claim, decide or note any more (ADR 0016).
  if (session.personal_data_removal === 'erasure') {
    throw new AppError(409, 'conflict', 'This session was erased on request; there is nothing left to review.', {
      reason: 'erased',
    });
  }
  return session;
}

export function claimedByOther(session: LockedSession, actor: Actor, settings: ReviewSettings): boolean {
  return isClaimActive(session, settings.claimIdleMinutes) && session.claimed_by !== (actor.kind === 'user' ? actor.id : null);
}

/** The 409 for a session someone else holds, naming them and since when. */
export async function claimConflict(trx: Transaction<DB>, session: LockedSession): Promise<AppError> {
  const holder = await findClaimHolder(trx, session.claimed_by!);
  const label = holder?.email ?? holder?.display_name ?? 'another analyst';
  return new AppError(409, 'conflict', `${label} is working on this session.`, {
    reason: 'claimed_by_other',
    claimedBy: label,
    since: session.claim_touched_at?.toISOString() ?? null,
  });
}

/** Claim, release and claim next, bound to the transaction they run in. */
export function claims(trx: Transaction<DB>, { settings }: ReviewDeps) {
  async function claim(id: string, actor: Actor, origin: RequestOrigin): Promise<void> {
    const userId = requirePerson(actor, 'claim a session');
    const session = await lockOrThrow(trx, id);
    if (session.status !== 'In Review') {
      throw new AppError(409, 'conflict', `Only In Review sessions can be claimed; this one is ${session.status}.`, {
        reason: 'not_in_review',
      });
    }
    // Decided, its push on the way (or held while it can be undone): no one's to work on (ADR 0018).
    if (session.review_push_state === 'pending') {
      throw new AppError(409, 'conflict', 'A decision on this session is already on its way to Didit.', {
        reason: 'decision_pending',
      });
    }
    // Decided and held for a second analyst (four eyes): theirs to answer, not to claim (ADR 0021).
    if (session.review_push_state === 'held') {
      throw new AppError(409, 'conflict', "A decision on this session waits for a second analyst's confirmation.", {
        reason: 'awaiting_second_review',
      });
    }
    // Escalated: the leads' to work now (issue 20).
    requireMayHandle(session, actor, 'claim');
    if (claimedByOther(session, actor, settings)) throw await claimConflict(trx, session);
    const alreadyMine = isClaimActive(session, settings.claimIdleMinutes) && session.claimed_by === userId;
    await releaseOtherClaims(userId, actor, id);
    await setClaim(trx, id, userId, { renew: alreadyMine });
    if (!alreadyMine) {
      await insertReviewEvent(trx, { sessionId: id, kind: 'claim', actorId: userId, actorLabel: actor.label });
      await appendAudit(trx, { actor, action: 'session.claimed', targetType: 'session', targetId: id, ...origin });
      // Taken by someone other than its assignee: the assignment ends (ADR 0020).
      const formerAssignee = await endAssignmentOnClaim(trx, id, userId);
      if (formerAssignee) {
        await appendAudit(trx, {
          actor,
          action: 'session.unassigned',
          targetType: 'session',
          targetId: id,
          ...origin,
          details: { from: formerAssignee, reason: 'claimed_by_other' },
        });
      }
    }
  }

  /**
   * An analyst holds one claim at a time: taking a new session hands back the previous one
   * (undecided), so nothing stays locked behind someone who moved on.
   */
  async function releaseOtherClaims(userId: string, actor: Actor, exceptId: string): Promise<void> {
    for (const sessionId of await clearClaimsHeldBy(trx, userId, exceptId)) {
      await insertReviewEvent(trx, { sessionId, kind: 'release', actorId: userId, actorLabel: actor.label });
    }
  }

  async function release(id: string, actor: Actor, origin: RequestOrigin): Promise<void> {
    const userId = requirePerson(actor, 'release a claim');
    const session = await lockOrThrow(trx, id);
    if (session.claimed_by === null) return;
    if (session.claimed_by !== userId && isClaimActive(session, settings.claimIdleMinutes)) {
      // Leads may free a session held by someone who left for the day.
      if (!can(actor.role, 'claim.release_others')) throw await claimConflict(trx, session);
    }
    await clearClaim(trx, id);
    await insertReviewEvent(trx, { sessionId: id, kind: 'release', actorId: userId, actorLabel: actor.label });
    await appendAudit(trx, { actor, action: 'session.released', targetType: 'session', targetId: id, ...origin });
  }

  /**
   * Claims the first unclaimed session of the given queue view, atomically: two analysts
   * pressing "claim next" together get different sessions (`lockFirstInView`).
   */
  async function claimNext(query: QueueQuery, actor: Actor, origin: RequestOrigin): Promise<string | undefined> {
    const userId = requirePerson(actor, 'claim a session');
    const scope: QueueScope = { actorId: userId, claimIdleMinutes: settings.claimIdleMinutes };
    const view: QueueQuery = { ...query, status: 'In Review', assignee: 'unassigned', cursor: undefined };
    // Escalated sessions are skipped for those who may not take them (issue 20).
    if (!can(actor.role, 'escalation.handle')) view.escalated = 'exclude';
    // Their assigned sessions first; then the view, less sessions assigned to someone else who is
    // available, until those pass their SLA (ADR 0020).
    const candidate = (await lockFirstInView(trx, view, scope, 'mine')) ?? (await lockFirstInView(trx, view, scope, 'takeable'));
    if (!candidate) return undefined;
    await claim(candidate, actor, origin);
    return candidate;
  }

  return { claim, release, claimNext };
}
