import { Link } from 'react-router';
import type { QuarantinedDelivery } from '../../../../server/contract/sync.ts';
import { HealthTag } from './HealthTag.tsx';
import { formatInstant, needsLook, quarantineReasonLabels, quarantineRepairText, shownCount } from './sync-health.ts';
import styles from './Sync.module.css';

export interface QuarantineTableProps {
  rows: QuarantinedDelivery[];
  /** How many deliveries are quarantined in all (the server lists the 50 latest). */
  total: number;
}

/**
 * Authentic Didit deliveries (the signature verified) that could not be stored as events, and the
 * re-read of each one's session from Didit. Every value is text, never HTML.
 */
export function QuarantineTable({ rows, total }: QuarantineTableProps) {
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.caption}>
          Quarantined webhook deliveries, latest first ({shownCount(rows.length, total, ['delivery', 'deliveries'])})
        </caption>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Received</th>
            <th scope="col">Reason</th>
            <th scope="col">Detail</th>
            <th scope="col">Type</th>
            <th scope="col">Session</th>
            <th scope="col">Event time</th>
            <th scope="col">Repair</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-repair={row.repairState}>
              <th scope="row" className={styles.mono}>
                {row.id}
              </th>
              <td className={styles.nowrap}>
                <time dateTime={row.receivedAt}>{formatInstant(row.receivedAt)}</time>
                {row.deliveries > 1 ? (
                  <div className={styles.muted}>
                    last <time dateTime={row.lastReceivedAt}>{formatInstant(row.lastReceivedAt)}</time>, {row.deliveries}{' '}
                    deliveries
                  </div>
                ) : null}
              </td>
              <td>{quarantineReasonLabels[row.reason]}</td>
              <td className={styles.errorText}>{row.detail ? <code>{row.detail}</code> : '—'}</td>
              <td className={styles.mono}>{row.webhookType ?? '—'}</td>
              <td className={styles.mono}>
                {row.sessionId ? <Link to={`/sessions/${encodeURIComponent(row.sessionId)}`}>{row.sessionId}</Link> : '—'}
              </td>
              <td className={styles.nowrap}>
                {row.eventTimestamp ? <time dateTime={row.eventTimestamp}>{formatInstant(row.eventTimestamp)}</time> : '—'}
              </td>
              <td>
                {needsLook(row) ? (
                  <>
                    <HealthTag level="warn" />{' '}
                  </>
                ) : null}
                {quarantineRepairText(row)}
                {row.repairState === 'repaired' && row.repairedAt ? (
                  <div className={styles.muted}>
                    <time dateTime={row.repairedAt}>{formatInstant(row.repairedAt)}</time>
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
