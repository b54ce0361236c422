import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { enqueue, jobs } from '../worker/jobs.ts';
import { lockWebhookEventForReplay, resetWebhookEventForReplay } from './webhook-replay.repository.ts';

/** Whether retention or an erasure removed the (locked) row's body (`removePersonalData`). */
async function payloadRemoved(trx: Transaction<DB>, id: number): Promise<boolean> {
  const row = await trx.selectFrom('webhook_event').select('payload_removed_at').where('id', '=', id).executeTakeFirst();
  return Boolean(row?.payload_removed_at);
}

/**
 * Puts a row (parked, or already applied) back in the inbox and wakes its session's processing.
 * Applying is idempotent and never moves a session backwards, so replaying an old event is safe.
 */
export async function replayWebhookEvent(
  trx: Transaction<DB>,
  id: number,
  actor: Actor,
  origin: RequestOrigin,
): Promise<{ id: number; sessionId: string }> {
  const before = await lockWebhookEventForReplay(trx, id);
  if (!before) throw new AppError(404, 'not_found', `No webhook event ${id}.`);
  if (!before.session_id)
    throw new AppError(409, 'conflict', 'This webhook type is stored for the record only; there is nothing to apply.');
  if (await payloadRemoved(trx, id))
    throw new AppError(
      409,
      'conflict',
      "This delivery's body was removed with the session's personal data (retention or an erasure); there is nothing left to replay.",
    );
  await resetWebhookEventForReplay(trx, id);
  await enqueue(trx, jobs.processSessionInbox, { sessionId: before.session_id });
  await appendAudit(trx, {
    actor,
    action: 'webhook.replay',
    targetType: 'webhook_event',
    targetId: String(id),
    ...origin,
    details: {
      sessionId: before.session_id,
      webhookType: before.webhook_type,
      status: before.status,
      wasParked: before.parked_at !== null,
      wasProcessed: before.processed_at !== null,
      previousAttempts: before.attempts,
      previousError: before.last_error,
    },
  });
  return { id: before.id, sessionId: before.session_id };
}
