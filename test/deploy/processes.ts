import { spawn, type ChildProcess } from 'node:child_process';
import { runToCompletion, tail } from './containerfile.ts';

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

export interface LongRunning {
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<{ exit: number | string; killed: boolean }>;
}

/**
 * Every process the deployment test starts, each in its own process group, so that whatever is
 * left when the test ends (a failed step, a timeout) is stopped with its children.
 */
export class Processes {
  private readonly children = new Set<ChildProcess>();

  private track = (child: ChildProcess): void => {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  };

  /** Runs to completion; fails with the tail of the output when the exit code is not 0. */
  run(command: string, args: string[], options: SpawnOptions): Promise<string> {
    return runToCompletion(this.track, command, args, options);
  }

  /** Starts a server process and collects its output. */
  start(command: string, args: string[], options: SpawnOptions): LongRunning {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.track(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        output += `\n${error.message}`;
        resolve('spawn error');
      });
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    const hasExited = () => child.exitCode !== null || child.signalCode !== null;
    return {
      output: () => output,
      exited,
      hasExited,
      async stop(graceMs = 30_000) {
        if (!hasExited()) signalGroup(child, 'SIGTERM');
        let killed = false;
        const timer = setTimeout(() => {
          killed = true;
          signalGroup(child, 'SIGKILL');
        }, graceMs);
        const exit = await exited;
        clearTimeout(timer);
        return { exit, killed };
      },
    };
  }

  /** Kills whatever is still running and waits for it to go. */
  async killAll(): Promise<void> {
    const left = [...this.children];
    for (const child of left) signalGroup(child, 'SIGKILL');
    await Promise.all(
      left
        .filter((child) => child.exitCode === null && child.signalCode === null)
        .map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve()))),
    );
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Polls `check` until it returns a value, the process exits, or `limitMs` passes (a bound on
 * waiting for a start, not a timing assertion); fails with `what` and the process's output.
 */
export async function waitFor<T>(
  what: string,
  process: LongRunning,
  check: () => Promise<T | undefined>,
  limitMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (process.hasExited())
      throw new Error(`${what}: the process exited (${await process.exited}) first:\n${tail(process.output())}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs / 1000} s:\n${tail(process.output())}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
