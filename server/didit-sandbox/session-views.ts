/**
 * Sessions as the emulated API shows them: the answer to a create, a list row, the review feed and
 * the webhook envelope (docs/didit-contract.md (sessions, reviews, webhooks)). Pure: each view is
 * built from the record and what the running sandbox knows (its links, clock and application).
 */
import type { JsonObject } from './canonical-json.ts';
import { buildDecision, type DecisionDeps } from './decision.ts';
import {
  epochSeconds,
  isoMicros,
  userEntityId,
  type CaptureRecord,
  type FeatureName,
  type SessionRecord,
  type SessionStatus,
  type WebhookEventType,
} from './store.ts';

/** docs/didit-contract.md (webhooks): statuses whose status.updated carries the decision. */
const WITH_DECISION: readonly SessionStatus[] = ['Approved', 'Declined', 'In Review', 'Abandoned', 'Expired', 'Kyc Expired'];

/** POST /v3/session/'s answer. */
export function createdSessionView(session: SessionRecord, decision: DecisionDeps): JsonObject {
  return {
    session_id: session.sessionId,
    session_number: session.sessionNumber,
    session_token: session.sessionToken,
    url: decision.sessionUrl(session),
    status: session.status,
    workflow_id: session.workflowId,
    workflow_version: session.workflowVersion,
    vendor_data: session.vendorData,
    metadata: session.metadata,
    callback: session.callback,
    session_kind: 'user',
  };
}

/**
 * The documented generations of a GET /v3/sessions/ row (docs/didit-contract.md §9): the newest
 * adds `didit_internal_id` and `additional_details` to the older one.
 */
export type ListRowGeneration = 'newest' | 'older';

export interface ListRowContext {
  generation: ListRowGeneration;
  applicationId: string;
  decision: DecisionDeps;
}

/** One row of GET /v3/sessions/, in the generation the sandbox serves. */
export function sessionListRow(s: SessionRecord, context: ListRowContext): JsonObject {
  const row = olderListRow(s, context.decision);
  if (context.generation === 'older') return row;
  return {
    ...row,
    didit_internal_id: s.vendorData === null ? null : userEntityId(context.applicationId, s.vendorData),
    additional_details: listedChecks(s.capture),
  };
}

function olderListRow(s: SessionRecord, decision: DecisionDeps): JsonObject {
  const itemStatus = (feature: FeatureName): string =>
    (feature === 'LIVENESS' ? s.capture?.liveness?.status : s.capture?.faceMatch?.status) ?? 'Not Finished';
  return {
    session_id: s.sessionId,
    session_kind: 'user',
    session_number: s.sessionNumber,
    session_url: decision.sessionUrl(s),
    status: s.status,
    vendor_data: s.vendorData,
    created_at: isoMicros(s.createdAt),
    portrait_image: s.portrait ? decision.mediaUrl(`face-match/${s.sessionId}/source.jpg`) : null,
    document_type: null,
    full_name: null,
    country: null,
    features: s.features.map((feature) => ({ feature, status: itemStatus(feature) })),
    phone_number: null,
    email_address: null,
  };
}

/**
 * A newest row's `additional_details` (docs/didit-contract.md §9): `aml`, `liveness {method, score}`
 * and `face_match {score}`, each `null` until its step produced data, as the decision's feature
 * arrays are (AML is not emulated, so it never has). A step without a score (no face) shows
 * `score: null`. Scores are fractions of one, as the docs' example writes them (0.98 where the
 * decision has 98): of the two scales it could be, the one that differs from the decision, so a
 * client that reads these as the decision's percentages fails here rather than only against Didit.
 */
function listedChecks(capture: CaptureRecord | null): JsonObject {
  const liveness = capture?.liveness;
  const faceMatch = capture?.faceMatch;
  return {
    aml: null,
    liveness: liveness ? { method: liveness.method, score: asFraction(liveness.score) } : null,
    face_match: faceMatch ? { score: asFraction(faceMatch.score) } : null,
  };
}

/** 87.35 → 0.8735: the decision's percentage (two decimals) as a fraction, exactly, without float noise. */
function asFraction(percentage: number | null): number | null {
  return percentage === null ? null : Math.round(percentage * 100) / 10_000;
}

/** GET /v3/sessions/{id}/reviews/: the session's activity, newest first unless `created_at` is asked for. */
export function reviewFeed(session: SessionRecord, ordering: 'created_at' | '-created_at' | undefined): JsonObject[] {
  const rows = session.activity.map((a): JsonObject => ({
    uuid: a.uuid,
    activity_type: a.activityType,
    actor_display: a.actorDisplay,
    actor_email: a.actorEmail,
    actor_type: a.actorType,
    new_status: a.newStatus,
    previous_status: a.previousStatus,
    comment: a.comment,
    mentioned_emails: [...(a.comment ?? '').matchAll(/@([\w.+-]+@[\w-]+\.[\w.-]+)/g)].map((m) => m[1] ?? ''),
    previous_value: a.previousStatus ? { status: a.previousStatus } : null,
    new_value: a.newStatus && a.activityType === 'STATUS_UPDATED' ? { status: a.newStatus } : null,
    changed_fields: a.activityType === 'STATUS_UPDATED' ? ['status'] : [],
    metadata: null,
    created_at: isoMicros(a.createdAt),
  }));
  return ordering === 'created_at' ? rows : rows.reverse();
}

export interface EnvelopeContext {
  now: number;
  applicationId: string;
  environment: 'live' | 'sandbox';
  decision: DecisionDeps;
}

/** The v3 envelope (docs/didit-contract.md (webhooks)); optional fields appear only when set on the session. */
export function webhookEnvelope(webhookType: WebhookEventType, session: SessionRecord, context: EnvelopeContext): JsonObject {
  const withDecision = WITH_DECISION.includes(session.status) || webhookType === 'data.updated';
  return {
    webhook_type: webhookType,
    timestamp: epochSeconds(context.now),
    created_at: epochSeconds(session.createdAt),
    application_id: context.applicationId,
    environment: context.environment,
    session_id: session.sessionId,
    status: session.status,
    workflow_id: session.workflowId,
    workflow_version: session.workflowVersion,
    ...(session.vendorData == null ? {} : { vendor_data: session.vendorData }),
    ...(session.metadata == null ? {} : { metadata: session.metadata }),
    decision: withDecision ? buildDecision(session, context.decision) : undefined,
    resubmit_info: session.status === 'Resubmitted' ? (session.resubmitInfo ?? undefined) : undefined,
  };
}
