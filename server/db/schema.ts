import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { QuarantineReason, QuarantineRepairState } from '../contract/sync.ts';
import type { ThresholdSet } from '../contract/thresholds.ts';
import type { CursorState } from '../sync/reconcile.ts';
import type { WorkflowThresholds } from '../vendors/didit/workflows.ts';

/**
 * The database as Kysely sees it. Column types match what `pg` returns with the parsers
 * set in `database.ts` (int8 → number, timestamptz → Date, numeric → number).
 * The migrations are the truth; this interface follows them.
 */
export interface DB {
  webhook_event: WebhookEventTable;
  verification_session: VerificationSessionTable;
  review_event: ReviewEventTable;
  session_attempt: SessionAttemptTable;
  review_interval: ReviewIntervalTable;
  workflow: WorkflowTable;
  threshold_version: ThresholdVersionTable;
  app_user: AppUserTable;
  audit_log: AuditLogTable;
  worker_heartbeat: WorkerHeartbeatTable;
  api_token: ApiTokenTable;
  http_session: HttpSessionTable;
  sync_cursor: SyncCursorTable;
  didit_rate_scope: DiditRateScopeTable;
  didit_rate_grant: DiditRateGrantTable;
  didit_call_stat: DiditCallStatTable;
  media_refresh_request: MediaRefreshRequestTable;
  media_forced_refresh: MediaForcedRefreshTable;
  media_refresh_lease: MediaRefreshLeaseTable;
  webhook_quarantine: WebhookQuarantineTable;
  erasure_request: ErasureRequestTable;
  erasure_session: ErasureSessionTable;
  saved_queue_view: SavedQueueViewTable;
  face_block: FaceBlockTable;
  analyst_availability: AnalystAvailabilityTable;
  second_review: SecondReviewTable;
}

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export type SignatureVariant = 'v2' | 'v1';

export interface WebhookEventTable {
  id: Generated<number>;
  dedupe_key: string;
  webhook_type: string;
  session_id: string | null;
  status: string | null;
  event_timestamp: Timestamp;
  event_id: string | null;
  signature_variant: SignatureVariant;
  is_test: Generated<boolean>;
  /** The body as Didit sent it (any JSON object): the inbox parses it with zod when it applies the event. */
  payload: Json<Record<string, unknown>>;
  /** The signed bytes, kept only when `payload` differs from them (characters jsonb refuses replaced). */
  raw_body: Buffer | null;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  parked_at: Timestamp | null;
  /** A failed row is not retried before this time. */
  next_attempt_at: Timestamp | null;
  /** When the body was removed with its session's personal data (retention, erasure). */
  payload_removed_at: Timestamp | null;
}

/**
 * A warning on a session as `verification_session.warnings` holds it: one of Didit's, adapted
 * at the vendor edge (`adaptDiditDecision`), or one the console raises (a data problem).
 */
export interface SessionWarning {
  feature: string | null;
  risk: string;
  logType: string | null;
  shortDescription: string | null;
  longDescription: string | null;
  nodeId: string | null;
  /** Didit's `additional_data` as sent (a threshold warning's score and thresholds); null when none. */
  additionalData: unknown;
}

export type DecisionSource = 'didit' | 'console' | 'outside';
/** `held`: waiting for a second analyst's confirmation (four eyes), no push job yet. */
export type ReviewPushState = 'pending' | 'confirmed' | 'failed' | 'held';

export interface VerificationSessionTable {
  id: string;
  session_number: number | null;
  workflow_id: string | null;
  vendor_data: string | null;
  /** Keyed hash of `vendor_data` (server/privacy/pseudonym.ts): links a person's sessions after `vendor_data` is gone. */
  vendor_data_hash: string | null;
  status: string;
  liveness_status: string | null;
  face_match_status: string | null;
  /** 0–100 (a check constraint); null when Didit sent none or one out of range (see `data_problems`). */
  liveness_score: number | null;
  face_match_score: number | null;
  liveness_method: string | null;
  // Both default in the database, so inserts may omit them.
  warnings: ColumnType<SessionWarning[], string | undefined, string>;
  warning_codes: ColumnType<string[], string[] | undefined, string[]>;
  /** What the console could not take from Didit's decision as sent (`DataProblemCode`s). */
  data_problems: ColumnType<string[], string[] | undefined, string[]>;
  /** Didit's decision JSON as sent, kept whole for the evidence view (the queue's fields are lifted out). */
  decision: Json<Record<string, unknown>> | null;
  media: ColumnType<Record<string, string>, string | undefined, string>;
  media_expires_at: Timestamp | null;
  event_at: Timestamp | null;
  didit_created_at: Timestamp | null;
  in_review_since: Timestamp | null;
  decided_at: Timestamp | null;
  decision_source: DecisionSource | null;
  threshold_version_id: number | null;
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  claim_touched_at: Timestamp | null;
  review_push_state: ReviewPushState | null;
  review_push_error: string | null;
  version: Generated<number>;
  first_seen_at: CreatedAt;
  updated_at: UpdatedAt;
  /** When retention or an erasure removed the decision JSON, media links and `vendor_data`. */
  personal_data_removed_at: Timestamp | null;
  personal_data_removal: PersonalDataRemoval | null;
  /** Escalated to the leads (issue 20): when, by whom, and the `escalate` review event holding the note; null when not. */
  escalated_at: Generated<Date | null>;
  escalated_by: Generated<string | null>;
  escalation_event_id: Generated<number | null>;
  /** Assigned to take first (issue 20, ADR 0020; not a claim), since when, and the SLA due time then. */
  assigned_to: Generated<string | null>;
  assigned_at: Generated<Date | null>;
  assignment_due_at: Generated<Date | null>;
}

export type SecondReviewPurpose = 'four_eyes' | 'quality';
export type SecondReviewState = 'open' | 'agreed' | 'disagreed' | 'resolved' | 'withdrawn' | 'overtaken';
export type Verdict = 'Approved' | 'Declined';
/** Why a decision went to second review: a four-eyes rule it met, or the quality sample. */
export interface SecondReviewTrigger {
  rule: 'face_match_floor' | 'near_decline_line' | 'repeat_attempt' | 'sample' | 'override_declined';
  detail: string;
}

/** A decision another analyst decides again, blind to it (ADR 0021). */
export interface SecondReviewTable {
  id: Generated<number>;
  session_id: string;
  workflow_id: string | null;
  purpose: SecondReviewPurpose;
  triggers: ColumnType<SecondReviewTrigger[], string, string>;
  decision_event_id: number;
  first_actor_id: string;
  first_verdict: Verdict;
  warning_codes: ColumnType<string[], string[] | undefined, string[]>;
  state: Generated<SecondReviewState>;
  second_event_id: number | null;
  second_actor_id: string | null;
  second_verdict: Verdict | null;
  answered_at: Timestamp | null;
  resolve_event_id: number | null;
  resolved_by: string | null;
  resolution: Verdict | null;
  resolved_at: Timestamp | null;
  created_at: CreatedAt;
}

/** Whether a person takes assigned work, and their cap of open assigned sessions (null: ASSIGNMENT_CAP). */
export interface AnalystAvailabilityTable {
  user_id: string;
  available: Generated<boolean>;
  max_assigned: number | null;
  changed_at: Generated<Date>;
}

export type PersonalDataRemoval = 'retention' | 'erasure';

export type ReviewEventKind =
  | 'claim'
  | 'release'
  | 'approve'
  | 'decline'
  | 'note'
  | 'escalate'
  | 'de_escalate'
  | 'decision_undone'
  | 'resubmit'
  | 'second_review'
  | 'second_review_resolved';

export interface ReviewEventTable {
  id: Generated<number>;
  session_id: string;
  kind: ReviewEventKind;
  actor_id: string | null;
  actor_label: string;
  reason_code: string | null;
  note: string | null;
  threshold_version_id: number | null;
  session_version: number | null;
  push_state: ReviewPushState | null;
  push_error: string | null;
  push_attempts: Generated<number>;
  pushed_at: Timestamp | null;
  created_at: CreatedAt;
  /** On a decision: when the session had entered the stay In Review it was decided in (null for an override). */
  in_review_since: Generated<Date | null>;
  /** On a decision: the session's status when the analyst decided (Approved/Declined: an override). */
  from_status: Generated<string | null>;
  /** When retention removed the note's text (RETENTION_NOTES=remove). */
  note_removed_at: Timestamp | null;
  /** On a decision: until when its decider may undo it (and when its push runs); null when it cannot be undone. */
  undo_until: Generated<Date | null>;
  /** On a decision: when it was undone (a `decision_undone` event records who). */
  undone_at: Generated<Date | null>;
}

/** The attempt an analyst asked the user to redo (a `resubmit` event), as it stood then. */
export interface SessionAttemptTable {
  id: Generated<number>;
  session_id: string;
  review_event_id: number;
  liveness_status: string | null;
  face_match_status: string | null;
  liveness_score: number | null;
  face_match_score: number | null;
  liveness_method: string | null;
  /** The warnings' feature and risk only. */
  warnings: ColumnType<{ feature: string | null; risk: string }[], string | undefined, string>;
  created_at: CreatedAt;
}

/** One stay In Review: entered, left, and what for (written by `applySessionState`). */
export interface ReviewIntervalTable {
  id: Generated<number>;
  session_id: string;
  workflow_id: string | null;
  entered_at: Timestamp;
  left_at: Generated<Date | null>;
  left_status: Generated<string | null>;
}

export interface WorkflowTable {
  id: string;
  label: string | null;
  workflow_type: string | null;
  has_face_match: Generated<boolean>;
  liveness_method: string | null;
  /** The settings as Didit answered them, kept whole: read back through the Didit adapter (`thresholdsInStoredSettings`). */
  didit_settings: Json<Record<string, unknown>> | null;
  sla_minutes: Generated<number>;
  synced_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Didit's settings uuid (per workflow version at Didit); PATCH goes there. */
  didit_settings_id: string | null;
  /** Which threshold form the workflow uses at Didit. */
  settings_form: 'features' | 'legacy' | null;
  /** Thresholds Didit reports that differ from our applied version; null when they match. */
  drift: Json<WorkflowDrift> | null;
  drift_detected_at: Timestamp | null;
  /** The latest published version at Didit (new sessions use it; pushes update it). */
  didit_version: number | null;
  /** A newer unpublished draft at Didit, if any. */
  didit_draft_version: number | null;
  /** Whether viewers may reveal faces in this workflow's sessions (default no: scores and warnings only). */
  viewers_may_reveal: Generated<boolean>;
  /** Whether a session's evidence pack (PDF) embeds the selfie and portrait (default no: their SHA-256 hashes only). */
  evidence_pack_images: Generated<boolean>;
  /** Whether the worker assigns this workflow's new In Review sessions to available analysts (ADR 0020). */
  auto_assign: Generated<boolean>;
  /** Share (0–100 %) of analysts' decisions sent to a blind quality review (ADR 0021). */
  second_review_percent: Generated<number>;
  /** Four eyes: approving a face match below this needs a second analyst (null: rule off). */
  four_eyes_face_match_floor: Generated<number | null>;
  /** Four eyes: approving a score this close to its decline line needs a second analyst (null: rule off). */
  four_eyes_decline_margin: Generated<number | null>;
  /** Four eyes: approving a user's third attempt within a day needs a second analyst. */
  four_eyes_repeat_attempts: Generated<boolean>;
}

/** What `workflow.drift` records: Didit's thresholds, ours, and the number of our applied version. */
export interface WorkflowDrift {
  didit: ThresholdSet;
  ours: ThresholdSet;
  version: number;
}

export type ThresholdState = 'proposed' | 'approved' | 'rejected' | 'withdrawn' | 'applied' | 'failed';

export interface ThresholdVersionTable {
  id: Generated<number>;
  workflow_id: string;
  version: number;
  liveness_review: number;
  liveness_decline: number;
  face_match_review: number | null;
  face_match_decline: number | null;
  reason: string;
  state: ThresholdState;
  proposed_by: string | null;
  proposed_at: CreatedAt;
  decided_by: string | null;
  decided_at: Timestamp | null;
  push_error: string | null;
  applied_at: Timestamp | null;
  proposed_by_label: string | null;
  /** The approver, or whoever rejected or withdrew the proposal. */
  decided_by_label: string | null;
  decision_note: string | null;
  push_attempts: Generated<number>;
  pushed_at: Timestamp | null;
  /** What Didit answered to the last push (read-back or error body). */
  didit_response: Json<Record<string, unknown>> | null;
  /** The Didit settings version the push updated and read back. */
  didit_settings_id: string | null;
  didit_version: number | null;
  /** Didit's thresholds on that version just before the push changed them. */
  replaced_thresholds: Json<WorkflowThresholds> | null;
}

export type Role = 'viewer' | 'analyst' | 'lead' | 'admin';

export interface AppUserTable {
  id: Generated<string>;
  subject: string;
  issuer: string;
  email: string | null;
  display_name: string | null;
  roles: ColumnType<Role[], Role[] | undefined, Role[]>;
  last_login_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AuditLogTable {
  id: Generated<number>;
  occurred_at: CreatedAt;
  actor_type: 'user' | 'token' | 'system';
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Json<Record<string, unknown>>;
  prev_hash: string | null;
  hash: string;
  /** Id of the AUDIT_KEY that keyed `hash`; null for rows from before the chain was keyed. */
  key_id: string | null;
}

export interface WorkerHeartbeatTable {
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: Timestamp;
  last_seen_at: Timestamp;
  /** The ids this process's graphile-worker locks jobs with (its pool's); a lock held by one of a stale row is a dead worker's. */
  graphile_worker_ids: Generated<string[]>;
}

export interface ApiTokenTable {
  id: Generated<string>;
  name: string;
  role: Role;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** The first characters of the token, to recognise it in lists. */
  token_prefix: string;
  created_by_id: string | null;
  created_by_label: string;
  created_at: CreatedAt;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by_label: string | null;
  last_used_at: Timestamp | null;
}

/** connect-pg-simple's table; only the session store writes it. */
export interface HttpSessionTable {
  sid: string;
  sess: ColumnType<Record<string, unknown>, string, string>;
  expire: Timestamp;
}

/** Progress of a walk over Didit's session list (reconciliation, backfills); `state` is owned by server/sync. */
export interface SyncCursorTable {
  name: string;
  state: Json<CursorState>;
  updated_at: UpdatedAt;
  /** Who holds the walk (one page step at a time) and until when; null when nobody does. */
  lease_owner: string | null;
  leased_until: Timestamp | null;
}

/** What Didit last said about one rate-limit scope (headers of the latest answer). */
export interface DiditRateScopeTable {
  scope: string;
  blocked_until: Timestamp | null;
  reported_limit: number | null;
  reported_remaining: number | null;
  reported_reset_at: Timestamp | null;
  last_throttled_at: Timestamp | null;
  updated_at: UpdatedAt;
}

/** One call we allowed ourselves in a scope (a sliding log, pruned past the window). */
export interface DiditRateGrantTable {
  id: Generated<number>;
  scope: string;
  granted_at: CreatedAt;
}

/** One request for new media links by one actor (a sliding log per actor, pruned past the window). */
export interface MediaRefreshRequestTable {
  id: Generated<number>;
  /** `user:<id>` or `token:<id>`. */
  actor_key: string;
  requested_at: Timestamp;
}

/** When a reported broken image last forced new links of a session. */
export interface MediaForcedRefreshTable {
  session_id: string;
  forced_at: Timestamp;
}

/** One refresh of a session's media links in flight across replicas; a crashed holder's lease expires. */
export interface MediaRefreshLeaseTable {
  session_id: string;
  lease_owner: string;
  leased_until: Timestamp;
}

export interface DiditCallStatTable {
  minute: Timestamp;
  operation: string;
  outcome: string;
  count: number;
}

// The contract's lists (`GET /api/sync/status` reports both), re-exported for the webhook inbox.
export type { QuarantineReason, QuarantineRepairState };

/** Authentic webhook deliveries that could not be stored as inbox events (see server/webhooks/quarantine.ts). */
export interface WebhookQuarantineTable {
  id: Generated<number>;
  body_sha256: string;
  body: Buffer;
  reason: QuarantineReason;
  detail: string | null;
  signature_variant: SignatureVariant;
  header_timestamp: string | null;
  webhook_type: string | null;
  session_id: string | null;
  event_timestamp: Timestamp | null;
  received_at: CreatedAt;
  last_received_at: UpdatedAt;
  deliveries: Generated<number>;
  repair_state: QuarantineRepairState;
  repaired_at: Timestamp | null;
  repair_error: string | null;
}

/** A person's erasure, here and at Didit (server/privacy/erasure.ts). Names the request, never the person. */
export interface ErasureRequestTable {
  id: Generated<number>;
  /** What the request is known by (a ticket or DSAR number). */
  reference: string;
  /** Keyed hash of the person's `vendor_data`; null when one session without it is erased. */
  subject_hash: string | null;
  /** The plaintext `vendor_data`, held only until Didit's session list has been searched for it. */
  vendor_data: string | null;
  requested_by_id: string | null;
  requested_by_label: string;
  requested_at: CreatedAt;
  didit_searched_at: Timestamp | null;
  completed_at: Timestamp | null;
  last_error: string | null;
}

export type ErasureDiditState = 'pending' | 'deleted' | 'gone' | 'failed';

/** One session of an erasure request and where its deletion at Didit stands; also a tombstone. */
export interface ErasureSessionTable {
  request_id: number;
  session_id: string;
  didit_state: ColumnType<ErasureDiditState, ErasureDiditState | undefined, ErasureDiditState>;
  attempts: Generated<number>;
  last_error: string | null;
  confirmed_at: Timestamp | null;
}

/** A person's named queue filter set (issue 20); a lead may share it with the team. */
export interface SavedQueueViewTable {
  id: Generated<number>;
  /** `app_user.id` of the person who saved it. */
  owner_id: string;
  name: string;
  /** The queue's query without a page position, defaults left out (contract `savedViewFiltersSchema`). */
  filters: Json<Record<string, unknown>>;
  shared: Generated<boolean>;
  shared_by_id: string | null;
  shared_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type FaceBlockState = 'blocking' | 'blocked' | 'unblocking' | 'unblocked' | 'failed' | 'withdrawn';

/** A face put on Didit's blocklist from a session, and lifted again (migration 20261203T000400). */
export interface FaceBlockTable {
  id: Generated<number>;
  session_id: string;
  review_event_id: number | null;
  state: FaceBlockState;
  /** Which call Didit refused for good while `failed`. */
  failed_action: 'block' | 'unblock' | null;
  reason_code: string;
  /** Null once retention or an erasure removed it. */
  note: string | null;
  note_removed_at: Date | null;
  blocked_by_id: string | null;
  blocked_by_label: string;
  blocked_at: CreatedAt;
  confirmed_at: Timestamp | null;
  unblocked_by_id: string | null;
  unblocked_by_label: string | null;
  unblocked_at: Timestamp | null;
  unblock_note: string | null;
  unblock_confirmed_at: Timestamp | null;
  push_attempts: Generated<number>;
  push_error: string | null;
}
