import type { InsightsResponse } from '../../../../server/contract/insights.ts';
import styles from './Insights.module.css';

/**
 * Sessions waiting now that are at risk of breaching their SLA, and that breached it, per
 * workflow (business hours, ADR 0020). "Now" whatever the range: it is the queue's state.
 */
export function SlaNow({
  rows,
  nameOf,
}: {
  rows: NonNullable<InsightsResponse['slaNow']>;
  nameOf: (id: string | null) => string;
}) {
  const atRisk = rows.reduce((sum, r) => sum + r.atRisk, 0);
  const breached = rows.reduce((sum, r) => sum + r.breached, 0);
  return (
    <section aria-labelledby="sla-now-title" className={styles.section}>
      <div className={styles.sectionHeader}>
        <h2 id="sla-now-title">SLA now</h2>
      </div>
      <p className={styles.note} data-testid="sla-now-summary">
        {atRisk} at risk, {breached} breached, of {rows.reduce((sum, r) => sum + r.open, 0)} sessions waiting now.
      </p>
      {rows.length > 0 ? (
        <table className={styles.table} aria-label="SLA now by workflow">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col" className={styles.numeric}>
                Waiting
              </th>
              <th scope="col" className={styles.numeric}>
                At risk
              </th>
              <th scope="col" className={styles.numeric}>
                Breached
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.workflowId ?? 'none'}>
                <th scope="row">{nameOf(r.workflowId)}</th>
                <td className={styles.numeric}>{r.open}</td>
                <td className={styles.numeric}>{r.atRisk}</td>
                <td className={styles.numeric}>{r.breached}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
