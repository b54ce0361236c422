import { z } from 'zod';
import { can, type Actor } from '../auth/rbac.ts';
import {
  DEFAULT_SLA_MINUTES,
  type QueueItem,
  type SessionDetail,
  type Thresholds,
  type TimelineEntry,
  type Warning,
} from '../contract/review.ts';
import { FINAL_STATUSES, type SessionPrivacy } from '../contract/privacy.ts';
import type { Database } from '../db/database.ts';
import type { SessionWarning } from '../db/schema.ts';
import { thresholdsFromDiditSettings } from '../thresholds/didit-thresholds.ts';
import { claimExpiry, isClaimActive, notFound } from './claims.ts';
import { decisionsAllowedFrom, matchesFaces } from './decisions.ts';
import { mediaView, revealAllowed } from './media-view.ts';
import type { QueueRow } from './queue.repository.ts';
import {
  findSessionById,
  findThresholdVersionInForce,
  firstAppliedAfter,
  latestAppliedAt,
  listOtherSessions,
  listReviewEvents,
  listStatusEvents,
  scoredAt,
  type SessionRow,
} from './review.repository.ts';
import type { ReviewSettings } from './review-deps.ts';
import { DEFAULT_SLA_SETTINGS, slaClock } from './sla.ts';
import { findErasureReference } from '../privacy/erasure.repository.ts';
import { loadFaceBlockInfo } from '../face-block/face-block-info.ts';
import { escalationExcerpt } from '../contract/escalation.ts';
import { escalationAllowed, escalationOf, mayHandle } from './escalation-rules.ts';

/** Rows to the console's answers: a queue row to a `QueueItem`, a session and its history to a `SessionDetail`. */

export function toQueueItem(row: QueueRow, settings: ReviewSettings, now = new Date()): QueueItem {
  // The SLA clock runs while the session waits In Review (business hours, review/sla.ts).
  const clock =
    row.status === 'In Review' && row.in_review_since
      ? slaClock(row.in_review_since, row.sla_minutes ?? DEFAULT_SLA_MINUTES, now, settings.sla ?? DEFAULT_SLA_SETTINGS)
      : null;
  return {
    id: row.id,
    sessionNumber: row.session_number,
    vendorData: row.vendor_data,
    status: row.status,
    workflowId: row.workflow_id,
    workflowLabel: row.workflow_label,
    slaMinutes: row.sla_minutes ?? DEFAULT_SLA_MINUTES,
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
    escalation:
      row.escalated_at && row.status === 'In Review'
        ? {
            at: row.escalated_at.toISOString(),
            by: row.escalated_by_label ?? 'unknown',
            note: escalationExcerpt(row.escalation_note),
          }
        : null,
    assignedTo:
      row.assigned_to && row.assigned_at && row.status === 'In Review'
        ? { userId: row.assigned_to, label: row.assignee_label ?? 'unknown', assignedAt: row.assigned_at.toISOString() }
        : null,
    slaDueAt: clock?.dueAt.toISOString() ?? null,
    slaState: clock?.state ?? null,
  };
}

/** A stored warning as the session page shows it (the node it came from stays in the record). */
function toWarning({ nodeId: _nodeId, ...warning }: SessionWarning): Warning {
  return warning;
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
  const [reviewEvents, statusEvents, otherSessions, version, versionNow, versionAfter, erasureReference] = await Promise.all([
    listReviewEvents(db, id),
    listStatusEvents(db, id),
    listOtherSessions(db, session),
    findThresholdVersionInForce(db, session),
    latestAppliedAt(db, session.workflow_id, new Date()),
    session.threshold_version_id === null ? firstAppliedAfter(db, session.workflow_id, scoredAt(session)) : undefined,
    session.personal_data_removal === 'erasure' ? findErasureReference(db, id) : null,
  ]);
  const detail = buildDetail(
    session,
    { reviewEvents, statusEvents, otherSessions, version, versionNow, versionAfter, erasureReference },
    actor,
    settings,
  );
  return { ...detail, faceBlock: await loadFaceBlockInfo(db, session, detail, actor, settings) };
}

/** The thresholds the session was scored against, as its page shows them (the four-eyes rules read them too). */
export async function loadScoredThresholds(db: Database, session: SessionRow): Promise<Thresholds> {
  const [version, versionNow, versionAfter] = await Promise.all([
    findThresholdVersionInForce(db, session),
    latestAppliedAt(db, session.workflow_id, new Date()),
    session.threshold_version_id === null ? firstAppliedAfter(db, session.workflow_id, scoredAt(session)) : undefined,
  ]);
  return scoredThresholds(session, { version, versionNow, versionAfter });
}

/** Decided in the console and not back in anyone's hands: on its way to Didit, or held for a second analyst. */
const decidedHere = (session: { review_push_state: string | null }) =>
  session.review_push_state === 'pending' || session.review_push_state === 'held';

interface DetailParts {
  reviewEvents: Awaited<ReturnType<typeof listReviewEvents>>;
  statusEvents: Awaited<ReturnType<typeof listStatusEvents>>;
  otherSessions: Awaited<ReturnType<typeof listOtherSessions>>;
  version: Awaited<ReturnType<typeof findThresholdVersionInForce>>;
  versionNow?: Awaited<ReturnType<typeof latestAppliedAt>>;
  /** The first version applied after Didit scored the session: what it replaced was in force then. */
  versionAfter?: Awaited<ReturnType<typeof firstAppliedAfter>>;
  /** The reference of the erasure request that erased the session, if one did. */
  erasureReference?: string | null;
}

const finalStatuses: ReadonlySet<string> = new Set(FINAL_STATUSES);

/** What of the person the console still holds, and when retention will remove it (ADR 0016). */
function privacyOf(session: SessionRow, parts: DetailParts, settings: ReviewSettings): SessionPrivacy {
  const heldLocally = {
    decision: session.decision !== null,
    mediaLinks: Object.keys(session.media).length > 0,
    vendorData: session.vendor_data !== null,
    notes: parts.reviewEvents.some((event) => event.note !== null),
  };
  const holds = Object.values(heldLocally).some(Boolean);
  // Retention counts from the final decision (`decided_at`), or Didit's last word for a session
  // that ended without one (abandoned, expired).
  const finalAt = finalStatuses.has(session.status) ? (session.decided_at ?? session.event_at) : null;
  return {
    heldLocally,
    removedAt: session.personal_data_removed_at?.toISOString() ?? null,
    removal: session.personal_data_removal,
    erasureReference: parts.erasureReference ?? null,
    retentionDays: settings.retentionDays,
    removableAfter: holds && finalAt ? new Date(finalAt.getTime() + settings.retentionDays * 86_400_000).toISOString() : null,
  };
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

/** What a threshold warning's `additionalData` says Didit compared the score with. */
const warningThresholdsSchema = z.object({ review_threshold: z.number(), decline_threshold: z.number() });

/** Didit's review/decline thresholds as the session's warning of this risk reports them. */
function thresholdsInWarning(warnings: readonly SessionWarning[], risk: string): { review: number; decline: number } | null {
  for (const warning of warnings) {
    if (warning.risk !== risk) continue;
    const data = warningThresholdsSchema.safeParse(warning.additionalData);
    if (data.success) return { review: data.data.review_threshold, decline: data.data.decline_threshold };
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
    code
      ? (settings.reasons[kind === 'approve' ? 'Approved' : kind === 'resubmit' ? 'Resubmitted' : 'Declined'].find(
          (r) => r.code === code,
        )?.label ?? code)
      : null;
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
  // Erased on request: deleted at Didit, nothing left to claim, decide or note (ADR 0016).
  const erased = session.personal_data_removal === 'erasure';
  // Escalated (issue 20): only leads and admins claim and decide it.
  const handles = mayHandle(session, actor);
  const canDecide = !erased && handles && can(actor.role, 'session.decide') && !decidedHere(session) && !(claimActive && !mine);
  return {
    ...toQueueItem(
      {
        ...session,
        claim_active: claimActive,
        sort_value: '',
        sla_minutes: session.sla_minutes,
        has_face_match: session.has_face_match,
        escalated_by_label: null,
        escalation_note: null,
      },
      settings,
    ),
    escalation: escalationOf(session, parts.reviewEvents),
    livenessStatus: session.liveness_status,
    faceMatchStatus: session.face_match_status,
    warnings: session.warnings.map(toWarning),
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
    privacy: privacyOf(session, parts, settings),
    reveal: {
      allowed: revealAllowed(actor.role, session.viewers_may_reveal),
      purposeRequired: !mine,
    },
    allowed: {
      claim:
        !erased &&
        handles &&
        can(actor.role, 'session.claim') &&
        actor.kind === 'user' &&
        session.status === 'In Review' &&
        // Decided and on its way to Didit (or held for undo): in no one's hands (`markDecisionPending`).
        !decidedHere(session) &&
        !claimActive,
      release: mine || (claimActive && can(actor.role, 'claim.release_others')),
      decide: canDecide ? decisionsAllowedFrom(session.status) : [],
      note: !erased && can(actor.role, 'session.note'),
      ...escalationAllowed(session, actor, { erased, claimedByOther: claimActive && !mine }),
    },
  };
}
