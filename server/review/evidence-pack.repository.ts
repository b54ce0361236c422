import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/** Kysely queries of the evidence pack (issue 20). */

/** The audit entries that name the session as their target, oldest first. */
export function listSessionAuditEntries(db: Database, sessionId: string, limit: number) {
  return db
    .selectFrom('audit_log')
    .select(['id', 'occurred_at', 'action', 'actor_label', 'details', 'hash'])
    .where('target_type', '=', 'session')
    .where('target_id', '=', sessionId)
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
}

export type SessionAuditRow = Awaited<ReturnType<typeof listSessionAuditEntries>>[number];

export async function countSessionAuditEntries(db: Database, sessionId: string): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('target_type', '=', 'session')
    .where('target_id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The workflow's evidence pack policy; undefined for a session without a known workflow. */
export function findEvidencePackPolicy(db: Database | Transaction<DB>, workflowId: string | null) {
  if (!workflowId) return Promise.resolve(undefined);
  return db
    .selectFrom('workflow')
    .select(['id', 'label', 'evidence_pack_images'])
    .where('id', '=', workflowId)
    .executeTakeFirst();
}

/** Locks the workflow's row and reads its policy (for a change). */
export function lockEvidencePackPolicy(trx: Transaction<DB>, workflowId: string) {
  return trx.selectFrom('workflow').select('evidence_pack_images').where('id', '=', workflowId).forUpdate().executeTakeFirst();
}

export function updateEvidencePackPolicy(trx: Transaction<DB>, workflowId: string, evidencePackImages: boolean) {
  return trx
    .updateTable('workflow')
    .set({ evidence_pack_images: evidencePackImages, updated_at: new Date() })
    .where('id', '=', workflowId)
    .returning(['id', 'label', 'evidence_pack_images'])
    .executeTakeFirstOrThrow();
}
