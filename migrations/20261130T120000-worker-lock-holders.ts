import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Dead workers give their jobs back within a minute (issue 17). graphile-worker frees a dead
 * worker's job locks only after four hours; each worker process now lists the graphile-worker
 * ids it runs in its heartbeat row, written by a timer every few seconds, so a live process can
 * tell a lock held by a dead one and free it (`graphile_worker.force_unlock_workers`).
 * The heartbeat no longer runs as a cron job (a job can wait behind busy workers, which would
 * look like death): queued heartbeat jobs are removed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table worker_heartbeat add column graphile_worker_ids text[] not null default '{}'`.execute(db);
  await sql`create index worker_heartbeat_graphile_worker_ids on worker_heartbeat using gin (graphile_worker_ids)`.execute(db);
  // graphile-worker's schema is migrated after ours: absent on a new database, with nothing to remove.
  const { rows } = await sql<{
    present: boolean;
  }>`select to_regclass('graphile_worker._private_jobs') is not null as present`.execute(db);
  if (!rows[0]?.present) return;
  await sql`delete from graphile_worker._private_jobs
             where locked_at is null
               and task_id in (select id from graphile_worker._private_tasks where identifier = 'heartbeat')`.execute(db);
  await sql`delete from graphile_worker._private_known_crontabs where identifier = 'heartbeat'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index worker_heartbeat_graphile_worker_ids`.execute(db);
  await sql`alter table worker_heartbeat drop column graphile_worker_ids`.execute(db);
}
