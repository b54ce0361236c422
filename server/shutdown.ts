import type { Logger } from './logger.ts';

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits. Ctrl-C in a terminal often delivers the
 * signal twice at once (to the whole process group, and forwarded again by `npm`), so repeats
 * within two seconds are ignored; a later one means an impatient operator and exits at once.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stoppingSince: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 2_000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        // Synchronously: pino writes asynchronously and process.exit would drop the line.
        process.stderr.write(`shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/**
 * Waits for `step` at most `ms`, so one stuck part (a job waiting on Didit's rate limit) cannot
 * keep the rest, above all the embedded Postgres, from shutting down.
 */
export async function withinTime(step: Promise<void>, ms: number, logger: Logger, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const outcome = await Promise.race([step.then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') logger.warn({ step: name, ms }, 'shutdown step took too long; moving on');
  } catch (error) {
    logger.warn({ step: name, err: error instanceof Error ? error.message : String(error) }, 'shutdown step failed; moving on');
  } finally {
    clearTimeout(timer);
  }
}

/** Prints a startup failure plainly (config errors are meant for humans) and exits non-zero. */
export function failStartup(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`\n${message}\n\n`);
  if (error instanceof Error && error.cause instanceof Error) process.stderr.write(`Caused by: ${error.cause.message}\n`);
  process.exit(1);
}
