import type { CronItem } from 'graphile-worker';
import type { AppContext } from '../context.ts';
import { cronItem, jobs, type JobHandlers, type PayloadlessJob } from '../worker/jobs.ts';
import { assignOpenSessions } from './assignment.ts';

/** The assigner's handler: one run in one transaction (assignment.ts); logs what it assigned. */
export function assignmentHandlers(ctx: AppContext): Pick<JobHandlers, 'assignSessions'> {
  return {
    assignSessions: async () => {
      const run = await ctx.db.transaction().execute((trx) => assignOpenSessions(trx, ctx.config.review, new Date(), 'schedule'));
      if (run.assigned.length > 0) ctx.logger.info({ assigned: run.assigned.length }, 'assigned In Review sessions');
    },
  };
}

/** Every minute: sessions that entered In Review are assigned within the minute. */
export function assignmentCronItems(): CronItem[] {
  return [cronItem(jobs.assignSessions, '* * * * *')];
}

/** At worker start too. */
export const startupAssignmentJobs: readonly PayloadlessJob[] = [jobs.assignSessions];
