import { useRef } from 'react';
import type { ParkedWebhook, PendingPush } from '../../../../server/contract/sync.ts';
import { useSyncStatus } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import { httpSyncApi, type SyncApi } from '../../api/sync.ts';
import { useNow } from '../../hooks/use-now.ts';
import { EmptyState } from '../layout/EmptyState.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { DiditCallsTable, RateLimitTable, WorkersTable } from './DiditTables.tsx';
import { ParkedTable } from './ParkedTable.tsx';
import { PendingPushesTable } from './PendingPushesTable.tsx';
import { QuarantineTable } from './QuarantineTable.tsx';
import { SyncSummary } from './SyncSummary.tsx';
import {
  formatInstant,
  formatSeconds,
  nothingReceived,
  PUSH_WARN_SECONDS,
  requeueFailureText,
  requeueOutcomeText,
} from './sync-health.ts';
import { Announcer, useRowAction } from './use-row-action.tsx';
import styles from './Sync.module.css';

export interface SyncViewProps {
  /** The HTTP calls; tests hand in plain async functions. */
  api?: SyncApi;
  /** The user may replay webhooks (`webhook.replay`). Hiding is convenience: the server checks again. */
  canReplay: boolean;
  /** The user may re-queue a stuck decision push (`push.requeue`); the server checks again. */
  canRequeue: boolean;
  /** Poll interval for the status (0 turns polling off). */
  pollMs?: number;
}

/**
 * Sync health: webhook inbox, parked events (with replay), decisions on their way to Didit (with
 * re-queue), quarantined deliveries, reconciliation, Didit calls and budgets.
 */
export function SyncView({ api = httpSyncApi, canReplay, canRequeue, pollMs = 10_000 }: SyncViewProps) {
  const sync = useSyncStatus(api, pollMs);
  const syncError = sync.error ? errorMessage(sync.error) : null;
  const fetchedAt = sync.dataUpdatedAt || null;
  const refresh = () => void sync.refetch();
  const now = useNow(5_000);
  const replay = useRowAction();
  const requeue = useRowAction();
  const parkedHeading = useRef<HTMLHeadingElement>(null);
  const pushesHeading = useRef<HTMLHeadingElement>(null);
  const status = sync.data;
  // Clock skew between tabs and renders: never show data as older than when it was fetched.
  const at = Math.max(now, fetchedAt ?? 0);

  const replayRow = (row: ParkedWebhook) =>
    replay.run(
      row.id,
      async () => {
        const result = await api.replayWebhook(row.id);
        // The row leaves the parked list on the next status; keep keyboard focus somewhere sensible.
        parkedHeading.current?.focus();
        refresh();
        return `Webhook ${result.id} queued for replay (session ${result.sessionId}).`;
      },
      (error) => `Replay of webhook ${row.id} failed: ${errorMessage(error)}`,
    );

  const requeueRow = (row: PendingPush) =>
    requeue.run(
      row.reviewEventId,
      async () => {
        const result = await api.requeuePush(row.reviewEventId);
        // The button was disabled while in flight, which drops focus; the heading sits above the announcement.
        pushesHeading.current?.focus();
        refresh();
        const outcome = requeueOutcomeText[result.wasJob];
        return `The decision on session ${row.sessionId} was sent back to the worker.${outcome ? ` ${outcome}` : ''}`;
      },
      (error) => {
        // A refusal usually means the push moved on since this status was fetched: show where it is now.
        refresh();
        return `Re-queue of the decision on session ${row.sessionId} failed: ${requeueFailureText(error)}`;
      },
    );

  return (
    <>
      <PageHeader title="Sync health">
        <div className={styles.toolbar}>
          <span className={styles.muted}>{fetchedAt ? `Updated ${formatInstant(new Date(fetchedAt).toISOString())}` : ''}</span>
          <button type="button" className={`${styles.button} ${styles.secondary}`} onClick={refresh}>
            Refresh
          </button>
        </div>
      </PageHeader>
      {syncError ? (
        <p role="alert" className={styles.error}>
          {status
            ? `The latest status could not be loaded (${syncError}); showing the previous one.`
            : `Sync status could not be loaded: ${syncError}`}
        </p>
      ) : null}
      {!status ? (
        syncError ? null : (
          <p aria-live="polite">Loading…</p>
        )
      ) : (
        <>
          {nothingReceived(status.webhooks) ? (
            <EmptyState title="No webhooks received yet">
              <p>
                Nothing has arrived from Didit at the webhook endpoint. Once Didit delivers events, the inbox backlog, retries and
                parked events are shown here. Check the webhook URL and secret configured in the Didit console.
              </p>
            </EmptyState>
          ) : null}
          <SyncSummary status={status} now={at} showWebhooks={!nothingReceived(status.webhooks)} />

          {nothingReceived(status.webhooks) ? null : (
            <section aria-labelledby="sync-parked-heading" className={styles.section}>
              <h2 id="sync-parked-heading" ref={parkedHeading} tabIndex={-1} className={styles.heading}>
                Parked webhooks
              </h2>
              <Announcer announcement={replay.announcement} />
              {status.webhooks.parked.length === 0 ? (
                <p className={styles.muted}>
                  No parked webhooks: every event received has been applied or is still being retried.
                </p>
              ) : (
                <ParkedTable
                  rows={status.webhooks.parked}
                  total={status.webhooks.parkedCount}
                  canReplay={canReplay}
                  replaying={replay.inFlight}
                  onReplay={(row) => void replayRow(row)}
                />
              )}
            </section>
          )}

          <section aria-labelledby="sync-pushes-heading" className={styles.section}>
            <h2 id="sync-pushes-heading" ref={pushesHeading} tabIndex={-1} className={styles.heading}>
              Decisions on their way to Didit
            </h2>
            <Announcer announcement={requeue.announcement} />
            {status.pushes.pending.length === 0 ? (
              <p className={styles.muted}>No decisions waiting: every decision recorded has been confirmed by Didit.</p>
            ) : (
              <>
                <p className={styles.muted}>
                  Recorded by analysts, not yet confirmed by Didit; the worker retries each push on its own.{' '}
                  {canRequeue
                    ? `A decision waiting ${formatSeconds(PUSH_WARN_SECONDS)} or more can be re-queued.`
                    : `A lead can re-queue a decision waiting ${formatSeconds(PUSH_WARN_SECONDS)} or more.`}
                </p>
                <PendingPushesTable
                  rows={status.pushes.pending}
                  total={status.pushes.pendingCount}
                  canRequeue={canRequeue}
                  requeueing={requeue.inFlight}
                  onRequeue={(row) => void requeueRow(row)}
                />
              </>
            )}
          </section>

          {nothingReceived(status.webhooks) ? null : (
            <section aria-labelledby="sync-quarantine-heading" className={styles.section}>
              <h2 id="sync-quarantine-heading" className={styles.heading}>
                Quarantined deliveries
              </h2>
              {status.webhooks.quarantined.length === 0 ? (
                <p className={styles.muted}>
                  No quarantined deliveries: every authentic delivery from Didit was stored as an event.
                </p>
              ) : (
                <>
                  <p className={styles.muted}>
                    Signed by Didit but not storable as events; each one&apos;s session is re-read from Didit instead.
                  </p>
                  <QuarantineTable rows={status.webhooks.quarantined} total={status.webhooks.quarantinedCount} />
                </>
              )}
            </section>
          )}

          <section aria-labelledby="sync-workers-heading" className={styles.section}>
            <h2 id="sync-workers-heading" className={styles.heading}>
              Workers
            </h2>
            <WorkersTable workers={status.workers} now={at} />
          </section>

          <section aria-labelledby="sync-calls-heading" className={styles.section}>
            <h2 id="sync-calls-heading" className={styles.heading}>
              Didit calls
            </h2>
            <DiditCallsTable calls={status.didit.calls} />
          </section>

          <section aria-labelledby="sync-budgets-heading" className={styles.section}>
            <h2 id="sync-budgets-heading" className={styles.heading}>
              Rate-limit budgets
            </h2>
            <RateLimitTable scopes={status.didit.rateLimits} now={at} />
          </section>
        </>
      )}
    </>
  );
}
