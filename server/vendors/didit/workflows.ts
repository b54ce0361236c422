import { isDiditId } from '../../contract/ids.ts';
import { normaliseMethod, type LivenessMethod } from './adapt.ts';
import { diditWorkflowSchema, type DiditWorkflowDto } from './didit-schemas.ts';

/**
 * Didit workflows as the console sees them (docs/didit-contract.md §4–§8). A workflow is a
 * group (`workflow_id`, what sessions reference) of versions, each with its own settings uuid;
 * `GET /v3/workflows/` lists one row per version, drafts included, without thresholds; new
 * sessions use the latest *published* version, whose settings `GET /v3/workflows/{uuid}/` gives.
 * Vendor shapes stay in this folder.
 */

/** Thresholds as a workflow version's settings report them: null where they report none. */
export interface WorkflowThresholds {
  livenessReview: number | null;
  livenessDecline: number | null;
  faceMatchReview: number | null;
  faceMatchDecline: number | null;
}

export type WorkflowVersionStatus = 'draft' | 'published';

/** One row of the list: one version of a workflow. */
export interface DiditWorkflowVersion {
  /** The settings uuid of this version: `/v3/workflows/{settingsId}/` reads and updates it. */
  settingsId: string;
  /** The group id sessions reference, shared by every version. */
  workflowId: string;
  version: number | null;
  status: WorkflowVersionStatus;
  label: string | null;
  type: string | null;
  isArchived: boolean;
  /** The features the list row names (`"LIVENESS + FACE_MATCH"`). */
  features: string[];
  createdAt: Date | null;
}

/** One version's settings (the detail). */
export interface DiditWorkflowSettings {
  settingsId: string;
  workflowId: string;
  label: string | null;
  type: string | null;
  version: number | null;
  status: WorkflowVersionStatus;
  /** `features`: the detail lists `features[].config`; `legacy`: only the flat fields. */
  form: 'features' | 'legacy';
  /** Every feature the version runs, in order (`LIVENESS`, `FACE_MATCH`, `OCR`, ...). */
  featureNames: string[];
  hasLiveness: boolean;
  hasFaceMatch: boolean;
  livenessMethod: LivenessMethod | null;
  thresholds: WorkflowThresholds;
  /** The settings as Didit answered them, stored whole. */
  raw: Record<string, unknown>;
}

/** The version new sessions use, and a newer draft if someone is editing the workflow at Didit. */
export interface PublishedWorkflow {
  latest: DiditWorkflowVersion;
  draft: DiditWorkflowVersion | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const featureName = (value: string) =>
  value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
const isLiveness = (name: string) => name === 'LIVENESS';
const isFaceMatch = (name: string) => name === 'FACE_MATCH' || name === 'FACEMATCH';
/** `is_*_enabled` flags of the detail that are not other features. */
const NOT_FEATURES = new Set(['liveness', 'face_match', 'white_label']);
const lowerId = (id: string) => (isDiditId(id) ? id.toLowerCase() : id);

/** A version without a status comes from a generation that had no drafts: it is in force. */
function statusOf(value: unknown): WorkflowVersionStatus {
  return typeof value === 'string' && value.trim().toLowerCase() === 'draft' ? 'draft' : 'published';
}

/** `features` as a list of names, whichever documented shape it came in. */
function namesOf(features: DiditWorkflowDto['features']): string[] {
  const items = typeof features === 'string' ? features.split('+') : (features ?? []);
  const names: string[] = [];
  for (const item of items) {
    const name = typeof item === 'string' ? item : item.feature;
    if (name.trim()) names.push(featureName(name));
  }
  return names;
}

export function adaptWorkflowVersion(dto: DiditWorkflowDto): DiditWorkflowVersion | null {
  const settingsId = dto.uuid ?? null;
  // The oldest generation had no versions: its `uuid` was the workflow's one id.
  const workflowId = dto.workflow_id ?? settingsId;
  if (!settingsId || !workflowId) return null;
  const created =
    typeof dto.created_at === 'string'
      ? new Date(dto.created_at)
      : typeof dto.created_at === 'number'
        ? new Date(dto.created_at * 1000)
        : null;
  return {
    settingsId: lowerId(settingsId),
    workflowId: lowerId(workflowId),
    version: dto.version ?? null,
    status: statusOf(dto.status),
    label: dto.workflow_label ?? null,
    type: dto.workflow_type ?? null,
    isArchived: dto.is_archived ?? false,
    features: namesOf(dto.features),
    createdAt: created && !Number.isNaN(created.getTime()) ? created : null,
  };
}

/**
 * Per workflow, its latest published version (highest `version`, then newest) and a newer draft.
 * A workflow with no published version has nothing in force and is left out, as is a row whose ids
 * are not Didit ids.
 */
export function latestPublishedVersions(rows: readonly DiditWorkflowVersion[]): Map<string, PublishedWorkflow> {
  const newer = (a: DiditWorkflowVersion, b: DiditWorkflowVersion) =>
    (a.version ?? -1) - (b.version ?? -1) || (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0);
  const out = new Map<string, PublishedWorkflow>();
  for (const row of rows) {
    // An id that is not 8-4-4-4-12 hex (docs examples have one) cannot be addressed or stored.
    if (row.status !== 'published' || !isDiditId(row.workflowId) || !isDiditId(row.settingsId)) continue;
    const seen = out.get(row.workflowId);
    if (!seen || newer(row, seen.latest) > 0) out.set(row.workflowId, { latest: row, draft: null });
  }
  for (const row of rows) {
    const group = out.get(row.workflowId);
    if (!group || row.status !== 'draft' || newer(row, group.latest) <= 0) continue;
    if (!group.draft || newer(row, group.draft) > 0) group.draft = row;
  }
  return out;
}

/** Each feature's `features[].config`, by feature name, when the detail lists them. */
function featureConfigs(dto: DiditWorkflowDto): Map<string, Record<string, unknown>> {
  const configs = new Map<string, Record<string, unknown>>();
  for (const item of Array.isArray(dto.features) ? dto.features : []) {
    if (typeof item !== 'string') configs.set(featureName(item.feature), item.config ?? {});
  }
  return configs;
}

/**
 * The four thresholds the settings report, each from its feature's `features[].config` when the
 * detail lists it, else from the documented flat field. Whether the version runs face match is
 * not asked here.
 */
function reportedThresholds(dto: DiditWorkflowDto, configs: Map<string, Record<string, unknown>>): WorkflowThresholds {
  const flat = dto as Record<string, unknown>;
  const liveness = configs.get('LIVENESS');
  const faceMatch = configs.get('FACE_MATCH') ?? configs.get('FACEMATCH');
  const pick = (key: string, config: Record<string, unknown> | undefined) => num(config?.[key]) ?? num(flat[key]);
  return {
    livenessReview: pick('face_liveness_score_review_threshold', liveness),
    livenessDecline: pick('face_liveness_score_decline_threshold', liveness),
    faceMatchReview: pick('face_match_score_review_threshold', faceMatch),
    faceMatchDecline: pick('face_match_score_decline_threshold', faceMatch),
  };
}

const NO_THRESHOLDS: WorkflowThresholds = {
  livenessReview: null,
  livenessDecline: null,
  faceMatchReview: null,
  faceMatchDecline: null,
};

/**
 * The thresholds in settings stored as Didit answered them (`DiditWorkflowSettings.raw`, kept in
 * `workflow.didit_settings`), read by the same rules as a fresh answer, whether or not the version
 * runs face match; none when there are no settings or they no longer parse.
 */
export function thresholdsInStoredSettings(raw: unknown): WorkflowThresholds {
  const parsed = diditWorkflowSchema.safeParse(raw);
  return parsed.success ? reportedThresholds(parsed.data, featureConfigs(parsed.data)) : NO_THRESHOLDS;
}

/**
 * A version's settings. Thresholds are read from `features[].config` when the detail lists it, else
 * from the documented flat fields; which features run comes from the list, the `features` names or
 * the `is_*_enabled` flags.
 */
export function adaptWorkflowSettings(dto: DiditWorkflowDto, fallbackId?: string): DiditWorkflowSettings | null {
  const settingsId = dto.uuid ?? fallbackId ?? null;
  const workflowId = dto.workflow_id ?? settingsId;
  if (!settingsId || !workflowId) return null;
  const configs = featureConfigs(dto);
  const form: DiditWorkflowSettings['form'] = configs.size > 0 ? 'features' : 'legacy';
  const featureNames = namesOf(dto.features);
  const hasName = (test: (name: string) => boolean) => featureNames.some(test);
  const liveness = configs.get('LIVENESS');
  const faceMatch = configs.get('FACE_MATCH') ?? configs.get('FACEMATCH');
  const hasLiveness = liveness !== undefined || (dto.is_liveness_enabled ?? hasName(isLiveness));
  const hasFaceMatch = faceMatch !== undefined || (dto.is_face_match_enabled ?? hasName(isFaceMatch));
  if (hasLiveness && !hasName(isLiveness)) featureNames.push('LIVENESS');
  if (hasFaceMatch && !hasName(isFaceMatch)) featureNames.push('FACE_MATCH');
  // The flat detail flags every other feature it runs (`is_aml_enabled`, `is_nfc_enabled`, ...).
  for (const [key, value] of Object.entries(dto)) {
    const flagged = /^is_([a-z0-9_]+)_enabled$/.exec(key)?.[1];
    if (value !== true || !flagged || NOT_FEATURES.has(flagged)) continue;
    const name = featureName(flagged);
    if (!featureNames.includes(name)) featureNames.push(name);
  }
  const method = liveness?.['face_liveness_method'] ?? dto.face_liveness_method;
  const thresholds = reportedThresholds(dto, configs);
  return {
    settingsId: lowerId(settingsId),
    workflowId: lowerId(workflowId),
    label: dto.workflow_label ?? null,
    type: dto.workflow_type ?? null,
    version: dto.version ?? null,
    status: statusOf(dto.status),
    form,
    featureNames,
    hasLiveness,
    hasFaceMatch,
    livenessMethod: normaliseMethod(typeof method === 'string' ? method : null),
    thresholds: {
      ...thresholds,
      faceMatchReview: hasFaceMatch ? thresholds.faceMatchReview : null,
      faceMatchDecline: hasFaceMatch ? thresholds.faceMatchDecline : null,
    },
    raw: dto,
  };
}

/**
 * The config keys of the two biometric features (Didit's feature-config contract, recorded in
 * test/fixtures/didit/feature-config-schema.liveness-face-match.json). The settings detail shows
 * them as flat fields; when it lists no `features[].config`, each feature's config is rebuilt from
 * those flat fields, so nothing Didit reported is reset by the PATCH.
 */
const CONFIG_KEYS = {
  LIVENESS: [
    'cross_org_fraud_face_action',
    'cross_org_identity_claim_pattern_action',
    'external_capture_device_action',
    'face_audio_recording_enabled',
    'face_liveness_duplicated_face_name_mismatch_action',
    'face_liveness_flash_mode',
    'face_liveness_max_attempts',
    'face_liveness_method',
    'face_liveness_mode',
    'face_liveness_multiple_faces_action',
    'face_liveness_possible_duplicated_face_action',
    'face_liveness_score_decline_threshold',
    'face_liveness_score_review_threshold',
    'face_luminance_max_action',
    'face_luminance_max_threshold',
    'face_luminance_min_action',
    'face_luminance_min_threshold',
    'face_privacy_mode_enabled',
    'face_quality_decline_threshold',
    'face_quality_review_threshold',
    'frame_injection_action',
    'race_map_similarity_thresholds',
    'screen_capture_action',
    'virtual_camera_action',
  ],
  FACE_MATCH: [
    'face_match_eyes_covered_action',
    'face_match_face_covered_action',
    'face_match_max_attempts',
    'face_match_mouth_covered_action',
    'face_match_not_computed_action',
    'face_match_score_decline_threshold',
    'face_match_score_review_threshold',
  ],
} as const;

/** The config's enums are upper case; the flat settings print some in lower case (`passive`). */
const upperCaseEnum = (key: string) => key === 'face_liveness_method' || key.endsWith('_action');

export class UnsafeThresholdPatchError extends Error {
  override name = 'UnsafeThresholdPatchError';
}

/**
 * The PATCH body that sets the thresholds: the documented `features: [{feature, config}]` form.
 * A PATCH with `features` replaces the whole list, so every feature and every other config key
 * goes back exactly as Didit reported it; only the four thresholds change, as whole numbers.
 * No `status`: the published version is updated in place.
 *
 * Throws `UnsafeThresholdPatchError` when the settings do not expose what would have to be sent
 * back (a feature other than liveness and face match whose config only the list would carry):
 * sending the list would silently reset it.
 */
export function thresholdPatchBody(
  settings: DiditWorkflowSettings,
  thresholds: WorkflowThresholds,
  /** The features the version's list row names, which a flat detail may not flag. */
  listedFeatures: readonly string[] = [],
): { features: Array<Record<string, unknown>> } {
  const whole = (value: number | null) => (value === null ? null : Math.round(value));
  const liveness = {
    face_liveness_score_review_threshold: whole(thresholds.livenessReview),
    face_liveness_score_decline_threshold: whole(thresholds.livenessDecline),
  };
  const faceMatch =
    settings.hasFaceMatch && thresholds.faceMatchReview !== null && thresholds.faceMatchDecline !== null
      ? {
          face_match_score_review_threshold: whole(thresholds.faceMatchReview),
          face_match_score_decline_threshold: whole(thresholds.faceMatchDecline),
        }
      : {};
  const ours = (name: string) => (isLiveness(name) ? liveness : isFaceMatch(name) ? faceMatch : {});

  if (settings.form === 'features') {
    const features = (settings.raw['features'] as unknown[]).map((item) => {
      if (typeof item === 'string') {
        throw new UnsafeThresholdPatchError(`Didit lists feature ${item} without its config; sending the list would reset it.`);
      }
      const { feature, config } = item as { feature: string; config?: Record<string, unknown> | null };
      return { ...(item as Record<string, unknown>), config: { ...(config ?? {}), ...ours(featureName(feature)) } };
    });
    return { features };
  }

  const others = [...new Set([...settings.featureNames, ...listedFeatures.map(featureName)])].filter(
    (name) => !isLiveness(name) && !isFaceMatch(name),
  );
  if (others.length > 0) {
    throw new UnsafeThresholdPatchError(
      `Didit's settings for this workflow do not expose the config of ${others.join(', ')}; sending the features list would reset it.`,
    );
  }
  const flat = settings.raw;
  const configFromFlat = (name: 'LIVENESS' | 'FACE_MATCH'): Record<string, unknown> => {
    const config: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS[name]) {
      const value = flat[key];
      if (value === null || value === undefined) continue;
      config[key] = typeof value === 'string' && upperCaseEnum(key) ? value.trim().toUpperCase() : value;
    }
    return { ...config, ...ours(name) };
  };
  const features: Array<Record<string, unknown>> = [];
  if (settings.hasLiveness) features.push({ feature: 'LIVENESS', config: configFromFlat('LIVENESS') });
  if (settings.hasFaceMatch) features.push({ feature: 'FACE_MATCH', config: configFromFlat('FACE_MATCH') });
  return { features };
}
