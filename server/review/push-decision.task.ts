import { sql } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { AppContext } from '../context.ts';
import type { ReviewReason } from '../config.ts';
import { isDiditApiError } from '../vendors/didit/didit-error.ts';
import { livenessNodesToResubmit, type DiditUpdateStatusBody } from '../vendors/didit/update-status.ts';
import { findSessionDecision } from './resubmission.repository.ts';
import type { JobHandler, Jobs } from '../worker/jobs.ts';
import { wakeWaitingPushes } from './pending-pushes.ts';

type Outcome = { state: 'confirmed' } | { state: 'failed'; error: string };

/**
 * Pushes an analyst's decision to Didit (`PATCH /v3/session/{id}/update-status/`) from the
 * outbox. Transient failures (5xx, 429, timeouts) throw so graphile-worker retries with
 * backoff; a permanent 4xx parks the decision as failed with Didit's answer, visible on the
 * session and retryable by an analyst. Didit records API decisions as "API Client", so the
 * comment names the analyst: our record is the only one that knows who decided.
 */
export function pushDecisionTask(
  ctx: Pick<AppContext, 'db' | 'didit' | 'logger' | 'config'>,
): JobHandler<Jobs['pushReviewDecision']> {
  return async ({ reviewEventId, email }, helpers) => {
    const event = await ctx.db
      .selectFrom('review_event')
      .select(['id', 'session_id', 'kind', 'actor_label', 'reason_code', 'note', 'push_state', 'undone_at'])
      .where('id', '=', reviewEventId)
      .executeTakeFirst();
    // An undone decision never reaches Didit: the undo removes its job, and a job that escaped
    // (queued again by hand, say) finds it undone here (undo.ts).
    if (event?.undone_at) {
      ctx.logger.info({ reviewEventId, sessionId: event.session_id }, 'not pushing an undone decision');
      return;
    }
    if (!event || event.push_state !== 'pending') return;
    if (event.kind !== 'approve' && event.kind !== 'decline' && event.kind !== 'resubmit') return;
    const newStatus = event.kind === 'approve' ? 'Approved' : event.kind === 'resubmit' ? 'Resubmitted' : 'Declined';
    const comment = diditComment(newStatus, event, ctx.config.review.reasons[newStatus]);
    const body: DiditUpdateStatusBody = { new_status: newStatus, comment };
    if (newStatus === 'Resubmitted') {
      // The liveness step as Didit's decision names it (the session still holds the attempt to redo).
      const nodes = livenessNodesToResubmit(await findSessionDecision(ctx.db, event.session_id));
      if (nodes.length === 0) {
        // Nothing names the step any more (the decision was removed meanwhile): Didit would refuse it.
        await recordOutcome(ctx, event.id, event.session_id, { state: 'failed', error: 'No liveness step to resubmit.' });
        return;
      }
      body.nodes_to_resubmit = nodes;
      if (email) {
        body.send_email = true;
        body.email_address = email.address;
        if (email.language) body.email_language = email.language;
      }
    }

    let outcome: Outcome;
    try {
      // A run after the first may follow one that reached Didit and died before recording it
      // (a worker killed mid-push, the database gone when the answer came): look before pushing again.
      const reachedDidit = helpers.job.attempts > 1 && (await ctx.didit.getDecision(event.session_id)).status === newStatus;
      if (!reachedDidit) await ctx.didit.updateStatus(event.session_id, body);
      outcome = { state: 'confirmed' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      if (isDiditApiError(error) && !error.retryable) {
        outcome = (await alreadyApplied(ctx, event.session_id, newStatus))
          ? { state: 'confirmed' }
          : { state: 'failed', error: message };
      } else if (lastAttempt) {
        outcome = { state: 'failed', error: `Gave up after ${helpers.job.attempts} attempts: ${message}` };
      } else {
        await ctx.db
          .updateTable('review_event')
          .set((eb) => ({ push_attempts: eb('push_attempts', '+', 1), push_error: message }))
          .where('id', '=', event.id)
          .execute();
        throw error;
      }
    }
    await recordOutcome(ctx, event.id, event.session_id, outcome);
    if (outcome.state === 'confirmed') await wakeWaitingPushes(ctx.db);
  };
}

function diditComment(
  newStatus: string,
  event: { actor_label: string; reason_code: string | null; note: string | null },
  reasons: ReviewReason[],
): string {
  const reason = reasons.find((r) => r.code === event.reason_code)?.label ?? event.reason_code ?? 'no reason';
  const note = event.note ? ` Note: ${event.note}` : '';
  return `${newStatus} in the review console by ${event.actor_label}. Reason: ${reason}.${note}`.slice(0, 10_000);
}

/** A 4xx can mean the session already has the status we wanted (e.g. a retry after a lost answer). */
async function alreadyApplied(ctx: Pick<AppContext, 'didit' | 'logger'>, sessionId: string, newStatus: string): Promise<boolean> {
  try {
    return (await ctx.didit.getDecision(sessionId)).status === newStatus;
  } catch (error) {
    ctx.logger.warn(
      { sessionId, err: error instanceof Error ? error.message : String(error) },
      'could not check the session status after a refused push',
    );
    return false;
  }
}

async function recordOutcome(ctx: Pick<AppContext, 'db'>, eventId: number, sessionId: string, outcome: Outcome): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('review_event')
      .set((eb) => ({
        push_state: outcome.state,
        push_error: outcome.state === 'failed' ? outcome.error : null,
        push_attempts: eb('push_attempts', '+', 1),
        pushed_at: outcome.state === 'confirmed' ? sql<Date>`now()` : null,
      }))
      .where('id', '=', eventId)
      .execute();
    await trx
      .updateTable('verification_session')
      .set((eb) => ({
        review_push_state: outcome.state,
        review_push_error: outcome.state === 'failed' ? outcome.error : null,
        version: eb('version', '+', 1),
        updated_at: sql<Date>`now()`,
      }))
      .where('id', '=', sessionId)
      .execute();
    await appendAudit(trx, {
      actor: null,
      action: outcome.state === 'confirmed' ? 'session.decision_pushed' : 'session.decision_push_failed',
      targetType: 'session',
      targetId: sessionId,
      details: outcome.state === 'failed' ? { reviewEventId: eventId, error: outcome.error } : { reviewEventId: eventId },
    });
  });
}
