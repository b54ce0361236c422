import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTeardown } from './teardown.ts';

/**
 * One child process of the suite (an API, a worker, the Didit sandbox): run as `node --import tsx`
 * in its own process group, so a SIGKILL takes it down whole and Ctrl-C in the terminal reaches
 * only the suite, which then stops it. Its output goes straight to a log file in the run
 * directory (no pipe through the suite's event loop), and every exit the suite did not ask for is
 * recorded: a process that dies on its own is a finding.
 */

export interface ProcessSpec {
  /** Shown in logs and the report: `api-1`, `worker-2`, `sandbox`. */
  name: string;
  /** The script and its arguments, run with `node --import tsx`. */
  args: string[];
  env: Record<string, string>;
  /** Answers 200 once the process can serve (its `/readyz`, the sandbox's health route). */
  readyUrl: string;
  logFile: string;
  cwd: string;
}

/**
 * What a child inherits from the suite's environment: enough to run Node, nothing else. The
 * console reads its whole configuration from the environment, and a DATABASE_URL or DIDIT_*
 * set for other tests (CI sets DATABASE_URL) must not leak into the processes under test.
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface UnexpectedExit {
  name: string;
  at: Date;
  code: number | null;
  signal: string | null;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  readonly unexpectedExits: UnexpectedExit[] = [];

  constructor(readonly spec: ProcessSpec) {
    onTeardown(spec.name, () => this.killGroup('SIGKILL'));
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until it answers on its ready URL. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) return;
    appendFileSync(this.spec.logFile, `\n--- ${this.spec.name} started by the suite at ${new Date().toISOString()} ---\n`);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', ...this.spec.args], {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    this.stopping = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.unexpectedExits.push({ name: this.spec.name, at: new Date(), code, signal });
        resolve();
      });
    });
    await this.waitReady(timeoutMs);
  }

  /** Sends `signal` to the whole process group and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.stopping = true;
    this.killGroup(signal);
    await this.exited;
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.killGroup('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!gone) await this.kill('SIGKILL');
  }

  /** The last lines of the log, for an error message. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new Error(`${this.spec.name} exited before it was ready. Last lines of ${this.spec.logFile}:\n${this.logTail()}`);
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.spec.name} was not ready within ${timeoutMs / 1000} s. Last lines:\n${this.logTail()}`);
      }
      const ready = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) return;
      await sleep(250);
    }
  }
}
