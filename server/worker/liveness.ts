import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

/**
 * Which worker processes are alive, and giving a dead one's jobs back. graphile-worker frees the
 * job locks of a worker that died (SIGKILL, OOM, lost machine) only after four hours: a decision
 * being pushed at that moment would wait that long. Every worker process writes a heartbeat row
 * every few seconds, listing the graphile-worker ids it runs; a live process frees the locks of
 * ids whose row went stale (`graphile_worker.force_unlock_workers`), so their jobs run again
 * within a minute. Heartbeats come from a timer, not a job: a job can wait behind busy workers,
 * and a late heartbeat must never make a live worker look dead.
 */

export interface WorkerIdentity {
  workerId: string;
  startedAt: Date;
}

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A heartbeat older than this means the process is gone (three missed beats). */
export const DEAD_AFTER_SECONDS = 30;
/**
 * A lock held by a graphile-worker id no heartbeat ever listed (a process that died in the instant
 * between starting a worker and its first beat) is freed once it is this old; no job runs this
 * long (the longest, a reconciliation slice, stops after 50 s).
 */
export const UNKNOWN_HOLDER_AFTER_SECONDS = 300;

/** Records that this worker process is alive and which graphile-worker ids it runs now. */
export async function recordHeartbeat(
  db: Database,
  identity: WorkerIdentity,
  graphileWorkerIds: readonly string[],
): Promise<void> {
  const ids = [...graphileWorkerIds];
  await db
    .insertInto('worker_heartbeat')
    .values({
      worker_id: identity.workerId,
      hostname: hostname(),
      pid: process.pid,
      started_at: identity.startedAt,
      last_seen_at: sql<Date>`now()`,
      graphile_worker_ids: ids,
    })
    .onConflict((oc) =>
      oc.column('worker_id').doUpdateSet({ last_seen_at: sql<Date>`now()`, pid: process.pid, graphile_worker_ids: ids }),
    )
    .execute();
  // Forget processes gone for a day so the list shows the fleet, not its history.
  await db
    .deleteFrom('worker_heartbeat')
    .where('last_seen_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}

export interface UnlockedWorkers {
  workerIds: string[];
  /** Jobs that were locked by them and can run again. */
  jobs: number;
}

/**
 * Frees the jobs and queues locked by dead graphile-worker ids: those listed only by heartbeats
 * older than `deadAfterSeconds`, and unlisted ones holding a lock older than
 * `unknownAfterSeconds`. Call it only while the database has been reachable for at least
 * `deadAfterSeconds`: during an outage every heartbeat goes stale, the live ones too.
 */
export async function unlockDeadWorkers(
  db: Database,
  options: { deadAfterSeconds?: number; unknownAfterSeconds?: number } = {},
): Promise<UnlockedWorkers> {
  const deadAfter = options.deadAfterSeconds ?? DEAD_AFTER_SECONDS;
  const unknownAfter = options.unknownAfterSeconds ?? UNKNOWN_HOLDER_AFTER_SECONDS;
  const { rows } = await sql<{ worker_id: string }>`
    with holders as (
      select locked_by as worker_id, min(locked_at) as locked_at from graphile_worker._private_jobs
       where locked_by is not null group by locked_by
      union all
      select locked_by, min(locked_at) from graphile_worker._private_job_queues
       where locked_by is not null group by locked_by
    )
    select distinct h.worker_id from holders h
     where not exists (select 1 from worker_heartbeat w
                        where h.worker_id = any(w.graphile_worker_ids)
                          and w.last_seen_at > now() - make_interval(secs => ${deadAfter}))
       and (exists (select 1 from worker_heartbeat w where h.worker_id = any(w.graphile_worker_ids))
            or h.locked_at < now() - make_interval(secs => ${unknownAfter}))
     order by h.worker_id`.execute(db);
  return forceUnlockWorkers(
    db,
    rows.map((row) => row.worker_id),
  );
}

/** Frees every job and queue locked by these graphile-worker ids, which must be dead; runs in the caller's transaction if given one. */
export async function forceUnlockWorkers(db: Database, workerIds: readonly string[]): Promise<UnlockedWorkers> {
  if (workerIds.length === 0) return { workerIds: [], jobs: 0 };
  const ids = [...workerIds];
  const { rows } = await sql<{ jobs: number }>`
    select count(*)::int as jobs from graphile_worker._private_jobs where locked_by = any(${ids}::text[])`.execute(db);
  await sql`select graphile_worker.force_unlock_workers(${ids}::text[])`.execute(db);
  return { workerIds: ids, jobs: rows[0]?.jobs ?? 0 };
}
