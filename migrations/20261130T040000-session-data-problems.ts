import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Scores are percentages (issue 15, finding 10). A session whose decision carried a score outside
 * 0–100 keeps no score (statistics skip it) and is flagged in `data_problems`, with a warning the
 * console raises explaining it to the analyst. Rows stored before this check are corrected the
 * same way, and the columns refuse such scores from now on.
 */

const features = [
  { column: 'liveness_score', code: 'liveness_score_out_of_range', feature: 'LIVENESS', name: 'liveness score' },
  { column: 'face_match_score', code: 'face_match_score_out_of_range', feature: 'FACEMATCH', name: 'face match score' },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('verification_session')
    .addColumn('data_problems', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .execute();

  for (const { column, code, feature, name } of features) {
    const score = sql.ref(column);
    // NaN sorts above every number in Postgres, so it fails `<= 100` too.
    await sql`
      update verification_session
         set data_problems = array_append(data_problems, ${code}),
             warning_codes = case when 'SCORE_OUT_OF_RANGE' = any(warning_codes) then warning_codes
                                  else array_append(warning_codes, 'SCORE_OUT_OF_RANGE') end,
             warnings = warnings || jsonb_build_array(jsonb_build_object(
               'feature', ${feature}::text,
               'risk', 'SCORE_OUT_OF_RANGE',
               'log_type', 'error',
               'short_description', ${`Didit sent a ${name} of `}::text || ${score}::text || ', outside 0–100.',
               'long_description', ${`The console did not store this ${name}: the session shows no ${name}, and statistics and threshold simulations leave it out. Judge this check from the evidence.`}::text,
               'node_id', null,
               'additional_data', null)),
             ${score} = null,
             version = version + 1,
             updated_at = now()
       where ${score} is not null and not (${score} >= 0 and ${score} <= 100)`.execute(db);
    await sql`alter table verification_session add constraint ${sql.ref(`verification_session_${column}_range`)}
                check (${score} >= 0 and ${score} <= 100)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { column } of features) {
    await sql`alter table verification_session drop constraint ${sql.ref(`verification_session_${column}_range`)}`.execute(db);
  }
  await db.schema.alterTable('verification_session').dropColumn('data_problems').execute();
}
