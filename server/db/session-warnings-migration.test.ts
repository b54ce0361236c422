import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBeforeMigration } from '../../test/helpers/migration.ts';
import type { Database } from './database.ts';

/**
 * Warnings stored with Didit's snake_case keys before issue 16 are converted to the shape the
 * console adapts them to (`SessionWarning`), keeping what the session page showed of them.
 */

const MIGRATION = '20261130T110000-session-warnings-domain-shape';

describe(`migration ${MIGRATION}`, () => {
  let db: Database;
  let before: string;
  let migrateTo: (name: string) => Promise<void>;
  const ids = { full: randomUUID(), legacy: randomUUID(), odd: randomUUID(), none: randomUUID() };

  const threshold = {
    feature: 'LIVENESS',
    risk: 'LOW_LIVENESS_SCORE',
    log_type: 'warning',
    short_description: 'Low liveness score',
    long_description: 'The liveness score is below the review threshold.',
    node_id: 'feature_liveness',
    additional_data: { score: 58.6, review_threshold: 70, decline_threshold: 50 },
  };

  const warningsOf = (id: string) =>
    db.selectFrom('verification_session').select(['warnings', 'version']).where('id', '=', id).executeTakeFirst();

  beforeAll(async () => {
    ({ db, before, migrateTo } = await databaseBeforeMigration(MIGRATION));

    const rows: Array<[string, unknown[]]> = [
      [ids.full, [threshold]],
      // Legacy warnings lack feature and node_id; the console's own carry no additional data.
      [ids.legacy, [{ risk: 'LOW_FACE_MATCH_SIMILARITY', log_type: 'warning' }]],
      [ids.odd, ['not a warning', { log_type: 'error' }, { risk: '' }, { risk: 'SCORE_OUT_OF_RANGE', feature: 7 }]],
      [ids.none, []],
    ];
    for (const [id, warnings] of rows) {
      await sql`insert into verification_session (id, status, warnings, media)
                values (${id}, 'In Review', ${JSON.stringify(warnings)}::jsonb, '{}'::jsonb)`.execute(db);
    }
    await migrateTo(MIGRATION);
  });
  afterAll(() => db.destroy());

  it("renames Didit's keys to the console's, values kept", async () => {
    expect(await warningsOf(ids.full)).toEqual({
      warnings: [
        {
          feature: 'LIVENESS',
          risk: 'LOW_LIVENESS_SCORE',
          logType: 'warning',
          shortDescription: 'Low liveness score',
          longDescription: 'The liveness score is below the review threshold.',
          nodeId: 'feature_liveness',
          additionalData: { score: 58.6, review_threshold: 70, decline_threshold: 50 },
        },
      ],
      version: 1,
    });
  });

  it('fills what a warning lacked with null, as the session page read it', async () => {
    expect((await warningsOf(ids.legacy))?.warnings).toEqual([
      {
        feature: null,
        risk: 'LOW_FACE_MATCH_SIMILARITY',
        logType: 'warning',
        shortDescription: null,
        longDescription: null,
        nodeId: null,
        additionalData: null,
      },
    ]);
  });

  it('drops what is not a warning and nulls a field that is not text, as the session page did', async () => {
    expect((await warningsOf(ids.odd))?.warnings).toEqual([
      {
        feature: null,
        risk: 'SCORE_OUT_OF_RANGE',
        logType: null,
        shortDescription: null,
        longDescription: null,
        nodeId: null,
        additionalData: null,
      },
    ]);
    expect((await warningsOf(ids.none))?.warnings).toEqual([]);
  });

  it('keeps a warning already in the new shape as it is', async () => {
    const id = randomUUID();
    const adapted = {
      feature: 'FACEMATCH',
      risk: 'LOW_FACE_MATCH_SIMILARITY',
      logType: 'warning',
      shortDescription: 'Low face match similarity',
      longDescription: null,
      nodeId: 'feature_face_match',
      additionalData: { score: 61.5 },
    };
    await migrateTo(before);
    await sql`insert into verification_session (id, status, warnings, media)
              values (${id}, 'In Review', ${JSON.stringify([adapted])}::jsonb, '{}'::jsonb)`.execute(db);
    await migrateTo(MIGRATION);
    expect((await warningsOf(id))?.warnings).toEqual([adapted]);
  });

  it("goes back to Didit's keys when migrated down", async () => {
    await migrateTo(before);
    expect((await warningsOf(ids.legacy))?.warnings).toEqual([
      {
        feature: null,
        risk: 'LOW_FACE_MATCH_SIMILARITY',
        log_type: 'warning',
        short_description: null,
        long_description: null,
        node_id: null,
        additional_data: null,
      },
    ]);
    await migrateTo(MIGRATION);
  });
});
