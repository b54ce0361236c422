import { sql } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { AppContext } from '../context.ts';
import { isDiditApiError } from '../vendors/didit/didit-error.ts';
import type { JobHandler, Jobs } from '../worker/jobs.ts';

type Action = 'block' | 'unblock';
type Outcome = { state: 'confirmed' } | { state: 'failed'; error: string };

/**
 * Carries a face block (`POST /v3/blocklist/add/`) or its lifting (`/v3/blocklist/remove/`) to
 * Didit from the outbox, as the decision push does: transient failures (5xx, 429, timeouts)
 * throw so graphile-worker retries with backoff; a 4xx (Didit's documented refusals: an unknown
 * session, a session without a face, a malformed body) is final and parks the block `failed`
 * with Didit's answer, visible on the session page and retryable. Both calls are idempotent at
 * Didit (the record is flagged, or not), so a run after a lost answer simply calls again.
 */
export function pushFaceBlockTask(ctx: Pick<AppContext, 'db' | 'didit' | 'logger'>): JobHandler<Jobs['pushFaceBlock']> {
  return async ({ faceBlockId }, helpers) => {
    const block = await ctx.db
      .selectFrom('face_block')
      .select(['id', 'session_id', 'state'])
      .where('id', '=', faceBlockId)
      .executeTakeFirst();
    if (!block || (block.state !== 'blocking' && block.state !== 'unblocking')) return;
    const action: Action = block.state === 'blocking' ? 'block' : 'unblock';

    let outcome: Outcome;
    try {
      if (action === 'block') await ctx.didit.blocklistFace(block.session_id);
      else await ctx.didit.unblockFace(block.session_id);
      outcome = { state: 'confirmed' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      if (isDiditApiError(error) && !error.retryable) {
        outcome = { state: 'failed', error: message };
      } else if (lastAttempt) {
        outcome = { state: 'failed', error: `Gave up after ${helpers.job.attempts} attempts: ${message}` };
      } else {
        await ctx.db
          .updateTable('face_block')
          .set((eb) => ({ push_attempts: eb('push_attempts', '+', 1), push_error: message }))
          .where('id', '=', block.id)
          .execute();
        throw error;
      }
    }
    await recordOutcome(ctx, block, action, outcome);
  };
}

async function recordOutcome(
  ctx: Pick<AppContext, 'db'>,
  block: { id: number; session_id: string; state: string },
  action: Action,
  outcome: Outcome,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const confirmed = outcome.state === 'confirmed';
    const updated = await trx
      .updateTable('face_block')
      .set((eb) => ({
        state: confirmed ? (action === 'block' ? 'blocked' : 'unblocked') : 'failed',
        failed_action: confirmed ? null : action,
        push_error: confirmed ? null : outcome.error,
        push_attempts: eb('push_attempts', '+', 1),
        ...(confirmed
          ? action === 'block'
            ? { confirmed_at: sql<Date>`now()` }
            : { unblock_confirmed_at: sql<Date>`now()` }
          : {}),
      }))
      .where('id', '=', block.id)
      // The row moved on meanwhile (it cannot today: unblock waits for the block): leave it.
      .where('state', '=', block.state as 'blocking' | 'unblocking')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return;
    await appendAudit(trx, {
      actor: null,
      action: confirmed ? 'session.face_block_pushed' : 'session.face_block_push_failed',
      targetType: 'session',
      targetId: block.session_id,
      details: confirmed ? { faceBlockId: block.id, action } : { faceBlockId: block.id, action, error: outcome.error },
    });
  });
}
