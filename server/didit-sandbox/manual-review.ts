/**
 * Manual review (docs/didit-contract.md (manual review, reviews)): decisions through the API, a
 * reviewer deciding in Didit's own Business Console, feature statuses and the review feed. Every
 * status change goes through the session service's `transition`, so each fires its webhook.
 */
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { FACE_MATCH_NODE, LIVENESS_NODE } from './decision.ts';
import { ApiError, fieldError, notFound, validate } from './http.ts';
import { consoleDecisionBody, featureStatusBody, reviewBody, updateStatusBody, type NodeToResubmit } from './session-requests.ts';
import { reviewFeed } from './session-views.ts';
import type { SessionService } from './sessions.ts';
import {
  isoMicros,
  type ActorType,
  type FeatureName,
  type SandboxStore,
  type SessionRecord,
  type SessionStatus,
} from './store.ts';

/** https://docs.didit.me/sessions-api/update-status: the only current statuses a manual decision may leave. */
export const DECIDABLE: readonly SessionStatus[] = [
  'Approved',
  'Declined',
  'In Review',
  'Kyc Expired',
  'Abandoned',
  'Resubmitted',
];

export interface Actor {
  type: ActorType;
  display: string;
  email: string | null;
}

export const API_ACTOR: Actor = { type: 'API_KEY', display: 'API Client', email: null };

export interface ManualReviewDeps {
  store: SandboxStore;
  now: () => number;
  sessions: SessionService;
}

export class ManualReviewService {
  constructor(private readonly deps: ManualReviewDeps) {}

  /**
   * PATCH /v3/session/{id}/update-status/ (https://docs.didit.me/sessions-api/update-status).
   * Eligibility is checked before the body. Approved on Approved (Declined on Declined) is a
   * 200 that changes nothing: no review entry, no webhook. Resubmitted on Resubmitted is a 400.
   */
  updateStatus(id: string, body: unknown, actor: Actor = API_ACTOR): JsonObject {
    const session = this.deps.sessions.get(id);
    this.assertDecidable(session);
    const parsed = validate(updateStatusBody, body ?? {});
    const nodes = parsed.new_status === 'Resubmitted' ? this.checkNodes(session, parsed.nodes_to_resubmit ?? []) : undefined;
    this.decide(session, parsed.new_status, parsed.comment ?? null, actor, nodes);
    return { session_id: session.sessionId, session_kind: 'user' };
  }

  /** Each node must be one of the session's steps, named with its feature. */
  private checkNodes(session: SessionRecord, nodes: NodeToResubmit[]): NodeToResubmit[] {
    const known = new Map<string, FeatureName>([
      [LIVENESS_NODE, 'LIVENESS'],
      [FACE_MATCH_NODE, 'FACE_MATCH'],
    ]);
    // DRF's list errors: one entry per item, {} for the items that are fine.
    const errors = nodes.map((node): Record<string, string[]> => {
      const feature = known.get(node.node_id);
      if (!feature || !session.features.includes(feature)) return { node_id: [`Unknown node "${node.node_id}".`] };
      if (node.feature !== feature) return { feature: [`"${node.feature}" is not the feature of ${node.node_id}.`] };
      return {};
    });
    if (errors.some((e) => Object.keys(e).length > 0)) throw new ApiError(400, { nodes_to_resubmit: errors });
    return nodes;
  }

  /** POST /v3/sessions/{id}/reviews/ (docs/didit-contract.md (reviews)). A note without new_status is accepted (sandbox choice). */
  addReview(id: string, body: unknown): JsonObject {
    const session = this.deps.sessions.get(id);
    const parsed = validate(reviewBody, body ?? {});
    if (parsed.new_status === undefined && !parsed.comment) {
      throw new ApiError(400, { non_field_errors: ['Provide new_status, comment or both.'] });
    }
    let decided = null;
    if (parsed.new_status !== undefined && parsed.new_status !== session.status) {
      this.assertDecidable(session);
      decided = this.decide(session, parsed.new_status, parsed.comment ?? null, API_ACTOR);
    }
    const entry =
      decided ??
      this.record(
        session,
        API_ACTOR,
        parsed.new_status ? 'STATUS_UPDATED' : 'COMMENT',
        null,
        parsed.new_status ?? null,
        parsed.comment ?? null,
      );
    return { user: 'API Client', new_status: entry.newStatus, comment: entry.comment, created_at: isoMicros(entry.createdAt) };
  }

  /** A reviewer deciding in Didit's own Business Console, as the console sees it: a webhook. */
  consoleDecision(id: string, body: unknown): SessionRecord {
    const session = this.deps.sessions.get(id);
    this.assertDecidable(session);
    const parsed = validate(consoleDecisionBody, body ?? {});
    const email = parsed.reviewer_email ?? 'reviewer@didit-sandbox.test';
    this.decide(session, parsed.new_status, parsed.comment ?? null, { type: 'CONSOLE_USER', display: 'Sandbox Reviewer', email });
    return session;
  }

  /** PATCH /v3/session/{id}/features/{nodeId}/update-status/ (docs/didit-contract.md (manual review)): fires data.updated only. */
  updateFeatureStatus(id: string, nodeId: string, body: unknown): JsonObject {
    const session = this.deps.sessions.get(id);
    const parsed = validate(featureStatusBody, body ?? {});
    const item =
      nodeId === LIVENESS_NODE ? session.capture?.liveness : nodeId === FACE_MATCH_NODE ? session.capture?.faceMatch : undefined;
    if (!item) throw notFound();
    item.status = parsed.new_status;
    session.updatedAt = this.deps.now();
    this.deps.sessions.emit('data.updated', session);
    return { session_id: session.sessionId, node_id: nodeId, feature_type: 'KYC', new_status: parsed.new_status };
  }

  /** GET /v3/sessions/{id}/reviews/. */
  reviews(id: string, ordering: string | undefined): JsonObject[] {
    const session = this.deps.sessions.get(id);
    if (ordering !== undefined && ordering !== 'created_at' && ordering !== '-created_at') {
      throw fieldError('ordering', `"${ordering}" is not a valid choice.`);
    }
    return reviewFeed(session, ordering);
  }

  private assertDecidable(session: SessionRecord): void {
    if (!DECIDABLE.includes(session.status)) {
      throw new ApiError(400, { status: [`Wrong Current Status: a session in "${session.status}" cannot be updated.`] });
    }
  }

  /** Records and applies a decision; the same Approved/Declined again is a no-op (null). */
  private decide(
    session: SessionRecord,
    newStatus: SessionStatus,
    comment: string | null,
    actor: Actor,
    nodes?: NodeToResubmit[],
  ) {
    if (newStatus === session.status) {
      if (newStatus === 'Resubmitted') throw fieldError('new_status', 'The new status is the same as the current status.');
      return null;
    }
    const previous = session.status;
    if (newStatus === 'Resubmitted') this.prepareResubmission(session, nodes);
    const entry = this.record(session, actor, 'STATUS_UPDATED', previous, newStatus, comment);
    this.deps.sessions.transition(session, newStatus);
    return entry;
  }

  /** Deletes the chosen steps' data (by default those not Approved) and restarts the expiry window. */
  private prepareResubmission(session: SessionRecord, nodes: NodeToResubmit[] | undefined): void {
    const items = [session.capture?.liveness, session.capture?.faceMatch].filter((i) => i != null);
    const chosen = nodes
      ? items.filter((i) => nodes.some((n) => n.node_id === i.node_id))
      : items.filter((i) => i.status !== 'Approved');
    const reasons: Record<string, JsonValue> = {};
    for (const item of chosen) reasons[item.node_id] = item.warnings[0]?.risk ?? 'MANUAL_RESUBMISSION';
    session.resubmitInfo = {
      nodes_to_resubmit: chosen.map((i) => ({
        node_id: i.node_id,
        feature: i.node_id === LIVENESS_NODE ? 'LIVENESS' : 'FACE_MATCH',
      })),
      reasons,
    };
    if (session.capture) {
      if (chosen.some((i) => i.node_id === LIVENESS_NODE)) session.capture.liveness = null;
      if (chosen.some((i) => i.node_id === FACE_MATCH_NODE)) session.capture.faceMatch = null;
      if (!session.capture.liveness && !session.capture.faceMatch) session.capture = null;
    }
    const workflow = this.deps.store.workflowOf(session);
    session.expiresAt = this.deps.now() + (workflow?.sessionExpirationTime ?? 604800) * 1000;
  }

  private record(
    session: SessionRecord,
    actor: Actor,
    type: 'STATUS_UPDATED' | 'COMMENT',
    previous: SessionStatus | null,
    next: SessionStatus | null,
    comment: string | null,
  ) {
    const entry = {
      uuid: this.deps.store.newId(),
      activityType: type,
      actorType: actor.type,
      actorDisplay: actor.display,
      actorEmail: actor.email,
      previousStatus: previous,
      newStatus: next,
      comment,
      createdAt: this.deps.now(),
    };
    session.activity.push(entry);
    return entry;
  }
}
