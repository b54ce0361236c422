import type { CronItem } from 'graphile-worker';
import { cronItem, enqueueEach, jobs, type JobHandlers, type PayloadlessJob } from '../worker/jobs.ts';
import { runErasure, type ErasureDeps } from './erasure.ts';
import { listErasuresWithoutJob } from './erasure.repository.ts';

/** How long a job waits for Didit's write budget before giving its slot back (it is retried). */
const ERASURE_BUDGET_WAIT_MS = 5_000;

/**
 * The worker's side of erasure requests (server/privacy/erasure.ts): each request's job carries it
 * to Didit and fails while Didit has not confirmed everything, so graphile-worker retries it with
 * its exponential backoff; the sweep re-queues any open request whose job is gone (it used up its
 * attempts during a long outage, or was lost), so a request is retried until Didit confirms it.
 */
export function erasureHandlers(deps: ErasureDeps): Pick<JobHandlers, 'processErasure' | 'sweepErasures'> {
  return {
    processErasure: async ({ requestId }) => {
      const { status, transientFailures, lastError } = await runErasure(deps, requestId, {
        call: { maxBudgetWaitMs: ERASURE_BUDGET_WAIT_MS },
      });
      if (transientFailures > 0) {
        // Names the request and the session ids, never the person.
        throw new Error(`Erasure request ${requestId} is not confirmed by Didit yet: ${lastError ?? 'retrying'}`);
      }
      if (status.state === 'failed') {
        deps.logger.warn(
          { erasureRequestId: requestId, failed: status.counts.failed },
          'Didit refused to delete some sessions of an erasure request; run the erasure again to retry them',
        );
      }
    },
    sweepErasures: async () => {
      const ids = await listErasuresWithoutJob(deps.db);
      if (ids.length === 0) return;
      await enqueueEach(
        deps.db,
        jobs.processErasure,
        ids.map((requestId) => ({ requestId })),
      );
      deps.logger.info({ erasureRequestIds: ids }, 're-queued erasure requests left without a job');
    },
  };
}

/** The sweep, every ten minutes. */
export function erasureCronItems(): CronItem[] {
  return [cronItem(jobs.sweepErasures, '*/10 * * * *')];
}

/** A sweep at start too: requests a crash left behind go on at once. */
export const startupErasureJobs: readonly PayloadlessJob[] = [jobs.sweepErasures];
