import type pg from 'pg';
import type { Config } from './config.ts';
import { createDatabase, createPool, type Database } from './db/database.ts';
import { resolveDatabase } from './db/connect.ts';
import { createLogger, type Logger } from './logger.ts';

/**
 * The composition root: everything a process needs, built once from `Config`.
 * `main.ts`, `worker.ts`, `cli.ts` and the tests all build their world here.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  db: Database;
  /** Closes the pool (and the embedded Postgres if this process started it). */
  close(): Promise<void>;
}

export interface ContextOptions {
  logger?: Logger;
  /** Pool name shown in `pg_stat_activity`. */
  applicationName?: string;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config);
  const target = await resolveDatabase(config, logger);
  const pool = createPool({
    connectionString: target.url,
    max: config.database.poolMax,
    applicationName: options.applicationName,
  });
  const db = createDatabase(pool);
  let closed: Promise<void> | undefined;
  return {
    config,
    logger,
    pool,
    db,
    close() {
      closed ??= (async () => {
        await db.destroy(); // ends the pool too
        await target.stopEmbedded?.();
      })();
      return closed;
    },
  };
}
