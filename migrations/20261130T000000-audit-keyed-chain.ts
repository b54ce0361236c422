import type { Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

export async function up(db: Kysely<any>): Promise<void> {
  // Which key signed the row's hash (HMAC-SHA-256 with AUDIT_KEY); null for rows written before
  // the chain was keyed, whose hash is a plain SHA-256. The key itself never enters the database.
  await db.schema.alterTable('audit_log').addColumn('key_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_log').dropColumn('key_id').execute();
}
