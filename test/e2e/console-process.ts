import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port.ts';

export interface RunningConsole {
  baseUrl: string;
  /** The console's port, to start it again on the same one. */
  port: number;
  /** The data directory (embedded Postgres, the sandbox's state), to start it again on the same one. */
  dataDir: string;
  output(): string;
  /** Stops the console; `keepDataDir` leaves its data directory for a later start (then remove it yourself). */
  stop(options?: { keepDataDir?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Start on this data directory (e.g. one a stopped console left with `keepDataDir`) instead of a scratch one. */
  dataDir?: string;
  /** Listen on this port instead of a free one (e.g. the port of the previous start). */
  port?: number;
}

/**
 * Runs `npm start` exactly as a newcomer would (embedded default), in a scratch data directory
 * and on free ports, and waits until it is ready.
 */
export async function startConsole(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningConsole> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'review-console-e2e-')));
  await chmod(dataDir, 0o755);
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      NODE_ENV: 'development',
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      DEV_IDP_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // A start that fails leaves nothing behind: no embedded Postgres, no scratch data directory.
  const abandon = async (message: string): Promise<never> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await stopOrphanedPostgres(path.join(dataDir, 'pg'));
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    throw new Error(message);
  };

  const baseUrl = `http://localhost:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await abandon(`The console exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    if (Date.now() > deadline) await abandon(`The console was not ready within 90 s:\n${output}`);
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    baseUrl,
    port,
    dataDir,
    output: () => output,
    async stop({ keepDataDir = false } = {}) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      // If the console had to be killed, its embedded Postgres outlived it: stop that too.
      await stopOrphanedPostgres(path.join(dataDir, 'pg'));
      if (keepDataDir) return;
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

async function stopOrphanedPostgres(pgDataDir: string): Promise<void> {
  const pidFile = await readFile(path.join(pgDataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 50 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
