import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Asking the user to try again (issue 20): an analyst sets an In Review session to `Resubmitted`
 * with its liveness step to redo; Didit's next completion brings the new attempt.
 *
 * - `review_event.kind` gets `resubmit` (its check constraint is rebuilt with the full list).
 * - `review_event_undo_check` allows an undo window on a `resubmit` too: it is a decision like
 *   the others, held for REVIEW_UNDO_SECONDS before its push.
 * - `session_attempt`: the attempt an analyst asked to redo, as it stood then (scores, statuses,
 *   warnings' feature and risk), so the session page can set the new attempt against it. Only
 *   what the console already showed about the session; no media, no descriptions, no email
 *   address (that one lives only in the push job's payload until Didit has it).
 */
const kindsBefore = ['claim', 'release', 'approve', 'decline', 'note', 'escalate', 'de_escalate', 'decision_undone'];
const kindsAfter = [...kindsBefore, 'resubmit'];

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
              drop constraint review_event_undo_check,
              add constraint review_event_undo_check
                check ((undo_until is null and undone_at is null) or kind in ('approve', 'decline', 'resubmit'))`.execute(db);
  await db.schema
    .createTable('session_attempt')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('session_id', 'uuid', (col) => col.notNull().references('verification_session.id').onDelete('cascade'))
    .addColumn('review_event_id', 'bigint', (col) => col.notNull().unique().references('review_event.id').onDelete('cascade'))
    .addColumn('liveness_status', 'text')
    .addColumn('face_match_status', 'text')
    .addColumn('liveness_score', 'double precision', (col) => col.check(sql`liveness_score between 0 and 100`))
    .addColumn('face_match_score', 'double precision', (col) => col.check(sql`face_match_score between 0 and 100`))
    .addColumn('liveness_method', 'text')
    .addColumn('warnings', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('session_attempt_session_idx').on('session_attempt').columns(['session_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('session_attempt').execute();
  await sql`delete from review_event where kind in ('resubmit')`.execute(db);
  await sql`alter table review_event
              drop constraint review_event_undo_check,
              add constraint review_event_undo_check
                check ((undo_until is null and undone_at is null) or kind in ('approve', 'decline'))`.execute(db);
  await allowKinds(db, kindsBefore);
}
