import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

/** The inbox row a replay puts back, locked for the rest of the transaction. */
export function lockWebhookEventForReplay(trx: Transaction<DB>, id: number) {
  return trx
    .selectFrom('webhook_event')
    .select(['id', 'session_id', 'webhook_type', 'status', 'attempts', 'last_error', 'parked_at', 'processed_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Back in the inbox as if just received: unprocessed, not parked, no attempts. */
export async function resetWebhookEventForReplay(trx: Transaction<DB>, id: number): Promise<void> {
  await trx
    .updateTable('webhook_event')
    .set({ processed_at: null, parked_at: null, next_attempt_at: null, attempts: 0, last_error: null })
    .where('id', '=', id)
    .execute();
}
