import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type GaugeConfiguration } from 'prom-client';
import type { Config } from './config.ts';
import { AppError, notFoundHandler } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * Prometheus metrics, one registry per composition root (tests build many contexts in one
 * process, so nothing goes in prom-client's global registry).
 */
export interface Metrics {
  registry: Registry;
  webhooksAccepted: Counter<'outcome'>;
  webhooksRejected: Counter<'reason'>;
  webhooksQuarantined: Counter<'reason'>;
  webhookAckSeconds: Histogram<'outcome'>;
  inboxBatchSize: Histogram;
  inboxRowsProcessed: Counter<'outcome'>;
  diditRequests: Counter<'operation' | 'outcome'>;
  diditRateLimitWaitSeconds: Histogram<'scope'>;
  reconciliationRepairs: Counter;
  mediaRefreshes: Counter<'outcome'>;
  authLoginFailures: Counter<'kind'>;
  concurrencyRejections: Counter<'work' | 'scope'>;
  concurrencyInFlight: Gauge<'work'>;
  auditChainRows: Gauge;
  auditCheckpointTime: Gauge;
  workerPoolRestarts: Counter;
  workerJobsUnlocked: Counter;
  decisionPushesPending: Gauge;
  decisionPushOldestPendingSeconds: Gauge;
  inboxOldestPendingSeconds: Gauge;
  reviewQueueDepth: Gauge<'workflow_id'>;
  reviewQueueOldestSeconds: Gauge<'workflow_id'>;
  reviewSlaBreaches: Gauge<'workflow_id'>;
  reviewDecisions: Counter<'decision'>;
  decisionPushesFailed: Gauge;
  inboxParked: Gauge;
  reconciliationLagSeconds: Gauge;
  thresholdDrift: Gauge<'workflow_id'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    concurrencyRejections: new Counter({
      name: 'console_concurrency_rejections_total',
      help: 'Expensive requests refused with 429 because too many were in flight, by work (simulation, audit_export) and by the cap that refused (actor, process).',
      labelNames: ['work', 'scope'],
      registers,
    }),
    concurrencyInFlight: new Gauge({
      name: 'console_concurrency_in_flight',
      help: 'Expensive requests running now in this process, by work (simulation, audit_export); capped per process.',
      labelNames: ['work'],
      registers,
    }),
    auditChainRows: new Gauge({
      name: 'audit_chain_rows',
      help: 'Rows in the audit chain at the last checkpoint; `audit verify --expect-head <value>` proves none were cut off.',
      registers,
    }),
    auditCheckpointTime: new Gauge({
      name: 'audit_chain_checkpoint_timestamp_seconds',
      help: 'When the worker last wrote a checkpoint of the audit chain head (log line "audit checkpoint").',
      registers,
    }),
    workerPoolRestarts: new Counter({
      name: 'console_worker_pool_restarts_total',
      help: 'Times this worker process restarted its job pool after it stopped on its own (a connection broke mid-query).',
      registers,
    }),
    workerJobsUnlocked: new Counter({
      name: 'console_worker_jobs_unlocked_total',
      help: 'Jobs freed because the worker that had taken them died (heartbeat stale), so they run again.',
      registers,
    }),
    decisionPushesPending: new Gauge({
      name: 'console_decision_pushes_pending',
      help: "Analysts' decisions recorded but not yet confirmed by Didit (worker's view, refreshed every 10 s).",
      registers,
    }),
    decisionPushOldestPendingSeconds: new Gauge({
      name: 'console_decision_push_oldest_pending_seconds',
      help: 'Age of the oldest decision waiting for Didit to confirm it; 0 when none waits.',
      registers,
    }),
    inboxOldestPendingSeconds: new Gauge({
      name: 'didit_inbox_oldest_pending_seconds',
      help: 'Age of the oldest stored webhook not applied yet (excluding parked rows); 0 when the inbox is empty.',
      registers,
    }),
    // The queue state (`server/metrics/queue-state.ts`): set by the worker's 10 s timer, so only
    // a process that runs a worker has samples; per-workflow series of workflows with nothing In
    // Review disappear. Labels are workflow ids ('none' when unknown), never personal data.
    reviewQueueDepth: new Gauge({
      name: 'console_review_queue_depth',
      help: "Sessions In Review waiting for an analyst (decided here and on their way to Didit excluded), by workflow_id ('none' when unknown); worker's view, refreshed every 10 s.",
      labelNames: ['workflow_id'],
      registers,
    }),
    reviewQueueOldestSeconds: new Gauge({
      name: 'console_review_queue_oldest_seconds',
      help: "Age of the oldest session waiting for an analyst (since in_review_since, else first seen), by workflow_id; worker's view, refreshed every 10 s.",
      labelNames: ['workflow_id'],
      registers,
    }),
    reviewSlaBreaches: new Gauge({
      name: 'console_review_sla_breaches',
      help: "Sessions waiting for an analyst longer than their workflow's sla_minutes (240 when unknown), by workflow_id; worker's view, refreshed every 10 s.",
      labelNames: ['workflow_id'],
      registers,
    }),
    reviewDecisions: new Counter({
      name: 'console_review_decisions_total',
      help: "Analysts' decisions recorded by this API process, by decision (approve, decline), counted once the decision is committed; 60 * rate() gives decisions per minute.",
      labelNames: ['decision'],
      registers,
    }),
    decisionPushesFailed: workerGauge({
      name: 'console_decision_pushes_failed',
      help: "Sessions whose latest decision Didit refused or the push gave up on (retry or decide again); worker's view, refreshed every 10 s.",
      registers,
    }),
    inboxParked: workerGauge({
      name: 'didit_inbox_parked',
      help: "Stored webhooks parked after repeated failures and not applied since (replay them on the Sync page); worker's view, refreshed every 10 s.",
      registers,
    }),
    reconciliationLagSeconds: workerGauge({
      name: 'didit_reconciliation_lag_seconds',
      help: "Seconds since the start of the last completed reconciliation walk (the first walk's age until one completes; absent before any); worker's view, refreshed every 10 s.",
      registers,
    }),
    thresholdDrift: new Gauge({
      name: 'console_threshold_drift',
      help: "1 when the thresholds Didit reports for a workflow differ from our applied version, else 0, by workflow_id; worker's view, refreshed every 10 s.",
      labelNames: ['workflow_id'],
      registers,
    }),
    webhooksAccepted: new Counter({
      name: 'didit_webhooks_accepted_total',
      help: 'Signed Didit webhooks acknowledged with 2xx, by outcome (stored, duplicate, ignored, quarantined).',
      labelNames: ['outcome'],
      registers,
    }),
    webhooksRejected: new Counter({
      name: 'didit_webhooks_rejected_total',
      help: 'Didit webhooks refused (bad or missing signature, stale timestamp, malformed body, database down).',
      labelNames: ['reason'],
      registers,
    }),
    webhooksQuarantined: new Counter({
      name: 'didit_webhooks_quarantined_total',
      help: 'Authentic Didit webhooks kept in the quarantine (not storable as events) with a re-read of their session queued, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    webhookAckSeconds: new Histogram({
      name: 'didit_webhook_ack_seconds',
      help: 'Time from receiving a webhook to acknowledging it.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    inboxBatchSize: new Histogram({
      name: 'didit_webhook_inbox_batch_size',
      help: 'Webhooks committed per inbox transaction (group commit).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    inboxRowsProcessed: new Counter({
      name: 'didit_inbox_rows_processed_total',
      help: 'Inbox rows handled by the worker, by outcome (applied, stale, retry, parked).',
      labelNames: ['outcome'],
      registers,
    }),
    diditRequests: new Counter({
      name: 'didit_api_requests_total',
      help: 'HTTP calls to the Didit API, by operation and outcome.',
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    diditRateLimitWaitSeconds: new Histogram({
      name: 'didit_rate_limit_wait_seconds',
      help: 'Time spent waiting for the shared rate-limit budget before a Didit call.',
      labelNames: ['scope'],
      buckets: [0, 0.1, 0.5, 1, 5, 15, 30, 60],
      registers,
    }),
    reconciliationRepairs: new Counter({
      name: 'didit_reconciliation_repairs_total',
      help: 'Sessions reconciliation found missing or different and scheduled for repair.',
      registers,
    }),
    mediaRefreshes: new Counter({
      name: 'didit_media_refreshes_total',
      help: 'Signed media link refreshes, by outcome (refreshed, coalesced, fresh, rate_limited, failed, throttled, force_refused).',
      labelNames: ['outcome'],
      registers,
    }),
    authLoginFailures: new Counter({
      name: 'console_login_failures_total',
      help: 'Sign-ins refused at /auth/callback, by kind (state, idp_error, oidc); every one, while the audit log keeps one row per address and window.',
      labelNames: ['kind'],
      registers,
    }),
  };
}

/**
 * An unlabelled gauge with no sample until the worker first sets it (prom-client starts one at 0):
 * an API-only process then reports nothing rather than a 0 that `max()` over instances would take
 * for the worker's reading when no worker is running.
 */
function workerGauge(configuration: GaugeConfiguration<string>): Gauge {
  const gauge = new Gauge(configuration);
  gauge.remove();
  return gauge;
}

/**
 * Who may read `GET /metrics` where:
 *   - `METRICS_PORT` set: metrics are served on a separate listener at METRICS_HOST:METRICS_PORT
 *     (127.0.0.1 unless told otherwise; `server/http/metrics-server.ts`), in every process that
 *     has the variable: the API, the worker (its only HTTP), `npm start`. The main port answers 404.
 *   - `METRICS_TOKEN` set: `/metrics` requires `Authorization: Bearer <METRICS_TOKEN>`, compared in
 *     constant time, wherever it is served (the main port when there is no METRICS_PORT).
 *   - Neither: outside production the main port serves it openly (the console listens on
 *     127.0.0.1 by default); in production it answers 404 and a warning is logged at start.
 *     Refusing to start would turn a missing monitoring setting into an outage; serving openly
 *     would hand anyone who reaches the port request rates, error rates and Didit traffic. 404
 *     loses only the scrape, and the warning says how to get it back.
 * Health routes (`/healthz`, `/readyz`) stay open on every port: load balancers send no token.
 */
export type MetricsAccess = 'open' | 'token' | 'off';

/** What the main (public) port does with `GET /metrics`. */
export function metricsAccessOnMainPort(config: Pick<Config, 'env' | 'metrics'>): MetricsAccess {
  if (config.metrics.port !== undefined) return 'off';
  if (config.metrics.token !== undefined) return 'token';
  return config.env === 'production' ? 'off' : 'open';
}

/** `GET /metrics` in Prometheus text format, for the main port (see `metricsAccessOnMainPort`). */
export function metricsRoutes(ctx: { config: Pick<Config, 'env' | 'metrics'>; metrics: Metrics; logger: Logger }): Router {
  const access = metricsAccessOnMainPort(ctx.config);
  if (access === 'off' && ctx.config.metrics.port === undefined) {
    ctx.logger.warn(
      'GET /metrics answers 404: set METRICS_TOKEN (bearer token on this port) or METRICS_PORT (internal listener)',
    );
  }
  return metricsRouter(ctx.metrics, access === 'off' ? 'off' : { token: ctx.config.metrics.token });
}

/**
 * The `/metrics` route itself: behind a bearer token when `token` is set, openly when it is not,
 * or answering 404 (as an unknown route would) when `'off'`.
 */
export function metricsRouter(metrics: Metrics, access: 'off' | { token: string | undefined }): Router {
  const router = express.Router();
  if (access === 'off') {
    router.get('/metrics', notFoundHandler);
    return router;
  }
  const guard: RequestHandler[] = access.token === undefined ? [] : [requireBearer(access.token)];
  router.get('/metrics', ...guard, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}

/**
 * Checks `Authorization: Bearer <token>`. Both sides are hashed first, so the comparison takes the
 * same time whatever the length or content of the guess (`timingSafeEqual` needs equal lengths).
 */
function requireBearer(token: string): RequestHandler {
  const expected = sha256(token);
  return (req, res, next) => {
    const given = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (given !== undefined && timingSafeEqual(sha256(given), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', `Bearer realm="metrics"${given === undefined ? '' : ', error="invalid_token"'}`);
    next(new AppError(401, 'unauthenticated', 'Metrics need the metrics bearer token (METRICS_TOKEN).'));
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
