import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Actor } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The append-only, hash-chained audit log. Each row's hash covers its content and the previous
 * row's hash, so editing or removing a row (even by someone who can bypass the trigger) breaks
 * the chain from that row on.
 */

export interface AuditEntry {
  /** `null` for the console itself (worker, webhooks). */
  actor: Actor | null;
  action: string;
  targetType?: string;
  targetId?: string;
  ip?: string;
  userAgent?: string;
  details?: Record<string, unknown>;
}

interface HashedFields {
  occurred_at: Date;
  actor_type: 'user' | 'token' | 'system';
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

export function auditHash(prevHash: string | null, row: HashedFields): string {
  const content = canonicalJson([
    prevHash,
    row.occurred_at.toISOString(),
    row.actor_type,
    row.actor_id,
    row.actor_label,
    row.action,
    row.target_type,
    row.target_id,
    row.ip,
    row.user_agent,
    row.details,
  ]);
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Appends one entry. Inside the caller's transaction when given one, so the entry commits or
 * rolls back with what it records; appends are serialised by a transaction-scoped advisory lock
 * so the chain has no forks.
 */
export async function appendAudit(db: Database | Transaction<DB>, entry: AuditEntry): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => appendAudit(trx, entry));
    return;
  }
  await sql`select pg_advisory_xact_lock(hashtext('audit_log'))`.execute(db);
  const previous = await db.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const row: HashedFields = {
    // Milliseconds, as JavaScript holds them, so the value read back hashes the same.
    occurred_at: new Date(),
    actor_type: entry.actor ? entry.actor.kind : 'system',
    actor_id: entry.actor?.id ?? null,
    actor_label: entry.actor?.label ?? 'console',
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    ip: entry.ip ?? null,
    user_agent: entry.userAgent ?? null,
    details: entry.details ?? {},
  };
  const prevHash = previous?.hash ?? null;
  await db
    .insertInto('audit_log')
    .values({ ...row, details: JSON.stringify(row.details), prev_hash: prevHash, hash: auditHash(prevHash, row) })
    .execute();
}

export type ChainVerification = { ok: true; rows: number } | { ok: false; rows: number; brokenAt: number; problem: string };

/** Walks the chain in order and names the first row whose hash or link does not hold. */
export async function verifyAuditChain(db: Database, batchSize = 5_000): Promise<ChainVerification> {
  let prevHash: string | null = null;
  let lastId = 0;
  let rows = 0;
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(batchSize).execute();
    if (batch.length === 0) return { ok: true, rows };
    for (const row of batch) {
      rows++;
      if (row.prev_hash !== prevHash) {
        return {
          ok: false,
          rows,
          brokenAt: row.id,
          problem: 'its link to the previous row does not match (a row was removed or inserted)',
        };
      }
      if (auditHash(prevHash, row) !== row.hash) {
        return { ok: false, rows, brokenAt: row.id, problem: 'its content does not match its hash (the row was edited)' };
      }
      prevHash = row.hash;
      lastId = row.id;
    }
  }
}
