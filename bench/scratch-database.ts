import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase } from '../server/db/embedded.ts';
import { freePort } from '../test/helpers/free-port.ts';

export interface ScratchDatabase {
  /** A fresh, empty database for this run. */
  url: string;
  /** Drops the database (and stops the embedded server if one was started). */
  drop(): Promise<void>;
}

/**
 * A database a benchmark may fill and throw away: created on DATABASE_URL's server when set,
 * otherwise on an embedded Postgres in a temp directory. Loopback only.
 */
export async function createScratchDatabase(name: string): Promise<ScratchDatabase> {
  const cleanups: Array<() => Promise<void>> = [];
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), `bench-${name}-`));
    // Postgres runs as the `postgres` user when we are root; it must be able to enter the directory.
    await chmod(dir, 0o755);
    const embedded = await startEmbeddedDatabase({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'postgres' });
    adminUrl = embedded.adminUrl;
    cleanups.push(async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    });
  }
  const database = `bench_${name}_${process.pid}_${Date.now().toString(36)}`;
  await adminQuery(adminUrl, `create database ${pg.escapeIdentifier(database)}`);
  const admin = adminUrl;
  cleanups.unshift(() => adminQuery(admin, `drop database if exists ${pg.escapeIdentifier(database)} with (force)`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    async drop() {
      for (const cleanup of cleanups) await cleanup();
    },
  };
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
