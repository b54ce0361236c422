import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Escalation (issue 20): an analyst hands an In Review session to the leads with a note. The
 * session holds the escalation in force (`escalated_at`, `escalated_by`, `escalation_event_id`);
 * the note is the `escalate` review event's, so retention of notes removes it like any other note.
 * The escalation and its end (`de_escalate`, or the lead's decision) are review events.
 *
 * `review_event.kind` gets the two new kinds (its check constraint is rebuilt with the full list).
 */
const kindsBefore = ['claim', 'release', 'approve', 'decline', 'note'];
const kindsAfter = [...kindsBefore, 'escalate', 'de_escalate'];

/** Replaces `review_event`'s kind check (named by Postgres when the table was made) with `kinds`. */
async function allowKinds(db: Kysely<any>, kinds: readonly string[]): Promise<void> {
  await sql`alter table review_event
              drop constraint review_event_kind_check,
              add constraint review_event_kind_check check (kind in (${sql.join(kinds.map((kind) => sql.lit(kind)))}))`.execute(
    db,
  );
}

export async function up(db: Kysely<any>): Promise<void> {
  await allowKinds(db, kindsAfter);

  await sql`alter table verification_session
              add column escalated_at timestamptz,
              add column escalated_by uuid references app_user (id),
              add column escalation_event_id bigint references review_event (id),
              add constraint verification_session_escalation_check
                check ((escalated_at is null) = (escalation_event_id is null))`.execute(db);

  // The leads' "Escalated" view: In Review sessions in escalation, in the queue's age order. A
  // handful of rows; the analysts' queue leaves them out with `escalated_at is null`.
  await sql`create index verification_session_escalated_idx
              on verification_session ((coalesce(in_review_since, first_seen_at)), id)
              include (escalated_at, escalated_by, escalation_event_id, claimed_by, claim_touched_at)
              where status = 'In Review' and escalated_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index verification_session_escalated_idx`.execute(db);
  await sql`alter table verification_session
              drop constraint verification_session_escalation_check,
              drop column escalation_event_id,
              drop column escalated_by,
              drop column escalated_at`.execute(db);
  await sql`delete from review_event where kind in ('escalate', 'de_escalate')`.execute(db);
  await allowKinds(db, kindsBefore);
}
