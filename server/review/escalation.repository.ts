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
