import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Media-link refreshes, limited (issue 15, finding 2): a sliding log of who asked for new links,
 * so one person's requests per minute are limited across every replica; and, per session, when
 * a reported broken image last forced new links, so that happens at most once per interval.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('media_refresh_request')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    // `user:<app_user.id>` or `token:<api_token.id>`.
    .addColumn('actor_key', 'text', (col) => col.notNull())
    .addColumn('requested_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('media_refresh_request_actor_idx')
    .on('media_refresh_request')
    .columns(['actor_key', 'requested_at'])
    .execute();

  await db.schema
    .createTable('media_forced_refresh')
    .addColumn('session_id', 'uuid', (col) => col.primaryKey())
    .addColumn('forced_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('media_forced_refresh').execute();
  await db.schema.dropTable('media_refresh_request').execute();
}
