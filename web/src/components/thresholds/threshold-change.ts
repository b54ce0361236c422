import type { ThresholdSet } from '../../../../server/contract/thresholds.ts';
import { formatThreshold } from './format.ts';
import { thresholdFields, type ThresholdKey } from './threshold-form.ts';

/** One threshold, in force → proposed. */
export interface ThresholdChange {
  key: ThresholdKey;
  label: string;
  from: number | null;
  to: number | null;
  /** `to − from`; null when either side is unknown. */
  difference: number | null;
}

/**
 * The thresholds of `to` against those of `from` (the ones in force, null when unknown), in the
 * editor's order. The face-match pair is left out when neither side has it (liveness only).
 */
export function thresholdChanges(from: ThresholdSet | null, to: ThresholdSet): ThresholdChange[] {
  return thresholdFields.flatMap(({ key, label }) => {
    const before = from?.[key] ?? null;
    const after = to[key];
    if (before === null && after === null) return [];
    return [{ key, label, from: before, to: after, difference: before === null || after === null ? null : after - before }];
  });
}

/** `+10`, `-5`, or `unchanged`. */
export function formatDifference(difference: number | null): string {
  if (difference === null) return '—';
  if (difference === 0) return 'unchanged';
  return difference > 0 ? `+${difference}` : String(difference);
}

const features: { name: string; review: ThresholdKey; decline: ThresholdKey }[] = [
  { name: 'liveness', review: 'livenessReview', decline: 'livenessDecline' },
  { name: 'face-match', review: 'faceMatchReview', decline: 'faceMatchDecline' },
];

/**
 * The change in words, for a confirmation: `face-match review 70 → 80, decline 50 → 60`. Only
 * what moves is named; `no change to the thresholds in force` when nothing does.
 */
export function describeChange(from: ThresholdSet | null, to: ThresholdSet): string {
  const byKey = new Map(thresholdChanges(from, to).map((c) => [c.key, c]));
  const parts = features.flatMap(({ name, review, decline }) => {
    const moved = [
      ['review', byKey.get(review)],
      ['decline', byKey.get(decline)],
    ] as const;
    const words = moved.flatMap(([which, change]) =>
      change && change.difference !== 0
        ? [`${which} ${change.from === null ? '' : `${formatThreshold(change.from)} → `}${formatThreshold(change.to)}`]
        : [],
    );
    return words.length > 0 ? [`${name} ${words.join(', ')}`] : [];
  });
  return parts.length > 0 ? parts.join('; ') : 'no change to the thresholds in force';
}
