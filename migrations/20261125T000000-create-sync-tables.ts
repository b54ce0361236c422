import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

export async function up(db: Kysely<any>): Promise<void> {
  // Inbox of signed Didit deliveries; the dedupe key survives retries whose event_id changes.
  await db.schema
    .createTable('webhook_event')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('dedupe_key', 'text', (col) => col.notNull().unique())
    .addColumn('webhook_type', 'text', (col) => col.notNull())
    .addColumn('session_id', 'uuid')
    .addColumn('status', 'text')
    .addColumn('event_timestamp', 'timestamptz', (col) => col.notNull())
    .addColumn('event_id', 'text')
    .addColumn('signature_variant', 'text', (col) => col.notNull().check(sql`signature_variant in ('v2', 'v1')`))
    .addColumn('is_test', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('parked_at', 'timestamptz')
    .execute();
  await sql`create index webhook_event_pending_idx on webhook_event (session_id, event_timestamp, id) where processed_at is null and parked_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex('webhook_event_session_idx')
    .on('webhook_event')
    .columns(['session_id', 'event_timestamp'])
    .execute();

  await db.schema
    .createTable('workflow')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('label', 'text')
    .addColumn('workflow_type', 'text')
    .addColumn('has_face_match', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('liveness_method', 'text')
    .addColumn('didit_settings', 'jsonb')
    .addColumn('sla_minutes', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(240)
        .check(sql`sla_minutes > 0`),
    )
    .addColumn('synced_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('app_user')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('issuer', 'text', (col) => col.notNull())
    .addColumn('email', 'text')
    .addColumn('display_name', 'text')
    .addColumn('roles', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('last_login_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('app_user_issuer_subject_key', ['issuer', 'subject'])
    .execute();

  await db.schema
    .createTable('threshold_version')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('workflow_id', 'uuid', (col) => col.notNull().references('workflow.id'))
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('liveness_review', 'double precision', (col) => col.notNull().check(sql`liveness_review between 0 and 100`))
    .addColumn('liveness_decline', 'double precision', (col) => col.notNull().check(sql`liveness_decline between 0 and 100`))
    .addColumn('face_match_review', 'double precision', (col) => col.check(sql`face_match_review between 0 and 100`))
    .addColumn('face_match_decline', 'double precision', (col) => col.check(sql`face_match_decline between 0 and 100`))
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) =>
      col.notNull().check(sql`state in ('proposed', 'approved', 'rejected', 'withdrawn', 'applied', 'failed')`),
    )
    .addColumn('proposed_by', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('proposed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('decided_by', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('push_error', 'text')
    .addColumn('applied_at', 'timestamptz')
    .addUniqueConstraint('threshold_version_workflow_version_key', ['workflow_id', 'version'])
    .addCheckConstraint('threshold_version_liveness_order', sql`liveness_decline <= liveness_review`)
    .addCheckConstraint('threshold_version_face_match_order', sql`face_match_decline <= face_match_review`)
    .execute();
  await sql`create unique index threshold_version_one_open_proposal on threshold_version (workflow_id) where state = 'proposed'`.execute(
    db,
  );

  await db.schema
    .createTable('verification_session')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('session_number', 'integer')
    .addColumn('workflow_id', 'uuid', (col) => col.references('workflow.id'))
    .addColumn('vendor_data', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('liveness_status', 'text')
    .addColumn('face_match_status', 'text')
    .addColumn('liveness_score', 'double precision')
    .addColumn('face_match_score', 'double precision')
    .addColumn('liveness_method', 'text')
    .addColumn('warnings', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('warning_codes', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('decision', 'jsonb')
    .addColumn('media', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('media_expires_at', 'timestamptz')
    .addColumn('event_at', 'timestamptz')
    .addColumn('didit_created_at', 'timestamptz')
    .addColumn('in_review_since', 'timestamptz')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decision_source', 'text', (col) => col.check(sql`decision_source in ('didit', 'console', 'outside')`))
    .addColumn('threshold_version_id', 'bigint', (col) => col.references('threshold_version.id'))
    .addColumn('claimed_by', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('claim_touched_at', 'timestamptz')
    .addColumn('review_push_state', 'text', (col) => col.check(sql`review_push_state in ('pending', 'confirmed', 'failed')`))
    .addColumn('review_push_error', 'text')
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('first_seen_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // The queue's default view: In Review, oldest first, keyset on (in_review_since, id).
  await sql`create index verification_session_queue_idx on verification_session (in_review_since, id) where status = 'In Review'`.execute(
    db,
  );
  await db.schema.createIndex('verification_session_vendor_data_idx').on('verification_session').column('vendor_data').execute();
  await db.schema
    .createIndex('verification_session_workflow_decided_idx')
    .on('verification_session')
    .columns(['workflow_id', 'decided_at'])
    .execute();
  await sql`create index verification_session_warning_codes_idx on verification_session using gin (warning_codes)`.execute(db);

  // Append-only history of what analysts did; the session row holds the current state.
  await db.schema
    .createTable('review_event')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('session_id', 'uuid', (col) => col.notNull().references('verification_session.id'))
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('claim', 'release', 'approve', 'decline', 'note')`))
    .addColumn('actor_id', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('actor_label', 'text', (col) => col.notNull())
    .addColumn('reason_code', 'text')
    .addColumn('note', 'text')
    .addColumn('threshold_version_id', 'bigint', (col) => col.references('threshold_version.id'))
    .addColumn('session_version', 'integer')
    .addColumn('push_state', 'text', (col) => col.check(sql`push_state in ('pending', 'confirmed', 'failed')`))
    .addColumn('push_error', 'text')
    .addColumn('push_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('pushed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('review_event_session_idx').on('review_event').columns(['session_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['review_event', 'verification_session', 'threshold_version', 'app_user', 'workflow', 'webhook_event']) {
    await db.schema.dropTable(table).execute();
  }
}
