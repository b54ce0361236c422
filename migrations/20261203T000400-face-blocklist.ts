import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Face blocklist (issue 20): "decline and block this face". One row per block of the face a
 * session presented, an outbox like decisions: the analyst's transaction inserts it `blocking`
 * and queues `push_face_block`; the job calls Didit's `POST /v3/blocklist/add/` until Didit
 * confirms (`blocked`, `confirmed_at`). A lead's unblock moves it to `unblocking` and the same
 * job calls `/v3/blocklist/remove/` (`unblocked`, `unblock_confirmed_at`). A 4xx Didit documents
 * as final parks it `failed`, with `failed_action` saying which call, visible and retryable.
 *
 * - `review_event_id`: the Declined decision recorded with the block (same transaction).
 * - `reason_code` / `note`: the decision's reason and the analyst's note (required when written;
 *   retention with RETENTION_NOTES=remove and erasure clear `note` and `unblock_note`, setting
 *   `note_removed_at`, as they do for review events' notes).
 * - `withdrawn`: the decision it came with was undone before either push left (Didit never heard of it).
 * - One live block per session: a unique index over the rows neither `unblocked` nor `withdrawn`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('face_block')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('session_id', 'uuid', (col) => col.notNull().references('verification_session.id'))
    .addColumn('review_event_id', 'bigint', (col) => col.references('review_event.id'))
    .addColumn('state', 'text', (col) =>
      col.notNull().check(sql`state in ('blocking', 'blocked', 'unblocking', 'unblocked', 'failed', 'withdrawn')`),
    )
    .addColumn('failed_action', 'text', (col) => col.check(sql`failed_action in ('block', 'unblock')`))
    .addColumn('reason_code', 'text', (col) => col.notNull())
    .addColumn('note', 'text')
    .addColumn('note_removed_at', 'timestamptz')
    .addColumn('blocked_by_id', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('blocked_by_label', 'text', (col) => col.notNull())
    .addColumn('blocked_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('unblocked_by_id', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('unblocked_by_label', 'text')
    .addColumn('unblocked_at', 'timestamptz')
    .addColumn('unblock_note', 'text')
    .addColumn('unblock_confirmed_at', 'timestamptz')
    .addColumn('push_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('push_error', 'text')
    .addCheckConstraint('face_block_failed_state_check', sql`(state = 'failed') = (failed_action is not null)`)
    .execute();
  await sql`create unique index face_block_live_session_key on face_block (session_id) where state not in ('unblocked', 'withdrawn')`.execute(
    db,
  );
  await db.schema.createIndex('face_block_session_idx').on('face_block').columns(['session_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('face_block').execute();
}
