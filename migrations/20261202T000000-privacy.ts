import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Privacy of biometric data (issue 19, ADR 0016): what the console holds about a person, for how
 * long, and how it lets go of it.
 *
 * - `verification_session.vendor_data_hash`: a keyed hash (PSEUDONYM_KEY) of `vendor_data`, written
 *   with it. Once retention or an erasure removes `vendor_data`, the hash still links a person's
 *   sessions ("other sessions", insights) without naming them. Rows from before are hashed by the
 *   worker (the key is never in the database, so SQL cannot).
 * - `personal_data_removed_at` / `personal_data_removal`: when and why (`retention`, `erasure`) the
 *   decision JSON, media links, `vendor_data` (and notes, if configured) were removed.
 * - `review_event.note_removed_at`: a note whose text retention removed (RETENTION_NOTES=remove).
 * - `webhook_event.payload_removed_at`: a delivery whose body was removed with its session's data.
 * - `workflow.viewers_may_reveal`: whether viewers may reveal faces in this workflow (default no).
 * - `erasure_request` / `erasure_session`: a person's erasure, here and at Didit, resumable. The
 *   request names itself (a reference such as a ticket number), never the person; the plaintext
 *   `vendor_data` is held only until Didit's list has been searched for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('verification_session')
    .addColumn('vendor_data_hash', 'text')
    .addColumn('personal_data_removed_at', 'timestamptz')
    .addColumn('personal_data_removal', 'text', (col) => col.check(sql`personal_data_removal in ('retention', 'erasure')`))
    .execute();
  await db.schema
    .createIndex('verification_session_vendor_data_hash_idx')
    .on('verification_session')
    .column('vendor_data_hash')
    .execute();
  // The retention pass: final sessions still holding personal data, oldest first.
  await sql`create index verification_session_retention_idx on verification_session (coalesce(decided_at, event_at))
              where personal_data_removed_at is null
                and status in ('Approved', 'Declined', 'Abandoned', 'Expired', 'Kyc Expired')`.execute(db);
  // Insights' users declined for an attack, linked by the hash now (it outlives vendor_data).
  await sql`drop index verification_session_attacked_idx`.execute(db);
  await sql`create index verification_session_attacked_idx on verification_session (vendor_data_hash)
              include (didit_created_at, first_seen_at)
              where status = 'Declined' and vendor_data_hash is not null
                and warning_codes && array['LIVENESS_FACE_ATTACK', 'FACE_IN_BLOCKLIST']::text[]`.execute(db);
  // Rows the worker has yet to hash.
  await sql`create index verification_session_unhashed_idx on verification_session (id)
              where vendor_data is not null and vendor_data_hash is null`.execute(db);

  await db.schema.alterTable('review_event').addColumn('note_removed_at', 'timestamptz').execute();
  await db.schema.alterTable('webhook_event').addColumn('payload_removed_at', 'timestamptz').execute();
  await db.schema
    .alterTable('workflow')
    .addColumn('viewers_may_reveal', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();

  await db.schema
    .createTable('erasure_request')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('reference', 'text', (col) => col.notNull())
    // Keyed hash of the person's vendor_data; null for a session without one (erased alone).
    .addColumn('subject_hash', 'text')
    // The plaintext, only until Didit's session list has been searched for it.
    .addColumn('vendor_data', 'text')
    .addColumn('requested_by_id', 'text')
    .addColumn('requested_by_label', 'text', (col) => col.notNull())
    .addColumn('requested_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('didit_searched_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute();
  // One open request per person: asking again resumes it.
  await sql`create unique index erasure_request_open_subject_idx on erasure_request (subject_hash)
              where completed_at is null and subject_hash is not null`.execute(db);

  await db.schema
    .createTable('erasure_session')
    .addColumn('request_id', 'bigint', (col) => col.notNull().references('erasure_request.id'))
    .addColumn('session_id', 'text', (col) => col.notNull())
    .addColumn('didit_state', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`didit_state in ('pending', 'deleted', 'gone', 'failed')`),
    )
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('confirmed_at', 'timestamptz')
    .addPrimaryKeyConstraint('erasure_session_pk', ['request_id', 'session_id'])
    .execute();
  // A tombstone: a late delivery for an erased session is dropped, not stored again.
  await db.schema.createIndex('erasure_session_session_idx').on('erasure_session').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('erasure_session').execute();
  await db.schema.dropTable('erasure_request').execute();
  await db.schema.alterTable('workflow').dropColumn('viewers_may_reveal').execute();
  await db.schema.alterTable('webhook_event').dropColumn('payload_removed_at').execute();
  await db.schema.alterTable('review_event').dropColumn('note_removed_at').execute();
  await sql`drop index verification_session_attacked_idx`.execute(db);
  await sql`create index verification_session_attacked_idx on verification_session (vendor_data)
              include (didit_created_at, first_seen_at)
              where status = 'Declined' and vendor_data is not null
                and warning_codes && array['LIVENESS_FACE_ATTACK', 'FACE_IN_BLOCKLIST']::text[]`.execute(db);
  await db.schema
    .alterTable('verification_session')
    .dropColumn('vendor_data_hash')
    .dropColumn('personal_data_removed_at')
    .dropColumn('personal_data_removal')
    .execute();
}
