import type { Warning } from '../../../../server/contract/review.ts';
import { normaliseLogType } from '../queue/warning-codes.ts';
import { WarningChip } from '../queue/WarningChip.tsx';
import styles from './SessionPanels.module.css';

function additionalText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Every warning with its code, log type, feature and Didit's short and long descriptions (as text). */
export function WarningList({ warnings }: { warnings: Warning[] }) {
  if (warnings.length === 0) return <p className={styles.muted}>No warnings.</p>;
  return (
    <ul className={styles.warnings}>
      {warnings.map((warning, index) => {
        const logType = normaliseLogType(warning.logType);
        const extra = additionalText(warning.additionalData);
        return (
          <li key={`${warning.risk}-${index}`} className={`${styles.warning} ${styles[`log_${logType}`]}`}>
            <div className={styles.warningHead}>
              <WarningChip code={warning.risk} logType={logType} />
              <span className={styles.logType}>{warning.logType ?? 'no log type'}</span>
              {warning.feature ? <span className={styles.feature}>{warning.feature}</span> : null}
            </div>
            {warning.shortDescription ? <p className={styles.short}>{warning.shortDescription}</p> : null}
            {warning.longDescription ? <p className={styles.long}>{warning.longDescription}</p> : null}
            {extra ? <p className={styles.extra}>Additional data: {extra}</p> : null}
          </li>
        );
      })}
    </ul>
  );
}
