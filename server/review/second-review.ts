import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import { can, type Actor } from '../auth/rbac.ts';
import type { SessionDetail, TimelineEntry } from '../contract/review.ts';
import { reasonsFor } from '../contract/review.ts';
import type {
  SecondReviewAnswer,
  SecondReviewAnswerResponse,
  SecondReviewList,
  SecondReviewListQuery,
  SecondReviewResolve,
  SecondReviewResolveResponse,
  SecondReviewSettings,
  SecondReviewSettingsResponse,
  SessionSecondReview,
  Verdict,
} from '../contract/second-review.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { lockOrThrow, notFound } from './claims.ts';
import { decisions, matchesFaces } from './decisions.ts';
import { enqueueDecisionPush, findSessionById, insertReviewEvent } from './review.repository.ts';
import type { ReviewDeps, ReviewSettings } from './review-deps.ts';
import {
  findSessionSecondReview,
  listSecondReviews,
  lockSecondReview,
  recordResolution,
  recordSecondVerdict,
  releaseHeldDecision,
  updateSecondReviewSettings,
  type LockedSecondReview,
  type SessionSecondReviewRow,
} from './second-review.repository.ts';
import { fourEyesFor } from './second-review-plan.ts';
import { markDecisionUndone, restoreSessionBeforeDecision } from './undo.repository.ts';

/**
 * Second review and four eyes (issue 20, ADR 0021). A decision picked for it (second-review-plan.ts)
 * is decided again by a different analyst who sees the session as it was before it: not the
 * verdict, not who gave it, not why it was picked (`withSecondReview` blinds the session page).
 * The same verdict closes a quality review, and releases a four-eyes decision to Didit; a
 * different one goes to the leads, whose word stands: the first verdict (released, or left as it
 * is at Didit), or theirs (a new decision, pushed like any other).
 */

const conflict = (reason: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError(409, 'conflict', message, { reason, ...details });

function reasonOrThrow(
  settings: ReviewSettings,
  verdict: Verdict,
  code: string,
  session: { workflow_has_face_match: boolean | null; face_match_score: number | null },
) {
  const fitting = reasonsFor(settings.reasons[verdict], matchesFaces(session.workflow_has_face_match, session.face_match_score));
  if (fitting.some((reason) => reason.code === code)) return;
  throw new AppError(400, 'validation_failed', `Reason "${code}" does not apply to this ${verdict} verdict.`, {
    issues: [{ path: 'reason', message: `must be one of ${fitting.map((r) => r.code).join(', ')}` }],
  });
}

async function lockReviewOrThrow(trx: Transaction<DB>, id: number, sessionId: string): Promise<LockedSecondReview> {
  const review = await lockSecondReview(trx, id, sessionId);
  if (!review) throw new AppError(404, 'not_found', `No second review ${id} on session ${sessionId}.`);
  return review;
}

/** A quality review waits out its decision's undo window (its decider may still take it back). */
function readyForSecond(review: LockedSecondReview, at: Date): boolean {
  return review.purpose === 'four_eyes' || review.decision_undo_until === null || review.decision_undo_until <= at;
}

/** Answering and settling second reviews, bound to the transaction they run in. */
export function secondReviews(trx: Transaction<DB>, deps: ReviewDeps) {
  const { settings, now = () => new Date() } = deps;

  /** The second analyst's blind verdict: agreed closes it (and releases a held decision), disagreed goes to the leads. */
  async function answer(
    id: string,
    actor: Actor,
    body: SecondReviewAnswer,
    origin: RequestOrigin,
  ): Promise<SecondReviewAnswerResponse> {
    if (actor.kind !== 'user')
      throw new AppError(403, 'forbidden', 'Only a signed-in person can give a second review; API tokens cannot.');
    const session = await lockOrThrow(trx, id);
    const review = await lockReviewOrThrow(trx, body.secondReviewId, id);
    if (review.first_actor_id === actor.id) {
      throw new AppError(
        403,
        'forbidden',
        'A second review is by a different analyst: you gave the first verdict on this session.',
      );
    }
    if (review.state !== 'open') {
      const [reason, message] =
        review.state === 'withdrawn'
          ? ['withdrawn', 'This review was withdrawn: its decision was undone.']
          : review.state === 'overtaken'
            ? ['overtaken', 'Didit decided this session meanwhile; the held decision has nothing left to confirm.']
            : ['already_answered', 'Another analyst has already given this second review.'];
      throw conflict(reason, message, { state: review.state });
    }
    const at = now();
    if (!readyForSecond(review, at)) {
      throw conflict(
        'not_ready',
        'Its decider may still undo this decision; the second review opens when the undo window closes.',
        {
          readyAt: review.decision_undo_until?.toISOString() ?? null,
        },
      );
    }
    if (review.purpose === 'four_eyes' && session.review_push_state !== 'held') {
      throw conflict('overtaken', 'Didit decided this session meanwhile; the held decision has nothing left to confirm.');
    }
    reasonOrThrow(settings, body.verdict, body.reason, session);
    const agreed = body.verdict === review.first_verdict;
    const eventId = await insertReviewEvent(trx, {
      sessionId: id,
      kind: 'second_review',
      actorId: actor.id,
      actorLabel: actor.label,
      reasonCode: body.reason,
      note: body.note ?? null,
      sessionVersion: session.version,
    });
    await recordSecondVerdict(trx, review.id, { actorId: actor.id, verdict: body.verdict, eventId, agreed, at });
    const released = review.purpose === 'four_eyes' && agreed;
    if (released) {
      await releaseHeldDecision(trx, id, review.decision_event_id);
      await enqueueDecisionPush(trx, review.decision_event_id, id);
    }
    await appendAudit(trx, {
      actor,
      action: 'session.second_review_answered',
      targetType: 'session',
      targetId: id,
      details: {
        secondReviewId: review.id,
        purpose: review.purpose,
        verdict: body.verdict,
        reason: body.reason,
        firstVerdict: review.first_verdict,
        outcome: agreed ? 'agreed' : 'disagreed',
        reviewEventId: eventId,
        decisionEventId: review.decision_event_id,
        ...(released ? { released: true } : {}),
      },
      ...origin,
    });
    return { secondReviewId: review.id, outcome: agreed ? 'agreed' : 'disagreed', firstVerdict: review.first_verdict, released };
  }

  /**
   * A lead settles a disagreement. The first verdict standing: a held decision is released (a
   * quality review's is already at Didit). The lead's standing instead: a held decision is
   * replaced (marked undone, never pushed) and a quality review's is overridden at Didit, both
   * by the lead's own decision, pushed like any other and not sent to review again.
   */
  async function resolve(
    id: string,
    actor: Actor,
    body: SecondReviewResolve,
    origin: RequestOrigin,
  ): Promise<SecondReviewResolveResponse> {
    const session = await lockOrThrow(trx, id);
    const review = await lockReviewOrThrow(trx, body.secondReviewId, id);
    if (review.state !== 'disagreed') {
      throw conflict('not_disagreed', 'Only a second review whose analysts disagreed is settled by a lead.', {
        state: review.state,
      });
    }
    if (session.version !== body.expectedVersion) {
      throw conflict('version_mismatch', 'The session changed since you opened it. Look at it again before settling.', {
        expectedVersion: body.expectedVersion,
        currentVersion: session.version,
      });
    }
    const upheld = body.verdict === review.first_verdict ? 'first' : 'second';
    if (upheld === 'second' && body.reason === undefined) {
      throw new AppError(400, 'validation_failed', 'Replacing the first verdict is a decision: give its reason.', {
        issues: [{ path: 'reason', message: 'is required when the verdict is not the first analyst’s' }],
      });
    }
    if (review.purpose === 'four_eyes' && session.review_push_state !== 'held') {
      throw conflict('overtaken', 'Didit decided this session meanwhile; the held decision has nothing left to settle.');
    }
    if (
      review.purpose === 'quality' &&
      upheld === 'second' &&
      (review.decision_push_state !== 'confirmed' || session.status !== review.first_verdict)
    ) {
      throw conflict('first_not_at_didit', 'The first decision has not reached Didit yet; settle this once Didit shows it.', {
        status: session.status,
      });
    }
    const resolveEventId = await insertReviewEvent(trx, {
      sessionId: id,
      kind: 'second_review_resolved',
      actorId: actor.kind === 'user' ? actor.id : null,
      actorLabel: actor.label,
      reasonCode: body.reason ?? null,
      note: body.note,
      sessionVersion: session.version,
    });
    let decisionEventId: number | null = null;
    if (upheld === 'first' && review.purpose === 'four_eyes') {
      await releaseHeldDecision(trx, id, review.decision_event_id);
      await enqueueDecisionPush(trx, review.decision_event_id, id);
    }
    if (upheld === 'second') {
      let expectedVersion = session.version;
      if (review.purpose === 'four_eyes') {
        await markDecisionUndone(trx, review.decision_event_id, now());
        await restoreSessionBeforeDecision(trx, id, null);
        expectedVersion += 1;
      }
      decisionEventId = await decisions(trx, deps).recordDecision(
        id,
        actor,
        { decision: body.verdict, reason: body.reason!, note: body.note, expectedVersion },
        origin,
        { secondReview: 'skip' },
      );
    }
    await recordResolution(trx, review.id, {
      actorId: actor.kind === 'user' ? actor.id : null,
      verdict: body.verdict,
      eventId: resolveEventId,
      at: now(),
    });
    await appendAudit(trx, {
      actor,
      action: 'session.second_review_resolved',
      targetType: 'session',
      targetId: id,
      details: {
        secondReviewId: review.id,
        purpose: review.purpose,
        verdict: body.verdict,
        upheld,
        firstVerdict: review.first_verdict,
        secondVerdict: review.second_verdict,
        reviewEventId: resolveEventId,
        ...(decisionEventId !== null ? { decisionEventId } : {}),
      },
      ...origin,
    });
    return { secondReviewId: review.id, upheld, reviewEventId: decisionEventId };
  }

  return { answer, resolve };
}

/** The work lists: open reviews for whoever may answer them, disagreements for the leads. */
export async function secondReviewList(db: Database, query: SecondReviewListQuery, actor: Actor): Promise<SecondReviewList> {
  const { rows, total, nextCursor } = await listSecondReviews(db, query, actor.kind === 'user' ? actor.id : null);
  return {
    total,
    nextCursor,
    items: rows.map((row) => ({
      id: row.id,
      sessionId: row.session_id,
      sessionNumber: row.session_number,
      workflowId: row.workflow_id,
      workflowLabel: row.workflow_label,
      statusBefore: row.from_status ?? 'In Review',
      livenessScore: row.liveness_score,
      faceMatchScore: row.face_match_score,
      warningCodes: row.warning_codes,
      createdAt: row.created_at.toISOString(),
      disagreement:
        query.state === 'disagreed' && row.second_verdict !== null
          ? {
              purpose: row.purpose,
              triggers: row.triggers,
              first: { verdict: row.first_verdict, by: row.first_label },
              second: { verdict: row.second_verdict, by: row.second_label ?? 'unknown' },
            }
          : null,
    })),
  };
}

/** A lead changes a workflow's second-review settings; audited `workflow.second_review_changed` (from, to). */
export async function changeSecondReviewSettings(
  trx: Transaction<DB>,
  actor: Actor,
  workflowId: string,
  settings: SecondReviewSettings,
  origin: RequestOrigin,
): Promise<SecondReviewSettingsResponse> {
  const changed = await updateSecondReviewSettings(trx, workflowId, settings);
  if (!changed) throw new AppError(404, 'not_found', `Unknown workflow ${workflowId}.`);
  if (JSON.stringify(changed.before) !== JSON.stringify(changed.after)) {
    await appendAudit(trx, {
      actor,
      action: 'workflow.second_review_changed',
      targetType: 'workflow',
      targetId: workflowId,
      details: { from: changed.before, to: changed.after },
      ...origin,
    });
  }
  return { id: changed.workflow.id, label: changed.workflow.label, secondReview: changed.after };
}

const decisionKinds: ReadonlySet<string> = new Set([
  'approve',
  'decline',
  'resubmit',
  'decision_undone',
  'second_review',
  'second_review_resolved',
]);

function reasonLabel(settings: ReviewSettings, verdict: Verdict, code: string | null): string | null {
  if (code === null) return null;
  return settings.reasons[verdict].find((reason) => reason.code === code)?.label ?? code;
}

function sessionSecondReview(
  row: SessionSecondReviewRow,
  actor: Actor,
  settings: ReviewSettings,
  blind: boolean,
  at: Date,
): SessionSecondReview {
  if (blind) {
    const ready = row.purpose === 'four_eyes' || row.decision_undo_until === null || row.decision_undo_until <= at;
    return {
      id: row.id,
      state: row.state,
      blind: true,
      mayAnswer: ready && actor.kind === 'user' && can(actor.role, 'session.decide'),
      mayResolve: false,
      purpose: null,
      triggers: null,
      first: null,
      second: null,
      resolution: null,
    };
  }
  return {
    id: row.id,
    state: row.state,
    blind: false,
    mayAnswer: false,
    mayResolve: row.state === 'disagreed' && can(actor.role, 'second_review.resolve'),
    purpose: row.purpose,
    triggers: row.triggers,
    first: {
      verdict: row.first_verdict,
      by: row.first_label,
      at: row.first_at.toISOString(),
      reason: row.first_reason,
      reasonLabel: reasonLabel(settings, row.first_verdict, row.first_reason),
      note: row.first_note,
    },
    second:
      row.second_verdict !== null && row.answered_at !== null
        ? {
            verdict: row.second_verdict,
            by: row.second_label ?? 'unknown',
            at: row.answered_at.toISOString(),
            reason: row.second_reason,
            reasonLabel: reasonLabel(settings, row.second_verdict, row.second_reason),
            note: row.second_note,
          }
        : null,
    resolution:
      row.resolution !== null && row.resolved_at !== null
        ? {
            verdict: row.resolution,
            by: row.resolve_label ?? 'unknown',
            at: row.resolved_at.toISOString(),
            reason: row.resolve_reason,
            reasonLabel: reasonLabel(settings, row.resolution, row.resolve_reason),
            note: row.resolve_note,
          }
        : null,
  };
}

/**
 * The session page with its second review, as this person may see it. While a review is open,
 * everyone but its first analyst sees the session as it was before the first decision: its status
 * then, no decision, push or Didit verdict since, no face block, nothing to decide but the review.
 * Where approving would meet the workflow's four-eyes rules, the page says so before deciding.
 */
export async function withSecondReview(
  db: Database,
  detail: SessionDetail,
  actor: Actor,
  settings: ReviewSettings,
  at: Date,
): Promise<SessionDetail> {
  const row = await findSessionSecondReview(db, detail.id);
  const blind = row !== undefined && row.state === 'open' && (actor.kind !== 'user' || actor.id !== row.first_actor_id);
  if (row && blind) {
    const since = row.first_at.toISOString();
    const timeline = detail.timeline.filter((entry: TimelineEntry) =>
      entry.source === 'didit'
        ? entry.at < since
        : // Nothing the first analyst did (claims, notes: who they are) and no decision since theirs.
          entry.actor !== row.first_label && !(decisionKinds.has(entry.kind) && entry.at >= since),
    );
    return {
      ...detail,
      status: row.first_from_status ?? 'In Review',
      pushState: null,
      pushError: null,
      decidedAt: null,
      decisionSource: null,
      diditReview: null,
      faceBlock: null,
      undoUntil: null,
      claim: null,
      assignedTo: null,
      timeline,
      fourEyes: [],
      secondReview: sessionSecondReview(row, actor, settings, true, at),
      allowed: { ...detail.allowed, claim: false, release: false, decide: [], escalate: false, deEscalate: false, undo: false },
    };
  }
  const fourEyes = detail.allowed.decide.includes('Approved') ? await fourEyesOf(db, detail.id) : [];
  return { ...detail, fourEyes, secondReview: row ? sessionSecondReview(row, actor, settings, false, at) : null };
}

async function fourEyesOf(db: Database, sessionId: string) {
  const session = await findSessionById(db, sessionId);
  if (!session) throw notFound(sessionId);
  return fourEyesFor(db, session);
}
