import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Didit as it really is (issue 13): thresholds are whole numbers; a workflow is followed through
 * its latest published version at Didit (and a push records which version it reached); authentic
 * webhook deliveries that cannot be stored as events are kept in a quarantine, never dropped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Didit takes integer thresholds: round what earlier versions may have stored.
  for (const column of ['liveness_review', 'liveness_decline', 'face_match_review', 'face_match_decline']) {
    await sql`alter table threshold_version alter column ${sql.ref(column)} type integer using round(${sql.ref(column)})::integer`.execute(
      db,
    );
  }
  await db.schema
    .alterTable('threshold_version')
    .addColumn('didit_settings_id', 'text')
    .addColumn('didit_version', 'integer')
    // What Didit reported just before the push changed it: the thresholds sessions scored before
    // this version were scored under, when no console version preceded it.
    .addColumn('replaced_thresholds', 'jsonb')
    .execute();

  await db.schema
    .alterTable('workflow')
    .addColumn('didit_version', 'integer')
    .addColumn('didit_draft_version', 'integer')
    .execute();

  await db.schema
    .createTable('webhook_quarantine')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    // The same bytes delivered again (Didit retries) count on one row.
    .addColumn('body_sha256', 'text', (col) => col.notNull().unique())
    .addColumn('body', 'bytea', (col) => col.notNull())
    .addColumn('reason', 'text', (col) =>
      col
        .notNull()
        .check(sql`reason in ('stale_timestamp', 'timestamp_mismatch', 'malformed_json', 'invalid_envelope', 'unstorable')`),
    )
    .addColumn('detail', 'text')
    .addColumn('signature_variant', 'text', (col) => col.notNull())
    .addColumn('header_timestamp', 'text')
    .addColumn('webhook_type', 'text')
    .addColumn('session_id', 'uuid')
    .addColumn('event_timestamp', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('deliveries', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('repair_state', 'text', (col) =>
      col.notNull().check(sql`repair_state in ('queued', 'repaired', 'gone', 'not_possible', 'failed')`),
    )
    .addColumn('repaired_at', 'timestamptz')
    .addColumn('repair_error', 'text')
    .execute();
  await sql`create index webhook_quarantine_received_idx on webhook_quarantine (last_received_at)`.execute(db);
  await sql`create index webhook_quarantine_session_idx on webhook_quarantine (session_id) where repair_state in ('queued', 'failed')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_quarantine').execute();
  await db.schema.alterTable('workflow').dropColumn('didit_version').dropColumn('didit_draft_version').execute();
  await db.schema
    .alterTable('threshold_version')
    .dropColumn('didit_settings_id')
    .dropColumn('didit_version')
    .dropColumn('replaced_thresholds')
    .execute();
  for (const column of ['liveness_review', 'liveness_decline', 'face_match_review', 'face_match_decline']) {
    await sql`alter table threshold_version alter column ${sql.ref(column)} type double precision`.execute(db);
  }
}
