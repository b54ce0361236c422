import { sql, type Transaction } from 'kysely';
import type { Actor } from '../auth/rbac.ts';
import type { DB } from '../db/schema.ts';

/** The queries behind evidence-view auditing (`evidence-view.ts`). */

/**
 * Serialises one person's looks at one session for the rest of the transaction, so two tabs
 * revealing the same session at once see each other's entry.
 */
export async function lockEvidenceViewsOf(trx: Transaction<DB>, actor: Actor, sessionId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`media_viewed:${actor.kind}:${actor.id}:${sessionId}`}))`.execute(trx);
}

/**
 * Whether this person has a `session.media_viewed` entry for the session, with the same purpose
 * (code and note), in the last `windowMinutes`.
 */
export async function hasRecentEvidenceView(
  trx: Transaction<DB>,
  actor: Actor,
  sessionId: string,
  purpose: { purpose: string | null; purposeNote: string | null },
  windowMinutes: number,
): Promise<boolean> {
  const recent = await trx
    .selectFrom('audit_log')
    .select('id')
    .where('target_type', '=', 'session')
    .where('target_id', '=', sessionId)
    .where('action', '=', 'session.media_viewed')
    .where('actor_id', '=', actor.id)
    .where(sql<string | null>`details->>'purpose'`, 'is not distinct from', purpose.purpose)
    .where(sql<string | null>`details->>'purposeNote'`, 'is not distinct from', purpose.purposeNote)
    .where('occurred_at', '>', sql<Date>`now() - make_interval(mins => ${windowMinutes})`)
    .limit(1)
    .executeTakeFirst();
  return recent !== undefined;
}
