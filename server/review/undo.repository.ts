import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { decisionPushKey } from '../worker/jobs.ts';

/** Kysely queries of undoing a decision (undo.ts). Functions that take row locks accept only a transaction. */

/** The session's latest decision (approve, decline or resubmit), undone or not, with what undoing it depends on. */
export function findLatestDecision(db: Database | Transaction<DB>, sessionId: string) {
  return db
    .selectFrom('review_event')
    .select(['id', 'kind', 'actor_id', 'actor_label', 'reason_code', 'push_state', 'undo_until', 'undone_at', 'created_at'])
    .where('session_id', '=', sessionId)
    .where('kind', 'in', ['approve', 'decline', 'resubmit'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export type LatestDecision = NonNullable<Awaited<ReturnType<typeof findLatestDecision>>>;

/**
 * The job pushing the session's decision, locked for the rest of the transaction: a worker
 * cannot take it meanwhile (graphile-worker takes jobs with `skip locked`), and one that took it
 * first shows in `locked_at`. Undefined when there is none.
 */
export async function lockDecisionPushJob(
  trx: Transaction<DB>,
  sessionId: string,
): Promise<{ id: string; locked_at: Date | null; attempts: number } | undefined> {
  const { rows } = await sql<{ id: string; locked_at: Date | null; attempts: number }>`
    select j.id::text as id, j.locked_at, j.attempts
      from graphile_worker._private_jobs j
     where j.key = ${decisionPushKey(sessionId)}
       for update`.execute(trx);
  return rows[0];
}

/** Removes the (unlocked) push job of the session's decision: Didit never hears of it. */
export async function removeDecisionPushJob(trx: Transaction<DB>, sessionId: string): Promise<void> {
  await sql`select graphile_worker.remove_job(${decisionPushKey(sessionId)})`.execute(trx);
}

/** The decision is undone: it stays in the history, marked, and is no longer on its way to Didit. */
export async function markDecisionUndone(trx: Transaction<DB>, reviewEventId: number, at: Date): Promise<void> {
  await trx
    .updateTable('review_event')
    .set({ undone_at: at, push_state: null, push_error: null })
    .where('id', '=', reviewEventId)
    .execute();
}

/**
 * The session as it was before the decision: no push on its way, in the hands of `claimantId`
 * (null: nobody's, for a session not In Review), one version on.
 */
export async function restoreSessionBeforeDecision(
  trx: Transaction<DB>,
  sessionId: string,
  claimantId: string | null,
): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set((eb) => ({
      review_push_state: null,
      review_push_error: null,
      claimed_by: claimantId,
      claimed_at: claimantId ? sql<Date>`now()` : null,
      claim_touched_at: claimantId ? sql<Date>`now()` : null,
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', sessionId)
    .execute();
}
