import type { Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Issue 15, finding 8. A signed delivery whose JSON Postgres's `jsonb` refuses (a `\u0000`, a
 * lone surrogate, a number beyond `numeric`) is stored as an event all the same: `payload` holds
 * it with those characters replaced by U+FFFD, and `raw_body` keeps the bytes Didit signed. Null
 * when `payload` is the body as received (nearly every row).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_event').addColumn('raw_body', 'bytea').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_event').dropColumn('raw_body').execute();
}
