import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Logger as WorkerLogger,
  parseCronItems,
  run,
  type CronItem,
  type Runner,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import { auditCronItems, auditHandlers, startupAuditJobs } from '../audit/audit.tasks.ts';
import type { AppContext } from '../context.ts';
import { isDatabaseUnavailable } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { refreshQueueStateGauges } from '../metrics/queue-state.ts';
import { pushDecisionTask } from '../review/push-decision.task.ts';
import { pushFaceBlockTask } from '../face-block/push-face-block.task.ts';
import { pendingPushBacklog, probeWaitingPushes } from '../review/pending-pushes.ts';
import { inboxBacklog, wakeStalledInboxShards } from '../sync/inbox-sweep.ts';
import { startupSyncJobs, syncCronItems, syncHandlers } from '../sync/sync.tasks.ts';
import { retentionCronItems, retentionHandlers, startupRetentionJobs } from '../privacy/retention.tasks.ts';
import { erasureCronItems, erasureHandlers, startupErasureJobs } from '../privacy/erasure.tasks.ts';
import { startupThresholdJobs, thresholdCronItems, thresholdHandlers } from '../thresholds/thresholds.tasks.ts';
import { assignmentCronItems, assignmentHandlers, startupAssignmentJobs } from '../review/assignment.tasks.ts';
import { enqueue, taskList, type JobHandlers, type PayloadlessJob } from './jobs.ts';
import {
  DEAD_AFTER_SECONDS,
  forceUnlockWorkers,
  HEARTBEAT_INTERVAL_MS,
  recordHeartbeat,
  unlockDeadWorkers,
  type WorkerIdentity,
} from './liveness.ts';
import { createPatientPool } from './patient-pool.ts';
import { every, type Periodic } from './periodic.ts';

/** Every job of the registry (`jobs.ts`) with its handler: the worker's task list. */
export function buildTaskList(ctx: AppContext): TaskList {
  const handlers: JobHandlers = {
    pushReviewDecision: pushDecisionTask(ctx),
    pushFaceBlock: pushFaceBlockTask(ctx),
    ...syncHandlers(ctx),
    ...thresholdHandlers(ctx),
    ...auditHandlers(ctx),
    ...retentionHandlers(ctx),
    ...erasureHandlers(ctx),
    ...assignmentHandlers(ctx),
  };
  return taskList(handlers);
}

/** The worker's schedule: each item queues a job of the registry with that job's options. */
export function buildCronItems(ctx: AppContext): CronItem[] {
  return [
    ...syncCronItems(ctx),
    ...thresholdCronItems(),
    ...auditCronItems(ctx),
    ...retentionCronItems(),
    ...erasureCronItems(),
    ...assignmentCronItems(),
  ];
}

/** Queued when a worker starts, rather than wait for their first cron tick. */
export const startupJobs: readonly PayloadlessJob[] = [
  ...startupSyncJobs,
  ...startupThresholdJobs,
  ...startupAuditJobs,
  ...startupRetentionJobs,
  ...startupErasureJobs,
  ...startupAssignmentJobs,
];

/** How long the worker's pool waits for an unreachable database before a job's outcome fails (and the process with it). */
const DATABASE_PATIENCE_MS = 10 * 60_000;

/** How often a worker process wakes inbox shards whose rows wait with no drain job running. */
const INBOX_SWEEP_INTERVAL_MS = 5_000;
/** How often a worker checks whether every decision push waits for a distant retry, and tries one. */
const PUSH_PROBE_INTERVAL_MS = 30_000;
/** Waits between restarts of a failed pool: doubles from the first, up to the last. */
const RESTART_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

export interface RunningWorker {
  identity: WorkerIdentity;
  /**
   * For the process's `unhandledRejection` handler: graphile-worker writes a job's outcome on a
   * promise nobody awaits, so a connection cut in the middle of that write surfaces there. When
   * `reason` is such a database error, the pool is restarted (its jobs freed and run again) and
   * this returns true; otherwise false, and the caller treats it as the crash it is.
   */
  recoverFromLostOutcome(reason: unknown): boolean;
  stop(): Promise<void>;
}

/**
 * Starts the worker on the context's pool (migrations must already be applied) and keeps it
 * running: a graphile-worker pool that stops on its own (it does when it cannot record a job's
 * outcome, e.g. the database went away) is restarted with backoff, after the locks of its dead
 * workers are freed. Beside the pool, timers write this process's heartbeat, free the jobs of
 * dead worker processes and wake stalled inbox shards (`liveness.ts`, `inbox-sweep.ts`).
 */
export async function startWorker(ctx: AppContext, options: { taskList?: TaskList } = {}): Promise<RunningWorker> {
  const identity: WorkerIdentity = {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    startedAt: new Date(),
  };
  const logger = ctx.logger.child({ component: 'worker' });
  /** The ids this process's graphile-worker locks jobs with (its pool's: one per pool). */
  const graphileWorkerIds = new Set<string>();
  // graphile-worker's own connections (job fetch, outcomes, LISTEN), patient through outages.
  const jobsPool = createPatientPool({
    connectionString: ctx.databaseUrls.runtime,
    max: ctx.config.worker.concurrency + 2,
    applicationName: 'review-console-worker-jobs',
    patienceMs: DATABASE_PATIENCE_MS,
  });
  let stopping = false;
  const stopped = new AbortController();
  let restarts = 0;

  const startPool = async (): Promise<Runner> => {
    graphileWorkerIds.clear();
    // Listened to before the pool exists: it creates its workers while `run` starts it.
    const events: WorkerEvents = new EventEmitter();
    // graphile-worker 0.17 locks jobs and queues with the pool's id, not each worker's.
    events.on('pool:create', ({ workerPool }) => {
      graphileWorkerIds.add(workerPool.id);
    });
    const runner = await run({
      events,
      pgPool: jobsPool,
      concurrency: ctx.config.worker.concurrency,
      noHandleSignals: true,
      pollInterval: 2_000,
      logger: workerLogger(logger),
      taskList: options.taskList ?? buildTaskList(ctx),
      parsedCronItems: parseCronItems(buildCronItems(ctx)),
    });
    return runner;
  };

  let runner = await startPool();
  // Listed before any job is taken, as far as the timers allow; see UNKNOWN_HOLDER_AFTER_SECONDS.
  const heartbeat = every(HEARTBEAT_INTERVAL_MS, () => recordHeartbeat(ctx.db, identity, [...graphileWorkerIds]), {
    logger,
    name: 'heartbeat',
  });
  await heartbeat.runNow();
  const housekeeping: Periodic[] = [
    heartbeat,
    every(
      HEARTBEAT_INTERVAL_MS,
      async () => {
        // During an outage every heartbeat goes stale, the live ones too: wait until they had time to beat again.
        if (heartbeat.healthyForMs() < DEAD_AFTER_SECONDS * 1_000) return;
        reportUnlocked(ctx, logger, 'freed the jobs of dead workers', await unlockDeadWorkers(ctx.db));
      },
      { logger, name: 'dead worker sweep' },
    ),
    every(HEARTBEAT_INTERVAL_MS, () => sampleBacklogs(ctx), { logger, name: 'backlog gauges' }),
    every(
      PUSH_PROBE_INTERVAL_MS,
      async () => {
        if (await probeWaitingPushes(ctx.db)) logger.info('every decision push waits for a retry: trying the next one now');
      },
      { logger, name: 'push probe' },
    ),
    every(
      INBOX_SWEEP_INTERVAL_MS,
      async () => {
        const shards = await wakeStalledInboxShards(ctx.db);
        if (shards.length > 0) logger.info({ shards }, 'woke inbox shards with rows left waiting');
      },
      { logger, name: 'inbox sweep' },
    ),
  ];

  const supervised = (async () => {
    for (;;) {
      const failure = await runner.promise.then(
        () => null,
        (error: unknown) => error,
      );
      if (stopping) return;
      restarts += 1;
      ctx.metrics.workerPoolRestarts.inc();
      logger.error({ err: errorMessage(failure), restarts }, 'worker pool stopped; restarting it');
      const next = await restartPool([...graphileWorkerIds]);
      if (!next) return;
      runner = next;
    }
  })();

  /** A new pool once the database lets us start one; null if the worker is being stopped meanwhile. */
  async function restartPool(deadIds: string[]): Promise<Runner | null> {
    for (let attempt = 0; ; attempt += 1) {
      const delay = RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)];
      await sleep(delay, undefined, { signal: stopped.signal }).catch(() => undefined);
      if (stopping) return null;
      try {
        // Its workers are gone: their jobs can run again now rather than after the dead-worker sweep.
        reportUnlocked(ctx, logger, 'freed the jobs of the stopped pool', await forceUnlockWorkers(ctx.db, deadIds));
        const next = await startPool();
        if (stopping) {
          await next.stop();
          return null;
        }
        await heartbeat.runNow();
        return next;
      } catch (error) {
        logger.warn({ err: errorMessage(error), attempt: attempt + 1 }, 'worker pool could not restart yet');
      }
    }
  }

  for (const job of startupJobs) await enqueue(ctx.db, job, {});
  logger.info({ workerId: identity.workerId }, 'worker started');
  return {
    identity,
    recoverFromLostOutcome(reason) {
      if (!isDatabaseUnavailable(reason)) return false;
      logger.error({ err: errorMessage(reason) }, "a job's outcome was lost with its connection; restarting the pool");
      // The supervisor sees the pool end and restarts it, freeing the job for another run.
      void runner.stop().catch(() => undefined);
      return true;
    },
    async stop() {
      stopping = true;
      stopped.abort();
      for (const timer of housekeeping) timer.stop();
      // A pool that already failed has nothing left to stop.
      await runner
        .stop()
        .catch((error: unknown) => logger.debug({ err: errorMessage(error) }, 'worker pool was already stopped'));
      await supervised;
      await jobsPool.endWhenIdle(ctx.config.shutdownTimeoutMs);
    },
  };
}

/**
 * The `/metrics` gauges of work waiting in the database: decisions on their way to Didit, webhooks
 * not applied, and the queue state on-call alerts on (`server/metrics/queue-state.ts`).
 */
async function sampleBacklogs(ctx: AppContext): Promise<void> {
  const [pushes, inbox] = await Promise.all([
    pendingPushBacklog(ctx.db),
    inboxBacklog(ctx.db),
    refreshQueueStateGauges(ctx.db, ctx.metrics, new Date(), ctx.config.review.sla),
  ]);
  ctx.metrics.decisionPushesPending.set(pushes.pending);
  ctx.metrics.decisionPushOldestPendingSeconds.set(pushes.oldestSeconds);
  ctx.metrics.inboxOldestPendingSeconds.set(inbox.oldestSeconds);
}

/**
 * Installs the process's `unhandledRejection` handler for a process that runs a worker: a job
 * outcome lost with its connection restarts the pool; anything else is rethrown, which crashes
 * the process as Node would have (the process manager restarts it).
 */
export function recoverLostJobOutcomes(worker: RunningWorker): void {
  process.on('unhandledRejection', (reason) => {
    if (!worker.recoverFromLostOutcome(reason)) throw reason;
  });
}

function reportUnlocked(ctx: AppContext, logger: Logger, message: string, unlocked: { workerIds: string[]; jobs: number }): void {
  if (unlocked.workerIds.length === 0) return;
  ctx.metrics.workerJobsUnlocked.inc(unlocked.jobs);
  logger.warn({ workerIds: unlocked.workerIds, jobs: unlocked.jobs }, message);
}

function errorMessage(error: unknown): string | undefined {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : undefined;
}

/** graphile-worker's log lines through ours. */
function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    // Ctrl-C reaches the embedded Postgres too, which then ends our connections
    // (57P01, admin shutdown): expected while stopping, not an error worth a red line.
    const adminShutdown = (meta?.error as { code?: unknown } | undefined)?.code === '57P01';
    // LogLevel is an ambient const enum (unusable with verbatimModuleSyntax); compare its string values.
    const severity: string = level;
    const pinoLevel = adminShutdown ? 'info' : severity === 'error' ? 'error' : severity === 'warning' ? 'warn' : 'debug';
    logger[pinoLevel]({ ...scope, ...meta }, message);
  });
}
