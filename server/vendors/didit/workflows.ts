import { normaliseMethod, type LivenessMethod } from './adapt.ts';
import type { DiditWorkflowDto } from './didit-schemas.ts';

/**
 * Didit workflows (didit-api.md §5) as the console sees them, and the PATCH body that sets
 * thresholds in whichever form the workflow uses. Vendor shapes stay in this folder.
 */

export interface WorkflowThresholds {
  livenessReview: number | null;
  livenessDecline: number | null;
  faceMatchReview: number | null;
  faceMatchDecline: number | null;
}

export interface DiditWorkflow {
  /** The settings uuid (per workflow version at Didit); falls back to the workflow id. */
  settingsId: string;
  /** What sessions reference. */
  workflowId: string;
  label: string | null;
  type: string | null;
  version: number | null;
  /** `features`: thresholds in `features[].config`; `legacy`: flat fields. */
  form: 'features' | 'legacy';
  hasLiveness: boolean;
  hasFaceMatch: boolean;
  livenessMethod: LivenessMethod | null;
  thresholds: WorkflowThresholds;
  /** The workflow as Didit answered it, stored whole. */
  raw: Record<string, unknown>;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const featureName = (value: string) =>
  value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');

export function adaptDiditWorkflow(dto: DiditWorkflowDto): DiditWorkflow | null {
  const workflowId = dto.workflow_id ?? dto.uuid;
  if (!workflowId) return null;
  const items = typeof dto.features === 'string' ? dto.features.split('+') : (dto.features ?? []);
  const configs = new Map<string, Record<string, unknown>>();
  const names = new Set<string>();
  let form: DiditWorkflow['form'] = 'legacy';
  for (const item of items) {
    if (typeof item === 'string') {
      if (item.trim()) names.add(featureName(item));
    } else {
      form = 'features';
      names.add(featureName(item.feature));
      configs.set(featureName(item.feature), item.config ?? {});
    }
  }
  const liveness = configs.get('LIVENESS');
  const faceMatch = configs.get('FACE_MATCH') ?? configs.get('FACEMATCH');
  const hasFaceMatch =
    form === 'features'
      ? faceMatch !== undefined
      : (dto.is_face_match_enabled ?? (names.has('FACE_MATCH') || names.has('FACEMATCH')));
  const hasLiveness = form === 'features' ? liveness !== undefined : (dto.is_liveness_enabled ?? names.has('LIVENESS'));
  const pick = (key: string, config: Record<string, unknown> | undefined) =>
    form === 'features' ? num(config?.[key]) : num((dto as Record<string, unknown>)[key]);
  const method = form === 'features' ? liveness?.['face_liveness_method'] : dto.face_liveness_method;
  return {
    settingsId: dto.uuid ?? workflowId,
    workflowId,
    label: dto.workflow_label ?? null,
    type: dto.workflow_type ?? null,
    version: dto.version ?? null,
    form,
    hasLiveness,
    hasFaceMatch,
    livenessMethod: normaliseMethod(typeof method === 'string' ? method : null),
    thresholds: {
      livenessReview: pick('face_liveness_score_review_threshold', liveness),
      livenessDecline: pick('face_liveness_score_decline_threshold', liveness),
      faceMatchReview: hasFaceMatch ? pick('face_match_score_review_threshold', faceMatch) : null,
      faceMatchDecline: hasFaceMatch ? pick('face_match_score_decline_threshold', faceMatch) : null,
    },
    raw: dto,
  };
}

/**
 * The PATCH body that sets the thresholds. Current form: the whole `features` list (a PATCH with
 * `features` replaces it), every other config key kept as Didit reported it. Legacy: flat fields.
 */
export function thresholdPatchBody(current: DiditWorkflow, thresholds: WorkflowThresholds): Record<string, unknown> {
  const liveness = {
    face_liveness_score_review_threshold: thresholds.livenessReview,
    face_liveness_score_decline_threshold: thresholds.livenessDecline,
  };
  const faceMatch =
    current.hasFaceMatch && thresholds.faceMatchReview !== null && thresholds.faceMatchDecline !== null
      ? {
          face_match_score_review_threshold: thresholds.faceMatchReview,
          face_match_score_decline_threshold: thresholds.faceMatchDecline,
        }
      : {};
  if (current.form === 'legacy') return { ...liveness, ...faceMatch };
  const features = Array.isArray(current.raw['features']) ? (current.raw['features'] as unknown[]) : [];
  return {
    features: features.map((item) => {
      if (!item || typeof item !== 'object') return item;
      const { feature, config } = item as { feature?: unknown; config?: Record<string, unknown> | null };
      const name = typeof feature === 'string' ? featureName(feature) : '';
      const extra = name === 'LIVENESS' ? liveness : name === 'FACE_MATCH' || name === 'FACEMATCH' ? faceMatch : {};
      return { ...(item as Record<string, unknown>), config: { ...(config ?? {}), ...extra } };
    }),
  };
}
