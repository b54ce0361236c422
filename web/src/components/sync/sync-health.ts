import { z } from 'zod';
import { ApiError } from '../../api/client.ts';
import { errorMessage } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import {
  PUSH_REQUEUE_AFTER_SECONDS,
  type DiditCallStat,
  type PendingPush,
  type QuarantinedDelivery,
  type QuarantineReason,
  type QuarantineRepairState,
  type RateLimitScope,
  type SyncStatus,
} from '../../../../server/contract/sync.ts';

/**
 * How healthy each number on the Sync health page is. Every level has words as well as a colour
 * (`healthLabels`), so the meaning never rests on colour alone.
 */
export type HealthLevel = 'ok' | 'warn' | 'breach' | 'neutral';

export const healthLabels: Record<HealthLevel, string> = {
  ok: 'OK',
  warn: 'Warning',
  breach: 'Needs attention',
  neutral: 'Info',
};

/** Seconds from `iso` to `now` (never negative); `null` when unknown. */
export function secondsSince(iso: string | null, now: number): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.round((now - at) / 1000));
}

/** Compact duration: `12 s`, `45 min`, `2 h 05 min`, `3 d 04 h`. */
export function formatSeconds(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${String(hours % 24).padStart(2, '0')} h`;
}

/** `3 min ago`, `just now`, or `never`. */
export function formatAgo(iso: string | null, now: number, never = 'never'): string {
  const seconds = secondsSince(iso, now);
  if (seconds === null) return never;
  if (seconds < 5) return 'just now';
  return `${formatSeconds(seconds)} ago`;
}

/** Absolute local time for titles and table cells; the raw text if it is not a date. */
export function formatInstant(iso: string | null): string {
  return formatDateTime(iso, { seconds: true });
}

export function formatPercent(rate: number): string {
  const percent = rate * 100;
  return `${percent === 0 || percent >= 10 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

/** `12 rows`, or `50 of 60 shown` when the server lists only part of them. */
export function shownCount(shown: number, total: number, [one, many]: readonly [string, string]): string {
  return shown < total ? `${shown} of ${total} shown` : `${total} ${total === 1 ? one : many}`;
}

/** Backlog: judged by how long the oldest pending row has waited (the inbox normally drains in seconds). */
export const BACKLOG_WARN_SECONDS = 60;
export const BACKLOG_BREACH_SECONDS = 5 * 60;
/** Reconciliation runs every few minutes (at most hourly): the lag is the age of the last finished walk's start. */
export const RECONCILE_WARN_SECONDS = 60 * 60;
export const RECONCILE_BREACH_SECONDS = 3 * 60 * 60;
/**
 * A decision's push normally lands within seconds; from 2 min it has needed retries (the server
 * lets a lead re-queue it from then), and at 10 min Didit still shows the session undecided long
 * after the analyst moved on.
 */
export const PUSH_WARN_SECONDS = PUSH_REQUEUE_AFTER_SECONDS;
export const PUSH_BREACH_SECONDS = 10 * 60;
/** Didit call error rates over the last 15 minutes. */
export const ERROR_RATE_WARN = 0.01;
export const ERROR_RATE_BREACH = 0.05;
/** Share of our own per-minute budget used before it is worth a look. */
export const BUDGET_WARN_RATIO = 0.8;

export function backlogLevel(webhooks: SyncStatus['webhooks'], now: number): HealthLevel {
  if (webhooks.backlog === 0) return 'ok';
  const age = secondsSince(webhooks.oldestPendingAt, now) ?? 0;
  if (age >= BACKLOG_BREACH_SECONDS) return 'breach';
  if (age >= BACKLOG_WARN_SECONDS) return 'warn';
  return 'ok';
}

export const retryingLevel = (retrying: number): HealthLevel => (retrying > 0 ? 'warn' : 'ok');

/** Parked rows gave up retrying: someone has to look at them. */
export const parkedLevel = (parked: number): HealthLevel => (parked > 0 ? 'breach' : 'ok');

export function reconciliationLevel(reconciliation: SyncStatus['reconciliation']): HealthLevel {
  const lag = reconciliation.lagSeconds;
  if (lag === null) return reconciliation.active ? 'neutral' : 'warn';
  if (lag >= RECONCILE_BREACH_SECONDS) return 'breach';
  if (lag >= RECONCILE_WARN_SECONDS) return 'warn';
  return 'ok';
}

export function callLevel(call: DiditCallStat): HealthLevel {
  if (call.errorRate >= ERROR_RATE_BREACH) return 'breach';
  if (call.errorRate >= ERROR_RATE_WARN || call.rateLimited > 0) return 'warn';
  return 'ok';
}

export function rateLimitLevel(scope: RateLimitScope): HealthLevel {
  if (scope.blockedUntil) return 'breach';
  if (scope.reportedRemaining !== null && scope.reportedRemaining <= 0) return 'warn';
  if (
    scope.budgetPerMinute !== null &&
    scope.budgetPerMinute > 0 &&
    scope.usedLastMinute / scope.budgetPerMinute >= BUDGET_WARN_RATIO
  )
    return 'warn';
  return 'ok';
}

/** No live worker will run this push by itself (soon, or at all): someone has to look. */
const pushJobLost = (push: Pick<PendingPush, 'job'>): boolean => push.job === 'held_by_dead_worker' || push.job === 'missing';

function pushAgeLevel(seconds: number): HealthLevel {
  if (seconds >= PUSH_BREACH_SECONDS) return 'breach';
  if (seconds >= PUSH_WARN_SECONDS) return 'warn';
  return 'ok';
}

/** One decision on its way to Didit: by its age, or a breach at once when its job is lost. */
export const pushLevel = (push: Pick<PendingPush, 'job' | 'pendingSeconds'>): HealthLevel =>
  pushJobLost(push) ? 'breach' : pushAgeLevel(push.pendingSeconds);

/** All of them: by the oldest's age, or a breach when any listed push has lost its job. */
export function pushesLevel(pushes: SyncStatus['pushes']): HealthLevel {
  if (pushes.pending.some(pushJobLost)) return 'breach';
  return pushes.pendingCount === 0 ? 'ok' : pushAgeLevel(pushes.oldestPendingSeconds);
}

/** How many of the listed pushes no live worker will run by itself. */
export const lostPushCount = (pushes: SyncStatus['pushes']): number => pushes.pending.filter(pushJobLost).length;

/** What the job pushing a decision is doing, in words. */
export function pushJobText(push: Pick<PendingPush, 'job' | 'nextAttemptAt'>): string {
  const words: Record<PendingPush['job'], string> = {
    queued: 'Queued',
    retrying: push.nextAttemptAt ? `Waiting for retry at ${formatInstant(push.nextAttemptAt)}` : 'Waiting for retry',
    running: 'Being pushed',
    held_by_dead_worker: 'Held by a worker that stopped — freed within a minute',
    missing: 'No job — re-queue it',
    undo_window: push.nextAttemptAt
      ? `Held until ${formatInstant(push.nextAttemptAt)} while it can be undone`
      : 'Held while it can be undone',
  };
  return words[push.job];
}

/**
 * A lead may re-queue a push that has waited long enough, unless a live worker is running it right
 * now (the server refuses: running it twice could push twice).
 */
export const offersRequeue = (push: Pick<PendingPush, 'job' | 'requeueable'>): boolean =>
  push.requeueable && push.job !== 'running';

/** What the re-queue did, beyond queueing the push again, by what its job was doing. */
export const requeueOutcomeText: Partial<Record<PendingPush['job'], string>> = {
  retrying: 'It runs now instead of waiting for its retry.',
  held_by_dead_worker: 'It was freed from the worker that stopped.',
  missing: 'A new job was created for it.',
};

/** `error.details.reason` of a 409 from `POST /api/sync/pushes/:id/requeue` (`pending-pushes.ts`). */
const requeueConflictSchema = z.object({ reason: z.enum(['too_early', 'running', 'not_pending']) });

const requeueConflictText: Record<z.infer<typeof requeueConflictSchema>['reason'], string> = {
  too_early: `it has waited less than ${formatSeconds(PUSH_WARN_SECONDS)}; the worker is still retrying it on its own.`,
  running: 'a worker is pushing it right now. Wait for that attempt to finish.',
  not_pending: 'it is no longer waiting for Didit: it was confirmed, or refused and its session is back in the queue.',
};

/** Why a re-queue was refused, as the end of a sentence ("… failed: <this>"). */
export function requeueFailureText(error: unknown): string {
  const conflict = error instanceof ApiError && error.status === 409 ? requeueConflictSchema.safeParse(error.details) : null;
  return conflict?.success ? requeueConflictText[conflict.data.reason] : errorMessage(error);
}

/** Why an authentic delivery could not be stored as an event, in words. */
export const quarantineReasonLabels: Record<QuarantineReason, string> = {
  stale_timestamp: 'Timestamp outside the accepted window',
  timestamp_mismatch: 'Header and body timestamps differ',
  malformed_json: 'Body is not JSON',
  invalid_envelope: "Body does not match Didit's envelope",
  unstorable: 'Refused by the database',
};

/** Where the re-read of a quarantined delivery's session stands, in words. */
export function quarantineRepairText(row: Pick<QuarantinedDelivery, 'repairState' | 'repairError'>): string {
  const words: Record<QuarantineRepairState, string> = {
    queued: 'Re-reading from Didit',
    repaired: 'Repaired from Didit',
    gone: 'Didit no longer has the session',
    not_possible: 'No session id to re-read',
    failed: row.repairError ? `Re-read failed: ${row.repairError}, retrying` : 'Re-read failed, retrying',
  };
  return words[row.repairState];
}

/**
 * A re-read that failed (it is retried, and reconciliation walks the session too) or that cannot
 * happen (no session id in the body) is worth a look; the rest repairs itself.
 */
export const needsLook = (row: Pick<QuarantinedDelivery, 'repairState'>): boolean =>
  row.repairState === 'failed' || row.repairState === 'not_possible';

/** Warning, never a breach: the worker re-reads these sessions from Didit by itself. */
export const quarantineLevel = (webhooks: SyncStatus['webhooks']): HealthLevel =>
  webhooks.quarantined.some(needsLook) ? 'warn' : 'ok';

/** Nothing has ever arrived: no webhook stored, none pending, none parked, none quarantined. */
export function nothingReceived(webhooks: SyncStatus['webhooks']): boolean {
  return (
    webhooks.lastReceivedAt === null && webhooks.backlog === 0 && webhooks.parkedCount === 0 && webhooks.quarantinedCount === 0
  );
}
