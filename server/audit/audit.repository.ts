import { createHash, createHmac } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Actor } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { AuditKey, AuditKeyring } from './audit-key.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The append-only, keyed hash chain of the audit log (ADR 0004, ADR 0012). Each row's hash is an
 * HMAC under AUDIT_KEY over its content and the previous row's hash, so editing, inserting or
 * removing a row breaks the chain from that row on, even for someone who can bypass the trigger,
 * unless they also hold the key, which never enters the database. The runtime database role may
 * only INSERT and SELECT here (`server/db/roles.ts`); truncating the tail needs the owner, and
 * is caught by comparing with a checkpoint of the head (`audit verify --expect-head`).
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

/**
 * The key new rows are signed with: one per process, like the pg type parsers, set by the
 * composition root (`createContext`) from AUDIT_KEY. Appends deep inside services' transactions
 * find it here instead of every call site carrying it.
 */
let signingKey: AuditKey | undefined;

export function useAuditKey(key: AuditKey): void {
  signingKey = key;
}

/** A row's hash: HMAC-SHA-256 under `key`, or (rows from before the chain was keyed) plain SHA-256. */
export function auditHash(prevHash: string | null, row: HashedFields, key: AuditKey | null): string {
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
  return (key ? createHmac('sha256', key.secret) : createHash('sha256')).update(content).digest('hex');
}

/**
 * Appends one entry. Inside the caller's transaction when given one, so the entry commits or
 * rolls back with what it records; appends are serialised by a transaction-scoped advisory lock
 * so the chain has no forks.
 */
export async function appendAudit(db: Database | Transaction<DB>, entry: AuditEntry): Promise<void> {
  const key = signingKey;
  if (!key) throw new Error('No audit key: createContext sets it from AUDIT_KEY before anything is audited');
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
    .values({
      ...row,
      details: JSON.stringify(row.details),
      prev_hash: prevHash,
      hash: auditHash(prevHash, row, key),
      key_id: key.id,
    })
    .execute();
}

/** The chain's head: how many rows, and the last row's hash. Written down regularly (checkpoints). */
export interface AuditHead {
  rows: number;
  hash: string | null;
}

/** `rows:hash`, the form checkpoints are logged in and `audit verify --expect-head` takes. */
export function formatAuditHead(head: AuditHead): string {
  return `${head.rows}:${head.hash ?? ''}`;
}

/** `rows:hash` from a logged checkpoint, or `rows` alone (the `audit_chain_rows` metric) to check only the count. */
export function parseAuditHead(text: string): AuditHead {
  const match = /^(\d{1,15})(?::([0-9a-f]{64})?)?$/.exec(text.trim());
  if (!match?.[1]) {
    throw new Error('Not a checkpoint: expected ROWS:HASH (64 hex digits) as logged by "audit checkpoint", or ROWS');
  }
  return { rows: Number(match[1]), hash: match[2] ?? null };
}

/** One statement, so the count and the last hash come from the same snapshot. */
export async function readAuditHead(db: Database): Promise<AuditHead> {
  const { rows } = await sql<{ rows: number; hash: string | null }>`
    select count(*)::int as rows, (select hash from audit_log order by id desc limit 1) as hash
    from audit_log`.execute(db);
  return rows[0] ?? { rows: 0, hash: null };
}

export type ChainVerification =
  | {
      ok: true;
      rows: number;
      /**
       * Rows from before the chain was keyed (plain SHA-256). Only as a prefix, sealed by the keyed
       * row after them, whose HMAC covers the last one's hash: rewriting them breaks that link.
       */
      unkeyedRows: number;
      head: AuditHead;
    }
  | { ok: false; rows: number; brokenAt: number | null; problem: string };

export interface VerifyOptions {
  /** AUDIT_KEY first, then AUDIT_KEY_PREVIOUS: every key a row may have been signed with. */
  keys: AuditKeyring;
  /** A checkpoint written earlier: the chain must pass through it (catches a truncated tail). */
  expectHead?: AuditHead;
  batchSize?: number;
}

/** Walks the chain in order and names the first row whose hash, key or link does not hold. */
export async function verifyAuditChain(
  db: Database,
  { keys, expectHead, batchSize = 5_000 }: VerifyOptions,
): Promise<ChainVerification> {
  const byId = new Map(keys.map((key) => [key.id, key]));
  let prevHash: string | null = null;
  let lastId = 0;
  let rows = 0;
  let unkeyedRows = 0;
  const broken = (brokenAt: number | null, problem: string): ChainVerification => ({ ok: false, rows, brokenAt, problem });
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(batchSize).execute();
    if (batch.length === 0) break;
    for (const row of batch) {
      rows++;
      if (row.prev_hash !== prevHash) {
        return broken(row.id, 'its link to the previous row does not match (a row was removed or inserted)');
      }
      let key: AuditKey | null = null;
      if (row.key_id === null) {
        if (rows > unkeyedRows + 1) {
          return broken(row.id, 'it is unkeyed but follows keyed rows (the chain was recomputed without AUDIT_KEY)');
        }
        unkeyedRows++;
      } else {
        key = byId.get(row.key_id) ?? null;
        if (!key) {
          return broken(
            row.id,
            `it was signed with key ${row.key_id}, which is neither AUDIT_KEY nor AUDIT_KEY_PREVIOUS (a forged row, or a rotated key not supplied)`,
          );
        }
      }
      if (auditHash(prevHash, row, key) !== row.hash) {
        return broken(row.id, 'its content does not match its hash (the row was edited)');
      }
      if (expectHead?.hash && rows === expectHead.rows && row.hash !== expectHead.hash) {
        return broken(row.id, `the checkpoint says row ${expectHead.rows} has another hash (the chain was rewritten)`);
      }
      prevHash = row.hash;
      lastId = row.id;
    }
  }
  if (unkeyedRows > 0 && unkeyedRows === rows) {
    return broken(
      null,
      `none of its ${rows} rows is keyed: the chain was recomputed without AUDIT_KEY, or the console has not yet run ` +
        'with a key (the worker seals rows from before the key with a keyed row at its first checkpoint)',
    );
  }
  if (expectHead && rows < expectHead.rows) {
    return broken(null, `the checkpoint counted ${expectHead.rows} rows but only ${rows} remain (the tail was removed)`);
  }
  return { ok: true, rows, unkeyedRows, head: { rows, hash: prevHash } };
}
