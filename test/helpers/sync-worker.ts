import type { TaskList } from 'graphile-worker';
import type { AppContext } from '../../server/context.ts';
import type { CursorState } from '../../server/sync/reconcile.ts';
import type { Database } from '../../server/db/database.ts';
import { syncHandlers } from '../../server/sync/sync.tasks.ts';
import { taskList } from '../../server/worker/jobs.ts';

/** The worker tasks of decision sync alone, for tests that run them with graphile-worker's `runOnce`. */
export function syncTasks(ctx: AppContext): TaskList {
  return taskList(syncHandlers(ctx));
}

/** A reconciliation cursor's stored state, as a test inspects it. */
export async function readCursor(deps: { db: Database }, cursor: string): Promise<CursorState | null> {
  const row = await deps.db.selectFrom('sync_cursor').select(['state']).where('name', '=', cursor).executeTakeFirst();
  return row ? row.state : null;
}
