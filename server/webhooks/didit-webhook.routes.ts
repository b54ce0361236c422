import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import type { AppContext } from '../context.ts';
import { AppError, isDatabaseUnavailable } from '../errors.ts';
import {
  sessionEventSchema,
  sessionEventTypes,
  webhookEnvelopeSchema,
  type SessionEvent,
} from '../vendors/didit/didit-schemas.ts';
import { dedupeKeyOf } from './dedupe-key.ts';
import { verifyDiditWebhook } from './verify-signature.ts';

/**
 * `POST /webhooks/didit`: authenticate the delivery, store it in the inbox (one row, unique
 * dedupe key) and acknowledge. Nothing else runs in the request; the worker applies the row.
 * Mounted before any body parser: the signature is over the raw bytes.
 */
export function diditWebhookRoutes(ctx: AppContext): Router {
  const router = express.Router();
  const { metrics } = ctx;

  // Mounted ahead of the request-context middleware: a request id and logger for error answers.
  router.use('/webhooks/didit', (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && /^[A-Za-z0-9._-]{8,128}$/.test(incoming) ? incoming : randomUUID();
    req.log = ctx.logger;
    res.setHeader('X-Request-Id', req.id);
    next();
  });

  router.post('/webhooks/didit', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const started = performance.now();
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyDiditWebhook(
      rawBody,
      {
        timestamp: req.get('x-timestamp'),
        signature: req.get('x-signature'),
        signatureV2: req.get('x-signature-v2'),
        signatureSimple: req.get('x-signature-simple'),
      },
      { secrets: ctx.config.didit.webhookSecrets, nowSeconds: Math.floor(Date.now() / 1000) },
    );
    if (!verdict.ok) {
      metrics.webhooksRejected.inc({ reason: verdict.reason });
      // Never the body: it carries biometric evidence links.
      req.log.warn({ reason: verdict.reason, bytes: rawBody.length, ip: req.ip }, 'webhook rejected');
      const stale = verdict.reason === 'stale_timestamp' || verdict.reason === 'missing_timestamp';
      throw new AppError(
        401,
        stale ? 'stale_timestamp' : 'invalid_signature',
        stale ? 'X-Timestamp is missing or more than 300 s from now.' : 'The webhook signature does not verify.',
      );
    }
    if (verdict.payload === undefined) {
      metrics.webhooksRejected.inc({ reason: 'malformed_json' });
      throw new AppError(400, 'malformed_json', 'The webhook body is not valid JSON.');
    }
    // One parse: the session-event schema for the types we apply, the bare envelope for others.
    const { payload } = verdict;
    const type = typeof payload === 'object' && payload !== null && 'webhook_type' in payload ? payload.webhook_type : undefined;
    const known = typeof type === 'string' && sessionEventTypes.includes(type);
    const envelope = known ? sessionEventSchema.safeParse(verdict.payload) : webhookEnvelopeSchema.safeParse(verdict.payload);
    if (!envelope.success) {
      metrics.webhooksRejected.inc({ reason: 'invalid_envelope' });
      const issues = envelope.error.issues;
      throw new AppError(400, 'validation_failed', 'The webhook body does not match the Didit envelope.', {
        issues: issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      });
    }
    const session = known ? (envelope.data as SessionEvent) : undefined;
    try {
      const result = await ctx.inbox.write({
        dedupeKey: dedupeKeyOf(envelope.data, session, rawBody),
        webhookType: envelope.data.webhook_type,
        sessionId: session?.session_id ?? null,
        status: session?.status ?? null,
        eventTimestamp: new Date(envelope.data.timestamp * 1000),
        eventId: envelope.data.event_id ?? null,
        signatureVariant: verdict.variant,
        isTest: req.get('x-didit-test-webhook') === 'true',
        payloadJson: rawBody.toString('utf8'),
        actionable: session !== undefined,
      });
      const outcome = result.duplicate ? 'duplicate' : session ? 'stored' : 'ignored';
      metrics.webhooksAccepted.inc({ outcome });
      metrics.webhookAckSeconds.observe({ outcome }, (performance.now() - started) / 1000);
      res.status(200).json({ status: outcome });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        metrics.webhooksRejected.inc({ reason: 'database_unavailable' });
        // 503 + Retry-After: Didit retries 5xx.
        throw new AppError(503, 'database_unavailable', 'The inbox is unavailable; retry shortly.');
      }
      throw error;
    }
  });
  return router;
}
