import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../helpers/free-port.ts';
import { baseEnv, ManagedProcess, type UnexpectedExit } from './managed-process.ts';

/**
 * The console as production runs it (README, "Deploying to production"): the release step
 * (`cli migrate` as the owner role), then N `start:api` and M `start:worker` processes, each with
 * its whole configuration in its environment and the runtime role only.
 */

export interface FleetConfig {
  repoRoot: string;
  runDir: string;
  /** The runtime role (`console_app`); the owner's URL is given to the CLI only. */
  databaseUrl: string;
  ownerUrl: string;
  publicUrl: string;
  didit: { baseUrl: string; apiKey: string; webhookSecret: string };
  oidc: { issuer: string; clientId: string; clientSecret: string };
  /** Shared by every process: the audit chain's key and the session cookie's signing secret. */
  auditKey: string;
  sessionSecret: string;
}

export class ConsoleFleet {
  private constructor(
    private readonly config: FleetConfig,
    readonly apis: ManagedProcess[],
    readonly workers: ManagedProcess[],
  ) {}

  /** Defines `apis` API and `workers` worker processes on free ports; `startMissing` runs them. */
  static async create(config: FleetConfig, counts: { apis: number; workers: number }): Promise<ConsoleFleet> {
    const member = (name: string, script: string, env: Record<string, string>, readyPort: number) =>
      new ManagedProcess({
        name,
        args: [script],
        env: consoleEnv(config, env),
        readyUrl: `http://127.0.0.1:${readyPort}/readyz`,
        logFile: path.join(config.runDir, `${name}.log`),
        cwd: config.repoRoot,
      });
    const apis: ManagedProcess[] = [];
    for (let i = 1; i <= counts.apis; i++) {
      const port = await freePort();
      apis.push(member(`api-${i}`, 'server/main.ts', { PORT: String(port) }, port));
    }
    const workers: ManagedProcess[] = [];
    for (let i = 1; i <= counts.workers; i++) {
      // The worker serves nothing else; its metrics listener's /readyz says it has started.
      const port = await freePort();
      workers.push(member(`worker-${i}`, 'server/worker.ts', { METRICS_PORT: String(port) }, port));
    }
    return new ConsoleFleet(config, apis, workers);
  }

  get all(): ManagedProcess[] {
    return [...this.apis, ...this.workers];
  }

  /** The API processes' ports, for the balancer. */
  apiPorts(): number[] {
    return this.apis.map((api) => Number(new URL(api.spec.readyUrl).port));
  }

  /** Starts every process that is not running, all at once. */
  async startMissing(): Promise<void> {
    await Promise.all(this.all.filter((member) => !member.running).map((member) => member.start()));
  }

  /** Every exit of a console process the suite did not cause, since `since`. */
  unexpectedExitsSince(since: Date): UnexpectedExit[] {
    return this.all.flatMap((member) => member.unexpectedExits.filter((exit) => exit.at >= since));
  }

  /** `npm run cli -- <args>` as the release step runs it (owner role available); returns its output. */
  cli(args: string[]): Promise<string> {
    const env = consoleEnv(this.config, { DATABASE_OWNER_URL: this.config.ownerUrl, LOG_LEVEL: 'warn' });
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
        cwd: this.config.repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`cli ${args.join(' ')} failed (${code}):\n${stdout}${stderr}`)),
      );
    });
  }
}

/** The environment of a console process: everything explicit, nothing inherited but what Node needs. */
function consoleEnv(config: FleetConfig, extra: Record<string, string>): Record<string, string> {
  return {
    ...baseEnv(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    HOST: '127.0.0.1',
    PUBLIC_URL: config.publicUrl,
    DATABASE_URL: config.databaseUrl,
    DATA_DIR: path.join(config.runDir, 'data'),
    AUDIT_KEY: config.auditKey,
    SESSION_SECRET: config.sessionSecret,
    DIDIT_BASE_URL: config.didit.baseUrl,
    DIDIT_API_KEY: config.didit.apiKey,
    DIDIT_WEBHOOK_SECRET: config.didit.webhookSecret,
    DIDIT_MEDIA_ORIGINS: new URL(config.didit.baseUrl).origin,
    DIDIT_TIMEOUT_MS: '5000',
    // The shortest interval the console accepts: the suite's convergence bound is one of them.
    RECONCILE_INTERVAL_MINUTES: '1',
    // Decisions are held for undo (ADR 0018) before their push, as in production, but briefly:
    // held pushes still cross the faults, and the suite's bounds stay those of the pushes.
    REVIEW_UNDO_SECONDS: '3',
    OIDC_ISSUER: config.oidc.issuer,
    OIDC_CLIENT_ID: config.oidc.clientId,
    OIDC_CLIENT_SECRET: config.oidc.clientSecret,
    // Every analyst of the suite signs in from one address.
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...extra,
  };
}
