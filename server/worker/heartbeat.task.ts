import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { JobHandler, Jobs } from './jobs.ts';

export interface WorkerIdentity {
  workerId: string;
  startedAt: Date;
}

/** Records that this worker process is alive; `/api/sync/status` reads it to show worker health. */
export async function recordHeartbeat(db: Database, identity: WorkerIdentity): Promise<void> {
  await db
    .insertInto('worker_heartbeat')
    .values({
      worker_id: identity.workerId,
      hostname: hostname(),
      pid: process.pid,
      started_at: identity.startedAt,
      last_seen_at: sql<Date>`now()`,
    })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ last_seen_at: sql<Date>`now()`, pid: process.pid }))
    .execute();
  // Forget processes gone for a day so the list shows the fleet, not its history.
  await db
    .deleteFrom('worker_heartbeat')
    .where('last_seen_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}

export function heartbeatTask(db: Database, identity: WorkerIdentity): JobHandler<Jobs['heartbeat']> {
  return async () => {
    await recordHeartbeat(db, identity);
  };
}
