import { Link } from 'react-router';
import type { ParkedWebhook } from '../../../../server/contract/sync.ts';
import { formatInstant, shownCount } from './sync-health.ts';
import styles from './Sync.module.css';

export interface ParkedTableProps {
  rows: ParkedWebhook[];
  /** How many rows are parked in all (the server lists the 50 most recent). */
  total: number;
  /** Show the Replay column (the user has `webhook.replay`). */
  canReplay: boolean;
  /** Ids with a replay request in flight. */
  replaying: ReadonlySet<number>;
  onReplay: (row: ParkedWebhook) => void;
}

/** Parked webhook events, most recently parked first. Every value is text, never HTML. */
export function ParkedTable({ rows, total, canReplay, replaying, onReplay }: ParkedTableProps) {
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.caption}>
          Parked webhook events, most recently parked first ({shownCount(rows.length, total, ['row', 'rows'])})
        </caption>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Session</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col" className={styles.numeric}>
              Attempts
            </th>
            <th scope="col">Error</th>
            <th scope="col">Event time</th>
            <th scope="col">Parked</th>
            {canReplay ? (
              <th scope="col">
                <span className={styles.visuallyHidden}>Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row" className={styles.mono}>
                {row.id}
              </th>
              <td className={styles.mono}>
                {row.sessionId ? <Link to={`/sessions/${encodeURIComponent(row.sessionId)}`}>{row.sessionId}</Link> : '—'}
              </td>
              <td className={styles.mono}>{row.webhookType}</td>
              <td>{row.status ?? '—'}</td>
              <td className={styles.numeric}>{row.attempts}</td>
              <td className={styles.errorText}>{row.lastError ? <code>{row.lastError}</code> : '—'}</td>
              <td className={styles.nowrap}>
                <time dateTime={row.eventTimestamp}>{formatInstant(row.eventTimestamp)}</time>
              </td>
              <td className={styles.nowrap}>
                {row.parkedAt ? <time dateTime={row.parkedAt}>{formatInstant(row.parkedAt)}</time> : '—'}
              </td>
              {canReplay ? (
                <td>
                  {row.sessionId ? (
                    <button
                      type="button"
                      className={styles.button}
                      onClick={() => onReplay(row)}
                      disabled={replaying.has(row.id)}
                      aria-label={`Replay webhook ${row.id}`}
                    >
                      {replaying.has(row.id) ? 'Replaying…' : 'Replay'}
                    </button>
                  ) : (
                    <span className={styles.muted}>Record only</span>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
