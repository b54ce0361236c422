import { Logger as WorkerLogger, runOnce, type TaskList } from 'graphile-worker';
import type pg from 'pg';
import type { AppContext } from '../../server/context.ts';
import type { CursorState } from '../../server/sync/reconcile.ts';
import type { Database } from '../../server/db/database.ts';
import { syncHandlers } from '../../server/sync/sync.tasks.ts';
import { taskList } from '../../server/worker/jobs.ts';

const quiet = new WorkerLogger(() => () => {});

/**
 * Batched (with no delay), graphile-worker waits for the jobs' outcomes to be written before
 * `runOnce` resolves; unbatched (the worker's default), it writes them after, racing the test.
 */
const outcomesWrittenBeforeResolving = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };

/** Runs every job that is due and resolves once each outcome (completed, or failed with its error) is written. */
export async function runJobsOnce(pool: pg.Pool, tasks: TaskList): Promise<void> {
  await runOnce({ pgPool: pool, taskList: tasks, preset: outcomesWrittenBeforeResolving, logger: quiet, noHandleSignals: true });
}

/** The worker tasks of decision sync alone, for tests that run them with graphile-worker's `runOnce`. */
export function syncTasks(ctx: AppContext): TaskList {
  return taskList(syncHandlers(ctx));
}

/** A reconciliation cursor's stored state, as a test inspects it. */
export async function readCursor(deps: { db: Database }, cursor: string): Promise<CursorState | null> {
  const row = await deps.db.selectFrom('sync_cursor').select(['state']).where('name', '=', cursor).executeTakeFirst();
  return row ? row.state : null;
}
