import type { AuditEntryView } from '../../../../server/contract/audit.ts';
import styles from './Audit.module.css';

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Dense, read-only view of audit rows. Every value is rendered as text, never as HTML. */
export function AuditTable({ entries }: { entries: AuditEntryView[] }) {
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.visuallyHidden}>Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td className={styles.nowrap}>
                <time dateTime={entry.occurredAt}>{time.format(new Date(entry.occurredAt))}</time>
              </td>
              <td>
                <span className={styles.actorType}>{entry.actorType}</span> {entry.actorLabel}
              </td>
              <td className={styles.mono}>{entry.action}</td>
              <td className={styles.mono}>{entry.targetType ? `${entry.targetType}:${entry.targetId ?? ''}` : '—'}</td>
              <td className={styles.mono}>{entry.ip ?? '—'}</td>
              <td className={styles.details}>
                {Object.keys(entry.details).length > 0 ? <code>{JSON.stringify(entry.details)}</code> : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
