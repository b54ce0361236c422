import type { CronItem } from 'graphile-worker';
import type { AppContext } from '../context.ts';
import { cronItem, enqueue, jobs, type JobHandlers, type PayloadlessJob } from '../worker/jobs.ts';
import { applyRetention } from './retention.ts';

/**
 * A retention job runs batches for at most this long, then queues its own continuation: a first
 * run over years of sessions must not hold a worker slot for an hour.
 */
const RETENTION_SLICE_MS = 50_000;

/** The handler of the retention job (`retention.ts`; it logs and audits its counts itself). */
export function retentionHandlers(ctx: AppContext): Pick<JobHandlers, 'applyRetention'> {
  return {
    applyRetention: async () => {
      const report = await applyRetention(ctx, { trigger: 'worker', maxDurationMs: RETENTION_SLICE_MS });
      if (!report.complete) await enqueue(ctx.db, jobs.applyRetention, {});
    },
  };
}

/** Hourly: personal data goes within the hour after RETENTION_DAYS have passed. */
export function retentionCronItems(): CronItem[] {
  return [cronItem(jobs.applyRetention, '7 * * * *')];
}

/** At worker start too, so a worker that was down catches up at once. */
export const startupRetentionJobs: readonly PayloadlessJob[] = [jobs.applyRetention];
