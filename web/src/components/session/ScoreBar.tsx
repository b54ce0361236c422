import { formatScore } from '../queue/format.ts';
import { formatThreshold } from '../thresholds/format.ts';
import { scoreZone, zoneLabels } from './score-zone.ts';
import styles from './ScoreBar.module.css';

export interface ScoreBarProps {
  label: string;
  score: number | null;
  review: number | null;
  decline: number | null;
  /** Shown instead of the bar when there is no score (e.g. "liveness only"). */
  missing?: string;
}

const pct = (value: number) => `${Math.min(100, Math.max(0, value))}%`;

/**
 * A 0–100 score on a bar split at the workflow's decline and review thresholds. Colour carries
 * the zone; the text says it too (zone name and the thresholds with their ≤ semantics).
 */
export function ScoreBar({ label, score, review, decline, missing = 'not available' }: ScoreBarProps) {
  if (score === null) {
    return (
      <div className={styles.score}>
        <div className={styles.header}>
          <span className={styles.label}>{label}</span>
          <span className={styles.muted}>{missing}</span>
        </div>
      </div>
    );
  }
  const zone = scoreZone(score, review, decline);
  const declineAt = decline ?? 0;
  const reviewAt = Math.max(review ?? declineAt, declineAt);
  const thresholdsText = [
    decline !== null ? `decline ≤ ${formatThreshold(decline)}` : null,
    review !== null ? `review ≤ ${formatThreshold(review)}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <div className={styles.score} data-zone={zone}>
      <div className={styles.header}>
        <span className={styles.label}>{label}</span>
        <span className={`${styles.value} ${styles[zone]}`}>{formatScore(score)}</span>
        <span className={`${styles.zone} ${styles[zone]}`}>{zoneLabels[zone]}</span>
      </div>
      <div
        className={styles.track}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={score}
        aria-valuetext={`${formatScore(score)}, ${zoneLabels[zone]}${thresholdsText ? ` (${thresholdsText})` : ''}`}
      >
        {review !== null || decline !== null ? (
          <>
            {decline !== null ? (
              <span className={`${styles.segment} ${styles.declineZone}`} style={{ left: 0, width: pct(declineAt) }} />
            ) : null}
            {review !== null ? (
              <span
                className={`${styles.segment} ${styles.reviewZone}`}
                style={{ left: pct(declineAt), width: pct(reviewAt - declineAt) }}
              />
            ) : null}
            <span
              className={`${styles.segment} ${styles.passZone}`}
              style={{ left: pct(reviewAt), width: pct(100 - reviewAt) }}
            />
          </>
        ) : (
          <span className={`${styles.segment} ${styles.neutralZone}`} style={{ left: 0, width: '100%' }} />
        )}
        {decline !== null ? <span className={styles.tick} style={{ left: pct(decline) }} /> : null}
        {review !== null ? <span className={styles.tick} style={{ left: pct(review) }} /> : null}
        <span className={styles.marker} style={{ left: pct(score) }} />
      </div>
      <div className={styles.scale} aria-hidden="true">
        <span style={{ left: 0 }}>0</span>
        {decline !== null ? <span style={{ left: pct(decline) }}>{formatThreshold(decline)}</span> : null}
        {review !== null ? <span style={{ left: pct(review) }}>{formatThreshold(review)}</span> : null}
        <span style={{ left: '100%' }}>100</span>
      </div>
      <p className={styles.caption}>
        {thresholdsText ? `Scored against: ${thresholdsText}` : 'No thresholds recorded for this workflow'}
      </p>
    </div>
  );
}
