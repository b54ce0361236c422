import type { CronItem } from 'graphile-worker';
import type { AppContext } from '../context.ts';
import { cronItem, enqueue, jobs, type JobHandlers, type PayloadlessJob } from '../worker/jobs.ts';
import { drainInboxShard, processSessionInbox } from './inbox-processor.ts';
import { RECONCILE_CURSOR, runReconcileWalk } from './reconcile.ts';
import { repairSessionFromDidit } from './repair-session.ts';
import { markQuarantineRepaired, markQuarantineRepairFailed } from '../webhooks/quarantine.ts';

/** How long a repair job waits for Didit's decision-read budget before giving its slot back (it is retried). */
const REPAIR_BUDGET_WAIT_MS = 5_000;

/** A reconciliation job runs pages for at most this long, then queues its own continuation. */
const RECONCILE_SLICE_MS = 50_000;

type SyncJobs = 'processSessionInbox' | 'drainInbox' | 'repairSession' | 'reconcile';

/** The handlers of decision sync's jobs. */
export function syncHandlers(ctx: AppContext): Pick<JobHandlers, SyncJobs> {
  return {
    processSessionInbox: async ({ sessionId }) => {
      await processSessionInbox(ctx, sessionId);
    },
    drainInbox: async ({ shard }) => {
      if ((await drainInboxShard(ctx, shard)) === 'more') await enqueue(ctx.db, jobs.drainInbox, { shard });
    },
    // Failures throw: graphile-worker retries the job with its exponential backoff.
    repairSession: async ({ sessionId }) => {
      let outcome;
      try {
        // A spent budget fails the job for a later retry rather than hold a worker slot for a minute.
        outcome = await repairSessionFromDidit(ctx, sessionId, { maxBudgetWaitMs: REPAIR_BUDGET_WAIT_MS });
      } catch (error) {
        await markQuarantineRepairFailed(ctx.db, sessionId, error instanceof Error ? error.message : String(error));
        throw error;
      }
      await markQuarantineRepaired(ctx.db, sessionId, outcome === 'gone' ? 'gone' : 'repaired');
    },
    reconcile: async () => {
      if (!ctx.didit.configured) {
        ctx.logger.debug('reconciliation skipped: the Didit API is not configured');
        return;
      }
      const lookbackMs = ctx.config.didit.reconcileLookbackHours * 3_600_000;
      const result = await runReconcileWalk(ctx, {
        cursor: RECONCILE_CURSOR,
        since: () => new Date(Date.now() - lookbackMs),
        repair: { kind: 'enqueue' },
        timeBudgetMs: RECONCILE_SLICE_MS,
      });
      if (result === 'paused') await enqueue(ctx.db, jobs.reconcile, {});
    },
  };
}

/** Periodic reconciliation; a walk in progress is continued rather than restarted. */
export function syncCronItems(ctx: AppContext): CronItem[] {
  return [cronItem(jobs.reconcile, `*/${ctx.config.didit.reconcileIntervalMinutes} * * * *`)];
}

/** Reconciliation at worker start (webhooks may have been lost while nothing was running). */
export const startupSyncJobs: readonly PayloadlessJob[] = [jobs.reconcile];
