/**
 * Scores as the console writes them: always one decimal (`58.6`, `70.0`), so a column of scores
 * lines up and a whole number never reads as a threshold. Thresholds are whole numbers and are
 * written by `formatThreshold` (`../thresholds/format.ts`): `70`.
 */
export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined || !Number.isFinite(score) ? '—' : score.toFixed(1);
}
