/**
 * Workflows and their thresholds (didit-api.md §5), in both generations: the legacy flat fields
 * and the current `features[]` list. A workflow remembers which form it was written in, so a
 * read-back shows exactly what was set.
 */
import { z } from 'zod';
import type { JsonValue } from './canonical-json.ts';
import { ApiError, drfErrors, validate } from './http.ts';
import {
  WORKFLOW_TYPES,
  isoMicros,
  type FeatureEntry,
  type FeatureName,
  type LegacyWorkflowFields,
  type LivenessMethod,
  type SandboxStore,
  type WorkflowRecord,
} from './store.ts';

/** Defaults: Didit's documented 50/70 for face match and liveness decline; liveness review 70 (GET example). */
export const DEFAULT_THRESHOLDS = { review: 70, decline: 50 } as const;

const LIVENESS_METHODS = ['PASSIVE', 'FLASHING', 'ACTIVE_3D'] as const;
const ACTIONS = ['NO_ACTION', 'REVIEW', 'DECLINE'] as const;

const threshold = z.number().min(0).max(100);
/** Method casing differs between generations (§5 caveats): accept any case, store as sent. */
const method = z.string().refine((v) => (LIVENESS_METHODS as readonly string[]).includes(v.toUpperCase()), {
  error: (issue) => `"${String(issue.input)}" is not a valid choice.`,
});
const action = z.enum(ACTIONS);

const livenessConfig = z.looseObject({
  face_liveness_method: method.optional(),
  face_liveness_score_review_threshold: threshold.optional(),
  face_liveness_score_decline_threshold: threshold.optional(),
  face_liveness_max_attempts: z.int().min(1).max(3).optional(),
  face_quality_review_threshold: threshold.optional(),
  face_quality_decline_threshold: threshold.optional(),
  face_liveness_possible_duplicated_face_action: action.optional(),
  face_liveness_multiple_faces_action: action.optional(),
  face_liveness_duplicated_face_name_mismatch_action: action.optional(),
  screen_capture_action: action.optional(),
  virtual_camera_action: action.optional(),
  frame_injection_action: action.optional(),
  external_capture_device_action: action.optional(),
});

const faceMatchConfig = z.looseObject({
  face_match_score_review_threshold: threshold.optional(),
  face_match_score_decline_threshold: threshold.optional(),
  // The documented range is unresolved (1–3 vs 2–5, §11): accept the union.
  face_match_max_attempts: z.int().min(1).max(5).optional(),
  face_match_not_computed_action: action.optional(),
  face_match_eyes_covered_action: action.optional(),
  face_match_mouth_covered_action: action.optional(),
  face_match_face_covered_action: action.optional(),
});

const featureItem = z.object({
  // The sandbox emulates only the biometric features; other features are refused, not faked.
  feature: z.enum(['LIVENESS', 'FACE_MATCH']),
  config: z.record(z.string(), z.json()).optional(),
});

const legacyShape = {
  is_liveness_enabled: z.boolean().optional(),
  is_face_match_enabled: z.boolean().optional(),
  face_liveness_method: method.optional(),
  face_liveness_score_decline_threshold: threshold.optional(),
  face_liveness_score_review_threshold: threshold.optional(),
  face_match_score_decline_threshold: threshold.optional(),
  face_match_score_review_threshold: threshold.optional(),
};
const LEGACY_KEYS = Object.keys(legacyShape) as (keyof LegacyWorkflowFields)[];

const commonShape = {
  workflow_label: z.string().min(1).max(255).optional(),
  workflow_type: z.enum(WORKFLOW_TYPES).optional(),
  is_default: z.boolean().optional(),
  is_archived: z.boolean().optional(),
  max_retry_attempts: z.int().min(0).max(10).optional(),
  retry_window_days: z.int().min(0).max(365).optional(),
  session_expiration_time: z.int().min(60).optional(),
  features: z.array(featureItem).min(1).optional(),
};

const workflowBody = z.object({ ...commonShape, ...legacyShape });
type WorkflowBody = z.output<typeof workflowBody>;

/** Validates the body, then each feature's config against that feature's schema. */
function parseWorkflowBody(body: unknown): { parsed: WorkflowBody; features: FeatureEntry[] | undefined } {
  const parsed = validate(workflowBody, body ?? {});
  const usesLegacy = LEGACY_KEYS.some((k) => parsed[k] !== undefined);
  if (parsed.features && usesLegacy) {
    throw new ApiError(400, {
      non_field_errors: ['Send either "features" or the flat liveness/face-match fields, not both.'],
    });
  }
  if (!parsed.features) return { parsed, features: undefined };
  const issues: z.core.$ZodIssue[] = [];
  const seen = new Set<FeatureName>();
  const features = parsed.features.map((item, index): FeatureEntry => {
    const schema = item.feature === 'LIVENESS' ? livenessConfig : faceMatchConfig;
    const result = schema.safeParse(item.config ?? {}, { reportInput: true });
    if (!result.success) {
      for (const issue of result.error.issues) issues.push({ ...issue, path: ['features', index, 'config', ...issue.path] });
    }
    if (seen.has(item.feature)) {
      issues.push({
        code: 'custom',
        message: `Duplicate feature "${item.feature}".`,
        path: ['features', index, 'feature'],
        input: item.feature,
      });
    }
    seen.add(item.feature);
    return { feature: item.feature, config: item.config ?? {} };
  });
  if (issues.length > 0) throw new ApiError(400, drfErrors(issues));
  return { parsed, features };
}

function legacyDefaults(type: string): LegacyWorkflowFields {
  return {
    is_liveness_enabled: type === 'biometric_authentication',
    is_face_match_enabled: false,
    face_liveness_method: 'passive',
    face_liveness_score_decline_threshold: DEFAULT_THRESHOLDS.decline,
    face_liveness_score_review_threshold: DEFAULT_THRESHOLDS.review,
    face_match_score_decline_threshold: DEFAULT_THRESHOLDS.decline,
    face_match_score_review_threshold: DEFAULT_THRESHOLDS.review,
  };
}

function pickLegacy(parsed: WorkflowBody): Partial<LegacyWorkflowFields> {
  const out: Partial<LegacyWorkflowFields> = {};
  for (const key of LEGACY_KEYS) {
    const value = parsed[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

export function createWorkflow(store: SandboxStore, body: unknown, now: number): WorkflowRecord {
  const { parsed, features } = parseWorkflowBody(body);
  // The sandbox only emulates biometric features, so that is the useful default type.
  const type = parsed.workflow_type ?? 'biometric_authentication';
  const workflow: WorkflowRecord = {
    uuid: store.newId(),
    workflowId: store.newId(),
    label: parsed.workflow_label ?? 'Untitled workflow',
    type,
    isDefault: parsed.is_default ?? false,
    isArchived: parsed.is_archived ?? false,
    version: 1,
    maxRetryAttempts: parsed.max_retry_attempts ?? 3,
    retryWindowDays: parsed.retry_window_days ?? 7,
    sessionExpirationTime: parsed.session_expiration_time ?? 604800,
    form: features
      ? { kind: 'features', features }
      : { kind: 'legacy', fields: { ...legacyDefaults(type), ...pickLegacy(parsed) } },
    createdAt: now,
    updatedAt: now,
    deleted: false,
  };
  if (workflow.isDefault) clearOtherDefaults(store, workflow);
  store.workflows.set(workflow.uuid, workflow);
  return workflow;
}

/**
 * Partial update. `features` replaces the whole list (and moves a legacy workflow to the
 * features form); flat fields update a legacy workflow in place, or the matching config keys of
 * a features workflow (they are the same settings under their older names). Bumps `version`.
 */
export function patchWorkflow(store: SandboxStore, workflow: WorkflowRecord, body: unknown, now: number): WorkflowRecord {
  const { parsed, features } = parseWorkflowBody(body);
  if (parsed.workflow_label !== undefined) workflow.label = parsed.workflow_label;
  if (parsed.workflow_type !== undefined) workflow.type = parsed.workflow_type;
  if (parsed.is_default !== undefined) workflow.isDefault = parsed.is_default;
  if (parsed.is_archived !== undefined) workflow.isArchived = parsed.is_archived;
  if (parsed.max_retry_attempts !== undefined) workflow.maxRetryAttempts = parsed.max_retry_attempts;
  if (parsed.retry_window_days !== undefined) workflow.retryWindowDays = parsed.retry_window_days;
  if (parsed.session_expiration_time !== undefined) workflow.sessionExpirationTime = parsed.session_expiration_time;
  const legacy = pickLegacy(parsed);
  if (features) {
    workflow.form = { kind: 'features', features };
  } else if (workflow.form.kind === 'legacy') {
    workflow.form = { kind: 'legacy', fields: { ...workflow.form.fields, ...legacy } };
  } else {
    workflow.form = { kind: 'features', features: applyLegacyToFeatures(workflow.form.features, legacy) };
  }
  if (workflow.isDefault) clearOtherDefaults(store, workflow);
  workflow.version += 1;
  workflow.updatedAt = now;
  return workflow;
}

function applyLegacyToFeatures(current: FeatureEntry[], legacy: Partial<LegacyWorkflowFields>): FeatureEntry[] {
  let features = current.map((f) => ({ feature: f.feature, config: { ...f.config } }));
  const toggle = (name: FeatureName, enabled: boolean | undefined): void => {
    if (enabled === false) features = features.filter((f) => f.feature !== name);
    if (enabled === true && !features.some((f) => f.feature === name)) features.push({ feature: name, config: {} });
  };
  toggle('LIVENESS', legacy.is_liveness_enabled);
  toggle('FACE_MATCH', legacy.is_face_match_enabled);
  for (const f of features) {
    for (const key of LEGACY_KEYS) {
      const value = legacy[key];
      if (value === undefined || typeof value === 'boolean') continue;
      const belongs = f.feature === 'LIVENESS' ? key.startsWith('face_liveness_') : key.startsWith('face_match_');
      if (belongs) f.config[key] = value;
    }
  }
  return features;
}

function clearOtherDefaults(store: SandboxStore, keep: WorkflowRecord): void {
  for (const w of store.workflows.values()) if (w !== keep) w.isDefault = false;
}

export interface EffectiveConfig {
  liveness: { enabled: boolean; method: LivenessMethod; review: number; decline: number };
  faceMatch: { enabled: boolean; review: number; decline: number };
}

function numberOr(value: JsonValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function methodOf(value: JsonValue | undefined): LivenessMethod {
  const upper = typeof value === 'string' ? value.toUpperCase() : 'PASSIVE';
  return (LIVENESS_METHODS as readonly string[]).includes(upper) ? (upper as LivenessMethod) : 'PASSIVE';
}

/** The thresholds in force, whichever form the workflow was written in. */
export function effectiveConfig(workflow: WorkflowRecord): EffectiveConfig {
  if (workflow.form.kind === 'legacy') {
    const f = workflow.form.fields;
    return {
      liveness: {
        enabled: f.is_liveness_enabled,
        method: methodOf(f.face_liveness_method),
        review: f.face_liveness_score_review_threshold,
        decline: f.face_liveness_score_decline_threshold,
      },
      faceMatch: {
        enabled: f.is_face_match_enabled,
        review: f.face_match_score_review_threshold,
        decline: f.face_match_score_decline_threshold,
      },
    };
  }
  const liveness = workflow.form.features.find((f) => f.feature === 'LIVENESS')?.config;
  const faceMatch = workflow.form.features.find((f) => f.feature === 'FACE_MATCH')?.config;
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
  const config = effectiveConfig(workflow);
  const out: FeatureName[] = [];
  if (config.liveness.enabled) out.push('LIVENESS');
  if (config.faceMatch.enabled) out.push('FACE_MATCH');
  return out;
}

export function serializeWorkflow(workflow: WorkflowRecord, baseUrl: string): Record<string, JsonValue> {
  const common: Record<string, JsonValue> = {
    uuid: workflow.uuid,
    workflow_id: workflow.workflowId,
    workflow_label: workflow.label,
    workflow_type: workflow.type,
    is_default: workflow.isDefault,
    is_archived: workflow.isArchived,
    total_price: 0,
    min_price: 0,
    max_price: 0,
    is_simple_workflow: true,
    is_editable: true,
    workflow_url: `${baseUrl}/verify/workflow/${workflow.workflowId}/`,
    max_retry_attempts: workflow.maxRetryAttempts,
    retry_window_days: workflow.retryWindowDays,
    session_expiration_time: workflow.sessionExpirationTime,
    version: workflow.version,
    status: 'published',
    has_draft: false,
    created_by: 'API Client',
    created_at: isoMicros(workflow.createdAt),
    updated_at: isoMicros(workflow.updatedAt),
  };
  if (workflow.form.kind === 'legacy') {
    return { ...common, features: workflowFeatures(workflow), ...workflow.form.fields };
  }
  return {
    ...common,
    features: workflow.form.features.map((f) => ({ feature: f.feature, config: f.config })),
  };
}
