import { z } from 'zod';

/**
 * `/api/sync/*`: is the console's copy of Didit's truth keeping up? Shared by the server
 * (`server/sync/sync-status.ts`, `server/sync/sync.routes.ts`) and the web app's Sync health page.
 * Server-made timestamps travel as ISO strings (`Date#toISOString`). The reconciliation walk's
 * fields come from a stored JSON cursor, so they are checked as plain strings.
 */

const instant = z.iso.datetime();
const count = z.number().int().nonnegative();

export const parkedWebhookSchema = z.object({
  id: z.number().int().positive(),
  /** `null` for webhook types stored for the record only (nothing to apply, nothing to replay). */
  sessionId: z.string().nullable(),
  webhookType: z.string(),
  status: z.string().nullable(),
  eventTimestamp: instant,
  attempts: count,
  lastError: z.string().nullable(),
  parkedAt: instant.nullable(),
});
export type ParkedWebhook = z.infer<typeof parkedWebhookSchema>;

/**
 * Why an authentic delivery (its signature verifies) could not be stored as an inbox event. It is
 * kept in `webhook_quarantine` instead, and its session's decision is re-read from Didit.
 */
export const quarantineReasons = [
  'stale_timestamp',
  'timestamp_mismatch',
  'malformed_json',
  'invalid_envelope',
  'unstorable',
] as const;
export type QuarantineReason = (typeof quarantineReasons)[number];

/**
 * The targeted re-read of a quarantined delivery's session: `queued` (waiting for the worker and
 * the decision budget), `repaired` (the session was re-read and applied), `gone` (Didit no longer
 * has it), `not_possible` (the body names no usable session id), `failed` (the last re-read failed;
 * the job retries, and reconciliation covers it too).
 */
export const quarantineRepairStates = ['queued', 'repaired', 'gone', 'not_possible', 'failed'] as const;
export type QuarantineRepairState = (typeof quarantineRepairStates)[number];

export const quarantinedDeliverySchema = z.object({
  id: z.number().int().positive(),
  /** First and latest arrival of these exact bytes (Didit's retries carry the same body). */
  receivedAt: instant,
  lastReceivedAt: instant,
  deliveries: count,
  reason: z.enum(quarantineReasons),
  /** What did not fit, in words (never a fragment of the body). */
  detail: z.string().nullable(),
  webhookType: z.string().nullable(),
  sessionId: z.string().nullable(),
  eventTimestamp: instant.nullable(),
  repairState: z.enum(quarantineRepairStates),
  repairedAt: instant.nullable(),
  repairError: z.string().nullable(),
});
export type QuarantinedDelivery = z.infer<typeof quarantinedDeliverySchema>;

/** A reconciliation walk in progress (`WalkProgress` in `server/sync/reconcile.ts`). */
export const walkProgressSchema = z.object({
  since: z.string(),
  startedAt: z.string(),
  offset: count,
  total: count.nullable(),
  examined: count,
  repaired: count,
});
export type WalkProgress = z.infer<typeof walkProgressSchema>;

/** The last finished walk (`CompletedWalk` in `server/sync/reconcile.ts`). */
export const completedWalkSchema = z.object({
  since: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  examined: count,
  repaired: count,
});
export type CompletedWalk = z.infer<typeof completedWalkSchema>;

export const diditCallStatSchema = z.object({
  operation: z.string(),
  total: count,
  /** Outcomes other than `ok` and `not_found` (rate-limited calls included). */
  errors: count,
  rateLimited: count,
  /** errors / total, 0..1 rounded to 3 decimals (0 when there were no calls). */
  errorRate: z.number().min(0).max(1),
});
export type DiditCallStat = z.infer<typeof diditCallStatSchema>;

export const rateLimitScopeSchema = z.object({
  scope: z.string(),
  /** Our own budget per minute for the scope; `null` for a scope without one. */
  budgetPerMinute: count.nullable(),
  usedLastMinute: count,
  /** Set only while the block is still in the future. */
  blockedUntil: instant.nullable(),
  /** What Didit last reported in its rate-limit headers. */
  reportedLimit: z.number().nullable(),
  reportedRemaining: z.number().nullable(),
  reportedResetAt: instant.nullable(),
  lastThrottledAt: instant.nullable(),
});
export type RateLimitScope = z.infer<typeof rateLimitScopeSchema>;

export const workerSchema = z.object({
  workerId: z.string(),
  hostname: z.string(),
  pid: count,
  startedAt: instant,
  lastSeenAt: instant,
});
export type WorkerHeartbeat = z.infer<typeof workerSchema>;

/** A push pending this long has needed retries, or its job is in trouble: a lead may re-queue it. */
export const PUSH_REQUEUE_AFTER_SECONDS = 120;

/** An analyst's decision recorded but not yet confirmed by Didit. */
export const pendingPushSchema = z.object({
  reviewEventId: z.number().int().positive(),
  sessionId: z.string(),
  decision: z.enum(['Approved', 'Declined', 'Resubmitted']),
  decidedBy: z.string(),
  decidedAt: instant,
  pendingSeconds: count,
  /** Failed attempts recorded so far. */
  attempts: count,
  lastError: z.string().nullable(),
  /**
   * The job pushing it: `queued` (due now), `retrying` (waiting for its next attempt), `running`
   * (a live worker holds it), `held_by_dead_worker` (freed within a minute, or by a re-queue),
   * `missing` (no job: re-queue it), `undo_window` (held back while its decider may still undo it;
   * `pendingSeconds` counts from when the window closes).
   */
  job: z.enum(['queued', 'retrying', 'running', 'held_by_dead_worker', 'missing', 'undo_window']),
  nextAttemptAt: instant.nullable(),
  /** Waited long enough for a lead to re-queue it (`POST /api/sync/pushes/:id/requeue`). */
  requeueable: z.boolean(),
});
export type PendingPush = z.infer<typeof pendingPushSchema>;

/** `GET /api/sync/status` (capability `sync.read`). */
export const syncStatusSchema = z.object({
  webhooks: z.object({
    lastReceivedAt: instant.nullable(),
    receivedLastHour: count,
    /** Rows waiting to be applied, including those waiting for a retry. */
    backlog: count,
    oldestPendingAt: instant.nullable(),
    retrying: count,
    parkedCount: count,
    /** The 50 most recently parked rows, newest first. */
    parked: z.array(parkedWebhookSchema),
    /** Authentic deliveries that could not be stored as events (all time), and the 50 latest. */
    quarantinedCount: count,
    quarantined: z.array(quarantinedDeliverySchema),
  }),
  reconciliation: z.object({
    active: walkProgressSchema.nullable(),
    lastCompleted: completedWalkSchema.nullable(),
    /** Seconds since the start of the last completed walk; `null` when no walk has completed. */
    lagSeconds: count.nullable(),
  }),
  /** Decisions on their way to Didit: how many, the oldest's age, and the 50 oldest. */
  pushes: z.object({
    pendingCount: count,
    oldestPendingSeconds: count,
    pending: z.array(pendingPushSchema),
  }),
  /** Worker processes seen in the last day, most recently seen first. */
  workers: z.array(workerSchema),
  didit: z.object({
    /** Calls in the last 15 minutes by operation. */
    calls: z.array(diditCallStatSchema),
    rateLimits: z.array(rateLimitScopeSchema),
  }),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

/** `POST /api/sync/webhooks/:id/replay` (capability `webhook.replay`) answers 202 with this. */
export const replayWebhookResponseSchema = z.object({
  id: z.number().int().positive(),
  sessionId: z.string(),
  status: z.literal('queued'),
});
export type ReplayWebhookResponse = z.infer<typeof replayWebhookResponseSchema>;

/** `POST /api/sync/pushes/:id/requeue` (capability `push.requeue`) answers with what the job was doing. */
export const requeuePushResponseSchema = z.object({
  reviewEventId: z.number().int().positive(),
  wasJob: pendingPushSchema.shape.job,
  status: z.literal('queued'),
});
export type RequeuePushResponse = z.infer<typeof requeuePushResponseSchema>;

/** `/api/sync/webhooks/:id/replay` */
export const webhookEventParamsSchema = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('The inbox row (`webhook_event.id`).'),
});

/** `/api/sync/pushes/:id/requeue` */
export const reviewEventParamsSchema = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .describe('The decision (`review_event.id`).'),
});
