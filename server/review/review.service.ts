import { sql, type Transaction } from 'kysely';
import { can, type Actor } from '../auth/rbac.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import type { ReviewReason } from '../config.ts';
import {
  reasonsFor,
  withoutEvidenceNote,
  type DecisionRequest,
  type QueueItem,
  type QueueQuery,
  type SessionDetail,
  type Thresholds,
  type TimelineEntry,
  type Warning,
} from '../contract/review.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { activeClaim, queueFilter, type QueueRow, type QueueScope } from './queue.repository.ts';
import {
  enqueueDecisionPush,
  findSessionById,
  findThresholdVersionInForce,
  firstAppliedAfter,
  latestAppliedAt,
  scoredAt,
  insertReviewEvent,
  listOtherSessions,
  listReviewEvents,
  listStatusEvents,
  lockSessionForReview,
  type LockedSession,
  type SessionRow,
} from './review.repository.ts';
import { mediaView } from './media-view.ts';
import { thresholdsFromDiditSettings } from './thresholds-from-settings.ts';

/** The rules of the review loop: who may claim, decide and note what, and when. */

export interface ReviewSettings {
  claimIdleMinutes: number;
  reasons: { Approved: ReviewReason[]; Declined: ReviewReason[] };
}

export type Decision = DecisionRequest['decision'];

/** What an analyst may turn a session into, by its current Didit status. */
export function decisionsAllowedFrom(status: string): Decision[] {
  switch (status) {
    case 'In Review':
      return ['Approved', 'Declined'];
    // Overturning Didit's automatic verdict is allowed (Didit accepts Approved ↔ Declined), with a note.
    case 'Declined':
      return ['Approved'];
    case 'Approved':
      return ['Declined'];
    default:
      return [];
  }
}

function isClaimActive(
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

function claimExpiry(touchedAt: Date, idleMinutes: number): string {
  return new Date(touchedAt.getTime() + idleMinutes * 60_000).toISOString();
}

function requirePerson(actor: Actor, action: string): string {
  // Claims and their attribution belong to people; automation acts through tokens without claims.
  if (actor.kind !== 'user') throw new AppError(403, 'forbidden', `Only a signed-in person can ${action}; API tokens cannot.`);
  return actor.id;
}

function notFound(id: string): AppError {
  return new AppError(404, 'not_found', `No session ${id}.`);
}

async function lockOrThrow(trx: Transaction<DB>, id: string): Promise<LockedSession> {
  const session = await lockSessionForReview(trx, id);
  if (!session) throw notFound(id);
  return session;
}

function claimedByOther(session: LockedSession, actor: Actor, settings: ReviewSettings): boolean {
  return isClaimActive(session, settings.claimIdleMinutes) && session.claimed_by !== (actor.kind === 'user' ? actor.id : null);
}

async function claimConflict(trx: Transaction<DB>, session: LockedSession): Promise<AppError> {
  const holder = await trx
    .selectFrom('app_user')
    .select(['email', 'display_name'])
    .where('id', '=', session.claimed_by!)
    .executeTakeFirst();
  const label = holder?.email ?? holder?.display_name ?? 'another analyst';
  return new AppError(409, 'conflict', `${label} is working on this session.`, {
    reason: 'claimed_by_other',
    claimedBy: label,
    since: session.claim_touched_at?.toISOString() ?? null,
  });
}

export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
}

export async function claimSession(
  trx: Transaction<DB>,
  id: string,
  actor: Actor,
  settings: ReviewSettings,
  origin: RequestOrigin,
): Promise<void> {
  const userId = requirePerson(actor, 'claim a session');
  const session = await lockOrThrow(trx, id);
  if (session.status !== 'In Review') {
    throw new AppError(409, 'conflict', `Only In Review sessions can be claimed; this one is ${session.status}.`, {
      reason: 'not_in_review',
    });
  }
  if (claimedByOther(session, actor, settings)) throw await claimConflict(trx, session);
  const alreadyMine = isClaimActive(session, settings.claimIdleMinutes) && session.claimed_by === userId;
  await releaseOtherClaims(trx, userId, actor, id);
  await trx
    .updateTable('verification_session')
    .set({
      claimed_by: userId,
      claimed_at: alreadyMine ? undefined : sql<Date>`now()`,
      claim_touched_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
  if (!alreadyMine) {
    await insertReviewEvent(trx, { sessionId: id, kind: 'claim', actorId: userId, actorLabel: actor.label });
    await appendAudit(trx, { actor, action: 'session.claimed', targetType: 'session', targetId: id, ...origin });
  }
}

/**
 * An analyst holds one claim at a time: taking a new session hands back the previous one
 * (undecided), so nothing stays locked behind someone who moved on.
 */
async function releaseOtherClaims(trx: Transaction<DB>, userId: string, actor: Actor, exceptId: string): Promise<void> {
  const released = await trx
    .updateTable('verification_session')
    .set({ claimed_by: null, claimed_at: null, claim_touched_at: null })
    .where('claimed_by', '=', userId)
    .where('id', '<>', exceptId)
    .returning('id')
    .execute();
  for (const row of released) {
    await insertReviewEvent(trx, { sessionId: row.id, kind: 'release', actorId: userId, actorLabel: actor.label });
  }
}

export async function releaseSession(
  trx: Transaction<DB>,
  id: string,
  actor: Actor,
  settings: ReviewSettings,
  origin: RequestOrigin,
): Promise<void> {
  const userId = requirePerson(actor, 'release a claim');
  const session = await lockOrThrow(trx, id);
  if (session.claimed_by === null) return;
  if (session.claimed_by !== userId && isClaimActive(session, settings.claimIdleMinutes)) {
    // Leads may free a session held by someone who left for the day.
    if (!can(actor.role, 'threshold.approve')) throw await claimConflict(trx, session);
  }
  await trx
    .updateTable('verification_session')
    .set({ claimed_by: null, claimed_at: null, claim_touched_at: null })
    .where('id', '=', id)
    .execute();
  await insertReviewEvent(trx, { sessionId: id, kind: 'release', actorId: userId, actorLabel: actor.label });
  await appendAudit(trx, { actor, action: 'session.released', targetType: 'session', targetId: id, ...origin });
}

/**
 * Claims the first unclaimed session of the given queue view, atomically: `FOR UPDATE SKIP
 * LOCKED` means two analysts pressing "claim next" together get different sessions.
 */
export async function claimNextSession(
  trx: Transaction<DB>,
  query: QueueQuery,
  actor: Actor,
  settings: ReviewSettings,
  origin: RequestOrigin,
): Promise<string | undefined> {
  const userId = requirePerson(actor, 'claim a session');
  const scope: QueueScope = { actorId: userId, claimIdleMinutes: settings.claimIdleMinutes };
  const view: QueueQuery = { ...query, status: 'In Review', assignee: 'unassigned', cursor: undefined };
  const sortExpr = {
    age: sql`coalesce(in_review_since, first_seen_at)`,
    liveness: sql`coalesce(liveness_score, -1)`,
    face_match: sql`coalesce(face_match_score, -1)`,
  }[view.sort];
  const dir = view.dir ?? 'asc';
  const candidate = await trx
    .selectFrom('verification_session')
    .select('id')
    .where((eb) => queueFilter(eb, view, scope))
    .orderBy(sortExpr, dir)
    .orderBy('id', dir)
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (!candidate) return undefined;
  await claimSession(trx, candidate.id, actor, settings, origin);
  return candidate.id;
}

export async function recordDecision(
  trx: Transaction<DB>,
  id: string,
  actor: Actor,
  request: DecisionRequest,
  settings: ReviewSettings,
  origin: RequestOrigin,
): Promise<number> {
  const session = await lockOrThrow(trx, id);
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
  const isOverride = session.status !== 'In Review';
  if (isOverride && !request.note) {
    throw new AppError(400, 'validation_failed', `Overriding Didit's automatic ${session.status} needs a note explaining why.`, {
      issues: [{ path: 'note', message: 'is required when overriding an automatic decision' }],
    });
  }

  // A verdict without its evidence is allowed only when the analyst says so; the record says it too.
  const evidenceMissing = [...new Set(request.evidenceMissing ?? [])];
  const note =
    [request.note, evidenceMissing.length > 0 ? withoutEvidenceNote(evidenceMissing) : undefined].filter(Boolean).join('\n') ||
    null;
  const reviewEventId = await insertReviewEvent(trx, {
    sessionId: id,
    kind: request.decision === 'Approved' ? 'approve' : 'decline',
    actorId: actor.kind === 'user' ? actor.id : null,
    actorLabel: actor.label,
    reasonCode: reason.code,
    note,
    thresholdVersionId: session.threshold_version_id,
    sessionVersion: session.version,
    pushState: 'pending',
  });
  await trx
    .updateTable('verification_session')
    .set((eb) => ({
      review_push_state: 'pending',
      review_push_error: null,
      claimed_by: null,
      claimed_at: null,
      claim_touched_at: null,
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .execute();
  await enqueueDecisionPush(trx, reviewEventId, id);
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
    },
    ...origin,
  });
  return reviewEventId;
}

export async function addNote(
  trx: Transaction<DB>,
  id: string,
  actor: Actor,
  note: string,
  settings: ReviewSettings,
  origin: RequestOrigin,
): Promise<void> {
  const session = await lockOrThrow(trx, id);
  await insertReviewEvent(trx, {
    sessionId: id,
    kind: 'note',
    actorId: actor.kind === 'user' ? actor.id : null,
    actorLabel: actor.label,
    note,
    sessionVersion: session.version,
  });
  // Writing a note is activity: it keeps the writer's claim alive.
  if (actor.kind === 'user' && session.claimed_by === actor.id && isClaimActive(session, settings.claimIdleMinutes)) {
    await trx
      .updateTable('verification_session')
      .set({ claim_touched_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }
  await appendAudit(trx, { actor, action: 'session.noted', targetType: 'session', targetId: id, ...origin });
}

/** Sends a decision whose push failed permanently back to the outbox (after fixing the cause). */
export async function retryDecisionPush(trx: Transaction<DB>, id: string, actor: Actor, origin: RequestOrigin): Promise<void> {
  const session = await lockOrThrow(trx, id);
  if (session.review_push_state !== 'failed') {
    throw new AppError(409, 'conflict', 'Only a decision whose push failed can be retried.', { reason: 'not_failed' });
  }
  const event = await trx
    .selectFrom('review_event')
    .select('id')
    .where('session_id', '=', id)
    .where('kind', 'in', ['approve', 'decline'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  await trx.updateTable('review_event').set({ push_state: 'pending', push_error: null }).where('id', '=', event.id).execute();
  await trx
    .updateTable('verification_session')
    .set((eb) => ({ review_push_state: 'pending', review_push_error: null, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .execute();
  await enqueueDecisionPush(trx, event.id, id);
  await appendAudit(trx, {
    actor,
    action: 'session.decision_push_retried',
    targetType: 'session',
    targetId: id,
    details: { reviewEventId: event.id },
    ...origin,
  });
}

/** Opening a session you hold keeps your claim alive. */
export async function touchClaim(db: Database, id: string, actor: Actor, settings: ReviewSettings): Promise<void> {
  if (actor.kind !== 'user') return;
  await db
    .updateTable('verification_session')
    .set({ claim_touched_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('claimed_by', '=', actor.id)
    .where((eb) => activeClaim(eb, settings.claimIdleMinutes))
    .execute();
}

export function toQueueItem(row: QueueRow, settings: ReviewSettings): QueueItem {
  return {
    id: row.id,
    sessionNumber: row.session_number,
    vendorData: row.vendor_data,
    status: row.status,
    workflowId: row.workflow_id,
    workflowLabel: row.workflow_label,
    slaMinutes: row.sla_minutes ?? 240,
    inReviewSince: row.in_review_since?.toISOString() ?? null,
    livenessScore: row.liveness_score,
    livenessMethod: row.liveness_method,
    faceMatchScore: row.face_match_score,
    hasFaceMatch: matchesFaces(row.has_face_match, row.face_match_score),
    warningCodes: row.warning_codes,
    claim:
      row.claim_active && row.claimed_by && row.claim_touched_at
        ? {
            userId: row.claimed_by,
            label: row.claimer_label ?? 'unknown',
            claimedAt: (row.claimed_at ?? row.claim_touched_at).toISOString(),
            expiresAt: claimExpiry(row.claim_touched_at, settings.claimIdleMinutes),
          }
        : null,
    pushState: row.review_push_state,
    version: row.version,
    decidedAt: row.decided_at?.toISOString() ?? null,
  };
}

function warningsOf(raw: unknown[]): Warning[] {
  return raw.flatMap((item) => {
    if (!item || typeof item !== 'object') return [];
    const w = item as Record<string, unknown>;
    const text = (key: string) => {
      const value = w[key];
      return typeof value === 'string' ? value : null;
    };
    const risk = text('risk');
    if (!risk) return [];
    return [
      {
        feature: text('feature'),
        risk,
        logType: text('log_type'),
        shortDescription: text('short_description'),
        longDescription: text('long_description'),
        additionalData: w.additional_data ?? null,
      },
    ];
  });
}

/**
 * Whether a session matched faces: its workflow has face match (as synced from Didit), or Didit
 * scored a face match on it (a workflow not synced yet defaults to liveness only).
 */
export function matchesFaces(workflowHasFaceMatch: boolean | null, faceMatchScore: number | null): boolean {
  return workflowHasFaceMatch === true || faceMatchScore !== null;
}

/** Everything the session page shows, for this actor. */
export async function loadSessionDetail(
  db: Database,
  id: string,
  actor: Actor,
  settings: ReviewSettings,
): Promise<SessionDetail> {
  const session = await findSessionById(db, id);
  if (!session) throw notFound(id);
  const [reviewEvents, statusEvents, otherSessions, version, versionNow, versionAfter] = await Promise.all([
    listReviewEvents(db, id),
    listStatusEvents(db, id),
    listOtherSessions(db, session),
    findThresholdVersionInForce(db, session),
    latestAppliedAt(db, session.workflow_id, new Date()),
    session.threshold_version_id === null ? firstAppliedAfter(db, session.workflow_id, scoredAt(session)) : undefined,
  ]);
  return buildDetail(session, { reviewEvents, statusEvents, otherSessions, version, versionNow, versionAfter }, actor, settings);
}

interface DetailParts {
  reviewEvents: Awaited<ReturnType<typeof listReviewEvents>>;
  statusEvents: Awaited<ReturnType<typeof listStatusEvents>>;
  otherSessions: Awaited<ReturnType<typeof listOtherSessions>>;
  version: Awaited<ReturnType<typeof findThresholdVersionInForce>>;
  versionNow?: Awaited<ReturnType<typeof latestAppliedAt>>;
  /** The first version applied after Didit scored the session: what it replaced was in force then. */
  versionAfter?: Awaited<ReturnType<typeof firstAppliedAfter>>;
}

/** The latest review in Didit's decision that set `status`: who did it and their comment, as Didit reports them. */
function diditReviewOf(decision: Record<string, unknown> | null, status: string): SessionDetail['diditReview'] {
  const reviews = Array.isArray(decision?.['reviews']) ? (decision['reviews'] as unknown[]) : [];
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  for (let i = reviews.length - 1; i >= 0; i--) {
    const review = reviews[i];
    if (!review || typeof review !== 'object') continue;
    const r = review as Record<string, unknown>;
    if (r['new_status'] !== status) continue;
    return { by: text(r['user']), comment: text(r['comment']), at: text(r['created_at']) };
  }
  return null;
}

/** Didit's review/decline thresholds as a threshold warning's `additional_data` reports them. */
function thresholdsInWarning(warnings: unknown[], risk: string): { review: number; decline: number } | null {
  for (const item of warnings) {
    if (!item || typeof item !== 'object') continue;
    const w = item as { risk?: unknown; additional_data?: unknown };
    if (w.risk !== risk || !w.additional_data || typeof w.additional_data !== 'object') continue;
    const data = w.additional_data as { review_threshold?: unknown; decline_threshold?: unknown };
    if (typeof data.review_threshold === 'number' && typeof data.decline_threshold === 'number') {
      return { review: data.review_threshold, decline: data.decline_threshold };
    }
  }
  return null;
}

/**
 * The thresholds the session was scored against (not today's): the version in force when Didit
 * scored it, Didit's own word from the threshold warnings overriding it feature by feature, and
 * Didit's synced settings when the console has no version. Names today's version when it differs.
 */
function scoredThresholds(session: SessionRow, parts: Pick<DetailParts, 'version' | 'versionNow' | 'versionAfter'>): Thresholds {
  const { version, versionNow, versionAfter } = parts;
  // Scored before any console version: Didit's settings then are what the first later push
  // replaced, not the settings we hold now (the push changed them).
  const replaced = !version ? versionAfter?.replaced_thresholds : null;
  const base: Thresholds = version
    ? {
        versionId: version.id,
        version: version.version,
        livenessReview: version.liveness_review,
        livenessDecline: version.liveness_decline,
        faceMatchReview: version.face_match_review,
        faceMatchDecline: version.face_match_decline,
        source: 'version',
        nowInForce: null,
      }
    : replaced
      ? { versionId: null, version: null, ...replaced, source: 'didit_settings', nowInForce: null }
      : { ...thresholdsFromDiditSettings(session.didit_settings), source: 'didit_settings', nowInForce: null };
  if (!version && base.livenessReview === null && base.faceMatchReview === null) base.source = 'none';
  const liveness = thresholdsInWarning(session.warnings, 'LOW_LIVENESS_SCORE');
  const faceMatch = thresholdsInWarning(session.warnings, 'LOW_FACE_MATCH_SIMILARITY');
  if (liveness) Object.assign(base, { livenessReview: liveness.review, livenessDecline: liveness.decline });
  if (faceMatch) Object.assign(base, { faceMatchReview: faceMatch.review, faceMatchDecline: faceMatch.decline });
  if (liveness || faceMatch) base.source = 'didit_warnings';
  if (versionNow && versionNow.id !== version?.id) base.nowInForce = { versionId: versionNow.id, version: versionNow.version };
  return base;
}

function buildDetail(session: SessionRow, parts: DetailParts, actor: Actor, settings: ReviewSettings): SessionDetail {
  const claimActive = isClaimActive(session, settings.claimIdleMinutes);
  const mine = claimActive && actor.kind === 'user' && session.claimed_by === actor.id;
  const reasonLabel = (kind: string, code: string | null) =>
    code ? (settings.reasons[kind === 'approve' ? 'Approved' : 'Declined'].find((r) => r.code === code)?.label ?? code) : null;
  const thresholds = scoredThresholds(session, parts);
  const timeline: TimelineEntry[] = [
    ...parts.statusEvents.map((event): TimelineEntry => ({
      source: 'didit',
      at: event.event_timestamp.toISOString(),
      status: event.status ?? '',
      webhookType: event.webhook_type,
    })),
    ...parts.reviewEvents.map((event): TimelineEntry => ({
      source: 'console',
      at: event.created_at.toISOString(),
      kind: event.kind,
      actor: event.actor_label,
      reason: event.reason_code,
      reasonLabel: reasonLabel(event.kind, event.reason_code),
      note: event.note,
      pushState: event.push_state,
      pushError: event.push_error,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const canDecide = can(actor.role, 'session.decide') && session.review_push_state !== 'pending' && !(claimActive && !mine);
  return {
    ...toQueueItem(
      {
        ...session,
        claim_active: claimActive,
        sort_value: '',
        sla_minutes: session.sla_minutes,
        has_face_match: session.has_face_match,
      },
      settings,
    ),
    livenessStatus: session.liveness_status,
    faceMatchStatus: session.face_match_status,
    warnings: warningsOf(session.warnings),
    thresholds,
    media: mediaView(session.media, session.media_expires_at),
    decidedAt: session.decided_at?.toISOString() ?? null,
    decisionSource: session.decision_source,
    diditReview: session.decision_source === 'outside' ? diditReviewOf(session.decision, session.status) : null,
    pushError: session.review_push_error,
    createdAt: (session.didit_created_at ?? session.first_seen_at).toISOString(),
    timeline,
    otherSessions: parts.otherSessions.map((other) => ({
      id: other.id,
      status: other.status,
      workflowLabel: other.workflow_label,
      createdAt: (other.didit_created_at ?? other.first_seen_at).toISOString(),
      decidedAt: other.decided_at?.toISOString() ?? null,
      decisionSource: other.decision_source,
      livenessScore: other.liveness_score,
      faceMatchScore: other.face_match_score,
    })),
    allowed: {
      claim: can(actor.role, 'session.claim') && actor.kind === 'user' && session.status === 'In Review' && !claimActive,
      release: mine || (claimActive && can(actor.role, 'threshold.approve')),
      decide: canDecide ? decisionsAllowedFrom(session.status) : [],
      note: can(actor.role, 'session.note'),
    },
  };
}
