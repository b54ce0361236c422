import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBeforeMigration, type DatabaseBeforeMigration } from '../../test/helpers/migration.ts';
import { migrateToLatest, type Database } from './database.ts';

/**
 * Sessions stored before scores were range-checked (issue 15, finding 10) are corrected by the
 * migration the same way ingest now treats them: no score, flagged, explained by a warning.
 */

const MIGRATION = '20261130T040000-session-data-problems';

describe(`migration ${MIGRATION}`, () => {
  let pool: DatabaseBeforeMigration['pool'];
  let db: Database;
  const ids = { huge: randomUUID(), negative: randomUUID(), nan: randomUUID(), face: randomUUID(), valid: randomUUID() };

  beforeAll(async () => {
    ({ db, pool } = await databaseBeforeMigration(MIGRATION));

    const workflowId = randomUUID();
    await sql`insert into workflow (id) values (${workflowId})`.execute(db);
    const rows: Array<[string, number | null, number | null]> = [
      [ids.huge, 1e308, 61.5],
      [ids.negative, -5, 80],
      [ids.nan, Number.NaN, null],
      [ids.face, 90, 100.5],
      [ids.valid, 100, 0],
    ];
    for (const [id, l, f] of rows) {
      await sql`insert into verification_session (id, workflow_id, status, liveness_score, face_match_score, warnings, warning_codes, media)
                values (${id}, ${workflowId}, 'Approved', ${l}, ${f},
                        '[{"risk":"LOW_FACE_MATCH_SIMILARITY","feature":"FACEMATCH"}]'::jsonb, '{LOW_FACE_MATCH_SIMILARITY}', '{}'::jsonb)`.execute(
        db,
      );
    }
    await migrateToLatest(db, pool);
  });
  afterAll(() => db.destroy());

  const row = (id: string) =>
    db
      .selectFrom('verification_session')
      .select(['liveness_score', 'face_match_score', 'data_problems', 'warning_codes', 'warnings', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('clears scores outside 0–100 stored before, flags the session and explains it in a warning', async () => {
    expect(await row(ids.huge)).toMatchObject({
      liveness_score: null,
      face_match_score: 61.5,
      data_problems: ['liveness_score_out_of_range'],
      warning_codes: ['LOW_FACE_MATCH_SIMILARITY', 'SCORE_OUT_OF_RANGE'],
      version: 2,
    });
    // In the shape the warnings are stored in after every migration (20261130T110000).
    const { warnings } = await row(ids.huge);
    expect(warnings[1]).toMatchObject({
      risk: 'SCORE_OUT_OF_RANGE',
      feature: 'LIVENESS',
      logType: 'error',
      shortDescription: 'Didit sent a liveness score of 1e+308, outside 0–100.',
    });
    expect(await row(ids.negative)).toMatchObject({ liveness_score: null, data_problems: ['liveness_score_out_of_range'] });
    expect(await row(ids.nan)).toMatchObject({ liveness_score: null, data_problems: ['liveness_score_out_of_range'] });
    expect(await row(ids.face)).toMatchObject({
      liveness_score: 90,
      face_match_score: null,
      data_problems: ['face_match_score_out_of_range'],
    });
    expect(await row(ids.valid)).toMatchObject({
      liveness_score: 100,
      face_match_score: 0,
      data_problems: [],
      warning_codes: ['LOW_FACE_MATCH_SIMILARITY'],
      version: 1,
    });
  });

  it('makes the score columns refuse values outside 0–100 from then on', async () => {
    await expect(
      db.updateTable('verification_session').set({ liveness_score: 100.5 }).where('id', '=', ids.valid).execute(),
    ).rejects.toThrow(/verification_session_liveness_score_range/);
    await expect(
      db.updateTable('verification_session').set({ face_match_score: -0.1 }).where('id', '=', ids.valid).execute(),
    ).rejects.toThrow(/verification_session_face_match_score_range/);
  });
});
