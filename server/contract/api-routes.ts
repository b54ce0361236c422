import { z } from 'zod';
import { auditPageSchema, auditQuerySchema } from './audit.ts';
import {
  autoAssignParamsSchema,
  autoAssignRequestSchema,
  autoAssignResponseSchema,
  availabilityRequestSchema,
  myAvailabilitySchema,
  teamAvailabilitySchema,
  teamCapParamsSchema,
  teamCapRequestSchema,
  teamMemberSchema,
} from './assignment.ts';
import {
  secondReviewAnswerResponseSchema,
  secondReviewAnswerSchema,
  secondReviewListQuerySchema,
  secondReviewListSchema,
  secondReviewResolveResponseSchema,
  secondReviewResolveSchema,
  secondReviewSettingsParamsSchema,
  secondReviewSettingsResponseSchema,
  secondReviewSettingsSchema,
} from './second-review.ts';
import { deEscalateRequestSchema, escalateRequestSchema } from './escalation.ts';
import { declineAndBlockRequestSchema, unblockFaceRequestSchema } from './face-block.ts';
import { evidencePackImagesRequestSchema, evidencePackImagesResponseSchema } from './evidence-pack.ts';
import { erasureParamsSchema, erasureRequestSchema, erasureResponseSchema, erasureStatusSchema } from './privacy.ts';
import {
  apiTokenSchema,
  createTokenRequestSchema,
  createTokenResponseSchema,
  logoutResponseSchema,
  meResponseSchema,
  revokeTokenResponseSchema,
  tokenListResponseSchema,
  type CapabilityName,
  loginQuerySchema,
  tokenListQuerySchema,
  tokenParamsSchema,
} from './auth.ts';
import {
  insightsRequestSchema,
  insightsResponseSchema,
  slaRequestSchema,
  slaResponseSchema,
  workflowSlaParamsSchema,
} from './insights.ts';
import {
  claimNextRequestSchema,
  decisionRequestSchema,
  mediaSchema,
  noteRequestSchema,
  queueItemSchema,
  queuePageSchema,
  queueQuerySchema,
  reasonCatalogSchema,
  refreshMediaRequestSchema,
  refreshMediaResponseSchema,
  revealRequestSchema,
  revealResponseSchema,
  sessionDetailSchema,
  sessionParamsSchema,
  undoDecisionRequestSchema,
  retryPushRequestSchema,
} from './review.ts';
import {
  pendingPushSchema,
  replayWebhookResponseSchema,
  requeuePushResponseSchema,
  reviewEventParamsSchema,
  syncStatusSchema,
  webhookEventParamsSchema,
} from './sync.ts';
import {
  histogramSchema,
  simulationSchema,
  thresholdVersionListSchema,
  thresholdVersionSchema,
  viewerRevealResponseSchema,
  workflowDetailSchema,
  workflowListSchema,
  workflowSchema,
  workflowSyncResultSchema,
} from './thresholds-responses.ts';
import {
  decideProposalSchema,
  proposeThresholdsSchema,
  rejectProposalSchema,
  simulateSchema,
  thresholdSetSchema,
  versionParamsSchema,
  viewerRevealRequestSchema,
  windowSchema,
  workflowParamsSchema,
} from './thresholds.ts';
import {
  createSavedViewRequestSchema,
  deleteSavedViewAnswerSchema,
  savedViewAnswerSchema,
  savedViewListSchema,
  savedViewParamsSchema,
  shareSavedViewRequestSchema,
  updateSavedViewRequestSchema,
} from './saved-views.ts';

/**
 * Every HTTP route the console answers, with the schemas it reads and answers: the source of the
 * OpenAPI document (`server/openapi/openapi.ts`, served at `GET /api/openapi.json` and rendered
 * at `GET /api/docs`). `server/openapi/openapi.test.ts` lists the routes Express really has and
 * fails on any difference, so a new route is not done until it has its entry here.
 *
 * Adding a route: add one object to `apiRoutes` under its tag (method, OpenAPI path with `{param}`,
 * tag, summary, access, the zod schemas the handler parses, and its success responses). 401/403
 * follow from `access` and 400 from having params, query or a body; list other errors in `errors`.
 */

export const apiTags = [
  { name: 'Review', description: 'The In Review queue, a session and its evidence, claims, decisions and notes.' },
  { name: 'Thresholds', description: 'Workflows and their versioned review/decline thresholds: propose, simulate, approve.' },
  { name: 'Sync', description: 'Is the console keeping up with Didit: inbox, reconciliation, decision pushes, media links.' },
  { name: 'Insights', description: 'Queue health and team figures for leads: time to decision, queue depth, analysts.' },
  { name: 'Audit', description: 'The append-only, hash-chained audit trail.' },
  { name: 'Auth', description: 'Sign-in through the OpenID Connect provider, sign-out, and who is signed in.' },
  { name: 'Admin', description: 'API tokens for automation; erasing a person on request, here and at Didit.' },
  { name: 'Operations', description: 'Probes, metrics, the Didit webhook receiver and this reference.' },
] as const;
export type ApiTag = (typeof apiTags)[number]['name'];

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route. `capability`: a signed-in person (session cookie) or an API token whose
 * role grants it (roles per capability come from `server/auth/rbac.ts`); `peopleOnly` when the
 * service refuses tokens even so. `open`: no sign-in; the text says what protects the route
 * instead. `metricsToken`: the metrics bearer token, when one is configured.
 */
export type RouteAccess = { capability: CapabilityName; peopleOnly?: true } | { open: string } | { metricsToken: string };

/** Error statuses a route may answer with `{error: {code, message, details?}}` (server/errors.ts). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 502 | 503;

export interface ApiResponse {
  description: string;
  /** The body; absent for an answer without one (a redirect) or one described in words. */
  schema?: z.ZodType;
  /** Defaults to `application/json` when there is a schema; no content type and no schema mean no body. */
  contentType?: string;
  /** Other forms of the same answer (chosen by a parameter), e.g. `text/csv`. */
  alsoAs?: readonly string[];
  /** Response headers worth knowing, by name. */
  headers?: Readonly<Record<string, string>>;
}

export interface ApiRoute {
  method: HttpMethod;
  /** The full path in OpenAPI form: `/api/sessions/{id}`. */
  path: string;
  tag: ApiTag;
  summary: string;
  /** What the route does beyond its summary; who may call it is added from `access`. */
  description?: string;
  access: RouteAccess;
  /** Path parameters, exactly the `{name}`s of `path`. */
  params?: z.ZodObject;
  /** Query parameters: an object schema (refinements and transforms allowed). */
  query?: z.ZodType;
  /** Request headers the route reads (beyond authentication and CSRF). */
  headers?: z.ZodObject;
  /** The JSON body the handler parses. */
  body?: z.ZodType;
  /** Success answers (and non-JSON refusals such as the sign-in pages), by status. */
  responses: Readonly<Record<number, ApiResponse>>;
  /** Error answers beyond those implied by `access` and the inputs: `true` for the usual text, or what it means here. */
  errors?: Readonly<Partial<Record<ErrorStatus, string | true>>>;
}

/**
 * Schemas answered by several routes: the document names them (`#/components/schemas/<name>`)
 * and the docs page lists them once. Request schemas that differ from their answer form are
 * named `<name>Input`.
 */
export const namedSchemas: Readonly<Record<string, z.ZodType>> = {
  SessionDetail: sessionDetailSchema,
  QueueItem: queueItemSchema,
  QueuePage: queuePageSchema,
  Media: mediaSchema,
  ThresholdSet: thresholdSetSchema,
  ThresholdVersion: thresholdVersionSchema,
  Workflow: workflowSchema,
  WorkflowDetail: workflowDetailSchema,
  PendingPush: pendingPushSchema,
  ApiToken: apiTokenSchema,
};

const json = (schema: z.ZodType, description: string): ApiResponse => ({ schema, description });

// Path and query parameters are the handlers' own schemas (server/contract/), except the
// callback's, which the handler reads by hand (an IdP may send anything there).
const sessionParams = sessionParamsSchema;
const webhookEventParams = webhookEventParamsSchema;
const reviewEventParams = reviewEventParamsSchema;
const tokenParams = tokenParamsSchema;
const tokenListQuery = tokenListQuerySchema;
const loginQuery = loginQuerySchema;
const callbackQuery = z.object({
  state: z.string().describe('The state this console sent with the authorization request (single use, 10 minutes).'),
  code: z.string().optional().describe('The authorization code.'),
  error: z.string().optional().describe("The identity provider's error, when it refused."),
});
const webhookHeaders = z.object({
  'X-Timestamp': z.string().describe('Unix seconds of the delivery; refused more than the tolerance (300 s) from now.'),
  'X-Signature-V2': z.string().optional().describe('HMAC-SHA256 (hex) of the canonical JSON of the body; checked first.'),
  'X-Signature': z.string().optional().describe('HMAC-SHA256 (hex) of the raw body; the fallback.'),
  'X-Signature-Simple': z.string().optional().describe('Never authenticates the decision body on its own.'),
  'X-Didit-Test-Webhook': z.enum(['true', 'false']).optional().describe('Marks a test delivery from Didit’s console.'),
});
const webhookBody = z
  .object({
    webhook_type: z.string().describe('`status.updated` and `data.updated` are applied; other types are stored for the record.'),
    session_id: z.string().optional(),
    status: z.string().optional(),
    timestamp: z.number().describe('Unix seconds; must equal `X-Timestamp`.'),
  })
  .loose()
  .describe("Didit's webhook payload, as in docs/didit-contract.md. Stored as received; the worker applies it.");
const webhookAnswer = z.object({
  status: z
    .enum(['stored', 'duplicate', 'ignored', 'quarantined'])
    .describe(
      '`stored`: a new inbox row; `duplicate`: seen before, nothing written; `ignored`: a type kept for the record; `quarantined`: authentic but not storable as an event (its session is re-read from Didit).',
    ),
});
const healthAnswer = z.object({ status: z.literal('ok') });
const readyAnswer = z.object({ status: z.literal('ready') });
const notReadyAnswer = z.object({
  status: z.literal('not_ready'),
  reason: z.enum(['database_unreachable', 'migrations_pending']),
  pending: z.array(z.string()).optional().describe('The migrations not yet run.'),
});
const sessionAnswer = json(sessionDetailSchema, 'The session as the caller may now see it.');
const versionAnswer = json(thresholdVersionSchema, 'The threshold version after the change.');
const apiRef = 'The OpenAPI 3.1 document describing every route of the console (this reference).';

export const apiRoutes: readonly ApiRoute[] = [
  // Review
  {
    method: 'get',
    path: '/api/queue',
    tag: 'Review',
    summary: 'List sessions (the queue)',
    description:
      'Filters, sort and keyset pagination (`nextCursor`/`prevCursor`). Every parameter has a default, so `GET /api/queue` is the In Review queue, oldest first. `warning` takes a comma-separated list.',
    access: { capability: 'session.read' },
    query: queueQuerySchema,
    responses: { 200: json(queuePageSchema, 'One page of sessions and the total matching the filters.') },
  },
  // Saved queue views (issue 20)
  {
    method: 'get',
    path: '/api/queue/views',
    tag: 'Review',
    summary: 'Saved queue views',
    description: 'The caller’s own views, then those a lead shared with the team, each with what the caller may do with it.',
    access: { capability: 'session.read' },
    responses: { 200: json(savedViewListSchema, 'The views the caller sees.') },
  },
  {
    method: 'post',
    path: '/api/queue/views',
    tag: 'Review',
    summary: 'Save a queue view',
    description:
      'A name (1 to 80 characters, unique per person regardless of case) and the queue’s filters (the `GET /api/queue` parameters without `cursor` and `before`; unknown keys refused). At most 50 views per person. Audited as `queue_view.saved`.',
    access: { capability: 'queue.views.save', peopleOnly: true },
    body: createSavedViewRequestSchema,
    responses: { 201: json(savedViewAnswerSchema, 'The saved view.') },
    errors: {
      409: 'The caller has a view of this name (`view_name_taken`), or as many views as a person may keep (`view_limit_reached`).',
    },
  },
  {
    method: 'patch',
    path: '/api/queue/views/{id}',
    tag: 'Review',
    summary: 'Rename a view or change its filters',
    description: 'By its owner only. Audited as `queue_view.updated` (nothing is written when nothing changes).',
    access: { capability: 'queue.views.save', peopleOnly: true },
    params: savedViewParamsSchema,
    body: updateSavedViewRequestSchema,
    responses: { 200: json(savedViewAnswerSchema, 'The view after the change.') },
    errors: {
      403: 'A shared view that is not the caller’s (`forbidden`).',
      404: 'No such view among the caller’s own and the shared ones.',
      409: 'The caller has another view of this name (`view_name_taken`).',
    },
  },
  {
    method: 'put',
    path: '/api/queue/views/{id}/shared',
    tag: 'Review',
    summary: 'Share a view with the team, or stop sharing it',
    description:
      'Leads share their own views; they may stop sharing any shared view. Audited as `queue_view.shared` / `queue_view.unshared`.',
    access: { capability: 'queue.views.share', peopleOnly: true },
    params: savedViewParamsSchema,
    body: shareSavedViewRequestSchema,
    responses: { 200: json(savedViewAnswerSchema, 'The view after the change.') },
    errors: {
      403: 'Sharing a view that is not the caller’s (`forbidden`).',
      404: 'No such view among the caller’s own and the shared ones.',
    },
  },
  {
    method: 'delete',
    path: '/api/queue/views/{id}',
    tag: 'Review',
    summary: 'Delete a view',
    description: 'By its owner, or by a lead when the view is shared. Audited as `queue_view.deleted`.',
    access: { capability: 'queue.views.save', peopleOnly: true },
    params: savedViewParamsSchema,
    responses: { 200: json(deleteSavedViewAnswerSchema, 'The id of the deleted view.') },
    errors: {
      403: 'Someone else’s shared view, for a caller who is not a lead (`forbidden`).',
      404: 'No such view among the caller’s own and the shared ones.',
    },
  },
  {
    method: 'get',
    path: '/api/review/reasons',
    tag: 'Review',
    summary: 'Decision reasons',
    description: 'The configured reasons an analyst picks from when approving or declining.',
    access: { capability: 'session.read' },
    responses: { 200: json(reasonCatalogSchema, 'Reasons per decision.') },
  },
  {
    method: 'post',
    path: '/api/queue/claim-next',
    tag: 'Review',
    summary: 'Claim the next unclaimed session of a queue view',
    description:
      'Atomic: two analysts claiming together get different sessions. `filters` takes the queue query parameters. Escalated sessions are skipped for callers who are no lead or admin.',
    access: { capability: 'session.claim', peopleOnly: true },
    body: claimNextRequestSchema,
    responses: { 200: json(z.object({ session: sessionDetailSchema }), 'The claimed session.') },
    errors: { 404: 'No unclaimed session matches the view.' },
  },
  {
    method: 'get',
    path: '/api/sessions/{id}',
    tag: 'Review',
    summary: 'Open a session',
    description:
      'The session with its evidence, thresholds, timeline and what the caller may do. Media links near expiry are refreshed first (and flagged `stale` when Didit says wait). Opening keeps the caller’s claim alive. The page shows the faces blurred: opening is not a look at them (revealing is, `POST /api/sessions/{id}/reveal`). Viewers get no media links unless the workflow lets them reveal faces (`reveal.allowed`).',
    access: { capability: 'session.read' },
    params: sessionParams,
    responses: { 200: sessionAnswer },
    errors: { 404: 'No such session.' },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/claim',
    tag: 'Review',
    summary: 'Claim a session',
    description: 'Only In Review sessions; the claim lapses when the analyst stops working on it.',
    access: { capability: 'session.claim', peopleOnly: true },
    params: sessionParams,
    responses: { 200: sessionAnswer },
    errors: {
      403: 'Escalated to the leads, and the caller is no lead or admin (`forbidden`, `details.reason = "escalated"`).',
      404: 'No such session.',
      409: 'Someone else holds it, or it is not In Review.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/release',
    tag: 'Review',
    summary: 'Release a claim',
    description: 'Releasing a claim someone else holds needs `claim.release_others` (lead, admin).',
    access: { capability: 'session.claim', peopleOnly: true },
    params: sessionParams,
    responses: { 200: sessionAnswer },
    errors: { 404: 'No such session.', 409: 'Someone else holds it.' },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/decision',
    tag: 'Review',
    summary: 'Approve or decline a session',
    description:
      'Records the decision and queues its push to Didit in the same transaction; the push is retried until Didit confirms. `expectedVersion` is the version the analyst saw.',
    access: { capability: 'session.decide' },
    params: sessionParams,
    body: decisionRequestSchema,
    responses: { 201: sessionAnswer },
    errors: {
      403: 'Escalated to the leads, and the caller is no lead or admin (`forbidden`, `details.reason = "escalated"`). A lead’s decision ends the escalation.',
      404: 'No such session.',
      409: 'The session changed since it was opened, a decision is already on its way, or the status does not allow it; `details.session` holds the fresh state.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/decision/retry',
    tag: 'Review',
    summary: 'Retry a failed decision push',
    description:
      'Sends the session’s latest decision, whose push failed permanently, to Didit again. For a request to try again (`Resubmitted`), the body may ask Didit to email the user (`sendEmail`, `emailAddress`, `emailLanguage`): the address given with the request lived only in the failed push and is not sent again unless given here. Audited as `session.decision_push_retried` (with `emailSent` for a request to try again).',
    access: { capability: 'session.decide' },
    params: sessionParams,
    body: retryPushRequestSchema,
    responses: { 200: sessionAnswer },
    errors: {
      400: 'An unknown field, an invalid address, or `sendEmail` without `emailAddress`.',
      404: 'No such session.',
      409: 'The decision’s push has not failed (`not_failed`), or an email was asked for a verdict (`not_resubmission`).',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/undo-decision',
    tag: 'Review',
    summary: 'Undo your latest decision',
    description:
      'Takes back the caller’s latest decision on the session while its undo window (`REVIEW_UNDO_SECONDS`, `undoUntil` on the session) is open and its push to Didit has not started: the decision stays in the history with a `decision_undone` event after it, its queued push is removed, and the session is as before (In Review and claimed by the caller again). Only the person who decided; audited as `session.decision_undone`.',
    access: { capability: 'session.decide', peopleOnly: true },
    params: sessionParams,
    body: undoDecisionRequestSchema,
    responses: { 200: sessionAnswer },
    errors: {
      403: 'The decision is someone else’s.',
      404: 'No such session.',
      409: '`details.reason`: `undo_window_closed`, `push_in_flight`, `push_sent`, `not_latest_decision`, `already_undone`, `nothing_to_undo`, `undo_disabled` or `version_mismatch`; `details.session` holds the fresh state.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/decline-and-block',
    tag: 'Review',
    summary: 'Decline a session and put its face on Didit’s blocklist',
    description:
      'Records a Declined decision exactly as `POST /decision` does and blocks the face the session presented; both pushes to Didit (update-status, blocklist add) are queued in the same transaction and retried until Didit confirms. The note is required.',
    access: { capability: 'session.decide' },
    params: sessionParams,
    body: declineAndBlockRequestSchema,
    responses: { 201: sessionAnswer },
    errors: {
      404: 'No such session.',
      409: 'The face is already blocked, the session was erased, changed since it was opened, or cannot be declined; `details.session` holds the fresh state.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/unblock-face',
    tag: 'Review',
    summary: 'Lift the block on a session’s face',
    description:
      'Queues `POST /v3/blocklist/remove/` for the session’s face, retried until Didit confirms. Leads and admins only; the note is required.',
    access: { capability: 'face.unblock' },
    params: sessionParams,
    body: unblockFaceRequestSchema,
    responses: { 200: sessionAnswer },
    errors: {
      404: 'No such session.',
      409: 'The face is not blocked (or not yet confirmed), already unblocked, or the session was erased.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/face-block/retry',
    tag: 'Review',
    summary: 'Retry a face block (or unblock) Didit refused',
    access: { capability: 'session.decide' },
    params: sessionParams,
    responses: { 200: sessionAnswer },
    errors: { 404: 'No such session.', 409: 'The face block’s push has not failed.' },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/notes',
    tag: 'Review',
    summary: 'Add a note to a session',
    access: { capability: 'session.note' },
    params: sessionParams,
    body: noteRequestSchema,
    responses: { 201: sessionAnswer },
    errors: { 404: 'No such session.' },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/escalate',
    tag: 'Review',
    summary: 'Escalate a session to the leads',
    description:
      'Hands an In Review session to the leads with a note (1–2,000 characters), instead of deciding it; the caller’s claim is released. It leaves the analysts’ queue (`escalated=exclude`, the default) for the Escalated view (`escalated=only`); until a lead decides it or returns it, only leads and admins claim and decide it. Recorded as an `escalate` review event and a `session.escalated` audit entry (the note stays in the review event).',
    access: { capability: 'session.escalate', peopleOnly: true },
    params: sessionParams,
    body: escalateRequestSchema,
    responses: { 201: sessionAnswer },
    errors: {
      404: 'No such session.',
      409: 'Already escalated (`already_escalated`), decided (`decided`), not In Review (`not_in_review`), erased (`erased`), held by someone else (`claimed_by_other`), or changed since it was opened (`version_mismatch`); `details.session` holds the fresh state.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/de-escalate',
    tag: 'Review',
    summary: 'Return an escalated session to the analysts’ queue',
    description:
      'Ends the escalation with a note for the analysts (1–2,000 characters) and releases any claim on the session. A lead deciding the session ends it too. Recorded as a `de_escalate` review event and a `session.de_escalated` audit entry.',
    access: { capability: 'escalation.handle' },
    params: sessionParams,
    body: deEscalateRequestSchema,
    responses: { 201: sessionAnswer },
    errors: {
      404: 'No such session.',
      409: 'Not escalated (`not_escalated`), erased (`erased`), or changed since `expectedVersion` (`version_mismatch`); `details.session` holds the fresh state.',
    },
  },
  {
    method: 'get',
    path: '/api/sessions/{id}/evidence-pack.pdf',
    tag: 'Review',
    summary: 'Download the evidence pack of a decided session (PDF)',
    description:
      'For auditors: the decision, scores against the thresholds the session was scored under and those in force now (with versions), warnings, the review timeline and notes, the session’s audit entries and the SHA-256 of the selfie and portrait as Didit serves them now (the images themselves only where the workflow’s policy embeds them). Generated on request, never stored; audited as `session.evidence_pack_generated` (`pages`, `sha256`, `imagesIncluded`).',
    access: { capability: 'session.evidence_pack' },
    params: sessionParams,
    responses: {
      200: {
        description: 'The PDF.',
        contentType: 'application/pdf',
        headers: { 'Content-Disposition': '`attachment; filename="evidence-pack-<session id>-<time>Z.pdf"`.' },
      },
    },
    errors: {
      404: 'No such session.',
      409: 'The session is not decided (`details.reason` `not_decided`) or was erased on request (`erased`).',
      429: 'Too many packs at once.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/reveal',
    tag: 'Review',
    summary: 'Reveal a session’s faces',
    description:
      'The page shows the selfie, portrait and video blurred until the caller reveals them; the reveal is the look the audit trail records (`session.media_viewed` with `purpose`, `purposeNote` and `claimed`; never the person’s `vendor_data`). When the session is not claimed by the caller (`reveal.purposeRequired`) a purpose of access is required; `other` needs `purposeNote`. The same caller, session and purpose within 10 minutes are one entry.',
    access: { capability: 'media.view' },
    params: sessionParams,
    body: revealRequestSchema,
    responses: { 200: json(revealResponseSchema, 'The reveal as recorded.') },
    errors: {
      400: 'No purpose of access for a session the caller has not claimed (`purpose_required`), or an invalid body (`validation_failed`).',
      403: 'The caller may not see faces here: a viewer in a workflow that keeps faces from viewers (`forbidden`).',
      404: 'No such session.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/refresh-media',
    tag: 'Review',
    summary: 'Refresh a session’s media links',
    description:
      'Asks Didit for new links only when the current ones near expiry or `brokenUrl` names one that failed to load. Limited per person and minute. New links are not a look at the evidence (the reveal is).',
    access: { capability: 'media.view' },
    params: sessionParams,
    body: refreshMediaRequestSchema,
    responses: { 200: json(refreshMediaResponseSchema, 'The links, and whether they were refreshed.') },
    errors: {
      403: 'A viewer in a workflow that keeps faces from viewers.',
      404: 'No such session.',
      429: 'Too many refreshes this minute, or Didit is rate-limiting the console.',
      502: true,
      503: true,
    },
  },

  // Thresholds
  {
    method: 'get',
    path: '/api/workflows',
    tag: 'Thresholds',
    summary: 'List workflows',
    access: { capability: 'workflow.read' },
    responses: { 200: json(workflowListSchema, 'Every known workflow with the thresholds in force and any drift.') },
  },
  {
    method: 'post',
    path: '/api/workflows/sync',
    tag: 'Thresholds',
    summary: 'Read workflows from Didit now',
    description: 'Records each published workflow and notes where Didit’s thresholds differ from the applied version (drift).',
    access: { capability: 'threshold.propose' },
    responses: { 200: json(workflowSyncResultSchema, 'How many workflows were read and how many drifted.') },
    errors: { 429: true, 502: true, 503: 'The Didit API is not configured or unavailable.' },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}',
    tag: 'Thresholds',
    summary: 'A workflow and its threshold versions',
    access: { capability: 'workflow.read' },
    params: workflowParamsSchema,
    responses: { 200: json(workflowDetailSchema, 'The workflow with every version, newest first.') },
    errors: { 404: 'No such workflow.' },
  },
  {
    method: 'put',
    path: '/api/workflows/{id}/viewer-reveal',
    tag: 'Thresholds',
    summary: 'Let viewers reveal faces in a workflow, or not',
    description:
      'Default no: viewers see scores and warnings only, and get no media links. Audited as `workflow.viewer_reveal_changed` (`from`, `to`).',
    access: { capability: 'workflow.configure' },
    params: workflowParamsSchema,
    body: viewerRevealRequestSchema,
    responses: { 200: json(viewerRevealResponseSchema, 'The workflow with its new setting.') },
    errors: { 404: 'No such workflow.' },
  },
  {
    method: 'put',
    path: '/api/workflows/{id}/evidence-pack-images',
    tag: 'Thresholds',
    summary: 'Embed images in a workflow’s evidence packs, or not',
    description:
      'Default no: a session’s evidence pack carries the SHA-256 of the selfie and portrait only. Audited as `workflow.evidence_pack_images_changed` (`from`, `to`).',
    access: { capability: 'workflow.configure' },
    params: workflowParamsSchema,
    body: evidencePackImagesRequestSchema,
    responses: { 200: json(evidencePackImagesResponseSchema, 'The workflow with its new setting.') },
    errors: { 404: 'No such workflow.' },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/thresholds',
    tag: 'Thresholds',
    summary: 'A workflow’s threshold versions',
    access: { capability: 'workflow.read' },
    params: workflowParamsSchema,
    responses: { 200: json(thresholdVersionListSchema, 'Every version, with review and decline rates since each was applied.') },
    errors: { 404: 'No such workflow.' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/thresholds',
    tag: 'Thresholds',
    summary: 'Propose new thresholds',
    description: 'A proposal waits for a different lead’s approval (four eyes). One open proposal per workflow.',
    access: { capability: 'threshold.propose', peopleOnly: true },
    params: workflowParamsSchema,
    body: proposeThresholdsSchema,
    responses: { 201: json(thresholdVersionSchema, 'The proposed version.') },
    errors: { 404: 'No such workflow.', 409: 'Another version is still open.' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/thresholds/simulate',
    tag: 'Thresholds',
    summary: 'Simulate thresholds on past sessions',
    description:
      'Replays the window’s sessions (default the last 30 days) under the current and the given thresholds. A few run at once per person and per process; the rest get 429 with `Retry-After`.',
    access: { capability: 'workflow.read' },
    params: workflowParamsSchema,
    body: simulateSchema,
    responses: {
      200: json(simulationSchema, 'Transitions between outcomes, per-day changes and contradicted analyst decisions.'),
    },
    errors: { 404: 'No such workflow.', 429: true, 503: 'The replay ran longer than its time limit.' },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/score-distribution',
    tag: 'Thresholds',
    summary: 'Score distributions by final outcome',
    description: 'Histograms of liveness and face-match scores over the window, per final outcome. Shares the simulation limits.',
    access: { capability: 'workflow.read' },
    params: workflowParamsSchema,
    query: windowSchema,
    responses: { 200: json(histogramSchema, 'Counts per outcome and score bin.') },
    errors: { 404: 'No such workflow.', 429: true, 503: 'The query ran longer than its time limit.' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/thresholds/{version}/approve',
    tag: 'Thresholds',
    summary: 'Approve a proposal',
    description: 'By a lead other than the proposer. The worker then pushes the thresholds to Didit and reads them back.',
    access: { capability: 'threshold.approve', peopleOnly: true },
    params: versionParamsSchema,
    body: decideProposalSchema,
    responses: { 200: versionAnswer },
    errors: { 404: 'No such version.', 409: 'The version is not a proposal.' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/thresholds/{version}/reject',
    tag: 'Thresholds',
    summary: 'Reject a proposal',
    description: 'By a lead other than the proposer (who withdraws instead), with a note saying why.',
    access: { capability: 'threshold.approve', peopleOnly: true },
    params: versionParamsSchema,
    body: rejectProposalSchema,
    responses: { 200: versionAnswer },
    errors: { 404: 'No such version.', 409: 'The version is not a proposal.' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/thresholds/{version}/withdraw',
    tag: 'Thresholds',
    summary: 'Withdraw a proposal',
    description: 'By its proposer (or an admin).',
    access: { capability: 'threshold.propose', peopleOnly: true },
    params: versionParamsSchema,
    body: decideProposalSchema,
    responses: { 200: versionAnswer },
    errors: { 404: 'No such version.', 409: 'The version is not a proposal.' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/thresholds/{version}/retry',
    tag: 'Thresholds',
    summary: 'Retry a failed threshold push',
    access: { capability: 'threshold.approve', peopleOnly: true },
    params: versionParamsSchema,
    responses: { 200: versionAnswer },
    errors: { 404: 'No such version.', 409: 'The version’s push has not failed.' },
  },

  // Sync
  {
    method: 'get',
    path: '/api/sync/status',
    tag: 'Sync',
    summary: 'Sync health',
    description:
      'Inbox backlog and parked rows, quarantined deliveries, reconciliation progress, pending decision pushes, workers, Didit call health and rate limits.',
    access: { capability: 'sync.read' },
    responses: { 200: json(syncStatusSchema, 'The console’s view of how it keeps up with Didit.') },
  },
  {
    method: 'post',
    path: '/api/sync/webhooks/{id}/replay',
    tag: 'Sync',
    summary: 'Replay an inbox row',
    description: 'Puts a parked (or already applied) webhook event back in the inbox for the worker.',
    access: { capability: 'webhook.replay' },
    params: webhookEventParams,
    responses: { 202: json(replayWebhookResponseSchema, 'The row is queued again.') },
    errors: { 404: 'No such webhook event.', 409: 'The webhook type is stored for the record only.' },
  },
  {
    method: 'post',
    path: '/api/sync/pushes/{id}/requeue',
    tag: 'Sync',
    summary: 'Re-queue a stuck decision push',
    description: 'For a decision that has waited long enough for Didit (see `requeueable` in the sync status).',
    access: { capability: 'push.requeue' },
    params: reviewEventParams,
    responses: { 202: json(requeuePushResponseSchema, 'The push job is queued again.') },
    errors: { 404: 'No such decision.', 409: 'Not pending, not waited long enough, or a worker is pushing it now.' },
  },

  // Audit
  {
    method: 'get',
    path: '/api/audit',
    tag: 'Audit',
    summary: 'Search the audit trail',
    description:
      'Newest first, keyset-paginated (`cursor` = the previous page’s `nextCursor`). `format=csv` streams every match as CSV (an audited export; a few at once).',
    access: { capability: 'audit.read' },
    query: auditQuerySchema,
    responses: {
      200: {
        description: 'A page of entries (JSON), or every match as CSV with `format=csv`.',
        schema: auditPageSchema,
        alsoAs: ['text/csv'],
        headers: { 'Content-Disposition': '`attachment; filename="audit-<time>.csv"` for CSV.' },
      },
    },
    errors: { 429: 'Too many exports at once.', 503: 'The query ran longer than its time limit.' },
  },

  // Insights
  {
    method: 'get',
    path: '/api/insights',
    tag: 'Insights',
    summary: 'Queue health and team figures',
    description:
      'Time from entering In Review to the analyst’s decision (p50/p90/p99 per day and workflow, SLA breaches), sessions In Review at each hour, daily inflow and outflow, per-analyst figures, rates per threshold version, and second-review agreement (overall, per first analyst and per warning code, with open reviews and disagreements waiting now), for a range of UTC days (default the last 30, at most 92) and optionally one workflow. `format=csv&section=…` downloads one table as CSV (an audited export).',
    access: { capability: 'insights.read' },
    query: insightsRequestSchema,
    responses: {
      200: {
        description: 'The figures (JSON), or one table as CSV with `format=csv&section=…`.',
        schema: insightsResponseSchema,
        alsoAs: ['text/csv'],
        headers: { 'Content-Disposition': '`attachment; filename="insights-<section>-<from>-<to>.csv"` for CSV.' },
      },
    },
    errors: {
      404: 'No such workflow.',
      429: 'Too many insights requests at once.',
      503: 'The query ran longer than its time limit.',
    },
  },
  {
    method: 'put',
    path: '/api/workflows/{id}/sla',
    tag: 'Insights',
    summary: 'Set a workflow’s review SLA',
    description:
      'How many minutes a session of this workflow may wait In Review (5 to 10,080). Audited as `workflow.sla_changed`.',
    access: { capability: 'workflow.configure' },
    params: workflowSlaParamsSchema,
    body: slaRequestSchema,
    responses: { 200: json(slaResponseSchema, 'The workflow with its new SLA.') },
    errors: { 404: 'No such workflow.' },
  },
  // Assignment and SLAs (ADR 0020)
  {
    method: 'get',
    path: '/api/me/availability',
    tag: 'Review',
    summary: 'Whether I take assigned sessions',
    description: 'The caller’s availability for assignment, their cap and their open assigned sessions.',
    access: { capability: 'session.claim', peopleOnly: true },
    responses: { 200: json(myAvailabilitySchema, 'The caller’s availability.') },
  },
  {
    method: 'put',
    path: '/api/me/availability',
    tag: 'Review',
    summary: 'Mark myself available for assignment, or not',
    description:
      'Available analysts and leads get new In Review sessions of auto-assign workflows (least loaded first, under their cap). Becoming unavailable hands back the assigned sessions the caller holds no claim on (each audited `session.unassigned`). Audited as `analyst.availability_changed` (`from`, `to`, `released`).',
    access: { capability: 'session.claim', peopleOnly: true },
    body: availabilityRequestSchema,
    responses: { 200: json(myAvailabilitySchema, 'The caller’s availability, with how many sessions were handed back.') },
  },
  {
    method: 'get',
    path: '/api/team/availability',
    tag: 'Review',
    summary: 'Who is available for assignment',
    description: 'Analysts, leads and admins: available or not, open assigned sessions, and cap (their own or ASSIGNMENT_CAP).',
    access: { capability: 'claim.release_others' },
    responses: { 200: json(teamAvailabilitySchema, 'The team.') },
  },
  {
    method: 'put',
    path: '/api/team/{userId}/cap',
    tag: 'Review',
    summary: 'Set how many open sessions a person may be assigned',
    description: '`maxAssigned` from 0 to 1,000, or null for ASSIGNMENT_CAP. Audited as `analyst.cap_changed` (`from`, `to`).',
    access: { capability: 'claim.release_others' },
    params: teamCapParamsSchema,
    body: teamCapRequestSchema,
    responses: { 200: json(teamMemberSchema, 'The person with their new cap.') },
    errors: { 404: 'No analyst, lead or admin with this id.' },
  },
  {
    method: 'put',
    path: '/api/workflows/{id}/auto-assign',
    tag: 'Thresholds',
    summary: 'Assign a workflow’s new In Review sessions automatically, or not',
    description:
      'Default no. When on, the worker assigns the workflow’s unassigned In Review sessions, oldest first, to available analysts (audited `session.assigned`, by the console). Audited as `workflow.auto_assign_changed` (`from`, `to`).',
    access: { capability: 'workflow.configure' },
    params: autoAssignParamsSchema,
    body: autoAssignRequestSchema,
    responses: { 200: json(autoAssignResponseSchema, 'The workflow with its new setting.') },
    errors: { 404: 'No such workflow.' },
  },
  {
    method: 'put',
    path: '/api/workflows/{id}/second-review',
    tag: 'Thresholds',
    summary: 'Set a workflow’s second review and four-eyes rules',
    description:
      '`sharePercent` (0–100) of analysts’ decisions go to a blind quality review after they reach Didit; overrides of an automatic Declined always do. Approving a face match below `faceMatchFloor`, a score within `declineMargin` points of its decline line, or (`repeatAttempts`) a user’s third attempt within 24 hours is held from Didit until a second analyst confirms it. Null turns a rule off. Audited as `workflow.second_review_changed` (`from`, `to`).',
    access: { capability: 'workflow.configure' },
    params: secondReviewSettingsParamsSchema,
    body: secondReviewSettingsSchema,
    responses: { 200: json(secondReviewSettingsResponseSchema, 'The workflow with its new rules.') },
    errors: { 404: 'No such workflow.' },
  },
  {
    method: 'get',
    path: '/api/second-reviews',
    tag: 'Review',
    summary: 'Second reviews to give, or disagreements to settle',
    description:
      '`state=open` (default): reviews the caller may give, oldest first: not their own decisions, a quality review once its decision’s undo window has closed, a four-eyes one while its decision is held. Blind: the status before the first decision, no verdict. `state=disagreed` (leads): both verdicts and why the decision was picked. A page of `limit` items (default and most 200), in the order they were asked for; `nextCursor` reads the next page, `total` counts every page.',
    access: { capability: 'session.decide' },
    query: secondReviewListQuerySchema,
    responses: { 200: json(secondReviewListSchema, 'A page of the reviews and how many there are.') },
    errors: {
      400: 'An unknown state, a workflow that is not a Didit id, a cursor not from this API or a page size outside 1–200.',
      403: 'Disagreements need `second_review.resolve` (leads, admins).',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/second-review',
    tag: 'Review',
    summary: 'Give a blind second review',
    description:
      'The second analyst’s verdict (Approved or Declined, a reason that fits it, an optional note), given without seeing the first. The same verdict closes the review and, for four eyes, sends the held decision to Didit; a different one goes to the leads. The answer reveals the first verdict. Recorded as a `second_review` review event and a `session.second_review_answered` audit entry.',
    access: { capability: 'session.decide', peopleOnly: true },
    params: sessionParams,
    body: secondReviewAnswerSchema,
    responses: {
      201: json(
        secondReviewAnswerResponseSchema.extend({ session: sessionDetailSchema }),
        'The outcome, the first verdict, and the session as the caller may now see it.',
      ),
    },
    errors: {
      400: 'A reason that does not fit the verdict.',
      403: 'The caller gave the first verdict, or is an API token.',
      404: 'No such session, or no such review on it.',
      409: 'Already answered (`already_answered`), withdrawn (`withdrawn`), still in its decision’s undo window (`not_ready`), or Didit decided the session meanwhile (`overtaken`); `details.session` holds the fresh state.',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/second-review/resolve',
    tag: 'Review',
    summary: 'Settle a second review’s disagreement',
    description:
      'A lead’s verdict, with a note. The first analyst’s verdict standing: a held decision goes to Didit. The other: the lead’s verdict becomes a decision (`reason` required), replacing a held one or overriding the first at Didit, and is not reviewed again. Recorded as a `second_review_resolved` review event and a `session.second_review_resolved` audit entry.',
    access: { capability: 'second_review.resolve' },
    params: sessionParams,
    body: secondReviewResolveSchema,
    responses: {
      201: json(
        secondReviewResolveResponseSchema.extend({ session: sessionDetailSchema }),
        'Which verdict stands, the new decision if any, and the session.',
      ),
    },
    errors: {
      400: 'No reason for a verdict that replaces the first, or one that does not fit it.',
      404: 'No such session, or no such review on it.',
      409: 'Not a disagreement (`not_disagreed`), changed since it was opened (`version_mismatch`), Didit decided it meanwhile (`overtaken`), or the first decision is not at Didit yet (`first_not_at_didit`); `details.session` holds the fresh state.',
    },
  },

  // Auth
  {
    method: 'get',
    path: '/auth/login',
    tag: 'Auth',
    summary: 'Start signing in',
    description: 'Redirects to the identity provider (authorization code flow with PKCE).',
    access: { open: 'Anyone; rate-limited per client IP.' },
    query: loginQuery,
    responses: { 303: { description: 'To the identity provider.', headers: { Location: 'The authorization URL.' } } },
    errors: { 429: true, 503: 'Sign-in is not configured, or the identity provider cannot be reached.' },
  },
  {
    method: 'get',
    path: '/auth/callback',
    tag: 'Auth',
    summary: 'Finish signing in',
    description:
      'Where the identity provider returns the browser. Maps the roles claim to a console role and starts the session (a new session id).',
    access: {
      open: 'The browser returning from the identity provider, with the state this console issued; rate-limited per client IP.',
    },
    query: callbackQuery,
    responses: {
      303: { description: 'Signed in: to the page sign-in started from.', headers: { Location: 'A console page.' } },
      400: {
        description: 'Sign-in failed (unknown, expired or reused state; refused by the provider). An HTML page.',
        contentType: 'text/html',
      },
      403: { description: 'Signed in at the provider but in no group mapped to a role. An HTML page.', contentType: 'text/html' },
    },
    errors: { 429: true, 503: 'The identity provider cannot be reached.' },
  },
  {
    method: 'post',
    path: '/auth/logout',
    tag: 'Auth',
    summary: 'Sign out',
    description: 'Ends the session and answers where the browser goes next (the provider’s end-session page when it has one).',
    access: { open: 'Anyone; ends the session cookie’s session if there is one. Rate-limited per client IP.' },
    responses: { 200: json(logoutResponseSchema, 'Where to send the browser.') },
    errors: { 403: 'A cookie request without the CSRF header or from another origin (`csrf_rejected`).', 429: true },
  },
  {
    method: 'get',
    path: '/api/me',
    tag: 'Auth',
    summary: 'Who is signed in',
    description: 'The person or token, its role and capabilities (the web app hides what the caller cannot do).',
    access: { capability: 'session.read' },
    responses: { 200: json(meResponseSchema, 'The caller.') },
  },

  // Admin
  {
    method: 'post',
    path: '/api/sessions/{id}/erasure',
    tag: 'Admin',
    summary: 'Erase a person (or one session) on request',
    description:
      'Irreversible. Removes the personal data of the session (`scope: session`) or of every session of its person (`scope: person`) here at once, as retention does, and queues their deletion at Didit (`DELETE /v3/session/{id}/delete/`), retried until Didit confirms; for a person, Didit’s list is searched for sessions the console never stored. Asking again with the same reference while the request is open resumes it. Audited with the request id and reference, never the person.',
    access: { capability: 'privacy.erase' },
    params: sessionParams,
    body: erasureRequestSchema,
    responses: { 202: json(erasureResponseSchema, 'The request as it stands: local data removed, Didit’s side under way.') },
    errors: {
      404: 'No such session.',
      409: 'An erasure of this person (or session) is already open under another reference; `details` names it.',
    },
  },
  {
    method: 'get',
    path: '/api/erasures/{id}',
    tag: 'Admin',
    summary: 'An erasure request’s progress',
    description: 'Where each session’s deletion at Didit stands, and whether Didit’s list has been searched.',
    access: { capability: 'privacy.erase' },
    params: erasureParamsSchema,
    responses: { 200: json(erasureStatusSchema, 'The request.') },
    errors: { 404: 'No such erasure request.' },
  },
  {
    method: 'get',
    path: '/api/admin/tokens',
    tag: 'Admin',
    summary: 'List API tokens',
    access: { capability: 'token.manage' },
    query: tokenListQuery,
    responses: { 200: json(tokenListResponseSchema, 'The tokens (never the secrets).') },
  },
  {
    method: 'post',
    path: '/api/admin/tokens',
    tag: 'Admin',
    summary: 'Create an API token',
    description: 'The token itself is in this answer only; it is stored hashed. An admin can create tokens up to their own role.',
    access: { capability: 'token.manage' },
    body: createTokenRequestSchema,
    responses: { 201: json(createTokenResponseSchema, 'The new token and its record.') },
    errors: { 409: 'A live token has this name.' },
  },
  {
    method: 'post',
    path: '/api/admin/tokens/{id}/revoke',
    tag: 'Admin',
    summary: 'Revoke an API token',
    access: { capability: 'token.manage' },
    params: tokenParams,
    responses: { 200: json(revokeTokenResponseSchema, 'The revoked token’s record.') },
    errors: { 404: 'No live token with this id.' },
  },

  // Operations
  {
    method: 'get',
    path: '/healthz',
    tag: 'Operations',
    summary: 'Liveness probe',
    description: 'The process is up. Never touches the database, so a database outage does not restart every replica.',
    access: { open: 'Anyone (load balancers and orchestrators).' },
    responses: { 200: json(healthAnswer, 'Up.') },
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Operations',
    summary: 'Readiness probe',
    description: 'This replica can serve: the database answers within 2 s and every migration has run.',
    access: { open: 'Anyone (load balancers and orchestrators).' },
    responses: {
      200: json(readyAnswer, 'Ready.'),
      503: json(notReadyAnswer, 'Not ready, and why.'),
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics',
    description:
      'Prometheus text format. With `METRICS_TOKEN` set it needs that token as a bearer token; with `METRICS_PORT` set it is served on that internal port instead and this one answers 404; with neither it is open outside production and answers 404 in production.',
    access: { metricsToken: 'The metrics bearer token (`METRICS_TOKEN`), not an API token.' },
    responses: { 200: { description: 'The metrics.', contentType: 'text/plain' } },
    errors: { 401: 'Missing or wrong metrics token.', 404: 'Metrics are not served on this port.' },
  },
  {
    method: 'post',
    path: '/webhooks/didit',
    tag: 'Operations',
    summary: 'Didit webhook receiver',
    description:
      'Authenticates the delivery, stores it in the inbox (one row per delivery, deduplicated) and acknowledges; the worker applies it. Answered ahead of the rest of the app: no session, CSRF or JSON parser. At most 1 MB.',
    access: { open: 'Didit: the webhook signature (`DIDIT_WEBHOOK_SECRET`) is the authentication.' },
    headers: webhookHeaders,
    body: webhookBody,
    responses: { 200: json(webhookAnswer, 'Acknowledged: Didit will not retry.') },
    errors: {
      400: 'Not JSON, or not Didit’s envelope (authentic bodies are quarantined and their session re-read).',
      401: 'Signature does not verify, or `X-Timestamp` is missing, stale or differs from the body (`invalid_signature`, `stale_timestamp`).',
      413: 'The body is larger than 1 MB.',
      503: 'The inbox is unavailable; Didit retries.',
    },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'Operations',
    summary: 'This reference as OpenAPI 3.1',
    description: apiRef,
    access: { capability: 'session.read' },
    responses: { 200: { description: 'The OpenAPI document.', contentType: 'application/json' } },
  },
  {
    method: 'get',
    path: '/api/docs',
    tag: 'Operations',
    summary: 'This reference as a page',
    description: 'The same document, readable in a browser.',
    access: { capability: 'session.read' },
    responses: { 200: { description: 'An HTML page.', contentType: 'text/html' } },
  },
];
