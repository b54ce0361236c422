import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * The queue shows In Review sessions nobody has decided here yet, in one of three orders, with
 * filters, a keyset cursor and a count. Those rows are a few percent of the table and spread over
 * all of it, so each order gets a partial index over exactly them, covering every column the
 * filters read: the page and the count are then index-only scans that stop early, whatever the
 * table's size. The predicate must match `queueFilter` (server/review/queue.repository.ts).
 */
const queuePredicate = sql`status = 'In Review' and (review_push_state is null or review_push_state = 'failed')`;
const filterColumns = sql`workflow_id, liveness_method, liveness_score, face_match_score, warning_codes, claimed_by, claim_touched_at, vendor_data, in_review_since, first_seen_at`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists verification_session_queue_idx`.execute(db);
  await sql`create index verification_session_queue_age_idx on verification_session ((coalesce(in_review_since, first_seen_at)), id) include (${filterColumns}) where ${queuePredicate}`.execute(
    db,
  );
  await sql`create index verification_session_queue_liveness_idx on verification_session ((coalesce(liveness_score, -1)), id) include (${filterColumns}) where ${queuePredicate}`.execute(
    db,
  );
  await sql`create index verification_session_queue_face_match_idx on verification_session ((coalesce(face_match_score, -1)), id) include (${filterColumns}) where ${queuePredicate}`.execute(
    db,
  );
  // Browsing other statuses (Approved, Declined...) pages through the whole table.
  await sql`create index verification_session_status_age_idx on verification_session (status, (coalesce(in_review_since, first_seen_at)), id)`.execute(
    db,
  );
  await sql`create index verification_session_claimed_by_idx on verification_session (claimed_by) where claimed_by is not null`.execute(
    db,
  );
  await sql`create index review_event_push_idx on review_event (push_state, created_at) where push_state in ('pending', 'failed')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'review_event_push_idx',
    'verification_session_claimed_by_idx',
    'verification_session_status_age_idx',
    'verification_session_queue_face_match_idx',
    'verification_session_queue_liveness_idx',
    'verification_session_queue_age_idx',
  ]) {
    await sql`drop index if exists ${sql.id(index)}`.execute(db);
  }
  await sql`create index verification_session_queue_idx on verification_session (in_review_since, id) where status = 'In Review'`.execute(
    db,
  );
}
