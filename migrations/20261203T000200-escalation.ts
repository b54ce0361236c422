import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Escalation (issue 20): an analyst hands an In Review session to the leads with a note. The
 * session holds the escalation in force (`escalated_at`, `escalated_by`, `escalation_event_id`);
 * the note is the `escalate` review event's, so retention of notes removes it like any other note.
 * The escalation and its end (`de_escalate`, or the lead's decision) are review events.
 *
 * `review_event.kind` gets the two new kinds. Its check constraint is rebuilt from the kinds it
 * allows now plus ours (not from a list written here), so this migration keeps kinds another
 * migration of the same days added, whichever runs first.
 */
const newKinds = ['escalate', 'de_escalate'];

async function kindConstraints(db: Kysely<any>): Promise<{ name: string; definition: string }[]> {
  const { rows } = await sql<{ name: string; definition: string }>`
    select c.conname as name, pg_get_constraintdef(c.oid) as definition
      from pg_constraint c
     where c.conrelid = 'review_event'::regclass
       and c.contype = 'c'
       and pg_get_constraintdef(c.oid) ~ '\\mkind\\M'`.execute(db);
  return rows;
}

/** The quoted values a `CHECK ((kind = ANY (ARRAY['a'::text, ...])))` allows. */
function allowedValues(definition: string): string[] {
  return [...definition.matchAll(/'((?:[^']|'')*)'/g)].map((match) => (match[1] ?? '').replaceAll("''", "'"));
}

async function setKinds(db: Kysely<any>, change: (kinds: string[]) => string[]): Promise<void> {
  const constraints = await kindConstraints(db);
  const current = [...new Set(constraints.flatMap((constraint) => allowedValues(constraint.definition)))];
  const kinds = change(current);
  for (const constraint of constraints) {
    await sql`alter table review_event drop constraint ${sql.id(constraint.name)}`.execute(db);
  }
  const list = sql.join(kinds.map((kind) => sql.lit(kind)));
  await sql`alter table review_event add constraint review_event_kind_check check (kind in (${list}))`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await setKinds(db, (kinds) => [...kinds, ...newKinds.filter((kind) => !kinds.includes(kind))]);

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
  await setKinds(db, (kinds) => kinds.filter((kind) => !newKinds.includes(kind)));
}
