import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { createDatabase, createPool, migrateDown, migrateToLatest, pendingMigrations, type Database } from './database.ts';

/** Tables the first issues rely on; later migrations may add more, never drop these. */
const coreTables = [
  'api_token',
  'app_user',
  'audit_log',
  'http_session',
  'review_event',
  'threshold_version',
  'verification_session',
  'webhook_event',
  'worker_heartbeat',
  'workflow',
];

async function publicTables(db: Database): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name <> 'kysely_migration' and table_name <> 'kysely_migration_lock'
    order by table_name`.execute(db);
  return rows.map((row) => row.table_name);
}

describe('migrations', () => {
  let pool: ReturnType<typeof createPool>;
  let db: Database;
  // Each test starts from an empty database of its own, never migrated.
  beforeEach(async () => {
    const database = await createTestDatabase({ migrated: false });
    pool = createPool({ connectionString: database.url, max: 2 });
    db = createDatabase(pool);
    return () => db.destroy();
  });

  it('lists migrations in the order their names sort', () => {
    const names = Object.keys(migrations);
    expect(names).toEqual([...names].sort());
  });

  it('applies every migration on an empty database, then reports nothing pending', async () => {
    expect(await pendingMigrations(db)).toEqual(Object.keys(migrations));
    await migrateToLatest(db, pool);
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await publicTables(db)).toEqual(expect.arrayContaining(coreTables));
    const { rows } = await sql<{ exists: boolean }>`select to_regclass('graphile_worker.jobs') is not null as exists`.execute(db);
    expect(rows[0]?.exists).toBe(true);
  });

  it('reverts every migration one by one, then applies them all again', async () => {
    await migrateToLatest(db, pool);
    const tablesAfterFirstUp = await publicTables(db);
    for (let i = Object.keys(migrations).length; i > 0; i--) await migrateDown(db);
    expect(await publicTables(db)).toEqual([]);
    expect(await pendingMigrations(db)).toEqual(Object.keys(migrations));
    await migrateToLatest(db, pool);
    expect(await publicTables(db)).toEqual(tablesAfterFirstUp);
  });

  it('refuses to update or delete audit rows', async () => {
    await migrateToLatest(db, pool);
    await db
      .insertInto('audit_log')
      .values({ actor_type: 'system', actor_label: 'test', action: 'test.ran', details: '{}', hash: 'x' })
      .execute();
    await expect(db.updateTable('audit_log').set({ action: 'edited' }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
  });
});
