import type { CronItem } from 'graphile-worker';
import type { AppContext } from '../context.ts';
import { cronItem, jobs, type JobHandlers, type PayloadlessJob } from '../worker/jobs.ts';
import { pushThresholdVersion } from './push-thresholds.ts';
import { syncWorkflows } from './workflow-sync.ts';

/** Handlers of threshold tuning's jobs: push approved versions, sync workflows and detect drift. */
export function thresholdHandlers(ctx: AppContext): Pick<JobHandlers, 'pushThresholdVersion' | 'syncWorkflows'> {
  return {
    pushThresholdVersion: async ({ versionId }) => {
      await pushThresholdVersion(ctx, versionId);
    },
    syncWorkflows: async () => {
      if (!ctx.didit.configured) return;
      await syncWorkflows(ctx);
    },
  };
}

export function thresholdCronItems(): CronItem[] {
  return [cronItem(jobs.syncWorkflows, '*/10 * * * *')];
}

export const startupThresholdJobs: readonly PayloadlessJob[] = [jobs.syncWorkflows];
