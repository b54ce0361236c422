import type { ReactNode } from 'react';
import type { SyncStatus } from '../../../../server/contract/sync.ts';
import { HealthTag, levelClass } from './HealthTag.tsx';
import {
  backlogLevel,
  formatAgo,
  formatInstant,
  formatSeconds,
  lostPushCount,
  needsLook,
  parkedLevel,
  pushesLevel,
  quarantineLevel,
  reconciliationLevel,
  retryingLevel,
  secondsSince,
  type HealthLevel,
} from './sync-health.ts';
import styles from './Sync.module.css';

function Stat({ label, level, value, children }: { label: string; level: HealthLevel; value: ReactNode; children?: ReactNode }) {
  return (
    <div className={`${styles.stat} ${levelClass[level] ?? ''}`} data-level={level}>
      <dt className={styles.statLabel}>{label}</dt>
      <dd className={styles.statValue}>{value}</dd>
      {level !== 'neutral' ? (
        <dd>
          <HealthTag level={level} />
        </dd>
      ) : null}
      {children ? <dd className={styles.statDetail}>{children}</dd> : null}
    </div>
  );
}

/** A relative time ("3 min ago") with the absolute time in its tooltip and `dateTime`. */
export function Ago({ iso, now, never }: { iso: string | null; now: number; never?: string }) {
  if (!iso) return <>{never ?? 'never'}</>;
  return (
    <time dateTime={iso} title={formatInstant(iso)}>
      {formatAgo(iso, now)}
    </time>
  );
}

export interface SyncSummaryProps {
  status: SyncStatus;
  now: number;
  /** False when no webhook has ever arrived: the page says so instead of showing zeros. */
  showWebhooks?: boolean;
}

/** The numbers that say whether the copy of Didit's truth is keeping up. */
export function SyncSummary({ status, now, showWebhooks = true }: SyncSummaryProps) {
  const { webhooks, reconciliation, pushes } = status;
  const oldestAge = secondsSince(webhooks.oldestPendingAt, now);
  const lastRun = reconciliation.lastCompleted;
  const active = reconciliation.active;
  const toLookAt = webhooks.quarantined.filter(needsLook).length;
  const lostPushes = lostPushCount(pushes);
  return (
    <section aria-labelledby="sync-summary-heading" className={styles.section}>
      <h2 id="sync-summary-heading" className={styles.visuallyHidden}>
        Summary
      </h2>
      <dl className={styles.summary}>
        {showWebhooks ? (
          <>
            <Stat label="Last webhook received" level="neutral" value={<Ago iso={webhooks.lastReceivedAt} now={now} />} />
            <Stat label="Webhooks in the last hour" level="neutral" value={webhooks.receivedLastHour} />
            <Stat label="Inbox backlog" level={backlogLevel(webhooks, now)} value={webhooks.backlog}>
              {webhooks.backlog === 0 || oldestAge === null ? (
                'Nothing waiting'
              ) : (
                <>
                  Oldest pending for{' '}
                  <time dateTime={webhooks.oldestPendingAt ?? undefined} title={formatInstant(webhooks.oldestPendingAt)}>
                    {formatSeconds(oldestAge)}
                  </time>
                </>
              )}
            </Stat>
            <Stat label="Retrying" level={retryingLevel(webhooks.retrying)} value={webhooks.retrying}>
              Waiting for another attempt
            </Stat>
            <Stat label="Parked" level={parkedLevel(webhooks.parkedCount)} value={webhooks.parkedCount}>
              Gave up retrying; replay once fixed
            </Stat>
            <Stat label="Quarantined" level={quarantineLevel(webhooks)} value={webhooks.quarantinedCount}>
              {toLookAt > 0
                ? `${toLookAt} to look at: the re-read from Didit failed or has no session id`
                : 'Authentic deliveries not stored as events; re-read from Didit'}
            </Stat>
          </>
        ) : null}
        <Stat label="Decisions to Didit" level={pushesLevel(pushes)} value={pushes.pendingCount}>
          {pushes.pendingCount === 0
            ? 'All confirmed by Didit'
            : `Oldest pending for ${formatSeconds(pushes.oldestPendingSeconds)}`}
          {lostPushes > 0 ? (
            <>
              <br />
              {lostPushes} stuck without a live worker
            </>
          ) : null}
        </Stat>
        <Stat
          label="Reconciliation lag"
          level={reconciliationLevel(reconciliation)}
          value={reconciliation.lagSeconds === null ? 'No walk completed' : formatSeconds(reconciliation.lagSeconds)}
        >
          {lastRun ? (
            <>
              Last run finished <Ago iso={lastRun.finishedAt} now={now} />, {lastRun.examined} examined, {lastRun.repaired}{' '}
              repaired
            </>
          ) : (
            'No reconciliation run has finished yet'
          )}
          {active ? (
            <>
              <br />
              Walk in progress: {active.examined}
              {active.total === null ? '' : ` of ${active.total}`} examined, {active.repaired} repaired
            </>
          ) : null}
        </Stat>
      </dl>
    </section>
  );
}
