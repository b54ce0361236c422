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

/** Which of `sessionIds` belong to an erasure request (one query for a page of Didit's list). */
export async function erasedAmong(db: Kysely<DB> | Transaction<DB>, sessionIds: readonly string[]): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('erasure_session')
    .select('session_id')
    .distinct()
    .where('session_id', 'in', [...sessionIds])
    .execute();
  return new Set(rows.map((row) => row.session_id));
}
