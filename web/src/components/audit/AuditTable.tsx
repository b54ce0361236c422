import { Link } from 'react-router';
import type { AuditEntryView } from '../../../../server/contract/audit.ts';
import { detailFields, summarizeAuditDetails } from './audit-details.ts';
import { auditTargetHref } from './audit-target.ts';
import styles from './Audit.module.css';
import { formatDateTime } from '../../format/date.ts';

/**
 * Dense, read-only view of audit rows. Targets link to the page that shows them; details read as
 * one line of words and expand to every recorded field. Every value is rendered as text, never as
 * HTML.
 */
export function AuditTable({ entries, canManageTokens }: { entries: AuditEntryView[]; canManageTokens: boolean }) {
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
                <time dateTime={entry.occurredAt}>{formatDateTime(entry.occurredAt, { seconds: true })}</time>
              </td>
              <td>
                <span className={styles.actorType}>{entry.actorType}</span> {entry.actorLabel}
              </td>
              <td className={styles.mono}>{entry.action}</td>
              <td>
                <AuditTarget entry={entry} canManageTokens={canManageTokens} />
              </td>
              <td className={styles.mono}>{entry.ip ?? '—'}</td>
              <td className={styles.details}>
                <AuditDetails entry={entry} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditTarget({ entry, canManageTokens }: { entry: AuditEntryView; canManageTokens: boolean }) {
  if (!entry.targetType) return '—';
  const href = auditTargetHref(entry.targetType, entry.targetId, { canManageTokens });
  return (
    <span className={styles.target}>
      <span className={styles.targetType}>{entry.targetType}</span>{' '}
      {href && entry.targetId ? (
        <Link to={href} className={styles.targetId}>
          {entry.targetId}
        </Link>
      ) : (
        <span className={styles.targetId}>{entry.targetId ?? ''}</span>
      )}
    </span>
  );
}

/** The summary line opens (click, Enter or Space) onto every field as a key/value list. */
function AuditDetails({ entry }: { entry: AuditEntryView }) {
  const fields = detailFields(entry.details);
  if (fields.length === 0) return '—';
  return (
    <details className={styles.disclosure}>
      <summary>{summarizeAuditDetails(entry.action, entry.details)}</summary>
      <dl className={styles.detailList}>
        {fields.map((field) => (
          <div key={field.key}>
            <dt>{field.label}</dt>
            <dd>{field.value}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
