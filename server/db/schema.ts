import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * The database as Kysely sees it. Column types match what `pg` returns with the parsers
 * set in `database.ts` (int8 → number, timestamptz → Date, numeric → number).
 * The migrations are the truth; this interface follows them.
 */
export interface DB {
  webhook_event: WebhookEventTable;
  verification_session: VerificationSessionTable;
  review_event: ReviewEventTable;
  workflow: WorkflowTable;
  threshold_version: ThresholdVersionTable;
  app_user: AppUserTable;
  audit_log: AuditLogTable;
  worker_heartbeat: WorkerHeartbeatTable;
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
  payload: Json<Record<string, unknown>>;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  parked_at: Timestamp | null;
}

export type DecisionSource = 'didit' | 'console' | 'outside';
export type ReviewPushState = 'pending' | 'confirmed' | 'failed';

export interface VerificationSessionTable {
  id: string;
  session_number: number | null;
  workflow_id: string | null;
  vendor_data: string | null;
  status: string;
  liveness_status: string | null;
  face_match_status: string | null;
  liveness_score: number | null;
  face_match_score: number | null;
  liveness_method: string | null;
  warnings: Json<unknown[]>;
  warning_codes: ColumnType<string[], string[] | undefined, string[]>;
  decision: Json<Record<string, unknown>> | null;
  media: Json<Record<string, string>>;
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
}

export type ReviewEventKind = 'claim' | 'release' | 'approve' | 'decline' | 'note';

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
}

export interface WorkflowTable {
  id: string;
  label: string | null;
  workflow_type: string | null;
  has_face_match: Generated<boolean>;
  liveness_method: string | null;
  didit_settings: Json<Record<string, unknown>> | null;
  sla_minutes: Generated<number>;
  synced_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
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
}

export interface WorkerHeartbeatTable {
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: Timestamp;
  last_seen_at: Timestamp;
}
