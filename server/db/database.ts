import { Kysely, Migrator, PostgresDialect, type MigrationResultSet, sql } from 'kysely';
import { Logger as WorkerLogger, runMigrations } from 'graphile-worker';
import pg from 'pg';
import { migrations } from '../../migrations/index.ts';
import { currentRole, grantRuntimeAccess } from './roles.ts';
import type { DB } from './schema.ts';

/**
 * Database access: one pg pool per process, one `Kysely<DB>` over it, and the migrator.
 * Transactions open at the edge (route handler or worker step) and are passed down.
 */

// int8 (counts, bigserial ids) and numeric arrive as strings by default; our values fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number.parseFloat(value));

export type Database = Kysely<DB>;
/** Migrations run below the typed schema (kysely's convention), so these helpers take any Kysely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

export function createPool({ connectionString, max = 10, applicationName = 'review-console' }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Keeps a wedged query from holding a connection forever; long jobs set their own.
    statement_timeout: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool discards it and the next checkout reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    // A checked-out client whose connection drops also emits 'error'; its query is rejected
    // anyway, and pg-pool discards the dead client on release.
    client.on('error', () => {});
    runPromiseQueriesThroughCallbacks(client);
  });
  return pool;
}

type QueryCallback = (error: Error | null, result: pg.QueryResult) => void;

/**
 * Kysely calls `client.query(text, values)` and awaits the promise pg returns. pg builds that
 * promise by creating its `Query` without a callback and attaching one afterwards, and (measured
 * on Node 20 with `--trace-gc-nvp`) every query's rows then outlive a young-generation GC and get
 * promoted: ~2.8 MB per scavenge and 3–6 ms pauses in a loop of queue queries, against nothing
 * promoted and ~0.3 ms when the same query goes through pg's callback form. So a promise-style
 * call with a text is answered through the callback form; results and errors are unchanged
 * (Kysely adds the caller's stack to errors itself). ADR 0007.
 */
function runPromiseQueriesThroughCallbacks(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const routed = (...args: unknown[]): unknown => {
    const [text, values] = args;
    if (args.length <= 2 && typeof text === 'string' && (values === undefined || Array.isArray(values))) {
      return new Promise<pg.QueryResult>((resolve, reject) => {
        const callback: QueryCallback = (error, result) => (error ? reject(error) : resolve(result));
        query(text, values, callback);
      });
    }
    return query(...args);
  };
  client.query = routed as typeof client.query;
}

export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

export const migrationTableName = 'kysely_migration';

export function createMigrator(db: AnyKysely): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName,
  });
}

function unwrap(result: MigrationResultSet): MigrationResultSet {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const error = result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error.message}`, { cause: error });
  }
  return result;
}

/** Applies every pending migration, including graphile-worker's own schema. */
export async function migrateToLatest(db: AnyKysely, pool: pg.Pool): Promise<MigrationResultSet> {
  const result = unwrap(await createMigrator(db).migrateToLatest());
  await runMigrations({ pgPool: pool, logger: quietWorkerLogger });
  return result;
}

/**
 * Migrates as the owner role, then grants the runtime role its share: everything it needs, and
 * only INSERT and SELECT on the audit log (`roles.ts`). With one role for both, just migrates.
 */
export async function migrateAsOwner(urls: { owner: string; runtime: string }): Promise<MigrationResultSet> {
  return asOwner(urls.owner, async (db, pool) => {
    const result = await migrateToLatest(db, pool);
    const [owner, runtime] = await Promise.all([currentRole(urls.owner), currentRole(urls.runtime)]);
    if (owner !== runtime) await grantRuntimeAccess(urls.owner, runtime);
    return result;
  });
}

/** A short-lived pool as the owner role, for schema changes. */
export async function asOwner<T>(ownerUrl: string, use: (db: Database, pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ connectionString: ownerUrl, max: 2, applicationName: 'review-console-migrate' });
  const db = createDatabase(pool);
  try {
    return await use(db, pool);
  } finally {
    await db.destroy();
  }
}

/** Reverts the most recent migration of ours. */
export async function migrateDown(db: AnyKysely): Promise<MigrationResultSet> {
  return unwrap(await createMigrator(db).migrateDown());
}

/**
 * Names of migrations this build knows that the database has not run. Reads the
 * migration table directly so a readiness probe never creates anything.
 */
export async function pendingMigrations(db: AnyKysely): Promise<string[]> {
  const exists = await sql<{ exists: boolean }>`select to_regclass(${migrationTableName}) is not null as exists`.execute(db);
  const executed = exists.rows[0]?.exists
    ? new Set(
        (await sql<{ name: string }>`select name from ${sql.table(migrationTableName)}`.execute(db)).rows.map((row) => row.name),
      )
    : new Set<string>();
  return Object.keys(migrations).filter((name) => !executed.has(name));
}

const quietWorkerLogger = new WorkerLogger(() => () => {});
