/**
 * Reads a `stateFile` of any format the sandbox has written. Format 1 (one unversioned record
 * per workflow, in the legacy flat form or the features form) is migrated: each workflow becomes
 * version 1..N of a group, published, with its config made complete, and each session is bound
 * to that version. Unknown formats throw, and the caller starts empty.
 */
import type { JsonValue } from './canonical-json.ts';
import type { FeatureEntry, FeatureName, StoreSnapshot, WorkflowRecord, WorkflowType } from './store.ts';
import { API_AUTHOR, migrateConfig } from './workflows.ts';

interface LegacyFields {
  is_liveness_enabled?: boolean;
  is_face_match_enabled?: boolean;
  [key: string]: JsonValue | undefined;
}

/** A workflow as format 1 stored it. */
interface WorkflowV1 {
  uuid: string;
  workflowId: string;
  label: string;
  type: WorkflowType;
  isDefault: boolean;
  isArchived: boolean;
  version: number;
  maxRetryAttempts: number;
  retryWindowDays: number;
  sessionExpirationTime: number;
  form:
    | { kind: 'legacy'; fields: LegacyFields }
    | { kind: 'features'; features: { feature: FeatureName; config: Record<string, JsonValue> }[] };
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
}

type SnapshotV1 = Omit<StoreSnapshot, 'version' | 'workflows' | 'sessions'> & {
  version: 1;
  workflows: WorkflowV1[];
  sessions: Array<Omit<StoreSnapshot['sessions'][number], 'workflowUuid'>>;
};

export interface LoadedState {
  snapshot: StoreSnapshot;
  /** What was changed on the way in, for the log. */
  notes: string[];
}

export function loadSnapshot(raw: unknown): LoadedState {
  const version = (raw as { version?: unknown } | null)?.version;
  if (version === 2) return { snapshot: raw as StoreSnapshot, notes: [] };
  if (version === 1) return migrateFromV1(raw as SnapshotV1);
  throw new Error(`Unknown sandbox state version ${String(version)}`);
}

function featuresOf(w: WorkflowV1): FeatureEntry[] {
  if (w.form.kind === 'features') {
    return w.form.features.map((f) => ({ feature: f.feature, config: migrateConfig(f.feature, f.config) }));
  }
  const fields = w.form.fields;
  const out: FeatureEntry[] = [];
  if (fields.is_liveness_enabled) out.push({ feature: 'LIVENESS', config: migrateConfig('LIVENESS', fields as never) });
  if (fields.is_face_match_enabled) out.push({ feature: 'FACE_MATCH', config: migrateConfig('FACE_MATCH', fields as never) });
  return out;
}

function migrateFromV1(old: SnapshotV1): LoadedState {
  const workflows = old.workflows.map((w): WorkflowRecord => ({
    uuid: w.uuid,
    workflowId: w.workflowId,
    version: w.version,
    status: 'published',
    label: w.label,
    type: w.type,
    isDefault: w.isDefault,
    isArchived: w.isArchived,
    isWhiteLabelEnabled: false,
    isDesktopAllowed: false,
    maxRetryAttempts: w.maxRetryAttempts,
    retryWindowDays: w.retryWindowDays,
    sessionExpirationTime: w.sessionExpirationTime,
    features: featuresOf(w),
    createdBy: API_AUTHOR,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    deleted: w.deleted,
  }));
  const uuidOf = new Map(workflows.map((w) => [w.workflowId, w.uuid]));
  const sessions = old.sessions.map((s) => ({ ...s, workflowUuid: uuidOf.get(s.workflowId) ?? '' }));
  return {
    snapshot: { ...old, version: 2, workflows, sessions },
    notes: [`migrated ${workflows.length} workflows and ${sessions.length} sessions from state format 1 (unversioned workflows)`],
  };
}
