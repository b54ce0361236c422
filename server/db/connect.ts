import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startEmbeddedDatabase } from './embedded.ts';
import { embeddedRuntimeRole, ensureEmbeddedRuntimeRole } from './roles.ts';

export interface DatabaseTarget {
  /** The runtime role: what the API, worker and CLI connect as. */
  url: string;
  /** The owner role, for migrations (the same as `url` in a one-role setup). */
  ownerUrl: string;
  /** Set when this process started the embedded server and must stop it. */
  stopEmbedded?: () => Promise<void>;
}

/**
 * Where the database is: `DATABASE_URL` (and `DATABASE_OWNER_URL`) when set; otherwise the
 * embedded Postgres under `DATA_DIR/pg`, started here unless another console process (say
 * `npm start`) already runs it, so the CLI can work beside a running console. The embedded
 * server's superuser owns the schema; the console runs as `console_app` (ADR 0012).
 */
export async function resolveDatabase(config: Config, logger: Logger): Promise<DatabaseTarget> {
  if (config.database.url) return { url: config.database.url, ownerUrl: config.database.ownerUrl ?? config.database.url };
  const dataDir = path.join(config.dataDir, 'pg');
  const port = config.database.embeddedPort;
  const ownerUrl = `postgres://postgres:postgres@127.0.0.1:${port}/console`;
  const { user, password } = embeddedRuntimeRole;
  const url = `postgres://${user}:${password}@127.0.0.1:${port}/console`;
  if (await isRunning(dataDir, ownerUrl)) {
    logger.info({ dataDir }, 'using the embedded Postgres another console process started');
    await ensureEmbeddedRuntimeRole(ownerUrl);
    return { url, ownerUrl };
  }
  logger.info({ dataDir, port }, 'starting the embedded Postgres');
  const embedded = await startEmbeddedDatabase({ dataDir, port });
  await ensureEmbeddedRuntimeRole(embedded.url);
  return { url, ownerUrl: embedded.url, stopEmbedded: () => embedded.stop() };
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
