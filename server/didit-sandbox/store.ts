/**
 * The sandbox's in-memory state and its record types. Everything lives in Maps: the sandbox is
 * an emulator, and a restart is a clean account (demo workflows are re-created on start).
 */
import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { formatUuid, randomBytes, stream, type Random } from './prng.ts';

export const SESSION_STATUSES = [
  'Not Started',
  'In Progress',
  'In Review',
  'Approved',
  'Declined',
  'Resubmitted',
  'Abandoned',
  'Expired',
  'Kyc Expired',
  'Awaiting User',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export type FeatureStatus = 'Not Finished' | 'Approved' | 'Declined' | 'In Review';
export type LivenessMethod = 'PASSIVE' | 'FLASHING' | 'ACTIVE_3D';
export type FeatureName = 'LIVENESS' | 'FACE_MATCH';

export const WORKFLOW_TYPES = [
  'kyc',
  'adaptive_age_verification',
  'biometric_authentication',
  'address_verification',
  'questionnaire_verification',
  'email_verification',
  'phone_verification',
] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export interface FeatureEntry {
  feature: FeatureName;
  /** The complete config: every key the feature-config schema knows, defaults filled in. */
  config: Record<string, JsonValue>;
  /** Optional node label, echoed back. */
  label?: string;
}

export type WorkflowVersionStatus = 'draft' | 'published';

/** Who made a version: a client through the API, or someone in Didit's own console. */
export interface WorkflowAuthor {
  name: string;
  email: string | null;
  type: 'api_key' | 'user';
}

/**
 * One version of a workflow. A workflow group (`workflowId`, stable) has one record per
 * version, each with its own settings `uuid`; new sessions use the group's latest published
 * version (https://docs.didit.me/management-api/workflows/list).
 */
export interface WorkflowRecord {
  /** settings_uuid: the only id /v3/workflows/{id}/ accepts. */
  uuid: string;
  /** The stable group id sessions are created with. */
  workflowId: string;
  version: number;
  status: WorkflowVersionStatus;
  label: string;
  /** null for workflows made through the API (the create example in Didit's docs). */
  type: WorkflowType | null;
  isDefault: boolean;
  isArchived: boolean;
  isWhiteLabelEnabled: boolean;
  isDesktopAllowed: boolean;
  maxRetryAttempts: number;
  retryWindowDays: number | null;
  sessionExpirationTime: number;
  features: FeatureEntry[];
  createdBy: WorkflowAuthor;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
}

export interface DecisionWarning {
  feature: 'LIVENESS' | 'FACEMATCH';
  risk: string;
  additional_data: JsonValue;
  log_type: 'information' | 'warning' | 'error';
  short_description: string;
  long_description: string;
  node_id: string;
}

export interface LivenessResult {
  node_id: string;
  status: FeatureStatus;
  method: LivenessMethod;
  score: number | null;
  age_estimation: number | null;
  face_quality: number | null;
  face_luminance: number | null;
  warnings: DecisionWarning[];
  /**
   * Cross-session face matches (the liveness report's `matches[]`): here only the blocklisted
   * session a `FACE_IN_BLOCKLIST` decline matched. Absent in states saved before it existed.
   */
  matches?: JsonObject[];
}

export interface FaceMatchResult {
  node_id: string;
  status: FeatureStatus;
  score: number | null;
  warnings: DecisionWarning[];
}

export const CAPTURE_KINDS = ['match', 'mismatch', 'spoof', 'no_face', 'low_quality'] as const;
export type CaptureKind = (typeof CAPTURE_KINDS)[number];

/** What the simulated end user captured, and what Didit concluded from it. */
export interface CaptureRecord {
  capture: CaptureKind;
  seed: number;
  /** Whose face is in the selfie (the blocklist matches on this). */
  selfiePerson: string | null;
  liveness: LivenessResult | null;
  faceMatch: FaceMatchResult | null;
  completedAt: number;
}

export type ActorType = 'API_KEY' | 'CONSOLE_USER';

/** One row of the reviews/activity feed (docs/didit-contract.md (reviews)). */
export interface ActivityEntry {
  uuid: string;
  activityType: 'STATUS_UPDATED' | 'COMMENT';
  actorType: ActorType;
  actorDisplay: string;
  actorEmail: string | null;
  previousStatus: SessionStatus | null;
  newStatus: SessionStatus | null;
  comment: string | null;
  createdAt: number;
}

export interface SessionRecord {
  sessionId: string;
  sessionNumber: number;
  sessionToken: string;
  /** The group id the session was created with. */
  workflowId: string;
  /** The settings uuid of the version bound at creation (the group's latest published one). */
  workflowUuid: string;
  workflowVersion: number;
  features: FeatureName[];
  vendorData: string | null;
  metadata: JsonObject | null;
  callback: string | null;
  callbackMethod: string;
  language: string | null;
  contactDetails: JsonObject | null;
  expectedDetails: JsonObject | null;
  status: SessionStatus;
  /** Reference portrait bytes sent at creation (face-match workflows). */
  portrait: Buffer | null;
  /** Whose face the portrait shows: a sandbox-made portrait's person, else a hash of the bytes. */
  portraitPerson: string | null;
  capture: CaptureRecord | null;
  activity: ActivityEntry[];
  /** Sent with a Resubmitted status.updated instead of the decision (docs/didit-contract.md (webhooks)). */
  resubmitInfo: JsonObject | null;
  createdAt: number;
  expiresAt: number;
  updatedAt: number;
  deleted: boolean;
  /** Its face was put on the blocklist through `POST /v3/blocklist/add/` (and not removed since). */
  faceBlocklisted?: boolean;
}

export const WEBHOOK_EVENT_TYPES = [
  'status.updated',
  'data.updated',
  'user.status.updated',
  'user.data.updated',
  'business.status.updated',
  'business.data.updated',
  'activity.created',
  'transaction.created',
  'transaction.status.updated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface DestinationRecord {
  uuid: string;
  label: string;
  url: string;
  enabled: boolean;
  webhookVersion: 'v1' | 'v2' | 'v3';
  secret: string;
  subscribedEvents: WebhookEventType[];
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
  stats: { total: number; failed: number; responseTimesMs: number[]; lastDeliveryAt: number | null };
}

/** Everything the store holds, as JSON: what `stateFile` persists across restarts. */
export interface StoreSnapshot {
  /** 2 since workflows are versioned; state-migration.ts upgrades format 1. */
  version: 2;
  applicationId: string;
  nextSessionNumber: number;
  workflows: WorkflowRecord[];
  /** Sessions with `portrait` replaced by a key into `portraits` (base64; returning users share one). */
  sessions: Array<Omit<SessionRecord, 'portrait'> & { portraitRef: string | null }>;
  portraits: Record<string, string>;
  destinations: DestinationRecord[];
  faceBlocklist: string[];
  knownPortraits: Array<[string, string]>;
}

export class SandboxStore {
  readonly workflows = new Map<string, WorkflowRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly destinations = new Map<string, DestinationRecord>();
  /** Face blocklist entries added by value (the demo traffic's): person identities whose selfies auto-decline. */
  readonly faceBlocklist = new Set<string>();
  /** Portraits the sandbox drew itself (sha256 hex → person), so selfies can resemble them. */
  readonly knownPortraits = new Map<string, string>();
  private nextSessionNumber = 1000;
  private idCount = 0;
  private readonly ids: Random | null;
  applicationId: string;

  constructor(seed: number | undefined) {
    this.ids = seed === undefined ? null : stream(seed, 'ids');
    this.applicationId = this.newId();
  }

  snapshot(): StoreSnapshot {
    return {
      version: 2,
      applicationId: this.applicationId,
      nextSessionNumber: this.nextSessionNumber,
      workflows: [...this.workflows.values()],
      ...this.sessionsWithSharedPortraits(),
      destinations: [...this.destinations.values()],
      faceBlocklist: [...this.faceBlocklist],
      knownPortraits: [...this.knownPortraits],
    };
  }

  private sessionsWithSharedPortraits(): Pick<StoreSnapshot, 'sessions' | 'portraits'> {
    const portraits: Record<string, string> = {};
    const sessions = [...this.sessions.values()].map(({ portrait, ...session }) => {
      if (!portrait) return { ...session, portraitRef: null };
      const ref = createHash('sha256').update(portrait).digest('hex');
      portraits[ref] ??= portrait.toString('base64');
      return { ...session, portraitRef: ref };
    });
    return { sessions, portraits };
  }

  /** Replaces the whole state with a snapshot taken by `snapshot()`. */
  restore(snapshot: StoreSnapshot): void {
    if (snapshot.version !== 2) throw new Error(`Unknown sandbox state version ${String(snapshot.version)}`);
    this.applicationId = snapshot.applicationId;
    this.nextSessionNumber = snapshot.nextSessionNumber;
    this.workflows.clear();
    for (const w of snapshot.workflows) this.workflows.set(w.uuid, w);
    this.sessions.clear();
    const portraits = new Map<string, Buffer>();
    const portraitOf = (ref: string): Buffer | null => {
      const encoded = snapshot.portraits[ref];
      if (encoded === undefined) return null;
      const buffer = portraits.get(ref) ?? Buffer.from(encoded, 'base64');
      portraits.set(ref, buffer);
      return buffer;
    };
    for (const { portraitRef, ...session } of snapshot.sessions) {
      this.sessions.set(session.sessionId, { ...session, portrait: portraitRef ? portraitOf(portraitRef) : null });
    }
    this.destinations.clear();
    for (const d of snapshot.destinations) this.destinations.set(d.uuid, d);
    this.faceBlocklist.clear();
    for (const person of snapshot.faceBlocklist) this.faceBlocklist.add(person);
    this.knownPortraits.clear();
    for (const [hash, person] of snapshot.knownPortraits) this.knownPortraits.set(hash, person);
  }

  /**
   * A new id in Didit's 8-4-4-4-12 lowercase hex form. Every third one (the application id
   * first) is not an RFC 4122 UUID: version nibble `c`, variant `d`, like Didit's own example
   * `aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`. Django's UUIDField accepts any 32 hex digits, so a
   * client that insists on RFC 4122 breaks here as it would against Didit.
   */
  newId(): string {
    const bytes = this.ids ? randomBytes(this.ids, 16) : cryptoRandomBytes(16);
    return formatUuid(bytes, this.idCount++ % 3 === 0 ? 'non-rfc' : 'v4');
  }

  takeSessionNumber(): number {
    return this.nextSessionNumber++;
  }

  /** A live (not deleted) version by its settings uuid. */
  findWorkflowVersion(uuid: string): WorkflowRecord | undefined {
    const w = this.workflows.get(uuid);
    return w && !w.deleted ? w : undefined;
  }

  /** The live versions of a group, oldest first. */
  groupVersions(workflowId: string): WorkflowRecord[] {
    return [...this.workflows.values()].filter((w) => !w.deleted && w.workflowId === workflowId);
  }

  /** What new sessions of a group use: its highest live published version. */
  latestPublished(workflowId: string): WorkflowRecord | undefined {
    let latest: WorkflowRecord | undefined;
    for (const w of this.groupVersions(workflowId)) {
      if (w.status === 'published' && (!latest || w.version > latest.version)) latest = w;
    }
    return latest;
  }

  /** The version a session is bound to; deleted versions included, sessions keep following them. */
  workflowOf(session: SessionRecord): WorkflowRecord | undefined {
    return this.workflows.get(session.workflowUuid);
  }

  findSession(id: string): SessionRecord | undefined {
    const s = this.sessions.get(id);
    return s && !s.deleted ? s : undefined;
  }

  findDestination(id: string): DestinationRecord | undefined {
    const d = this.destinations.get(id);
    return d && !d.deleted ? d : undefined;
  }
}

/**
 * The `didit_internal_id` of Didit's User entity for a `vendor_data` (docs/didit-contract.md §9):
 * Didit makes the User on the first session with a new `vendor_data` and links every later one
 * to it; a session without `vendor_data` belongs to no User. Derived from the application and the
 * `vendor_data`, so it needs no state of its own and survives a restart; like the ids `newId`
 * makes, about one in three is not an RFC 4122 UUID.
 */
export function userEntityId(applicationId: string, vendorData: string): string {
  const digest = createHash('sha256').update(`${applicationId}\n${vendorData}`).digest();
  return formatUuid(digest.subarray(0, 16), (digest[16] ?? 0) % 3 === 0 ? 'non-rfc' : 'v4');
}

/** Didit prints ISO-8601 with microseconds: 2026-01-01T00:00:00.000000Z. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
