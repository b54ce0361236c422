import type { CallOptions } from '../vendors/didit/didit-client.ts';
import { DiditApiError } from '../vendors/didit/didit-error.ts';
import { applySessionState, type ApplyOutcome } from './apply-session-state.ts';
import { fromFetchedSnapshot } from './inbox-processor.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * Re-reads one session's decision from Didit and applies it through the same path as webhooks
 * (reconciliation's repair step). A session Didit no longer has (soft-deleted) is reported as gone.
 */
export async function repairSessionFromDidit(
  deps: SyncDeps,
  sessionId: string,
  options: CallOptions = {},
): Promise<ApplyOutcome | 'gone'> {
  let snapshot;
  try {
    snapshot = await deps.didit.getDecision(sessionId, options);
  } catch (error) {
    if (error instanceof DiditApiError && error.code === 'not_found') {
      deps.logger.info({ sessionId }, 'reconciliation: Didit no longer has this session');
      return 'gone';
    }
    throw error;
  }
  const outcome = await deps.db.transaction().execute((trx) => applySessionState(trx, fromFetchedSnapshot(snapshot)));
  return outcome;
}
