/**
 * Everything a run starts (child processes, the throwaway Postgres cluster, temp directories) is
 * registered here with a synchronous undo, so the same teardown runs at the end, on Ctrl-C, on
 * SIGTERM and on a crash of the suite itself: an exit handler can run synchronous code only.
 */

interface Step {
  name: string;
  undo: () => void;
}

const steps: Step[] = [];
let tornDown = false;

/** Registers an undo; steps run in reverse order of registration. */
export function onTeardown(name: string, undo: () => void): void {
  steps.push({ name, undo });
}

/** Runs every registered undo once; a failing step is reported and the others still run. */
export function teardown(): void {
  if (tornDown) return;
  tornDown = true;
  for (const step of steps.reverse()) {
    try {
      step.undo();
    } catch (error) {
      process.stderr.write(`teardown of ${step.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  steps.length = 0;
}

/** Tears down on every way out of the process: normal exit, Ctrl-C, SIGTERM, an uncaught error. */
export function installTeardownHandlers(): void {
  process.on('exit', teardown);
  const exitOn = (signal: NodeJS.Signals, code: number) =>
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every process the suite started…\n`);
      teardown();
      process.exit(code);
    });
  exitOn('SIGINT', 130);
  exitOn('SIGTERM', 143);
  const crash = (error: unknown) => {
    process.stderr.write(
      `\nreliability suite crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    teardown();
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
