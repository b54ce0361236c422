import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import { AppError, isDatabaseUnavailable, type ErrorBody } from '../errors.ts';
import {
  sessionEventSchema,
  sessionEventTypes,
  webhookEnvelopeSchema,
  type SessionEvent,
} from '../vendors/didit/didit-schemas.ts';
import { dedupeKeyOf } from './dedupe-key.ts';
import { quarantineDelivery, type QuarantineInput } from './quarantine.ts';
import { inspectJson, MAX_WEBHOOK_DEPTH, storableBody } from './storable-body.ts';
import { verifyDiditWebhook } from './verify-signature.ts';

export const diditWebhookPath = '/webhooks/didit';
const maxBodyBytes = 1024 * 1024;

/**
 * `POST /webhooks/didit`: authenticate the delivery, store it in the inbox (one row, unique
 * dedupe key) and acknowledge. Nothing else runs in the request; the worker applies the row.
 *
 * A plain `node:http` handler in front of the Express app rather than an Express route: it is the
 * one machine-to-machine hot path (Didit's deliveries), needs the raw bytes the signature covers,
 * no session, CSRF, CSP or JSON parser, and Express's per-request work was most of its CPU cost.
 */
export function diditWebhookHandler(ctx: AppContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[A-Za-z0-9._-]{8,128}$/.test(incoming) ? incoming : randomUUID();
    handle(ctx, req)
      .then(({ status, body }) => send(res, status, body, requestId))
      .catch((error: unknown) => {
        if (error instanceof AppError) {
          const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
          if (error.details !== undefined) body.error.details = error.details;
          send(res, error.status, body, requestId, error.status === 503 ? { 'retry-after': '5' } : {});
          return;
        }
        ctx.logger.error({ err: error, requestId }, 'webhook handling failed');
        send(res, 500, { error: { code: 'internal_error', message: 'Something went wrong on our side.', requestId } }, requestId);
      });
  };
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
    ...extra,
  });
  res.end(text);
}

/** Reads the body, refusing more than 1 MB (413) without buffering it. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    req.resume();
    return Promise.reject(new AppError(413, 'payload_too_large', 'The webhook body is larger than 1 MB.'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new AppError(413, 'payload_too_large', 'The webhook body is larger than 1 MB.'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

async function handle(ctx: AppContext, req: IncomingMessage): Promise<{ status: number; body: unknown }> {
  const { metrics } = ctx;
  const started = performance.now();
  const rawBody = await readBody(req);
  const headerTimestamp = header(req, 'x-timestamp');
  const tolerance = ctx.config.didit.webhookToleranceSeconds;
  const verdict = verifyDiditWebhook(
    rawBody,
    {
      timestamp: headerTimestamp,
      signature: header(req, 'x-signature'),
      signatureV2: header(req, 'x-signature-v2'),
      signatureSimple: header(req, 'x-signature-simple'),
    },
    { secrets: ctx.config.didit.webhookSecrets, nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: tolerance },
  );
  if (!verdict.ok) {
    metrics.webhooksRejected.inc({ reason: verdict.reason });
    // Never the body: it carries biometric evidence links.
    ctx.logger.warn({ reason: verdict.reason, bytes: rawBody.length, ip: req.socket.remoteAddress }, 'webhook rejected');
    const mismatch = verdict.reason === 'timestamp_mismatch';
    const stale = mismatch || verdict.reason === 'stale_timestamp' || verdict.reason === 'missing_timestamp';
    const message = mismatch
      ? 'X-Timestamp differs from the signed body timestamp.'
      : stale
        ? `X-Timestamp is missing or more than ${tolerance} s from now.`
        : 'The webhook signature does not verify.';
    if (verdict.authentic) {
      await quarantine(ctx, {
        rawBody,
        reason: mismatch ? 'timestamp_mismatch' : 'stale_timestamp',
        detail: message,
        variant: verdict.authentic.variant,
        headerTimestamp,
        payload: verdict.authentic.payload,
      });
    }
    throw new AppError(401, stale ? 'stale_timestamp' : 'invalid_signature', message);
  }
  if (verdict.payload === undefined) {
    metrics.webhooksRejected.inc({ reason: 'malformed_json' });
    const detail = 'The webhook body is not valid JSON.';
    await quarantine(ctx, {
      rawBody,
      reason: 'malformed_json',
      detail,
      variant: verdict.variant,
      headerTimestamp,
      payload: undefined,
    });
    throw new AppError(400, 'malformed_json', detail);
  }
  const inspection = inspectJson(rawBody, MAX_WEBHOOK_DEPTH);
  if (inspection.tooDeep) {
    // Not Didit's shape, and nothing downstream should walk it: kept, its session re-read, and
    // acknowledged, since a retry would carry the same bytes.
    await quarantine(ctx, {
      rawBody,
      reason: 'unstorable',
      detail: `The body nests deeper than ${MAX_WEBHOOK_DEPTH} levels.`,
      variant: verdict.variant,
      headerTimestamp,
      payload: verdict.payload,
    });
    metrics.webhooksAccepted.inc({ outcome: 'quarantined' });
    return { status: 200, body: { status: 'quarantined' } };
  }
  // What jsonb refuses (\u0000, a lone surrogate) is replaced before anything reads the body, so
  // the envelope, the dedupe key and the text columns see the same values as the stored payload.
  const storable = storableBody(rawBody, rawBody.toString('utf8'), verdict.payload, inspection);
  const { payload } = storable;
  // One parse: the session-event schema for the types we apply, the bare envelope for others.
  const type = typeof payload === 'object' && payload !== null && 'webhook_type' in payload ? payload.webhook_type : undefined;
  const known = typeof type === 'string' && sessionEventTypes.includes(type);
  const envelope = known ? sessionEventSchema.safeParse(payload) : webhookEnvelopeSchema.safeParse(payload);
  if (!envelope.success) {
    metrics.webhooksRejected.inc({ reason: 'invalid_envelope' });
    // Paths and zod's messages only: they name what was expected, never the value sent.
    const issues = envelope.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    await quarantine(ctx, {
      rawBody,
      reason: 'invalid_envelope',
      detail: issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; '),
      variant: verdict.variant,
      headerTimestamp,
      payload,
    });
    throw new AppError(400, 'validation_failed', 'The webhook body does not match the Didit envelope.', { issues });
  }
  const session = known ? (envelope.data as SessionEvent) : undefined;
  let result;
  try {
    result = await ctx.inbox.write({
      dedupeKey: dedupeKeyOf(envelope.data, session, rawBody),
      webhookType: envelope.data.webhook_type,
      sessionId: session?.session_id ?? null,
      status: session?.status ?? null,
      eventTimestamp: new Date(envelope.data.timestamp * 1000),
      eventId: envelope.data.event_id ?? null,
      signatureVariant: verdict.variant,
      isTest: header(req, 'x-didit-test-webhook') === 'true',
      payloadJson: storable.json,
      rawBody: storable.altered ? rawBody : null,
      actionable: session !== undefined,
    });
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      metrics.webhooksRejected.inc({ reason: 'database_unavailable' });
      // 503 + Retry-After: Didit retries 5xx.
      throw new AppError(503, 'database_unavailable', 'The inbox is unavailable; retry shortly.');
    }
    // Postgres refused this row for something `storableBody` does not replace: a retry would be
    // refused the same way, so keep the bytes in the quarantine, repair the session from Didit,
    // and acknowledge. Logged by SQLSTATE only: the error's text quotes the body.
    const code = (error as { code?: unknown }).code;
    ctx.logger.warn({ code, sessionId: session?.session_id }, 'webhook could not be stored as an event; quarantined');
    await quarantine(ctx, {
      rawBody,
      reason: 'unstorable',
      detail: `Postgres refused the body as an event${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}.`,
      variant: verdict.variant,
      headerTimestamp,
      payload,
    });
    metrics.webhooksAccepted.inc({ outcome: 'quarantined' });
    return { status: 200, body: { status: 'quarantined' } };
  }
  const outcome = result.duplicate ? 'duplicate' : session ? 'stored' : 'ignored';
  metrics.webhooksAccepted.inc({ outcome });
  metrics.webhookAckSeconds.observe({ outcome }, (performance.now() - started) / 1000);
  return { status: 200, body: { status: outcome } };
}

/** Keeps an authentic delivery that cannot be an event; a database outage answers 503 so Didit retries. */
async function quarantine(ctx: AppContext, input: QuarantineInput): Promise<void> {
  try {
    const kept = await quarantineDelivery(ctx.db, input);
    ctx.metrics.webhooksQuarantined.inc({ reason: input.reason });
    ctx.logger.warn(
      { reason: input.reason, quarantineId: kept.id, sessionId: kept.sessionId, repairQueued: kept.repairQueued },
      'authentic webhook quarantined',
    );
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      throw new AppError(503, 'database_unavailable', 'The inbox is unavailable; retry shortly.');
    }
    throw error;
  }
}
