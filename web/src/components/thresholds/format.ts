/**
 * Thresholds as Didit takes them: whole numbers 0–100. Kept free of imports so the session page
 * can use it without pulling in the threshold editor.
 */
export function formatThreshold(value: number | null): string {
  return value === null ? '—' : String(Math.round(value));
}

/** `70/50 · 80/60`: liveness review/decline, then face match when the workflow has it. */
export function formatThresholdSet(
  t: { livenessReview: number; livenessDecline: number; faceMatchReview: number | null; faceMatchDecline: number | null } | null,
): string {
  if (!t) return '—';
  const liveness = `${formatThreshold(t.livenessReview)}/${formatThreshold(t.livenessDecline)}`;
  return t.faceMatchReview === null
    ? liveness
    : `${liveness} · ${formatThreshold(t.faceMatchReview)}/${formatThreshold(t.faceMatchDecline)}`;
}
