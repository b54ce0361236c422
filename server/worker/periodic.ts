import type { Logger } from '../logger.ts';

/** A task a worker process runs on a timer, beside its jobs. */
export interface Periodic {
  /** Runs the task now (waiting for a run in progress first); never throws. */
  runNow(): Promise<void>;
  /** How long the task has succeeded without a failure; 0 after a failure or before the first run. */
  healthyForMs(): number;
  stop(): void;
}

/**
 * Runs `task` every `intervalMs`, never two at once. A failure (the database is away) is logged
 * once when the task starts failing and once when it recovers, not on every tick.
 */
export function every(
  intervalMs: number,
  task: () => Promise<void>,
  { logger, name, now = Date.now }: { logger: Logger; name: string; now?: () => number },
): Periodic {
  let running: Promise<void> | null = null;
  let healthySince: number | null = null;
  let failing = false;

  const runOnce = async () => {
    try {
      await task();
      if (failing) logger.info({ task: name }, 'periodic task recovered');
      failing = false;
      healthySince ??= now();
    } catch (error) {
      if (!failing)
        logger.warn({ task: name, err: error instanceof Error ? error.message : String(error) }, 'periodic task failed');
      failing = true;
      healthySince = null;
    }
  };
  const start = () => {
    running = runOnce().finally(() => {
      running = null;
    });
    return running;
  };
  const runNow = async () => {
    while (running) await running;
    await start();
  };
  // A tick that finds the previous run still going (a slow database) is skipped, not queued.
  const timer = setInterval(() => {
    if (!running) void start();
  }, intervalMs);
  timer.unref();
  return {
    runNow,
    healthyForMs: () => (healthySince === null ? 0 : now() - healthySince),
    stop: () => clearInterval(timer),
  };
}
