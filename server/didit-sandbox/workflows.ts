/**
 * Versioned workflows, as Didit's Management API has them (docs/didit-contract.md (workflows);
 * https://docs.didit.me/management-api/workflows/update): a group with a stable `workflow_id`,
 * one record per version with its own settings `uuid`, `status` draft or published. Bodies are
 * a strict whitelist; feature configs are checked against Didit's feature-config schema
 * (didit-protocol/mcp `src/schema/feature-config-schema.json`) and stored complete, defaults
 * filled in, so a client can send the whole list back.
 */
import { z } from 'zod';
import type { JsonValue } from './canonical-json.ts';
import { ApiError, drfErrors, drfInteger, notFound, validate } from './http.ts';
import {
  isoMicros,
  type FeatureEntry,
  type FeatureName,
  type LivenessMethod,
  type SandboxStore,
  type WorkflowAuthor,
  type WorkflowRecord,
  type WorkflowType,
} from './store.ts';

/** Sandbox defaults for the thresholds (Didit's GET example shows liveness 70/50). */
export const DEFAULT_THRESHOLDS = { review: 70, decline: 50 } as const;

/** Didit's limit on workflows per application (https://docs.didit.me/management-api/workflows/create). */
export const MAX_WORKFLOWS = 50;

export const API_AUTHOR: WorkflowAuthor = { name: 'API Client', email: null, type: 'api_key' };
export const CONSOLE_AUTHOR: WorkflowAuthor = { name: 'Sandbox Reviewer', email: 'reviewer@didit-sandbox.test', type: 'user' };

const LIVENESS_METHODS = ['ACTIVE_3D', 'FLASHING', 'PASSIVE'] as const;
const ACTIONS = ['NO_ACTION', 'REVIEW', 'DECLINE'] as const;
const RESTRICTED_ACTIONS = ['REVIEW', 'DECLINE'] as const;

// --- the feature-config schema (LIVENESS and FACE_MATCH only) -------------------------------

interface FieldSpec {
  schema: z.ZodType;
  /** Filled in when a config leaves the key out (the schema's default where it has one). */
  default: JsonValue;
}

const nullable = (schema: z.ZodType): z.ZodType => schema.nullable();
const score = (def: number | null): FieldSpec => ({ schema: nullable(drfInteger(0, 100)), default: def });
const action = (def: string | null = null): FieldSpec => ({ schema: nullable(z.enum(ACTIONS)), default: def });
const flag = (def: boolean | null): FieldSpec => ({ schema: nullable(z.boolean()), default: def });

const statusRule = z.strictObject({
  field: z.string().min(1),
  operator: z.enum([
    'equals',
    'not_equals',
    'greater_than',
    'greater_than_or_equals',
    'less_than',
    'less_than_or_equals',
    'contains',
    'not_contains',
    'in',
    'not_in',
    'is_empty',
    'is_not_empty',
    'regex',
    'fuzzy_match',
  ]),
  score: z.number().min(0).max(100).optional(),
  status: z.enum(['Approved', 'Declined', 'In Review', 'No Action']),
  value: z.json().nullable().optional(),
  value_type: z.enum(['literal', 'field', 'list', 'relative_date']).default('literal'),
});
const statusRules: FieldSpec = { schema: z.array(statusRule), default: [] };

/**
 * The schema's enum is uppercase; Didit's own examples send "passive". Both exact spellings
 * are accepted and stored uppercase; mixed case ("Passive") is refused.
 */
const livenessMethod = z
  .enum([...LIVENESS_METHODS, ...LIVENESS_METHODS.map((m) => m.toLowerCase())])
  .transform((m) => m.toUpperCase());

const FEATURE_FIELDS: Readonly<Record<FeatureName, Readonly<Record<string, FieldSpec>>>> = {
  LIVENESS: {
    cross_org_fraud_face_action: action(),
    cross_org_identity_claim_pattern_action: action(),
    external_capture_device_action: action(),
    face_audio_recording_enabled: flag(false),
    face_liveness_duplicated_face_name_mismatch_action: action(),
    face_liveness_flash_mode: { schema: nullable(z.string()), default: null },
    face_liveness_max_attempts: { schema: nullable(drfInteger(1, 3)), default: 2 },
    face_liveness_method: { schema: nullable(livenessMethod), default: 'PASSIVE' },
    face_liveness_mode: { schema: nullable(z.string()), default: null },
    face_liveness_multiple_faces_action: action(),
    face_liveness_possible_duplicated_face_action: action(),
    face_liveness_score_decline_threshold: score(DEFAULT_THRESHOLDS.decline),
    face_liveness_score_review_threshold: score(DEFAULT_THRESHOLDS.review),
    face_luminance_max_action: action(),
    face_luminance_max_threshold: score(null),
    face_luminance_min_action: action(),
    face_luminance_min_threshold: score(null),
    face_privacy_mode_enabled: flag(false),
    face_quality_decline_threshold: score(null),
    face_quality_review_threshold: score(null),
    frame_injection_action: action(),
    race_map_similarity_thresholds: { schema: z.record(z.string(), z.json()), default: {} },
    screen_capture_action: action(),
    status_rules: statusRules,
    virtual_camera_action: action(),
  },
  FACE_MATCH: {
    face_match_eyes_covered_action: { schema: z.enum(ACTIONS), default: 'NO_ACTION' },
    face_match_face_covered_action: { schema: z.enum(ACTIONS), default: 'NO_ACTION' },
    face_match_max_attempts: { schema: nullable(drfInteger(1, 3)), default: 2 },
    face_match_mouth_covered_action: { schema: z.enum(ACTIONS), default: 'NO_ACTION' },
    // NO_REFERENCE_IMAGE always declines in the sandbox, whatever this says.
    face_match_not_computed_action: { schema: nullable(z.enum(RESTRICTED_ACTIONS)), default: 'DECLINE' },
    face_match_score_decline_threshold: score(DEFAULT_THRESHOLDS.decline),
    face_match_score_review_threshold: score(DEFAULT_THRESHOLDS.review),
    status_rules: statusRules,
  },
};

/** Pairs whose review threshold may not sit below the decline threshold (sandbox choice). */
const THRESHOLD_PAIRS: Readonly<Record<FeatureName, readonly (readonly [string, string])[]>> = {
  LIVENESS: [
    ['face_liveness_score_review_threshold', 'face_liveness_score_decline_threshold'],
    ['face_quality_review_threshold', 'face_quality_decline_threshold'],
  ],
  FACE_MATCH: [['face_match_score_review_threshold', 'face_match_score_decline_threshold']],
};

const configSchemas: Readonly<Record<FeatureName, z.ZodType<Record<string, JsonValue>>>> = {
  LIVENESS: strictConfig('LIVENESS'),
  FACE_MATCH: strictConfig('FACE_MATCH'),
};

function strictConfig(feature: FeatureName): z.ZodType<Record<string, JsonValue>> {
  const shape = Object.fromEntries(Object.entries(FEATURE_FIELDS[feature]).map(([k, f]) => [k, f.schema.optional()]));
  return z.strictObject(shape) as unknown as z.ZodType<Record<string, JsonValue>>;
}

/** Every key of the feature, the sent values over the defaults. */
function completeConfig(feature: FeatureName, sent: Record<string, JsonValue>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, spec] of Object.entries(FEATURE_FIELDS[feature])) {
    out[key] = sent[key] !== undefined ? sent[key] : structuredClone(spec.default);
  }
  return out;
}

// --- bodies ---------------------------------------------------------------------------------

const featureItem = z.strictObject({
  // Only the biometric features are emulated; the others are refused, not faked.
  feature: z.enum(['LIVENESS', 'FACE_MATCH']),
  config: z.record(z.string(), z.json()).optional(),
  label: z.string().max(255).optional(),
});

/** The whitelist of https://docs.didit.me/management-api/workflows/update (same as create). */
const settingsShape = {
  workflow_label: z.string().min(1).max(50).optional(),
  is_default: z.boolean().optional(),
  status: z.enum(['draft', 'published']).optional(),
  features: z.array(featureItem).min(1).optional(),
  is_white_label_enabled: z.boolean().optional(),
  is_desktop_allowed: z.boolean().optional(),
  max_retry_attempts: drfInteger(0, 10).optional(),
  retry_window_days: drfInteger(1, 365).nullable().optional(),
  session_expiration_time: drfInteger(3600, 2_419_200).optional(),
};
const patchBody = z.strictObject(settingsShape);
const createBody = z.strictObject({ ...settingsShape, features: z.array(featureItem).min(1) });
type SettingsBody = z.output<typeof patchBody>;

/** POST /sandbox/workflows/{workflow_id}/versions: an edit made in Didit's own console. */
const versionBody = z.strictObject({
  status: z.enum(['draft', 'published']),
  workflow_label: settingsShape.workflow_label,
  features: settingsShape.features,
});

function parseBody(schema: z.ZodType<SettingsBody>, body: unknown): { parsed: SettingsBody; features?: FeatureEntry[] } {
  const parsed = validate(schema, body ?? {});
  if (!parsed.features) return { parsed };
  return { parsed, features: parseFeatures(parsed.features) };
}

/** Each feature's config against its schema, then the list's own rules. */
function parseFeatures(items: NonNullable<SettingsBody['features']>): FeatureEntry[] {
  const issues: z.core.$ZodIssue[] = [];
  const push = (path: PropertyKey[], message: string, input?: unknown): void => {
    issues.push({ code: 'custom', message, path, input });
  };
  const seen = new Set<FeatureName>();
  const features = items.map((item, index): FeatureEntry => {
    const result = configSchemas[item.feature].safeParse(item.config ?? {}, { reportInput: true });
    let config: Record<string, JsonValue> = {};
    if (result.success) {
      config = completeConfig(item.feature, result.data);
      for (const [review, decline] of THRESHOLD_PAIRS[item.feature]) {
        const r = config[review];
        const d = config[decline];
        if (typeof r === 'number' && typeof d === 'number' && r < d) {
          push(['features', index, 'config', review], `Must be greater than or equal to ${decline}.`, r);
        }
      }
    } else {
      for (const issue of result.error.issues) issues.push({ ...issue, path: ['features', index, 'config', ...issue.path] });
    }
    if (seen.has(item.feature)) push(['features', index, 'feature'], `Duplicate feature "${item.feature}".`, item.feature);
    seen.add(item.feature);
    return item.label === undefined ? { feature: item.feature, config } : { feature: item.feature, config, label: item.label };
  });
  if (issues.length > 0) throw new ApiError(400, drfErrors(issues));
  // The face is compared with the liveness selfie, so that step has to run first.
  const liveness = features.findIndex((f) => f.feature === 'LIVENESS');
  const faceMatch = features.findIndex((f) => f.feature === 'FACE_MATCH');
  if (faceMatch >= 0 && (liveness < 0 || liveness > faceMatch)) {
    throw new ApiError(400, { features: ['FACE_MATCH requires LIVENESS earlier in the workflow.'] });
  }
  return features;
}

function applySettings(target: WorkflowRecord, parsed: SettingsBody, features: FeatureEntry[] | undefined): void {
  if (parsed.workflow_label !== undefined) target.label = parsed.workflow_label;
  if (parsed.is_default !== undefined) target.isDefault = parsed.is_default;
  if (parsed.is_white_label_enabled !== undefined) target.isWhiteLabelEnabled = parsed.is_white_label_enabled;
  if (parsed.is_desktop_allowed !== undefined) target.isDesktopAllowed = parsed.is_desktop_allowed;
  if (parsed.max_retry_attempts !== undefined) target.maxRetryAttempts = parsed.max_retry_attempts;
  if (parsed.retry_window_days !== undefined) target.retryWindowDays = parsed.retry_window_days;
  if (parsed.session_expiration_time !== undefined) target.sessionExpirationTime = parsed.session_expiration_time;
  // `features` replaces the whole list: what a client does not send back falls to the defaults.
  if (features) target.features = features;
}

function cloneFeatures(features: readonly FeatureEntry[]): FeatureEntry[] {
  return features.map((f) => ({ ...f, config: structuredClone(f.config) }));
}

function clearOtherDefaults(store: SandboxStore, keep: WorkflowRecord): void {
  for (const w of store.workflows.values()) if (w.workflowId !== keep.workflowId) w.isDefault = false;
}

/** Soft-deletes the group's drafts (a new published version replaces them). */
function deleteDrafts(store: SandboxStore, workflowId: string): void {
  for (const w of store.groupVersions(workflowId)) if (w.status === 'draft') w.deleted = true;
}

function nextVersion(store: SandboxStore, workflowId: string): number {
  return Math.max(0, ...store.groupVersions(workflowId).map((w) => w.version)) + 1;
}

function liveGroups(store: SandboxStore): Set<string> {
  return new Set([...store.workflows.values()].filter((w) => !w.deleted).map((w) => w.workflowId));
}

/** POST /v3/workflows/: version 1 of a new group, published unless `status: "draft"`. */
export function createWorkflow(
  store: SandboxStore,
  body: unknown,
  now: number,
  options: { author?: WorkflowAuthor; type?: WorkflowType | null } = {},
): WorkflowRecord {
  const { parsed, features } = parseBody(createBody, body);
  if (liveGroups(store).size >= MAX_WORKFLOWS) {
    throw new ApiError(400, { non_field_errors: [`Maximum ${MAX_WORKFLOWS} workflows per application.`] });
  }
  const record: WorkflowRecord = {
    uuid: store.newId(),
    workflowId: store.newId(),
    version: 1,
    status: parsed.status ?? 'published',
    label: 'Untitled workflow',
    type: options.type ?? null,
    isDefault: false,
    isArchived: false,
    isWhiteLabelEnabled: false,
    isDesktopAllowed: false,
    maxRetryAttempts: 3,
    retryWindowDays: 7,
    sessionExpirationTime: 604_800,
    features: [],
    createdBy: options.author ?? API_AUTHOR,
    createdAt: now,
    updatedAt: now,
    deleted: false,
  };
  applySettings(record, parsed, features);
  if (record.isDefault) clearOtherDefaults(store, record);
  store.workflows.set(record.uuid, record);
  return record;
}

/**
 * PATCH /v3/workflows/{settings_uuid}/, by the four rules of
 * https://docs.didit.me/management-api/workflows/update: no status on a published version
 * updates it in place; no status on a draft updates and publishes it; `published` on a published
 * version makes a new published version (new uuid, next number) and deletes the group's draft;
 * `draft` on a published version is refused. Returns the record written.
 */
export function patchWorkflow(store: SandboxStore, target: WorkflowRecord, body: unknown, now: number): WorkflowRecord {
  const { parsed, features } = parseBody(patchBody, body);
  let record = target;
  if (target.status === 'published' && parsed.status === 'draft') {
    throw new ApiError(400, { status: ['Cannot revert a published version to draft.'] });
  }
  if (target.status === 'published' && parsed.status === 'published') {
    deleteDrafts(store, target.workflowId);
    record = {
      ...target,
      features: cloneFeatures(target.features),
      uuid: store.newId(),
      version: nextVersion(store, target.workflowId),
      status: 'published',
      createdBy: API_AUTHOR,
      createdAt: now,
      updatedAt: now,
    };
    store.workflows.set(record.uuid, record);
  } else if (target.status === 'draft' && parsed.status !== 'draft') {
    // A draft sent without status (or with "published") is published.
    record.status = 'published';
  }
  applySettings(record, parsed, features);
  record.updatedAt = now;
  if (record.isDefault) clearOtherDefaults(store, record);
  return record;
}

/**
 * Someone edits the workflow in Didit's own console: a new version copied from the group's
 * latest published one, with the changes applied. A draft replaces the group's draft; a
 * published version also deletes it.
 */
export function createWorkflowVersion(store: SandboxStore, workflowId: string, body: unknown, now: number): WorkflowRecord {
  const parsed = validate(versionBody, body ?? {});
  const source = store.latestPublished(workflowId);
  if (!source) throw notFound();
  const features = parsed.features ? parseFeatures(parsed.features) : undefined;
  deleteDrafts(store, workflowId);
  const record: WorkflowRecord = {
    ...source,
    features: cloneFeatures(source.features),
    uuid: store.newId(),
    version: nextVersion(store, workflowId),
    status: parsed.status,
    createdBy: CONSOLE_AUTHOR,
    createdAt: now,
    updatedAt: now,
  };
  applySettings(record, { workflow_label: parsed.workflow_label }, features);
  store.workflows.set(record.uuid, record);
  return record;
}

// --- what scoring uses ----------------------------------------------------------------------

export interface EffectiveConfig {
  liveness: { enabled: boolean; method: LivenessMethod; review: number; decline: number };
  faceMatch: { enabled: boolean; review: number; decline: number };
}

function configOf(workflow: WorkflowRecord, feature: FeatureName): Record<string, JsonValue> | undefined {
  return workflow.features.find((f) => f.feature === feature)?.config;
}

/** A null threshold means "Didit's default": the sandbox's 70/50. */
function numberOr(value: JsonValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function methodOf(value: JsonValue | undefined): LivenessMethod {
  const upper = typeof value === 'string' ? value.toUpperCase() : 'PASSIVE';
  return (LIVENESS_METHODS as readonly string[]).includes(upper) ? (upper as LivenessMethod) : 'PASSIVE';
}

/** The thresholds of this version as they stand now. */
export function effectiveConfig(workflow: WorkflowRecord): EffectiveConfig {
  const liveness = configOf(workflow, 'LIVENESS');
  const faceMatch = configOf(workflow, 'FACE_MATCH');
  return {
    liveness: {
      enabled: liveness !== undefined,
      method: methodOf(liveness?.['face_liveness_method']),
      review: numberOr(liveness?.['face_liveness_score_review_threshold'], DEFAULT_THRESHOLDS.review),
      decline: numberOr(liveness?.['face_liveness_score_decline_threshold'], DEFAULT_THRESHOLDS.decline),
    },
    faceMatch: {
      enabled: faceMatch !== undefined,
      review: numberOr(faceMatch?.['face_match_score_review_threshold'], DEFAULT_THRESHOLDS.review),
      decline: numberOr(faceMatch?.['face_match_score_decline_threshold'], DEFAULT_THRESHOLDS.decline),
    },
  };
}

export function workflowFeatures(workflow: WorkflowRecord): FeatureName[] {
  return workflow.features.map((f) => f.feature);
}

// --- read shapes ----------------------------------------------------------------------------

function hasDraft(store: SandboxStore, workflow: WorkflowRecord): boolean {
  return store.groupVersions(workflow.workflowId).some((w) => w.status === 'draft');
}

function author(a: WorkflowAuthor): JsonValue {
  return { name: a.name, email: a.email, type: a.type };
}

/**
 * A row of GET /v3/workflows/, one per version, as the list example of
 * https://docs.didit.me/management-api/workflows/list shows it: `features` is a string, and
 * there are no thresholds and no per-feature config. POST and PATCH answer the same list-view
 * shape with `features` as a string list, as the create example
 * (https://docs.didit.me/management-api/workflows/create) and the update response schema show.
 */
export function serializeWorkflowRow(
  store: SandboxStore,
  workflow: WorkflowRecord,
  baseUrl: string,
  featuresAs: 'string' | 'list' = 'string',
): Record<string, JsonValue> {
  return {
    uuid: workflow.uuid,
    workflow_id: workflow.workflowId,
    workflow_label: workflow.label,
    workflow_type: workflow.type,
    is_default: workflow.isDefault,
    is_archived: workflow.isArchived,
    is_white_label_enabled: workflow.isWhiteLabelEnabled,
    total_price: 0,
    min_price: 0,
    max_price: 0,
    features: featuresAs === 'string' ? workflowFeatures(workflow).join(' + ') : workflowFeatures(workflow),
    is_simple_workflow: true,
    is_editable: workflow.status === 'draft',
    workflow_url: `${baseUrl}/verify/workflow/${workflow.workflowId}/`,
    max_retry_attempts: workflow.maxRetryAttempts,
    retry_window_days: workflow.retryWindowDays,
    session_expiration_time: workflow.sessionExpirationTime,
    version: workflow.version,
    status: workflow.status,
    has_draft: hasDraft(store, workflow),
    created_by: author(workflow.createdBy),
    created_at: isoMicros(workflow.createdAt),
    updated_at: isoMicros(workflow.updatedAt),
  };
}

/**
 * GET /v3/workflows/{settings_uuid}/: the flat settings of the get example
 * (https://docs.didit.me/management-api/workflows/get), with no `features` list: each enabled
 * biometric feature's complete config appears as flat fields (`status_rules` excepted).
 */
export function serializeWorkflowDetail(
  store: SandboxStore,
  workflow: WorkflowRecord,
  baseUrl: string,
): Record<string, JsonValue> {
  const config = effectiveConfig(workflow);
  const liveness = configOf(workflow, 'LIVENESS');
  const faceMatch = configOf(workflow, 'FACE_MATCH');
  /*
   * Didit's documented detail is the flat settings serialization, with a feature's fields present
   * only when it is enabled, and no `features` list (https://docs.didit.me/management-api/workflows/get).
   * Every config key of an enabled biometric feature appears here as a flat field, so a client can
   * send it back in the `features[].config` a PATCH needs; `status_rules` exist per feature and
   * have no flat field, so they are not shown (docs/didit-contract.md §15).
   */
  const flatOf = (feature: Record<string, JsonValue> | undefined): Record<string, JsonValue> => {
    if (!feature) return {};
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(feature)) if (key !== 'status_rules') out[key] = structuredClone(value);
    return out;
  };
  const livenessFields: Record<string, JsonValue> = liveness
    ? { ...flatOf(liveness), face_liveness_method: config.liveness.method.toLowerCase() }
    : {};
  const faceMatchFields = flatOf(faceMatch);
  return {
    uuid: workflow.uuid,
    workflow_id: workflow.workflowId,
    workflow_label: workflow.label,
    workflow_type: workflow.type,
    is_default: workflow.isDefault,
    is_archived: workflow.isArchived,
    is_liveness_enabled: liveness !== undefined,
    ...livenessFields,
    is_face_match_enabled: faceMatch !== undefined,
    ...faceMatchFields,
    is_aml_enabled: false,
    is_phone_verification_enabled: false,
    is_email_verification_enabled: false,
    is_database_validation_enabled: false,
    is_ip_analysis_enabled: false,
    is_nfc_enabled: false,
    duplicated_user_action: 'no_action',
    documents_allowed: {},
    is_white_label_enabled: workflow.isWhiteLabelEnabled,
    is_desktop_allowed: workflow.isDesktopAllowed,
    max_retry_attempts: workflow.maxRetryAttempts,
    retry_window_days: workflow.retryWindowDays,
    session_expiration_time: workflow.sessionExpirationTime,
    version: workflow.version,
    status: workflow.status,
    has_draft: hasDraft(store, workflow),
    is_simple_workflow: true,
    is_editable: workflow.status === 'draft',
    workflow_url: `${baseUrl}/verify/workflow/${workflow.workflowId}/`,
    total_price: '0.00',
    min_price: '0.00',
    max_price: '0.00',
    created_by: author(workflow.createdBy),
    created_at: isoMicros(workflow.createdAt),
    updated_at: isoMicros(workflow.updatedAt),
  };
}

// --- old state files ------------------------------------------------------------------------

/**
 * A config from an older sandbox state file, made complete: known keys that pass the schema are
 * kept (fractional thresholds rounded, methods uppercased), anything else falls to its default.
 */
export function migrateConfig(feature: FeatureName, raw: Record<string, JsonValue>): Record<string, JsonValue> {
  const kept: Record<string, JsonValue> = {};
  for (const [key, spec] of Object.entries(FEATURE_FIELDS[feature])) {
    let value = raw[key];
    if (value === undefined) continue;
    if (typeof value === 'number' && !Number.isInteger(value)) value = Math.round(value);
    if (typeof value === 'string' && key === 'face_liveness_method') value = value.toUpperCase();
    const result = spec.schema.safeParse(value);
    if (result.success) kept[key] = result.data as JsonValue;
  }
  return completeConfig(feature, kept);
}
