import type { CronItem, Task, TaskList } from 'graphile-worker';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { pushThresholdVersion } from './push-thresholds.ts';
import { PUSH_TASK } from './thresholds.service.ts';
import { SYNC_WORKFLOWS_TASK, syncWorkflows } from './workflow-sync.ts';

const pushPayload = z.object({ versionId: z.coerce.number().int().positive() });

/** Worker tasks of threshold tuning: push approved versions, sync workflows and detect drift. */
export function thresholdTasks(ctx: AppContext): TaskList {
  const push: Task = async (payload) => {
    const { versionId } = pushPayload.parse(payload);
    await pushThresholdVersion(ctx, versionId);
  };
  const sync: Task = async () => {
    if (!ctx.didit.configured) return;
    await syncWorkflows(ctx);
  };
  return { [PUSH_TASK]: push, [SYNC_WORKFLOWS_TASK]: sync };
}

export function thresholdCronItems(): CronItem[] {
  return [
    {
      task: SYNC_WORKFLOWS_TASK,
      match: '*/10 * * * *',
      identifier: SYNC_WORKFLOWS_TASK,
      options: { backfillPeriod: 0, jobKey: SYNC_WORKFLOWS_TASK, jobKeyMode: 'replace', maxAttempts: 3 },
    },
  ];
}

export const startupThresholdJobs = [{ task: SYNC_WORKFLOWS_TASK, jobKey: SYNC_WORKFLOWS_TASK }] as const;
