import type { ThresholdSet } from '../../../../server/contract/thresholds.ts';
import { formatThreshold } from './format.ts';
import { formatDifference, thresholdChanges } from './threshold-change.ts';
import styles from './Thresholds.module.css';

/** Each threshold in force → proposed, with the difference; what moves is highlighted. */
export function ThresholdChangeTable({
  label,
  from,
  to,
  fromHeading,
  toHeading,
}: {
  /** The table's accessible name. */
  label: string;
  from: ThresholdSet | null;
  to: ThresholdSet;
  fromHeading: string;
  toHeading: string;
}) {
  return (
    <table className={`${styles.table} ${styles.changes}`} aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Threshold</th>
          <th scope="col" className={styles.num}>
            {fromHeading}
          </th>
          <th scope="col" className={styles.num}>
            {toHeading}
          </th>
          <th scope="col" className={styles.num}>
            Difference
          </th>
        </tr>
      </thead>
      <tbody>
        {thresholdChanges(from, to).map((c) => {
          const moved = c.difference !== 0;
          return (
            <tr key={c.key} className={moved ? styles.changed : undefined}>
              <th scope="row">{c.label}</th>
              <td className={styles.num}>{formatThreshold(c.from)}</td>
              <td className={styles.num}>{formatThreshold(c.to)}</td>
              <td className={`${styles.num} ${moved ? '' : styles.muted}`}>{formatDifference(c.difference)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
