import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase, createPool, migrateToLatest } from '../../server/db/database.ts';
import { startEmbeddedDatabase } from '../../server/db/embedded.ts';
import { freePort } from '../helpers/free-port.ts';
import { runAll } from '../helpers/run-all.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Maintenance database URL of the test server (create/drop databases here). */
    databaseAdminUrl: string;
    /** Migrated database every test file's database is copied from. */
    templateDatabase: string;
    /** Every test file's database name starts with it, so the run can find what it created. */
    testDatabasePrefix: string;
  }
}

/**
 * Once per run: find a Postgres (DATABASE_URL, or an embedded one in a temp dir), create a
 * template database and migrate it. Each test file then copies it (`CREATE DATABASE ... TEMPLATE`),
 * which takes milliseconds instead of re-running migrations.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'review-console-test-'));
    // Postgres runs as the `postgres` user when we are root; it must be able to enter the directory.
    await chmod(dataDir, 0o755);
    const embedded = await startEmbeddedDatabase({
      dataDir: path.join(dataDir, 'pg'),
      port: await freePort(),
      database: 'postgres',
      dataDirVariable: 'TMPDIR',
    }).catch(async (error: unknown) => {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    });
    adminUrl = embedded.adminUrl;
    cleanups.push(async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
  }

  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const templateDatabase = `console_template_${runId}`;
  const testDatabasePrefix = `console_test_${runId}_`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(templateDatabase)}`);
  await admin.end();
  cleanups.unshift(async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`drop database if exists ${pg.escapeIdentifier(templateDatabase)} with (force)`);
      // A test file's database outliving the run means its cleanup never ran: drop it, then say so.
      const left = await client.query<{ datname: string }>(
        'select datname from pg_database where left(datname, length($1)) = $1 order by datname',
        [testDatabasePrefix],
      );
      for (const { datname } of left.rows) {
        await client.query(`drop database if exists ${pg.escapeIdentifier(datname)} with (force)`);
      }
      if (left.rowCount) {
        throw new Error(
          `${left.rowCount} test database(s) outlived their test file (dropped now): ${left.rows.map((r) => r.datname).join(', ')}`,
        );
      }
    } finally {
      await client.end();
    }
  });

  const templateUrl = withDatabase(adminUrl, templateDatabase);
  const pool = createPool({ connectionString: templateUrl, max: 2 });
  const db = createDatabase(pool);
  await migrateToLatest(db, pool);
  await db.destroy();

  project.provide('databaseAdminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('testDatabasePrefix', testDatabasePrefix);

  return async () => {
    await runAll(cleanups, 'test run cleanup failed').catch((error: unknown) => {
      // Vitest only logs an error thrown here; the exit code is what CI sees.
      process.exitCode = 1;
      throw error;
    });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
