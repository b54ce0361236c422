import express, { type Router } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
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
      help: 'Signed media link refreshes, by outcome (refreshed, coalesced, fresh, rate_limited, failed).',
      labelNames: ['outcome'],
      registers,
    }),
  };
}

/** `GET /metrics` in Prometheus text format. */
export function metricsRoutes(metrics: Metrics): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
