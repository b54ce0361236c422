import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

export async function up(db: Kysely<any>): Promise<void> {
  // Inbox retries: a failed row waits until next_attempt_at before it is tried again.
  await db.schema.alterTable('webhook_event').addColumn('next_attempt_at', 'timestamptz').execute();
  await sql`create index webhook_event_received_idx on webhook_event (received_at)`.execute(db);
  await sql`create index webhook_event_parked_idx on webhook_event (parked_at) where parked_at is not null`.execute(db);

  // Progress of long walks over Didit (periodic reconciliation, CLI backfills). One row per walk,
  // locked (FOR UPDATE SKIP LOCKED) while a page is handled, so replicas never walk it twice.
  await db.schema
    .createTable('sync_cursor')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('state', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  // Client-side rate limiting shared by every replica: one row per Didit scope with what Didit
  // last told us, and a sliding log of the calls we granted ourselves.
  await db.schema
    .createTable('didit_rate_scope')
    .addColumn('scope', 'text', (col) => col.primaryKey())
    .addColumn('blocked_until', 'timestamptz')
    .addColumn('reported_limit', 'integer')
    .addColumn('reported_remaining', 'integer')
    .addColumn('reported_reset_at', 'timestamptz')
    .addColumn('last_throttled_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('didit_rate_grant')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('scope', 'text', (col) => col.notNull())
    .addColumn('granted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('didit_rate_grant_scope_idx').on('didit_rate_grant').columns(['scope', 'granted_at']).execute();

  // Per-minute outcome counts of Didit calls, for /api/sync/status (metrics are per process).
  await db.schema
    .createTable('didit_call_stat')
    .addColumn('minute', 'timestamptz', (col) => col.notNull())
    .addColumn('operation', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('count', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('didit_call_stat_pkey', ['minute', 'operation', 'outcome'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('didit_call_stat').execute();
  await db.schema.dropTable('didit_rate_grant').execute();
  await db.schema.dropTable('didit_rate_scope').execute();
  await db.schema.dropTable('sync_cursor').execute();
  await sql`drop index webhook_event_parked_idx`.execute(db);
  await sql`drop index webhook_event_received_idx`.execute(db);
  await db.schema.alterTable('webhook_event').dropColumn('next_attempt_at').execute();
}
