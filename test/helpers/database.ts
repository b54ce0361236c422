import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from '../setup/global-setup.ts';
import { afterFile } from './after-file.ts';

export interface TestDatabase {
  name: string;
  url: string;
  adminUrl: string;
}

/**
 * A fresh, migrated database for the calling test file, copied from the run's template and
 * dropped when the file's tests finish. Call from anywhere in the file: module level, a hook or a test.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const template = options.migrated === false ? 'template0' : inject('templateDatabase');
  const name = `${inject('testDatabasePrefix')}${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(template)}`);
  afterFile(() => adminQuery(adminUrl, `drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
  return { name, url: withDatabase(adminUrl, name), adminUrl };
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
