import type { Migration } from 'kysely';
import * as createSyncTables from './20261125T000000-create-sync-tables.ts';
import * as createAuditAndWorkerTables from './20261125T000100-create-audit-and-worker-tables.ts';
import * as diditSyncState from './20261125T010000-didit-sync-state.ts';
import * as createAuthTables from './20261125T020000-create-auth-tables.ts';
import * as reviewQueueIndexes from './20261125T030000-review-queue-indexes.ts';
import * as thresholdPushAndDrift from './20261125T040000-threshold-push-and-drift.ts';
import * as diditVersionsAndQuarantine from './20261129T000000-didit-versions-and-quarantine.ts';
import * as auditKeyedChain from './20261130T000000-audit-keyed-chain.ts';
import * as mediaRefreshLimits from './20261130T020000-media-refresh-limits.ts';
import * as webhookRawBody from './20261130T030000-webhook-raw-body.ts';
import * as sessionDataProblems from './20261130T040000-session-data-problems.ts';
import * as diditCallLeases from './20261130T100000-didit-call-leases.ts';
import * as sessionWarningsDomainShape from './20261130T110000-session-warnings-domain-shape.ts';
import * as workerLockHolders from './20261130T120000-worker-lock-holders.ts';
import * as reviewHistory from './20261201T000000-review-history.ts';
import * as privacy from './20261202T000000-privacy.ts';
import * as savedQueueViews from './20261203T000100-saved-queue-views.ts';
import * as escalation from './20261203T000200-escalation.ts';
import * as evidencePackPolicy from './20261203T000300-evidence-pack-policy.ts';
import * as faceBlocklist from './20261203T000400-face-blocklist.ts';
import * as undoDecision from './20261203T000500-undo-decision.ts';
import * as resubmission from './20261203T000600-resubmission.ts';
import * as assignmentAndSla from './20261203T000700-assignment-and-sla.ts';
import * as secondReview from './20261203T000800-second-review.ts';

/**
 * Every migration, in the order it runs. Explicit rather than read from the directory, so the
 * bundle, the tests and the CLI agree on the list. Names sort in the same order as listed.
 */
export const migrations: Record<string, Migration> = {
  '20261125T000000-create-sync-tables': createSyncTables,
  '20261125T000100-create-audit-and-worker-tables': createAuditAndWorkerTables,
  '20261125T010000-didit-sync-state': diditSyncState,
  '20261125T020000-create-auth-tables': createAuthTables,
  '20261125T030000-review-queue-indexes': reviewQueueIndexes,
  '20261125T040000-threshold-push-and-drift': thresholdPushAndDrift,
  '20261129T000000-didit-versions-and-quarantine': diditVersionsAndQuarantine,
  '20261130T000000-audit-keyed-chain': auditKeyedChain,
  '20261130T020000-media-refresh-limits': mediaRefreshLimits,
  '20261130T030000-webhook-raw-body': webhookRawBody,
  '20261130T040000-session-data-problems': sessionDataProblems,
  '20261130T100000-didit-call-leases': diditCallLeases,
  '20261130T110000-session-warnings-domain-shape': sessionWarningsDomainShape,
  '20261130T120000-worker-lock-holders': workerLockHolders,
  '20261201T000000-review-history': reviewHistory,
  '20261202T000000-privacy': privacy,
  '20261203T000100-saved-queue-views': savedQueueViews,
  '20261203T000200-escalation': escalation,
  '20261203T000300-evidence-pack-policy': evidencePackPolicy,
  '20261203T000400-face-blocklist': faceBlocklist,
  '20261203T000500-undo-decision': undoDecision,
  '20261203T000600-resubmission': resubmission,
  '20261203T000700-assignment-and-sla': assignmentAndSla,
  '20261203T000800-second-review': secondReview,
};
