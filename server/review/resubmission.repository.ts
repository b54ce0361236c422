import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/** Kysely queries of asking the user to try again (decisions.ts, push-decision.task.ts, session-detail.ts). */

/** Didit's decision JSON as last synced (where the liveness step's node id is read from). */
export async function findSessionDecision(db: Database | Transaction<DB>, sessionId: string): Promise<unknown> {
  const row = await db.selectFrom('verification_session').select('decision').where('id', '=', sessionId).executeTakeFirst();
  return row?.decision ?? null;
}

/**
 * Keeps the attempt the user is asked to redo, as the console holds it now (scores, statuses,
 * each warning's feature and risk only), against the `resubmit` event asking for it.
 */
export async function snapshotAttempt(trx: Transaction<DB>, sessionId: string, reviewEventId: number): Promise<void> {
  await sql`
    insert into session_attempt
      (session_id, review_event_id, liveness_status, face_match_status, liveness_score, face_match_score, liveness_method, warnings)
    select vs.id, ${reviewEventId}, vs.liveness_status, vs.face_match_status, vs.liveness_score, vs.face_match_score,
           vs.liveness_method,
           coalesce((select jsonb_agg(jsonb_build_object('feature', w.value -> 'feature', 'risk', w.value -> 'risk'))
                       from jsonb_array_elements(vs.warnings) w), '[]'::jsonb)
      from verification_session vs
     where vs.id = ${sessionId}`.execute(trx);
}

/** The latest attempt the user was asked to redo (its request not undone), with who asked and why. */
export function findPreviousAttempt(db: Database | Transaction<DB>, sessionId: string) {
  return db
    .selectFrom('session_attempt as a')
    .innerJoin('review_event as e', 'e.id', 'a.review_event_id')
    .select([
      'a.liveness_status',
      'a.face_match_status',
      'a.liveness_score',
      'a.face_match_score',
      'a.liveness_method',
      'a.warnings',
      'e.created_at',
      'e.actor_label',
      'e.reason_code',
    ])
    .where('a.session_id', '=', sessionId)
    .where('e.undone_at', 'is', null)
    .orderBy('a.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
export type PreviousAttemptRow = NonNullable<Awaited<ReturnType<typeof findPreviousAttempt>>>;

/** Per session, the latest request to try again (not undone): when, and who asked. */
export async function findResubmissionRequests(
  db: Database,
  sessionIds: readonly string[],
): Promise<Map<string, { at: Date; by: string }>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('review_event')
    .distinctOn('session_id')
    .select(['session_id', 'created_at', 'actor_label'])
    .where('session_id', 'in', [...sessionIds])
    .where('kind', '=', 'resubmit')
    .where('undone_at', 'is', null)
    .orderBy('session_id')
    .orderBy('id', 'desc')
    .execute();
  return new Map(rows.map((row) => [row.session_id, { at: row.created_at, by: row.actor_label }]));
}
