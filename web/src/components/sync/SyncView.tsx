import { useRef, useState } from 'react';
import type { ParkedWebhook } from '../../../../server/contract/sync.ts';
import { useSyncStatus } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import { httpSyncApi, type SyncApi } from '../../api/sync.ts';
import { useNow } from '../../hooks/use-now.ts';
import { EmptyState } from '../layout/EmptyState.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { DiditCallsTable, RateLimitTable, WorkersTable } from './DiditTables.tsx';
import { ParkedTable } from './ParkedTable.tsx';
import { QuarantineTable } from './QuarantineTable.tsx';
import { SyncSummary } from './SyncSummary.tsx';
import { formatInstant, nothingReceived } from './sync-health.ts';
import styles from './Sync.module.css';

export interface SyncViewProps {
  /** The HTTP calls; tests hand in plain async functions. */
  api?: SyncApi;
  /** The user may replay webhooks (`webhook.replay`). Hiding is convenience: the server checks again. */
  canReplay: boolean;
  /** Poll interval for the status (0 turns polling off). */
  pollMs?: number;
}

type Announcement = { tone: 'ok' | 'error'; text: string };

/**
 * Sync health: webhook inbox, parked events (with replay), quarantined deliveries, reconciliation,
 * Didit calls and budgets.
 */
export function SyncView({ api = httpSyncApi, canReplay, pollMs = 10_000 }: SyncViewProps) {
  const sync = useSyncStatus(api, pollMs);
  const syncError = sync.error ? errorMessage(sync.error) : null;
  const fetchedAt = sync.dataUpdatedAt || null;
  const refresh = () => void sync.refetch();
  const now = useNow(5_000);
  const [replaying, setReplaying] = useState<ReadonlySet<number>>(new Set());
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const parkedHeading = useRef<HTMLHeadingElement>(null);
  const status = sync.data;
  // Clock skew between tabs and renders: never show data as older than when it was fetched.
  const at = Math.max(now, fetchedAt ?? 0);

  const replay = async (row: ParkedWebhook) => {
    setReplaying((current) => new Set(current).add(row.id));
    setAnnouncement(null);
    try {
      const result = await api.replayWebhook(row.id);
      setAnnouncement({ tone: 'ok', text: `Webhook ${result.id} queued for replay (session ${result.sessionId}).` });
      // The row leaves the parked list on the next status; keep keyboard focus somewhere sensible.
      parkedHeading.current?.focus();
      refresh();
    } catch (error) {
      setAnnouncement({ tone: 'error', text: `Replay of webhook ${row.id} failed: ${errorMessage(error)}` });
    } finally {
      setReplaying((current) => {
        const next = new Set(current);
        next.delete(row.id);
        return next;
      });
    }
  };

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
              <p role="status" className={announcement?.tone === 'error' ? styles.error : styles.announce}>
                {announcement?.text ?? ''}
              </p>
              {status.webhooks.parked.length === 0 ? (
                <p className={styles.muted}>
                  No parked webhooks: every event received has been applied or is still being retried.
                </p>
              ) : (
                <ParkedTable
                  rows={status.webhooks.parked}
                  total={status.webhooks.parkedCount}
                  canReplay={canReplay}
                  replaying={replaying}
                  onReplay={(row) => void replay(row)}
                />
              )}
            </section>
          )}

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
