import { consoleWarningCodes } from '../../../../server/contract/data-problems.ts';
import type { Warning } from '../../../../server/contract/review.ts';
import { normaliseLogType } from '../queue/warning-codes.ts';
import { WarningChip } from '../queue/WarningChip.tsx';
import { formatScore } from '../queue/format.ts';
import { formatThreshold } from '../thresholds/format.ts';
import styles from './SessionPanels.module.css';

const featureLabel = (feature: string | null) =>
  feature === 'LIVENESS' ? 'Liveness' : feature === 'FACEMATCH' || feature === 'FACE_MATCH' ? 'Face match' : 'Score';

const words = (key: string) => key.replace(/_/g, ' ');

function plain(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(plain).join(', ');
  return Object.entries(value as Record<string, unknown>)
    .map(([key, v]) => `${words(key)} ${plain(v)}`)
    .join(' · ');
}

/**
 * Didit's `additional_data` as a sentence: a threshold warning reads "Liveness 58.6: at or below
 * review 70, above decline 50"; anything else as "key value · key value", never raw JSON.
 */
export function additionalText(warning: Pick<Warning, 'feature' | 'additionalData'>): string | null {
  const value = warning.additionalData;
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { score, review_threshold: review, decline_threshold: decline } = value as Record<string, unknown>;
    if (typeof score === 'number' && typeof review === 'number' && typeof decline === 'number') {
      const where =
        score <= decline
          ? `at or below decline ${formatThreshold(decline)}`
          : score <= review
            ? `at or below review ${formatThreshold(review)}, above decline ${formatThreshold(decline)}`
            : `above review ${formatThreshold(review)}`;
      return `${featureLabel(warning.feature)} ${formatScore(score)}: ${where}`;
    }
  }
  return plain(value);
}

/**
 * Every warning with its code, log type, feature and Didit's short and long descriptions (as text).
 * Warnings the console raised itself (a score Didit sent outside 0–100) say so.
 */
export function WarningList({ warnings }: { warnings: Warning[] }) {
  if (warnings.length === 0) return <p className={styles.muted}>No warnings.</p>;
  return (
    <ul className={styles.warnings}>
      {warnings.map((warning, index) => {
        const logType = normaliseLogType(warning.logType);
        const extra = additionalText(warning);
        return (
          <li key={`${warning.risk}-${index}`} className={`${styles.warning} ${styles[`log_${logType}`]}`}>
            <div className={styles.warningHead}>
              <WarningChip code={warning.risk} logType={logType} />
              <span className={styles.logType}>{warning.logType ?? 'no log type'}</span>
              {warning.feature ? <span className={styles.feature}>{warning.feature}</span> : null}
              {consoleWarningCodes.includes(warning.risk) ? <span className={styles.feature}>raised by the console</span> : null}
            </div>
            {warning.shortDescription ? <p className={styles.short}>{warning.shortDescription}</p> : null}
            {warning.longDescription ? <p className={styles.long}>{warning.longDescription}</p> : null}
            {extra ? <p className={styles.extra}>{extra}</p> : null}
          </li>
        );
      })}
    </ul>
  );
}
