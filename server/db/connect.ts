import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startEmbeddedDatabase } from './embedded.ts';

export interface DatabaseTarget {
  url: string;
  /** Set when this process started the embedded server and must stop it. */
  stopEmbedded?: () => Promise<void>;
}

/**
 * Where the database is: `DATABASE_URL` when set; otherwise the embedded Postgres under
 * `DATA_DIR/pg`, started here unless another console process (say `npm start`) already runs it,
 * so the CLI can work beside a running console.
 */
export async function resolveDatabase(config: Config, logger: Logger): Promise<DatabaseTarget> {
  if (config.database.url) return { url: config.database.url };
  const dataDir = path.join(config.dataDir, 'pg');
  const url = `postgres://postgres:postgres@127.0.0.1:${config.database.embeddedPort}/console`;
  if (await isRunning(dataDir, url)) {
    logger.info({ dataDir }, 'using the embedded Postgres another console process started');
    return { url };
  }
  logger.info({ dataDir, port: config.database.embeddedPort }, 'starting the embedded Postgres');
  const embedded = await startEmbeddedDatabase({ dataDir, port: config.database.embeddedPort });
  return { url: embedded.url, stopEmbedded: () => embedded.stop() };
}

async function isRunning(dataDir: string, url: string): Promise<boolean> {
  const pid = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!pid) return false;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
