import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

/** Kysely queries of escalation (issue 20). Each runs in the transaction holding the session's row lock. */

/**
 * Hands the session to the leads: the escalation in force (its note is the review event's), the
 * escalating analyst's claim released, and a new version, so a page open on the old one is stale.
 */
export async function setEscalation(
  trx: Transaction<DB>,
  id: string,
  escalation: { userId: string; reviewEventId: number },
): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set((eb) => ({
      escalated_at: sql<Date>`now()`,
      escalated_by: escalation.userId,
      escalation_event_id: escalation.reviewEventId,
      claimed_by: null,
      claimed_at: null,
      claim_touched_at: null,
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * Ends the escalation in force. `returnToQueue`: a lead gave it back to the analysts, so the
 * lead's claim goes too and the version moves; a decision ending it moves the version itself.
 */
export async function clearEscalation(
  trx: Transaction<DB>,
  id: string,
  { returnToQueue }: { returnToQueue: boolean },
): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set((eb) => ({
      escalated_at: null,
      escalated_by: null,
      escalation_event_id: null,
      ...(returnToQueue
        ? {
            claimed_by: null,
            claimed_at: null,
            claim_touched_at: null,
            version: eb('version', '+', 1),
            updated_at: sql<Date>`now()`,
          }
        : {}),
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * The escalation a decision ended, if it ended one: the latest escalate/de_escalate event before
 * the decision, when it is an `escalate` (the session was escalated when it was decided).
 */
export async function findEscalationEndedBy(trx: Transaction<DB>, sessionId: string, decisionEventId: number) {
  const latest = await trx
    .selectFrom('review_event')
    .select(['id', 'kind', 'actor_id', 'created_at'])
    .where('session_id', '=', sessionId)
    .where('kind', 'in', ['escalate', 'de_escalate'])
    .where('id', '<', decisionEventId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return latest?.kind === 'escalate' ? latest : undefined;
}

/** Puts back an escalation a decision ended (the decision was undone): as it was, since when it was. */
export async function restoreEscalation(
  trx: Transaction<DB>,
  id: string,
  escalation: { id: number; actor_id: string | null; created_at: Date },
): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set({ escalated_at: escalation.created_at, escalated_by: escalation.actor_id, escalation_event_id: escalation.id })
    .where('id', '=', id)
    .execute();
}
