/**
 * Sessions (docs/didit-contract.md (sessions)) and the simulated end user's side of their life.
 * Every status change goes through `transition`, which fires `status.updated` — the first one
 * (Not Started) included. What requests may carry is in `session-requests.ts`, how sessions are
 * shown in `session-views.ts`, and manual review (Didit's update-status and reviews) in
 * `manual-review.ts`.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './canonical-json.ts';
import { buildDecision, evaluateCapture, type CaptureInput, type DecisionDeps } from './decision.ts';
import { ApiError, fieldError, notFound, validate } from './http.ts';
import { hashString } from './prng.ts';
import {
  blocklistAddBody,
  blocklistRemoveBody,
  createBody,
  decodePortrait,
  listQuery,
  parseMetadata,
} from './session-requests.ts';
import { createdSessionView, sessionListRow, webhookEnvelope, type ListRowGeneration } from './session-views.ts';
import type { SandboxStore, SessionRecord, SessionStatus, WebhookEventType } from './store.ts';
import type { WebhookDispatcher } from './webhooks.ts';
import { effectiveConfig, workflowFeatures } from './workflows.ts';

const UNFINISHED: readonly SessionStatus[] = ['Not Started', 'In Progress', 'Resubmitted', 'Awaiting User'];

export interface SessionServiceDeps {
  store: SandboxStore;
  now: () => number;
  dispatcher: WebhookDispatcher;
  decision: DecisionDeps;
  environment: 'live' | 'sandbox';
}

export class SessionService {
  /** Which documented generation of rows GET /v3/sessions/ serves (`RunningSandbox.setListRows`). */
  listRows: ListRowGeneration = 'newest';

  /**
   * Sessions held by a filed regulatory report (`RunningSandbox.setFiledReport`), by the report's
   * id: Didit refuses to delete them (409 `in_filed_report`). Memory only; a test sets it.
   */
  readonly filedReports = new Map<string, string>();

  /**
   * Which documented generation answers DELETE (`RunningSandbox.setDeleteAnswers`): the newest a
   * `200` with what happened to the face data, the older a `204` with no body.
   */
  deleteAnswers: 'newest' | 'older' = 'newest';

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
    return createdSessionView(session, this.deps.decision);
  }

  /** GET /v3/sessions/: filtered, newest first (descending session_number). */
  list(query: unknown): { rows: JsonObject[]; limit: number; offset: number } {
    const q = validate(listQuery, query);
    const from = q.date_from ? Date.parse(q.date_from.length === 10 ? `${q.date_from}T00:00:00Z` : q.date_from) : null;
    const to = q.date_to ? Date.parse(q.date_to.length === 10 ? `${q.date_to}T23:59:59.999Z` : q.date_to) : null;
    const search = q.search?.toLowerCase();
    const rowContext = { generation: this.listRows, applicationId: this.store.applicationId, decision: this.deps.decision };
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
      .map((s) => sessionListRow(s, rowContext));
    return { rows, limit: q.limit ?? 50, offset: q.offset ?? 0 };
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
      // Screened against entries added by value, and against other users' sessions' entries: Didit
      // leaves the same user's faces (same vendor_data) out of blocklist screening.
      faceBlocklisted:
        selfiePerson !== null &&
        (this.store.faceBlocklist.has(selfiePerson) || this.blocklistedSessionOf(selfiePerson, session.vendorData) !== null),
      personSeed: hashString(selfiePerson ?? identity),
    });
    const blocked = evaluation.liveness?.warnings.some((w) => w.risk === 'FACE_IN_BLOCKLIST') && selfiePerson !== null;
    const source = blocked ? this.blocklistedSessionOf(selfiePerson, session.vendorData) : null;
    if (evaluation.liveness && source && source.sessionId !== session.sessionId) {
      // The liveness report's matches[] (docs/didit-contract.md "Face blocklist"): blocklisted faces
      // first, each naming the session it came from. An entry added without a session (the demo
      // traffic's, like Didit's faces added by value) is matched without one, so none is listed.
      evaluation.liveness.matches = [
        {
          session_id: source.sessionId,
          session_number: source.sessionNumber,
          similarity_percentage: 90 + (hashString(`${selfiePerson}:${session.sessionId}`) % 1000) / 100,
          vendor_data: source.vendorData,
          verification_date: new Date(source.createdAt).toISOString(),
          status: source.status,
          is_blocklisted: true,
          is_allowlisted: false,
          source: 'session',
        },
      ];
    }
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

  /**
   * DELETE /v3/session/{id}/delete/ (docs/didit-contract.md §17): the session leaves every read
   * (decision and list answer as if it never existed, its media links stop resolving) and its
   * pending deliveries and their retries are dropped (`WebhookDispatcher`); deleting it again is
   * 404. A session in a filed regulatory report is refused with 409, nothing deleted. Answers the
   * newest generation's body (`200`), or null for the older `204`.
   */
  delete(id: string): JsonObject | null {
    const session = this.get(id);
    const report = this.filedReports.get(session.sessionId);
    if (report !== undefined) {
      throw new ApiError(409, {
        detail: `This session is part of the filed regulatory report ${report}. Delete the report, then retry.`,
        code: 'in_filed_report',
      });
    }
    session.deleted = true;
    if (this.deleteAnswers === 'older') return null;
    // The sandbox keeps no biometric templates: the face data goes with the session.
    return {
      session_id: session.sessionId,
      session_number: session.sessionNumber,
      face_retention_outcome: 'deleted',
      biometric_template_uuid: null,
      biometric_template_expires_at: null,
      deleted_child_verifications: 0,
    };
  }

  blocklist(body: unknown, add: boolean): JsonObject {
    const parsed = add ? validate(blocklistAddBody, body ?? {}) : validate(blocklistRemoveBody, body ?? {});
    const session = this.get(parsed.session_id);
    const face = 'blocklist_face' in parsed ? parsed.blocklist_face : 'unblock_face' in parsed ? parsed.unblock_face : false;
    if (face) {
      const person = this.faceOf(session);
      if (person === null) throw fieldError('session_id', 'The session has no face to blocklist.');
      // The entry is linked to the session (docs/didit-contract.md "Face blocklist"); removing it
      // deletes only the entries created from this session: the face stays blocked while another
      // session's entry for it remains.
      // The entry lives with the session (`faceBlocklisted`); `store.faceBlocklist` holds only the
      // entries added by value, which a session's removal does not touch.
      session.faceBlocklisted = add;
    }
    return { message: add ? 'Successfully updated blocklist.' : 'Successfully removed from blocklist.' };
  }

  /** Whose face a session shows: its selfie's, else its portrait's. */
  private faceOf(session: SessionRecord): string | null {
    return session.capture ? session.capture.selfiePerson : session.portraitPerson;
  }

  /**
   * The newest live session whose face entry on the blocklist matches `person` (one added through
   * the API), leaving out the screened user's own sessions (same non-null `vendor_data`).
   */
  private blocklistedSessionOf(person: string, screenedVendorData: string | null): SessionRecord | null {
    let found: SessionRecord | null = null;
    for (const s of this.store.sessions.values()) {
      if (!s.faceBlocklisted || s.deleted || this.faceOf(s) !== person) continue;
      if (screenedVendorData !== null && s.vendorData === screenedVendorData) continue;
      if (!found || s.updatedAt >= found.updatedAt) found = s;
    }
    return found;
  }

  blocklistFaceOf(person: string, add: boolean): void {
    if (add) this.store.faceBlocklist.add(person);
    else this.store.faceBlocklist.delete(person);
  }

  // --- status changes and their webhooks -------------------------------------------------------

  /** The one way a session's status changes (here and in manual review): it fires status.updated. */
  transition(session: SessionRecord, status: SessionStatus): void {
    session.status = status;
    session.updatedAt = this.deps.now();
    if (status !== 'Resubmitted') session.resubmitInfo = null;
    this.emit('status.updated', session);
  }

  /** The v3 envelope of the session as it is now. */
  envelope(webhookType: WebhookEventType, session: SessionRecord): JsonObject {
    return webhookEnvelope(webhookType, session, {
      now: this.deps.now(),
      applicationId: this.store.applicationId,
      environment: this.deps.environment,
      decision: this.deps.decision,
    });
  }

  emit(webhookType: WebhookEventType, session: SessionRecord): void {
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
