import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * The queue's history: one `review_interval` row per stay In Review, opened when a session
 * enters review and closed when it leaves, in the transaction that applies the status change
 * (`applySessionState`). The insights page reads queue depth, inflow and outflow from it.
 */
export async function recordReviewStay(
  trx: Transaction<DB>,
  change: {
    sessionId: string;
    workflowId: string | null;
    /** The workflow was not known before this change. */
    workflowLearnt: boolean;
    before: string | null;
    after: string;
    /** When the stay began (the session's `in_review_since`) or ended (the event's time). */
    at: Date;
  },
): Promise<void> {
  const wasInReview = change.before === 'In Review';
  const isInReview = change.after === 'In Review';
  if (isInReview && !wasInReview) {
    await trx
      .insertInto('review_interval')
      .values({ session_id: change.sessionId, workflow_id: change.workflowId, entered_at: change.at })
      // A stay the history already holds open (rebuilt by the migration) is the same stay.
      .onConflict((oc) => oc.column('session_id').where('left_at', 'is', null).doNothing())
      .execute();
  } else if (wasInReview && !isInReview) {
    await trx
      .updateTable('review_interval')
      .set((eb) => ({ left_at: eb.fn('greatest', [eb.ref('entered_at'), eb.val(change.at)]), left_status: change.after }))
      .where('session_id', '=', change.sessionId)
      .where('left_at', 'is', null)
      .execute();
  } else if (isInReview && change.workflowId && change.workflowLearnt) {
    // The workflow can be learnt after the session entered review (a webhook without it first).
    await trx
      .updateTable('review_interval')
      .set({ workflow_id: change.workflowId })
      .where('session_id', '=', change.sessionId)
      .where('left_at', 'is', null)
      .where('workflow_id', 'is', null)
      .execute();
  }
}
