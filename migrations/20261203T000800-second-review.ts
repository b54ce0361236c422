import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Second review and four eyes (issue 20, ADR 0021).
 *
 * - `second_review`: a decision another analyst decides again, blind to it. `purpose` says why:
 *   `four_eyes` (a risky approval, held from Didit until confirmed) or `quality` (a sampled
 *   decision, or an override of an automatic Declined, checked after the fact). Its `state` moves
 *   open → agreed | disagreed → resolved (a lead settles a disagreement), or → withdrawn (the
 *   decision was undone) / overtaken (Didit decided the session meanwhile). The verdicts are here
 *   for the agreement figures; the reasons and notes are in their review events (retention
 *   removes notes there).
 * - `review_event.kind` gets `second_review` (the second analyst's verdict) and
 *   `second_review_resolved` (a lead's word on a disagreement).
 * - `review_event.push_state` and `verification_session.review_push_state` get `held`: a
 *   decision waiting for a second analyst's confirmation, with no push job yet.
 * - `workflow`: the share of decisions sent to quality review, and the four-eyes rules (a face
 *   match floor, a margin around the decline line, a third attempt within a day).
 */
const kindsBefore = ['claim', 'release', 'approve', 'decline', 'note', 'escalate', 'de_escalate', 'decision_undone', 'resubmit'];
const kindsAfter = [...kindsBefore, 'second_review', 'second_review_resolved'];

/** Replaces `review_event`'s kind check (named by Postgres when the table was made) with `kinds`. */
async function allowKinds(db: Kysely<any>, kinds: readonly string[]): Promise<void> {
  await sql`alter table review_event
              drop constraint review_event_kind_check,
              add constraint review_event_kind_check check (kind in (${sql.join(kinds.map((kind) => sql.lit(kind)))}))`.execute(
    db,
  );
}

/** Replaces the push state checks of `review_event` and `verification_session` with `states`. */
async function allowPushStates(db: Kysely<any>, states: readonly string[]): Promise<void> {
  const list = sql.join(states.map((state) => sql.lit(state)));
  await sql`alter table review_event
              drop constraint review_event_push_state_check,
              add constraint review_event_push_state_check check (push_state in (${list}))`.execute(db);
  await sql`alter table verification_session
              drop constraint verification_session_review_push_state_check,
              add constraint verification_session_review_push_state_check check (review_push_state in (${list}))`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await allowKinds(db, kindsAfter);
  await allowPushStates(db, ['pending', 'confirmed', 'failed', 'held']);

  await db.schema
    .createTable('second_review')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('session_id', 'uuid', (col) => col.notNull().references('verification_session.id').onDelete('cascade'))
    .addColumn('workflow_id', 'uuid', (col) => col.references('workflow.id').onDelete('set null'))
    .addColumn('purpose', 'text', (col) => col.notNull().check(sql`purpose in ('four_eyes', 'quality')`))
    // Why it was picked: the four-eyes rules the approval met, or `sample` / `override_declined`.
    .addColumn('triggers', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('decision_event_id', 'bigint', (col) => col.notNull().unique().references('review_event.id').onDelete('cascade'))
    .addColumn('first_actor_id', 'uuid', (col) => col.notNull().references('app_user.id'))
    .addColumn('first_verdict', 'text', (col) => col.notNull().check(sql`first_verdict in ('Approved', 'Declined')`))
    // The session's warning codes when the first analyst decided, for agreement per warning code.
    .addColumn('warning_codes', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('state', 'text', (col) =>
      col
        .notNull()
        .defaultTo('open')
        .check(sql`state in ('open', 'agreed', 'disagreed', 'resolved', 'withdrawn', 'overtaken')`),
    )
    .addColumn('second_event_id', 'bigint', (col) => col.references('review_event.id').onDelete('set null'))
    .addColumn('second_actor_id', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('second_verdict', 'text', (col) => col.check(sql`second_verdict in ('Approved', 'Declined')`))
    .addColumn('answered_at', 'timestamptz')
    .addColumn('resolve_event_id', 'bigint', (col) => col.references('review_event.id').onDelete('set null'))
    .addColumn('resolved_by', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('resolution', 'text', (col) => col.check(sql`resolution in ('Approved', 'Declined')`))
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('second_review_second_differs', sql`second_actor_id is null or second_actor_id <> first_actor_id`)
    .addCheckConstraint(
      'second_review_answered',
      sql`(state in ('open', 'withdrawn', 'overtaken')) or (second_verdict is not null and answered_at is not null)`,
    )
    .execute();
  // The work lists: open reviews oldest first (id order, paged by id), disagreements for the leads.
  await sql`create index second_review_open_idx on second_review (state, id) where state in ('open', 'disagreed')`.execute(db);
  await sql`create index second_review_session_idx on second_review (session_id)`.execute(db);
  // Agreement figures read answered reviews by when they were answered.
  await sql`create index second_review_answered_idx on second_review (answered_at) where answered_at is not null`.execute(db);

  await sql`alter table workflow
              add column second_review_percent integer not null default 0 check (second_review_percent between 0 and 100),
              add column four_eyes_face_match_floor double precision check (four_eyes_face_match_floor between 0 and 100),
              add column four_eyes_decline_margin double precision check (four_eyes_decline_margin between 0 and 50),
              add column four_eyes_repeat_attempts boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table workflow
              drop column four_eyes_repeat_attempts,
              drop column four_eyes_decline_margin,
              drop column four_eyes_face_match_floor,
              drop column second_review_percent`.execute(db);
  await db.schema.dropTable('second_review').execute();
  await sql`update review_event set push_state = 'pending' where push_state = 'held'`.execute(db);
  await sql`update verification_session set review_push_state = null where review_push_state = 'held'`.execute(db);
  await sql`delete from review_event where kind in ('second_review', 'second_review_resolved')`.execute(db);
  await allowPushStates(db, ['pending', 'confirmed', 'failed']);
  await allowKinds(db, kindsBefore);
}
