/**
 * Sessions (docs/didit-contract.md (sessions, manual review)) and the simulated end user's side
 * of their life. Every status change goes through `transition`, which fires `status.updated` —
 * the first one (Not Started) included.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import {
  buildDecision,
  evaluateCapture,
  FACE_MATCH_NODE,
  LIVENESS_NODE,
  type CaptureInput,
  type DecisionDeps,
} from './decision.ts';
import { ApiError, fieldError, notFound, uuidField, validate } from './http.ts';
import { hashString } from './prng.ts';
import {
  SESSION_STATUSES,
  epochSeconds,
  isoMicros,
  type ActorType,
  type FeatureName,
  type SandboxStore,
  type SessionRecord,
  type SessionStatus,
  type WebhookEventType,
} from './store.ts';
import type { WebhookDispatcher } from './webhooks.ts';
import { effectiveConfig, workflowFeatures } from './workflows.ts';

const UNFINISHED: readonly SessionStatus[] = ['Not Started', 'In Progress', 'Resubmitted', 'Awaiting User'];
/** https://docs.didit.me/sessions-api/update-status: the only current statuses a manual decision may leave. */
export const DECIDABLE: readonly SessionStatus[] = [
  'Approved',
  'Declined',
  'In Review',
  'Kyc Expired',
  'Abandoned',
  'Resubmitted',
];
/** docs/didit-contract.md (webhooks): statuses whose status.updated carries the decision. */
const WITH_DECISION: readonly SessionStatus[] = ['Approved', 'Declined', 'In Review', 'Abandoned', 'Expired', 'Kyc Expired'];
const MAX_PORTRAIT_BYTES = 1024 * 1024;

const createBody = z.object({
  workflow_id: uuidField,
  vendor_data: z.string().max(1000).optional(),
  callback: z.url({ protocol: /^https?$/ }).optional(),
  callback_method: z.enum(['initiator', 'completer', 'both']).optional(),
  // Older docs sent metadata as a JSON string; both are accepted.
  metadata: z.union([z.record(z.string(), z.json()), z.string()]).optional(),
  language: z.string().min(2).max(10).optional(),
  contact_details: z.record(z.string(), z.json()).optional(),
  expected_details: z.record(z.string(), z.json()).optional(),
  portrait_image: z.string().optional(),
});

const nodeToResubmit = z.object({ node_id: z.string(), feature: z.string() });
type NodeToResubmit = z.output<typeof nodeToResubmit>;

const updateStatusBody = z
  .object({
    new_status: z.enum(['Approved', 'Declined', 'Resubmitted']),
    comment: z.string().max(10_000).optional(),
    send_email: z.boolean().optional(),
    email_address: z.email().optional(),
    email_language: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]{2,4})?$/i)
      .optional(),
    // Only read for Resubmitted (ignored otherwise), and required there.
    nodes_to_resubmit: z.array(nodeToResubmit).min(1).optional(),
  })
  .check((ctx) => {
    if (ctx.value.send_email && !ctx.value.email_address) {
      ctx.issues.push({
        code: 'custom',
        message: 'This field is required when send_email is true.',
        path: ['email_address'],
        input: undefined,
      });
    }
    if (ctx.value.new_status === 'Resubmitted' && !ctx.value.nodes_to_resubmit) {
      ctx.issues.push({
        code: 'custom',
        message: 'This field is required when new_status is Resubmitted.',
        path: ['nodes_to_resubmit'],
        input: undefined,
      });
    }
  });

const reviewBody = z.object({
  new_status: z.enum(['Approved', 'Declined', 'In Review']).optional(),
  comment: z.string().max(10_000).optional(),
});

const featureStatusBody = z.object({
  new_status: z.enum(['Approved', 'Declined', 'In Review']),
  comment: z.string().max(10_000).optional(),
});

export const consoleDecisionBody = z.object({
  new_status: z.enum(['Approved', 'Declined', 'In Review', 'Resubmitted']),
  comment: z.string().max(10_000).optional(),
  reviewer_email: z.email().optional(),
});

const blocklistAddBody = z.object({
  session_id: uuidField,
  blocklist_face: z.boolean().optional(),
  blocklist_document: z.boolean().optional(),
  blocklist_phone: z.boolean().optional(),
  blocklist_email: z.boolean().optional(),
});
const blocklistRemoveBody = z.object({
  session_id: uuidField,
  unblock_face: z.boolean().optional(),
  unblock_document: z.boolean().optional(),
  unblock_phone: z.boolean().optional(),
  unblock_email: z.boolean().optional(),
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  vendor_data: z.string().optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  workflow_id: uuidField.optional(),
  country: z.string().optional(),
  date_from: z.iso.date().or(z.iso.datetime()).optional(),
  date_to: z.iso.date().or(z.iso.datetime()).optional(),
  search: z.string().optional(),
  session_kind: z.enum(['user', 'business', 'all']).optional(),
});

export interface SessionServiceDeps {
  store: SandboxStore;
  now: () => number;
  dispatcher: WebhookDispatcher;
  decision: DecisionDeps;
  environment: 'live' | 'sandbox';
}

export interface Actor {
  type: ActorType;
  display: string;
  email: string | null;
}

export const API_ACTOR: Actor = { type: 'API_KEY', display: 'API Client', email: null };

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  private get store(): SandboxStore {
    return this.deps.store;
  }

  get(id: string): SessionRecord {
    const session = this.store.findSession(id);
    if (!session) throw notFound();
    return session;
  }

  /**
   * POST /v3/session/; a reused session answers 201 too. `workflow_id` is the group id; the
   * session is bound to the group's latest published version, for good.
   */
  create(body: unknown): SessionRecord {
    const parsed = validate(createBody, body ?? {});
    if (this.store.groupVersions(parsed.workflow_id).length === 0) {
      throw fieldError('workflow_id', `Invalid pk "${parsed.workflow_id}" - object does not exist.`);
    }
    const workflow = this.store.latestPublished(parsed.workflow_id);
    if (!workflow) throw fieldError('workflow_id', 'This workflow has no published version.');
    const metadata = parseMetadata(parsed.metadata);
    const features = workflowFeatures(workflow);
    const needsPortrait = features.includes('FACE_MATCH');
    const portrait = parsed.portrait_image === undefined ? null : decodePortrait(parsed.portrait_image);
    if (needsPortrait && !portrait) {
      throw fieldError('portrait_image', 'This field is required for workflows with Face Match.');
    }
    const now = this.deps.now();
    if (parsed.vendor_data !== undefined) {
      const reusable = [...this.store.sessions.values()].find(
        (s) =>
          !s.deleted &&
          s.vendorData === parsed.vendor_data &&
          s.workflowId === workflow.workflowId &&
          s.workflowUuid === workflow.uuid &&
          UNFINISHED.includes(s.status),
      );
      if (reusable) {
        if (parsed.callback !== undefined) reusable.callback = parsed.callback;
        if (metadata !== undefined) reusable.metadata = metadata;
        reusable.updatedAt = now;
        return reusable;
      }
    }
    const sessionId = this.store.newId();
    const session: SessionRecord = {
      sessionId,
      sessionNumber: this.store.takeSessionNumber(),
      sessionToken: createHash('sha256').update(sessionId).digest('base64url').slice(0, 12),
      workflowId: workflow.workflowId,
      workflowUuid: workflow.uuid,
      workflowVersion: workflow.version,
      features,
      vendorData: parsed.vendor_data ?? null,
      metadata: metadata ?? null,
      callback: parsed.callback ?? null,
      callbackMethod: parsed.callback_method ?? 'initiator',
      language: parsed.language ?? null,
      contactDetails: (parsed.contact_details as JsonObject | undefined) ?? null,
      expectedDetails: (parsed.expected_details as JsonObject | undefined) ?? null,
      status: 'Not Started',
      portrait,
      portraitPerson: portrait ? this.personOfPortrait(portrait) : null,
      capture: null,
      activity: [],
      resubmitInfo: null,
      createdAt: now,
      expiresAt: now + workflow.sessionExpirationTime * 1000,
      updatedAt: now,
      deleted: false,
    };
    this.store.sessions.set(sessionId, session);
    this.emit('status.updated', session);
    return session;
  }

  createResponse(session: SessionRecord): JsonObject {
    return {
      session_id: session.sessionId,
      session_number: session.sessionNumber,
      session_token: session.sessionToken,
      url: this.deps.decision.sessionUrl(session),
      status: session.status,
      workflow_id: session.workflowId,
      workflow_version: session.workflowVersion,
      vendor_data: session.vendorData,
      metadata: session.metadata,
      callback: session.callback,
      session_kind: 'user',
    };
  }

  /** GET /v3/sessions/: filtered, newest first (descending session_number). */
  list(query: unknown): { rows: JsonObject[]; limit: number; offset: number } {
    const q = validate(listQuery, query);
    const from = q.date_from ? Date.parse(q.date_from.length === 10 ? `${q.date_from}T00:00:00Z` : q.date_from) : null;
    const to = q.date_to ? Date.parse(q.date_to.length === 10 ? `${q.date_to}T23:59:59.999Z` : q.date_to) : null;
    const search = q.search?.toLowerCase();
    const rows = [...this.store.sessions.values()]
      .filter((s) => !s.deleted)
      .filter(() => q.session_kind !== 'business')
      .filter((s) => q.vendor_data === undefined || s.vendorData === q.vendor_data)
      .filter((s) => q.status === undefined || s.status === q.status)
      .filter((s) => q.workflow_id === undefined || s.workflowId === q.workflow_id)
      // Biometric sessions carry no document, hence no country.
      .filter(() => q.country === undefined)
      .filter((s) => from === null || s.createdAt >= from)
      .filter((s) => to === null || s.createdAt <= to)
      .filter(
        (s) =>
          search === undefined ||
          s.sessionId.includes(search) ||
          String(s.sessionNumber).includes(search) ||
          (s.vendorData ?? '').toLowerCase().includes(search),
      )
      .sort((a, b) => b.sessionNumber - a.sessionNumber)
      .map((s) => this.listRow(s));
    return { rows, limit: q.limit ?? 50, offset: q.offset ?? 0 };
  }

  private listRow(s: SessionRecord): JsonObject {
    const itemStatus = (feature: FeatureName): string =>
      (feature === 'LIVENESS' ? s.capture?.liveness?.status : s.capture?.faceMatch?.status) ?? 'Not Finished';
    return {
      session_id: s.sessionId,
      session_kind: 'user',
      session_number: s.sessionNumber,
      session_url: this.deps.decision.sessionUrl(s),
      status: s.status,
      vendor_data: s.vendorData,
      created_at: isoMicros(s.createdAt),
      portrait_image: s.portrait ? this.deps.decision.mediaUrl(`face-match/${s.sessionId}/source.jpg`) : null,
      document_type: null,
      full_name: null,
      country: null,
      features: s.features.map((feature) => ({ feature, status: itemStatus(feature) })),
      phone_number: null,
      email_address: null,
    };
  }

  decision(session: SessionRecord): JsonObject {
    return buildDecision(session, this.deps.decision);
  }

  // --- the simulated end user -------------------------------------------------------------

  open(id: string): SessionRecord {
    const session = this.get(id);
    if (session.status !== 'Not Started' && session.status !== 'Resubmitted') {
      throw fieldError('status', `Only a Not Started or Resubmitted session can be opened (it is ${session.status}).`);
    }
    this.transition(session, 'In Progress');
    return session;
  }

  /**
   * The user finishes the flow; a session not yet opened is opened first (both webhooks fire).
   * Scores are judged by the bound version's thresholds as they stand now.
   */
  complete(id: string, input: CaptureInput): SessionRecord {
    const session = this.get(id);
    if (session.status === 'Not Started' || session.status === 'Resubmitted') this.open(id);
    if (session.status !== 'In Progress' && session.status !== 'Awaiting User') {
      throw fieldError('status', `Only an In Progress or Awaiting User session can be completed (it is ${session.status}).`);
    }
    const workflow = this.store.workflowOf(session);
    if (!workflow) throw notFound();
    const current = effectiveConfig(workflow);
    // The steps are those of the version at creation; an edit may change thresholds, not steps.
    const config = {
      liveness: { ...current.liveness, enabled: session.features.includes('LIVENESS') },
      faceMatch: { ...current.faceMatch, enabled: session.features.includes('FACE_MATCH') },
    };
    const identity = this.identityOf(session);
    const selfiePerson =
      input.capture === 'no_face' ? null : input.capture === 'mismatch' ? `${identity}#stranger-${input.seed}` : identity;
    const evaluation = evaluateCapture(input, {
      config,
      hasPortrait: session.portrait !== null,
      faceBlocklisted: selfiePerson !== null && this.store.faceBlocklist.has(selfiePerson),
      personSeed: hashString(selfiePerson ?? identity),
    });
    session.capture = {
      capture: input.capture,
      seed: input.seed,
      selfiePerson,
      liveness: evaluation.liveness,
      faceMatch: evaluation.faceMatch,
      completedAt: this.deps.now(),
    };
    this.transition(session, evaluation.status);
    return session;
  }

  abandon(id: string): SessionRecord {
    const session = this.get(id);
    if (session.status !== 'In Progress' && session.status !== 'Awaiting User')
      throw fieldError('status', `Only an In Progress or Awaiting User session can be abandoned (it is ${session.status}).`);
    this.transition(session, 'Abandoned');
    return session;
  }

  expire(id: string): SessionRecord {
    const session = this.get(id);
    if (session.status !== 'Not Started')
      throw fieldError('status', `Only a Not Started session can expire (it is ${session.status}).`);
    session.expiresAt = Math.min(session.expiresAt, this.deps.now());
    this.transition(session, 'Expired');
    return session;
  }

  /**
   * An Approved session's KYC runs out (a KYC expiration policy in Didit): Kyc Expired, with a
   * status.updated that carries the decision.
   */
  expireKyc(id: string): SessionRecord {
    const session = this.get(id);
    if (session.status !== 'Approved') {
      throw fieldError('status', `Only an Approved session can move to Kyc Expired (it is ${session.status}).`);
    }
    this.transition(session, 'Kyc Expired');
    return session;
  }

  /**
   * Awaiting User: in Didit a KYB status (waiting for other parties). The sandbox lets a test put
   * a user session there, to see how a client copes; completing the capture leaves it.
   */
  awaitUser(id: string): SessionRecord {
    const session = this.get(id);
    if (session.status !== 'Not Started' && session.status !== 'In Progress') {
      throw fieldError('status', `Only a Not Started or In Progress session can await the user (it is ${session.status}).`);
    }
    this.transition(session, 'Awaiting User');
    return session;
  }

  // --- manual review ----------------------------------------------------------------------

  /**
   * PATCH /v3/session/{id}/update-status/ (https://docs.didit.me/sessions-api/update-status).
   * Eligibility is checked before the body. Approved on Approved (Declined on Declined) is a
   * 200 that changes nothing: no review entry, no webhook. Resubmitted on Resubmitted is a 400.
   */
  updateStatus(id: string, body: unknown, actor: Actor = API_ACTOR): JsonObject {
    const session = this.get(id);
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
    const session = this.get(id);
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
    const session = this.get(id);
    this.assertDecidable(session);
    const parsed = validate(consoleDecisionBody, body ?? {});
    const email = parsed.reviewer_email ?? 'reviewer@didit-sandbox.test';
    this.decide(session, parsed.new_status, parsed.comment ?? null, { type: 'CONSOLE_USER', display: 'Sandbox Reviewer', email });
    return session;
  }

  /** PATCH /v3/session/{id}/features/{nodeId}/update-status/ (docs/didit-contract.md (manual review)): fires data.updated only. */
  updateFeatureStatus(id: string, nodeId: string, body: unknown): JsonObject {
    const session = this.get(id);
    const parsed = validate(featureStatusBody, body ?? {});
    const item =
      nodeId === LIVENESS_NODE ? session.capture?.liveness : nodeId === FACE_MATCH_NODE ? session.capture?.faceMatch : undefined;
    if (!item) throw notFound();
    item.status = parsed.new_status;
    session.updatedAt = this.deps.now();
    this.emit('data.updated', session);
    return { session_id: session.sessionId, node_id: nodeId, feature_type: 'KYC', new_status: parsed.new_status };
  }

  reviews(id: string, ordering: string | undefined): JsonObject[] {
    const session = this.get(id);
    if (ordering !== undefined && ordering !== 'created_at' && ordering !== '-created_at') {
      throw fieldError('ordering', `"${ordering}" is not a valid choice.`);
    }
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

  delete(id: string): void {
    const session = this.get(id);
    session.deleted = true;
  }

  blocklist(body: unknown, add: boolean): JsonObject {
    const parsed = add ? validate(blocklistAddBody, body ?? {}) : validate(blocklistRemoveBody, body ?? {});
    const session = this.get(parsed.session_id);
    const face = 'blocklist_face' in parsed ? parsed.blocklist_face : 'unblock_face' in parsed ? parsed.unblock_face : false;
    if (face) {
      const person = session.capture ? session.capture.selfiePerson : session.portraitPerson;
      if (person === null) throw fieldError('session_id', 'The session has no face to blocklist.');
      if (add) this.store.faceBlocklist.add(person);
      else this.store.faceBlocklist.delete(person);
    }
    return { message: add ? 'Successfully updated blocklist.' : 'Successfully removed from blocklist.' };
  }

  blocklistFaceOf(person: string, add: boolean): void {
    if (add) this.store.faceBlocklist.add(person);
    else this.store.faceBlocklist.delete(person);
  }

  // --- internals ----------------------------------------------------------------------------

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
    this.transition(session, newStatus);
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
    const workflow = this.store.workflowOf(session);
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
      uuid: this.store.newId(),
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

  private transition(session: SessionRecord, status: SessionStatus): void {
    session.status = status;
    session.updatedAt = this.deps.now();
    if (status !== 'Resubmitted') session.resubmitInfo = null;
    this.emit('status.updated', session);
  }

  /** The v3 envelope (docs/didit-contract.md (webhooks)); optional fields appear only when set on the session. */
  envelope(webhookType: WebhookEventType, session: SessionRecord): JsonObject {
    const withDecision = WITH_DECISION.includes(session.status) || webhookType === 'data.updated';
    return {
      webhook_type: webhookType,
      timestamp: epochSeconds(this.deps.now()),
      created_at: epochSeconds(session.createdAt),
      application_id: this.store.applicationId,
      environment: this.deps.environment,
      session_id: session.sessionId,
      status: session.status,
      workflow_id: session.workflowId,
      workflow_version: session.workflowVersion,
      vendor_data: session.vendorData ?? undefined,
      metadata: session.metadata ?? undefined,
      decision: withDecision ? this.decision(session) : undefined,
      resubmit_info: session.status === 'Resubmitted' ? (session.resubmitInfo ?? undefined) : undefined,
    };
  }

  private emit(webhookType: WebhookEventType, session: SessionRecord): void {
    this.deps.dispatcher.emit(webhookType, this.envelope(webhookType, session));
  }

  /** Who the session's face belongs to: the portrait's person, else the returning user. */
  identityOf(session: SessionRecord): string {
    return session.portraitPerson ?? session.vendorData ?? session.sessionId;
  }

  private personOfPortrait(portrait: Buffer): string {
    const digest = createHash('sha256').update(portrait).digest('hex');
    return this.store.knownPortraits.get(digest) ?? `portrait:${digest.slice(0, 16)}`;
  }
}

function parseMetadata(value: Record<string, JsonValue> | string | undefined): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
  } catch {
    // fall through to the field error
  }
  throw fieldError('metadata', 'Value must be valid JSON object.');
}

/** Base64 (optionally a data: URL) of a JPEG of at most 1 MB, checked by its magic bytes. */
function decodePortrait(value: string): Buffer {
  const base64 = value.replace(/^data:image\/[a-z+]+;base64,/i, '').replace(/\s+/g, '');
  if (base64.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64)) {
    throw fieldError('portrait_image', 'Invalid base64 image.');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > MAX_PORTRAIT_BYTES) throw fieldError('portrait_image', 'The image must be at most 1 MB.');
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    throw fieldError('portrait_image', 'The image must be a JPEG.');
  }
  return bytes;
}
