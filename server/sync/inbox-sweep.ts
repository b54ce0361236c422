import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { enqueueEach, INBOX_SHARDS, jobs } from '../worker/jobs.ts';

/** Inbox rows due this long without being applied mean no drain job is working on their shard. */
export const STALLED_AFTER_SECONDS = 5;

/**
 * Queues the drain job of every shard with inbox rows due for longer than `stalledAfterSeconds`.
 * The webhook insert wakes its shard, so rows wait only when that wake-up was lost: a worker
 * died mid-drain, or the job gave up. Without this they would wait for the next webhook of the
 * same shard, which may never come. A shard whose drain job is merely pending is re-queued
 * under the same key, which changes nothing. Returns the shards woken.
 */
export async function wakeStalledInboxShards(db: Database, stalledAfterSeconds = STALLED_AFTER_SECONDS): Promise<number[]> {
  const { rows } = await sql<{ shard: number }>`
    select distinct abs(hashtext(session_id::text)) % ${INBOX_SHARDS} as shard
      from webhook_event
     where processed_at is null and parked_at is null and session_id is not null
       and coalesce(next_attempt_at, received_at) < now() - make_interval(secs => ${stalledAfterSeconds})
     order by shard`.execute(db);
  const shards = rows.map((row) => row.shard);
  await enqueueEach(
    db,
    jobs.drainInbox,
    shards.map((shard) => ({ shard })),
  );
  return shards;
}

/** The age of the oldest inbox row not applied yet (parked rows aside), for `/metrics`. */
export async function inboxBacklog(db: Database): Promise<{ oldestSeconds: number }> {
  const { rows } = await sql<{ oldest_seconds: number | null }>`
    select extract(epoch from now() - min(received_at))::float8 as oldest_seconds
      from webhook_event where processed_at is null and parked_at is null`.execute(db);
  return { oldestSeconds: Math.floor(rows[0]?.oldest_seconds ?? 0) };
}
