import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Threshold tuning (issue 7): who proposed/decided a version (labels survive user renames and
 * cover rejections), what Didit answered to a push, and what the workflow looks like at Didit
 * (settings id, which threshold form it uses, drift found by the sync).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('threshold_version')
    .addColumn('proposed_by_label', 'text')
    .addColumn('decided_by_label', 'text')
    .addColumn('decision_note', 'text')
    .addColumn('push_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('pushed_at', 'timestamptz')
    .addColumn('didit_response', 'jsonb')
    .execute();
  // "Version in force at time t" and per-version rates walk applied versions by time.
  await sql`create index threshold_version_applied_idx on threshold_version (workflow_id, applied_at) where applied_at is not null`.execute(
    db,
  );
  await db.schema
    .alterTable('workflow')
    .addColumn('didit_settings_id', 'text')
    .addColumn('settings_form', 'text', (col) => col.check(sql`settings_form in ('features', 'legacy')`))
    .addColumn('drift', 'jsonb')
    .addColumn('drift_detected_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists threshold_version_applied_idx`.execute(db);
  await db.schema
    .alterTable('workflow')
    .dropColumn('didit_settings_id')
    .dropColumn('settings_form')
    .dropColumn('drift')
    .dropColumn('drift_detected_at')
    .execute();
  await db.schema
    .alterTable('threshold_version')
    .dropColumn('proposed_by_label')
    .dropColumn('decided_by_label')
    .dropColumn('decision_note')
    .dropColumn('push_attempts')
    .dropColumn('pushed_at')
    .dropColumn('didit_response')
    .execute();
}
