import { sql, type Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import { PUSH_REQUEUE_AFTER_SECONDS, type PendingPush } from '../contract/sync.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { DEAD_AFTER_SECONDS, forceUnlockWorkers } from '../worker/liveness.ts';
import { decisionPushKey, jobs } from '../worker/jobs.ts';
import { enqueueDecisionPush } from './review.repository.ts';

/**
 * Decisions recorded but not yet confirmed by Didit, with the state of the job pushing each: the
 * Sync page lists them, `/metrics` counts them, and a lead can send one back to the queue once it
 * has waited longer than `PUSH_REQUEUE_AFTER_SECONDS`.
 */

interface PendingPushRow {
  review_event_id: number;
  session_id: string;
  kind: 'approve' | 'decline' | 'resubmit';
  actor_label: string;
  decided_at: Date;
  push_attempts: number;
  push_error: string | null;
  job_id: string | null;
  run_at: Date | null;
  locked_by: string | null;
  job_last_error: string | null;
  holder_alive: boolean | null;
  pending_seconds: number;
  undo_until: Date | null;
}

/** The pending pushes, oldest first, each with its job (null when none exists), joined by the job key. */
function pendingPushRows(db: Database | Transaction<DB>, where: { reviewEventId?: number; limit: number }) {
  return sql<PendingPushRow>`
    select e.id as review_event_id, e.session_id, e.kind, e.actor_label, e.created_at as decided_at,
           e.push_attempts, e.push_error,
           j.id::text as job_id, j.run_at, j.locked_by, j.last_error as job_last_error,
           case when j.locked_by is null then null
                else exists (select 1 from worker_heartbeat w
                              where j.locked_by = any(w.graphile_worker_ids)
                                and w.last_seen_at > now() - make_interval(secs => ${DEAD_AFTER_SECONDS})) end as holder_alive,
           -- Waiting from when the push was due: a decision waits out its undo window first (ADR 0018).
           greatest(0, extract(epoch from now() - greatest(e.created_at, e.undo_until)))::float8 as pending_seconds,
           e.undo_until
      from review_event e
      left join graphile_worker._private_jobs j
             on j.key = ${decisionPushKey('')} || e.session_id::text
     where e.push_state = 'pending' and e.kind in ('approve', 'decline', 'resubmit')
       ${where.reviewEventId === undefined ? sql`` : sql`and e.id = ${where.reviewEventId}`}
     order by e.created_at, e.id
     limit ${where.limit}`.execute(db);
}

function jobState(row: PendingPushRow): PendingPush['job'] {
  if (row.job_id === null) return 'missing';
  // Not stuck: held back while its decider may still undo it.
  if (row.locked_by === null && row.undo_until && row.undo_until.getTime() > Date.now()) return 'undo_window';
  if (row.locked_by === null) return row.run_at && row.run_at.getTime() > Date.now() ? 'retrying' : 'queued';
  return row.holder_alive ? 'running' : 'held_by_dead_worker';
}

export async function readPendingPushes(db: Database, limit = 50): Promise<PendingPush[]> {
  const { rows } = await pendingPushRows(db, { limit });
  return rows.map((row) => ({
    reviewEventId: row.review_event_id,
    sessionId: row.session_id,
    decision: row.kind === 'approve' ? 'Approved' : row.kind === 'resubmit' ? 'Resubmitted' : 'Declined',
    decidedBy: row.actor_label,
    decidedAt: row.decided_at.toISOString(),
    pendingSeconds: Math.floor(row.pending_seconds),
    attempts: row.push_attempts,
    lastError: row.push_error ?? row.job_last_error,
    job: jobState(row),
    nextAttemptAt: row.locked_by === null && row.run_at ? row.run_at.toISOString() : null,
    requeueable: row.pending_seconds >= PUSH_REQUEUE_AFTER_SECONDS,
  }));
}

/** How many pushes wait, and since when: the `/metrics` gauges and the Sync page's headline. */
export async function pendingPushBacklog(db: Database): Promise<{ pending: number; oldestSeconds: number }> {
  const { rows } = await sql<{ pending: number; oldest_seconds: number | null }>`
    select count(*)::int as pending,
           greatest(0, extract(epoch from now() - min(greatest(created_at, undo_until))))::float8 as oldest_seconds
      from review_event where push_state = 'pending' and kind in ('approve', 'decline', 'resubmit')`.execute(db);
  return { pending: rows[0]?.pending ?? 0, oldestSeconds: Math.floor(rows[0]?.oldest_seconds ?? 0) };
}

/**
 * Sends a push that has waited longer than `PUSH_REQUEUE_AFTER_SECONDS` to run now: a job held by a dead
 * worker is freed (with the rest of that worker's jobs), a job waiting for its next retry runs
 * at once, and a missing job is queued again. A job a live worker is running is left alone (409):
 * running it twice could push twice. The push looks at Didit before pushing again on any run
 * after the first (`push-decision.task.ts`), so a re-queued push never lands twice.
 */
export async function requeueDecisionPush(
  trx: Transaction<DB>,
  reviewEventId: number,
  actor: Actor,
  origin: RequestOrigin,
): Promise<PendingPush['job']> {
  const locked = await trx.selectFrom('review_event').select('id').where('id', '=', reviewEventId).forUpdate().executeTakeFirst();
  if (!locked) throw new AppError(404, 'not_found', `No decision ${reviewEventId}.`);
  const {
    rows: [row],
  } = await pendingPushRows(trx, { reviewEventId, limit: 1 });
  if (!row) throw new AppError(409, 'conflict', 'This decision is not waiting for Didit.', { reason: 'not_pending' });
  if (row.pending_seconds < PUSH_REQUEUE_AFTER_SECONDS) {
    throw new AppError(409, 'conflict', `A push can be re-queued once it has waited ${PUSH_REQUEUE_AFTER_SECONDS} seconds.`, {
      reason: 'too_early',
    });
  }
  const before = jobState(row);
  if (before === 'running') {
    throw new AppError(409, 'conflict', 'A worker is pushing this decision right now.', { reason: 'running' });
  }
  if (before === 'held_by_dead_worker' && row.locked_by) await forceUnlockWorkers(trx, [row.locked_by]);
  if (before === 'missing') {
    await enqueueDecisionPush(trx, reviewEventId, row.session_id);
  } else {
    // A job a dead worker took on its last attempt has no attempt left: give it one.
    await sql`select graphile_worker.reschedule_jobs(array[j.id], run_at => now(), max_attempts => greatest(j.max_attempts, j.attempts + 1))
                from graphile_worker._private_jobs j where j.id = ${row.job_id}::bigint`.execute(trx);
  }
  await appendAudit(trx, {
    actor,
    action: 'session.decision_push_requeued',
    targetType: 'session',
    targetId: row.session_id,
    details: { reviewEventId, job: before, attempts: row.push_attempts },
    ...origin,
  });
  return before;
}

/** Push jobs that failed and wait for graphile-worker's next attempt (its backoff grows to hours). */
const waitingPushJobs = sql`
  select j.id, j.run_at from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
   where t.identifier = ${jobs.pushReviewDecision.name}
     and j.locked_at is null and j.attempts > 0 and j.attempts < j.max_attempts and j.run_at > now()`;

/**
 * Didit answered a push: the others waiting for their retry go now rather than at the end of a
 * backoff that grew during the outage (after ten failures graphile-worker waits hours).
 */
export async function wakeWaitingPushes(db: Database): Promise<number> {
  const { rows } = await sql<{ woken: number }>`
    with waiting as (${waitingPushJobs}),
         woken as (select graphile_worker.reschedule_jobs(array_agg(id), run_at => now()) from waiting having count(*) > 0)
    select (select count(*) from waiting)::int as woken from woken`.execute(db);
  return rows[0]?.woken ?? 0;
}

/**
 * While every push waits for a retry more than `quietSeconds` away (and none runs), one, the
 * next due, is tried now: a probe of whether Didit is back. If it goes through, it wakes the rest
 * (`wakeWaitingPushes`), so pushes follow Didit's recovery within about a minute.
 */
export async function probeWaitingPushes(db: Database, quietSeconds = 60): Promise<boolean> {
  const { rows } = await sql<{ probed: string }>`
    with waiting as (${waitingPushJobs}),
         next as (select id from waiting order by run_at, id limit 1)
    select graphile_worker.reschedule_jobs(array[next.id], run_at => now())::text as probed from next
     where not exists (select 1 from graphile_worker._private_jobs j
                         join graphile_worker._private_tasks t on t.id = j.task_id
                        where t.identifier = ${jobs.pushReviewDecision.name}
                          and (j.locked_at is not null or j.run_at <= now() + make_interval(secs => ${quietSeconds}))
                          and j.attempts < j.max_attempts)`.execute(db);
  return rows.length > 0;
}
