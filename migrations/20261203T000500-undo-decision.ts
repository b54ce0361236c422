import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Undoing the last decision (issue 20, ADR 0018): an analyst may take back their decision while
 * its push to Didit has not left (REVIEW_UNDO_SECONDS).
 *
 * - `review_event.undo_until`: on a decision, until when its decider may undo it (also when its
 *   push job runs); null for a decision that cannot be undone (an API token's, or with undo off).
 * - `review_event.undone_at`: on a decision, when it was undone. The decision stays in the history
 *   and a `decision_undone` event records the undo; counts of decisions leave undone ones out.
 * - `review_event.kind` gets `decision_undone` (its check constraint is rebuilt with the full list).
 */
const kindsBefore = ['claim', 'release', 'approve', 'decline', 'note', 'escalate', 'de_escalate'];
const kindsAfter = [...kindsBefore, 'decision_undone'];

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
  await sql`alter table review_event
              add column undo_until timestamptz,
              add column undone_at timestamptz,
              add constraint review_event_undo_check
                check ((undo_until is null and undone_at is null) or kind in ('approve', 'decline'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table review_event
              drop constraint review_event_undo_check,
              drop column undone_at,
              drop column undo_until`.execute(db);
  await sql`delete from review_event where kind in ('decision_undone')`.execute(db);
  await allowKinds(db, kindsBefore);
}
