import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Issue 16. `verification_session.warnings` held Didit's snake_case keys, converted from the
 * adapted warning on the way in and hand-parsed back on the way out. It now holds the warning as
 * the console adapts it (camelCase: `SessionWarning` in server/db/schema.ts); existing rows are
 * converted here, keeping what the session page read of them: an element that is not an object
 * with a non-empty text `risk` is dropped, a text field that is not text is null, the additional
 * data is kept as it is. A key already in the target shape wins, so a warning already converted
 * stays as it is. What the analyst judges is unchanged, so `version` does not move.
 */

/** Each key in the console's shape and in Didit's. */
const keys = {
  text: [
    ['feature', 'feature'],
    ['logType', 'log_type'],
    ['shortDescription', 'short_description'],
    ['longDescription', 'long_description'],
    ['nodeId', 'node_id'],
  ],
  data: ['additionalData', 'additional_data'],
} as const;

/** Rewrites every session's warnings with the keys of one shape (0: the console's, 1: Didit's). */
function rewriteWarnings(db: Kysely<any>, shape: 0 | 1) {
  const other = shape === 0 ? 1 : 0;
  const value = (names: readonly [string, string]) => sql`coalesce(w -> ${names[shape]}::text, w -> ${names[other]}::text)`;
  const texts = keys.text.map(
    (names) => sql`${names[shape]}::text, case when jsonb_typeof(${value(names)}) = 'string' then ${value(names)} end`,
  );
  return sql`
    update verification_session
       set warnings = coalesce((
             select jsonb_agg(jsonb_build_object('risk', w -> 'risk', ${sql.join(texts)}, ${keys.data[shape]}::text, ${value(keys.data)})
                              order by n)
               from jsonb_array_elements(warnings) with ordinality as e(w, n)
              where jsonb_typeof(w) = 'object' and jsonb_typeof(w -> 'risk') = 'string' and w ->> 'risk' <> ''), '[]'::jsonb)
     where jsonb_typeof(warnings) = 'array' and warnings <> '[]'::jsonb`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await rewriteWarnings(db, 0);
}

export async function down(db: Kysely<any>): Promise<void> {
  await rewriteWarnings(db, 1);
}
