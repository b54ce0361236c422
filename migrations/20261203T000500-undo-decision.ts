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
 * - `review_event.kind` gets `decision_undone`. Its check constraint is rebuilt from the kinds it
 *   allows now plus ours (as the escalation migration does), so kinds another migration of the
 *   same days added are kept, whichever runs first.
 */
const newKinds = ['decision_undone'];

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
  await setKinds(db, (kinds) => kinds.filter((kind) => !newKinds.includes(kind)));
}
