import type { LogType } from './warning-codes.ts';
import styles from './WarningChip.module.css';

const logTypeLabels: Record<LogType, string> = {
  error: 'error',
  warning: 'warning',
  information: 'information',
  unknown: 'unclassified',
};

/** A warning code as a chip, coloured by its log type (the type is also in the accessible name). */
export function WarningChip({ code, logType, title }: { code: string; logType: LogType; title?: string }) {
  return (
    <span className={`${styles.chip} ${styles[logType]}`} title={title ?? `${code} (${logTypeLabels[logType]})`}>
      <span className={styles.srOnly}>{logTypeLabels[logType]}: </span>
      {code}
    </span>
  );
}
