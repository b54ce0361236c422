import { migrations } from '../../migrations/index.ts';
import { createDatabase, createMigrator, createPool, type Database } from '../../server/db/database.ts';
import { createTestDatabase } from './database.ts';

export interface DatabaseBeforeMigration {
  db: Database;
  pool: ReturnType<typeof createPool>;
  /** The migration listed just before the one under test. */
  before: string;
  /** Migrates up or down to `name`, throwing what failed. */
  migrateTo: (name: string) => Promise<void>;
}

/**
 * A fresh database of the calling test file, migrated up to just before `migration`: seed it with
 * rows as they were stored then, migrate, and check what the migration made of them.
 */
export async function databaseBeforeMigration(migration: string): Promise<DatabaseBeforeMigration> {
  const database = await createTestDatabase({ migrated: false });
  const pool = createPool({ connectionString: database.url, max: 2 });
  const db = createDatabase(pool);
  const names = Object.keys(migrations);
  const before = names[names.indexOf(migration) - 1];
  if (!before) throw new Error(`${migration} is not listed after another migration`);
  const migrateTo = async (name: string) => {
    const { error } = await createMigrator(db).migrateTo(name);
    if (error) throw error instanceof Error ? error : new Error(`migrating to ${name} failed`);
  };
  await migrateTo(before);
  return { db, pool, before, migrateTo };
}
