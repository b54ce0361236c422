import type { Thresholds } from '../contract/review.ts';

/**
 * Thresholds as Didit reports them in a workflow's settings, in either documented form:
 * the current `features[].config` list or the legacy flat fields (docs/didit-contract.md §5, §8).
 */
export function thresholdsFromDiditSettings(settings: Record<string, unknown> | null): Omit<Thresholds, 'source' | 'nowInForce'> {
  const result: Omit<Thresholds, 'source' | 'nowInForce'> = {
    versionId: null,
    version: null,
    livenessReview: null,
    livenessDecline: null,
    faceMatchReview: null,
    faceMatchDecline: null,
  };
  if (!settings) return result;
  const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  const read = (source: Record<string, unknown>) => {
    result.livenessReview ??= num(source.face_liveness_score_review_threshold);
    result.livenessDecline ??= num(source.face_liveness_score_decline_threshold);
    result.faceMatchReview ??= num(source.face_match_score_review_threshold);
    result.faceMatchDecline ??= num(source.face_match_score_decline_threshold);
  };
  const features: unknown = settings.features;
  if (Array.isArray(features)) {
    for (const feature of features as unknown[]) {
      const config = feature && typeof feature === 'object' ? (feature as { config?: unknown }).config : undefined;
      if (config && typeof config === 'object') read(config as Record<string, unknown>);
    }
  }
  read(settings);
  return result;
}
