import type { DiditCallStat, RateLimitScope, WorkerHeartbeat } from '../../../../server/contract/sync.ts';
import { HealthTag } from './HealthTag.tsx';
import { Ago } from './SyncSummary.tsx';
import { callLevel, formatInstant, formatPercent, rateLimitLevel, type HealthLevel } from './sync-health.ts';
import styles from './Sync.module.css';

/** Didit API calls in the last 15 minutes, by operation. */
export function DiditCallsTable({ calls }: { calls: DiditCallStat[] }) {
  if (calls.length === 0) return <p className={styles.muted}>No calls to Didit in the last 15 minutes.</p>;
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.caption}>Didit calls in the last 15 minutes, by operation</caption>
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col" className={styles.numeric}>
              Calls
            </th>
            <th scope="col" className={styles.numeric}>
              Errors
            </th>
            <th scope="col" className={styles.numeric}>
              Rate-limited
            </th>
            <th scope="col" className={styles.numeric}>
              Error rate
            </th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr key={call.operation}>
              <th scope="row" className={styles.mono}>
                {call.operation}
              </th>
              <td className={styles.numeric}>{call.total}</td>
              <td className={styles.numeric}>{call.errors}</td>
              <td className={styles.numeric}>{call.rateLimited}</td>
              <td className={styles.numeric}>{formatPercent(call.errorRate)}</td>
              <td>
                <HealthTag level={callLevel(call)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Our per-minute budgets per Didit rate-limit scope, and what Didit last reported. */
export function RateLimitTable({ scopes, now }: { scopes: RateLimitScope[]; now: number }) {
  if (scopes.length === 0) return <p className={styles.muted}>No rate-limit scopes are configured.</p>;
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.caption}>Didit rate-limit budgets</caption>
        <thead>
          <tr>
            <th scope="col">Scope</th>
            <th scope="col" className={styles.numeric}>
              Used last minute
            </th>
            <th scope="col">Didit reported</th>
            <th scope="col">Blocked until</th>
            <th scope="col">Last throttled</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {scopes.map((scope) => {
            const level = rateLimitLevel(scope);
            return (
              <tr key={scope.scope}>
                <th scope="row" className={styles.mono}>
                  {scope.scope}
                </th>
                <td className={styles.numeric}>
                  {scope.usedLastMinute}
                  {scope.budgetPerMinute === null ? ' (no budget)' : ` of ${scope.budgetPerMinute}`}
                </td>
                <td>
                  {scope.reportedLimit === null && scope.reportedRemaining === null ? (
                    '—'
                  ) : (
                    <>
                      {scope.reportedRemaining ?? '?'} of {scope.reportedLimit ?? '?'} left
                      {scope.reportedResetAt ? (
                        <>
                          , resets{' '}
                          <time dateTime={scope.reportedResetAt} title={formatInstant(scope.reportedResetAt)}>
                            {formatInstant(scope.reportedResetAt)}
                          </time>
                        </>
                      ) : null}
                    </>
                  )}
                </td>
                <td className={styles.nowrap}>
                  {scope.blockedUntil ? (
                    <time dateTime={scope.blockedUntil}>{formatInstant(scope.blockedUntil)}</time>
                  ) : (
                    'Not blocked'
                  )}
                </td>
                <td className={styles.nowrap}>
                  <Ago iso={scope.lastThrottledAt} now={now} />
                </td>
                <td>
                  <HealthTag level={level} label={scope.blockedUntil ? 'Blocked' : undefined} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A worker is healthy while its heartbeat (every minute) is fresh; two missed beats is a warning, five a breach. */
export function workerLevel(worker: WorkerHeartbeat, now: number): HealthLevel {
  const silentSeconds = (now - Date.parse(worker.lastSeenAt)) / 1000;
  return silentSeconds < 150 ? 'ok' : silentSeconds < 330 ? 'warn' : 'breach';
}

/** Worker processes and when each was last heard from. */
export function WorkersTable({ workers, now }: { workers: WorkerHeartbeat[]; now: number }) {
  if (workers.length === 0) {
    return (
      <p className={styles.muted}>No worker has reported in the last day: webhooks are stored but not applied until one runs.</p>
    );
  }
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className={styles.caption}>Worker processes, most recently seen first</caption>
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Host</th>
            <th scope="col" className={styles.numeric}>
              PID
            </th>
            <th scope="col">Started</th>
            <th scope="col">Last seen</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((worker) => (
            <tr key={worker.workerId}>
              <th scope="row" className={styles.mono}>
                {worker.workerId}
              </th>
              <td>{worker.hostname}</td>
              <td className={styles.numeric}>{worker.pid}</td>
              <td>{formatInstant(worker.startedAt)}</td>
              <td>
                <Ago iso={worker.lastSeenAt} now={now} />
              </td>
              <td>
                <HealthTag level={workerLevel(worker, now)} label={workerLevel(worker, now) === 'ok' ? 'Running' : 'Silent'} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
