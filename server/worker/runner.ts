import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger as WorkerLogger, parseCronItems, run, type Runner, type TaskList } from 'graphile-worker';
import { auditCronItems, auditTasks, startupAuditJobs } from '../audit/audit.tasks.ts';
import type { AppContext } from '../context.ts';
import { pushDecisionTask } from '../review/push-decision.task.ts';
import { startupSyncJobs, syncCronItems, syncTasks } from '../sync/sync.tasks.ts';
import { startupThresholdJobs, thresholdCronItems, thresholdTasks } from '../thresholds/thresholds.tasks.ts';
import { heartbeatTask, recordHeartbeat, type WorkerIdentity } from './heartbeat.task.ts';

/** Every task the worker runs, by graphile-worker identifier. */
export function buildTaskList(ctx: AppContext, identity: WorkerIdentity): TaskList {
  return {
    heartbeat: heartbeatTask(ctx.db, identity),
    push_review_decision: pushDecisionTask(ctx),
    ...syncTasks(ctx),
    ...thresholdTasks(ctx),
    ...auditTasks(ctx),
  };
}

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
    parsedCronItems: parseCronItems([
      { task: 'heartbeat', match: '* * * * *', identifier: 'heartbeat', options: { backfillPeriod: 0 } },
      ...syncCronItems(ctx),
      ...thresholdCronItems(),
      ...auditCronItems(ctx),
    ]),
  });
  // The cron's first tick can be up to a minute away; say we're alive now.
  await recordHeartbeat(ctx.db, identity);
  for (const job of [...startupSyncJobs, ...startupThresholdJobs, ...startupAuditJobs])
    await runner.addJob(job.task, {}, { jobKey: job.jobKey });
  ctx.logger.info({ workerId: identity.workerId }, 'worker started');
  return {
    identity,
    async stop() {
      await runner.stop();
    },
  };
}
