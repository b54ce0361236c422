import type { CronItem, Task, TaskList } from 'graphile-worker';
import { z } from 'zod';
import { diditIdSchema } from '../contract/ids.ts';
import type { AppContext } from '../context.ts';
import { DRAIN_INBOX_TASK, INBOX_SHARDS, PROCESS_INBOX_TASK } from '../webhooks/inbox-writer.ts';
import { drainInboxShard, processSessionInbox } from './inbox-processor.ts';
import { RECONCILE_CURSOR, RECONCILE_TASK, runReconcileWalk } from './reconcile.ts';
import { REPAIR_SESSION_TASK, repairSessionFromDidit } from './repair-session.ts';
import { markQuarantineRepaired, markQuarantineRepairFailed } from '../webhooks/quarantine.ts';

const sessionPayload = z.object({ sessionId: diditIdSchema });
const shardPayload = z.object({
  shard: z
    .number()
    .int()
    .min(0)
    .max(INBOX_SHARDS - 1),
});

/** A reconciliation job runs pages for at most this long, then queues its own continuation. */
const RECONCILE_SLICE_MS = 50_000;

/** The worker tasks of decision sync, by graphile-worker identifier. */
export function syncTasks(ctx: AppContext): TaskList {
  const processInbox: Task = async (payload) => {
    const { sessionId } = sessionPayload.parse(payload);
    await processSessionInbox(ctx, sessionId);
  };
  const drainInbox: Task = async (payload, helpers) => {
    const { shard } = shardPayload.parse(payload);
    if ((await drainInboxShard(ctx, shard)) === 'more') {
      await helpers.addJob(DRAIN_INBOX_TASK, { shard }, { jobKey: `inbox-drain:${shard}`, maxAttempts: 25 });
    }
  };
  // Failures throw: graphile-worker retries the job with its exponential backoff.
  const repairSession: Task = async (payload) => {
    const { sessionId } = sessionPayload.parse(payload);
    let outcome;
    try {
      outcome = await repairSessionFromDidit(ctx, sessionId);
    } catch (error) {
      await markQuarantineRepairFailed(ctx.db, sessionId, error instanceof Error ? error.message : String(error));
      throw error;
    }
    await markQuarantineRepaired(ctx.db, sessionId, outcome === 'gone' ? 'gone' : 'repaired');
  };
  const reconcile: Task = async (_payload, helpers) => {
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
    if (result === 'paused') await helpers.addJob(RECONCILE_TASK, {}, { jobKey: RECONCILE_TASK });
  };
  return {
    [PROCESS_INBOX_TASK]: processInbox,
    [DRAIN_INBOX_TASK]: drainInbox,
    [REPAIR_SESSION_TASK]: repairSession,
    [RECONCILE_TASK]: reconcile,
  };
}

/** Periodic reconciliation; a walk in progress is continued rather than restarted. */
export function syncCronItems(ctx: AppContext): CronItem[] {
  const every = ctx.config.didit.reconcileIntervalMinutes;
  return [
    {
      task: RECONCILE_TASK,
      match: `*/${every} * * * *`,
      identifier: RECONCILE_TASK,
      options: { backfillPeriod: 0, jobKey: RECONCILE_TASK, jobKeyMode: 'replace', maxAttempts: 3 },
    },
  ];
}

/** Reconciliation at worker start (webhooks may have been lost while nothing was running). */
export const startupSyncJobs = [{ task: RECONCILE_TASK, jobKey: RECONCILE_TASK }] as const;
