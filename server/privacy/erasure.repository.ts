import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

/** Kysely queries of erasure requests (`erasure.ts`). */

/** The reference of the (latest) erasure request that holds the session. */
export async function findErasureReference(db: Kysely<DB>, sessionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('erasure_session')
    .innerJoin('erasure_request', 'erasure_request.id', 'erasure_session.request_id')
    .select('erasure_request.reference')
    .where('erasure_session.session_id', '=', sessionId)
    .orderBy('erasure_request.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.reference ?? null;
}
