import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * Whether the session belongs to an erasure request (`erasure_session`): then nothing Didit sends
 * or answers about it is stored again, whatever arrives late (ADR 0016).
 */
export async function isErased(db: Kysely<DB> | Transaction<DB>, sessionId: string): Promise<boolean> {
  const row = await db
    .selectFrom('erasure_session')
    .select('session_id')
    .where('session_id', '=', sessionId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
