import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger as WorkerLogger, parseCronItems, run, type CronItem, type Runner, type TaskList } from 'graphile-worker';
import { auditCronItems, auditHandlers, startupAuditJobs } from '../audit/audit.tasks.ts';
import type { AppContext } from '../context.ts';
import { pushDecisionTask } from '../review/push-decision.task.ts';
import { startupSyncJobs, syncCronItems, syncHandlers } from '../sync/sync.tasks.ts';
import { startupThresholdJobs, thresholdCronItems, thresholdHandlers } from '../thresholds/thresholds.tasks.ts';
import { heartbeatTask, recordHeartbeat, type WorkerIdentity } from './heartbeat.task.ts';
import { cronItem, enqueue, jobs, taskList, type JobHandlers, type PayloadlessJob } from './jobs.ts';

/** Every job of the registry (`jobs.ts`) with its handler: the worker's task list. */
export function buildTaskList(ctx: AppContext, identity: WorkerIdentity): TaskList {
  const handlers: JobHandlers = {
    heartbeat: heartbeatTask(ctx.db, identity),
    pushReviewDecision: pushDecisionTask(ctx),
    ...syncHandlers(ctx),
    ...thresholdHandlers(ctx),
    ...auditHandlers(ctx),
  };
  return taskList(handlers);
}

/** The worker's schedule: each item queues a job of the registry with that job's options. */
export function buildCronItems(ctx: AppContext): CronItem[] {
  return [cronItem(jobs.heartbeat, '* * * * *'), ...syncCronItems(ctx), ...thresholdCronItems(), ...auditCronItems(ctx)];
}

/** Queued when a worker starts, rather than wait for their first cron tick. */
export const startupJobs: readonly PayloadlessJob[] = [...startupSyncJobs, ...startupThresholdJobs, ...startupAuditJobs];

export interface RunningWorker {
  identity: WorkerIdentity;
  stop(): Promise<void>;
}

/** Starts graphile-worker on the context's pool; migrations must already be applied. */
export async function startWorker(ctx: AppContext): Promise<RunningWorker> {
  const identity: WorkerIdentity = {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    startedAt: new Date(),
  };
  const workerLogger = ctx.logger.child({ component: 'worker' });
  const runner: Runner = await run({
    pgPool: ctx.pool,
    concurrency: ctx.config.worker.concurrency,
    noHandleSignals: true,
    pollInterval: 2_000,
    logger: new WorkerLogger((scope) => (level, message, meta) => {
      // Ctrl-C reaches the embedded Postgres too, which then ends our connections
      // (57P01, admin shutdown): expected while stopping, not an error worth a red line.
      const adminShutdown = (meta?.error as { code?: unknown } | undefined)?.code === '57P01';
      // LogLevel is an ambient const enum (unusable with verbatimModuleSyntax); compare its string values.
      const severity: string = level;
      const pinoLevel = adminShutdown ? 'info' : severity === 'error' ? 'error' : severity === 'warning' ? 'warn' : 'debug';
      workerLogger[pinoLevel]({ ...scope, ...meta }, message);
    }),
    taskList: buildTaskList(ctx, identity),
    parsedCronItems: parseCronItems(buildCronItems(ctx)),
  });
  // The cron's first tick can be up to a minute away; say we're alive now.
  await recordHeartbeat(ctx.db, identity);
  for (const job of startupJobs) await enqueue(ctx.db, job, {});
  ctx.logger.info({ workerId: identity.workerId }, 'worker started');
  return {
    identity,
    async stop() {
      await runner.stop();
    },
  };
}
