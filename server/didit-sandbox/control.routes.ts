/**
 * The sandbox-only control API under /sandbox (same x-api-key): plays the end user and Didit's
 * own reviewers, exposes the delivery log and the recorded requests, and tunes faults.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from './context.ts';
import { requireApiKey } from './api.routes.ts';
import type { CaptureInput } from './decision.ts';
import { faultsBody, faultsFromBody, faultsToBody } from './faults.ts';
import { notFound, routeParam, validate } from './http.ts';
import { hashString, mulberry32, weighted } from './prng.ts';
import type { RecordedRequest } from './request-log.ts';
import { CAPTURE_KINDS, type CaptureKind, type LivenessMethod } from './store.ts';
import { createWorkflowVersion, serializeWorkflowDetail } from './workflows.ts';

const completeBody = z.strictObject({
  capture: z.enum(CAPTURE_KINDS).optional(),
  seed: z.int().optional(),
  liveness_score: z.number().min(0).max(100).optional(),
  face_match_score: z.number().min(0).max(100).optional(),
  method: z.enum(['PASSIVE', 'FLASHING', 'ACTIVE_3D']).optional(),
});

/** The share of captures a seed alone draws from: mostly genuine users. */
const CAPTURE_MIX: Readonly<Record<CaptureKind, number>> = { match: 80, low_quality: 10, mismatch: 5, spoof: 3, no_face: 2 };

export interface CompleteOptions {
  capture?: CaptureKind | undefined;
  seed?: number | undefined;
  livenessScore?: number | undefined;
  faceMatchScore?: number | undefined;
  method?: LivenessMethod | undefined;
}

/** No capture and no seed: a genuine match. A seed alone picks the capture from CAPTURE_MIX. */
export function resolveCapture(sessionId: string, options: CompleteOptions): CaptureInput {
  const seed = options.seed ?? hashString(sessionId);
  const capture = options.capture ?? (options.seed === undefined ? 'match' : weighted(mulberry32(seed), CAPTURE_MIX));
  return { capture, seed, livenessScore: options.livenessScore, faceMatchScore: options.faceMatchScore, method: options.method };
}

const requestsQuery = z.object({
  method: z.string().optional(),
  path_prefix: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

const deliveriesQuery = z.object({
  session_id: z.string().optional(),
  state: z.enum(['pending', 'delivered', 'failed', 'dropped']).optional(),
  webhook_type: z.string().optional(),
});

export function controlRouter(ctx: SandboxContext): Router {
  const router = express.Router({ strict: true });
  router.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  router.use(requireApiKey(ctx));
  router.use(express.json({ limit: '1mb' }));

  const sessionResult = (id: string) => ctx.sessions.decision(ctx.sessions.get(id));

  router.get('/portrait', (req, res) => {
    const person = validate(z.object({ person: z.string().min(1) }), req.query).person;
    res.json({ person, portrait_image: ctx.images.portraitFor(person) });
  });
  router.post('/sessions/:id/open', (req, res) => {
    res.json(sessionResult(ctx.sessions.open(routeParam(req, 'id')).sessionId));
  });
  router.post('/sessions/:id/complete', (req, res) => {
    const id = routeParam(req, 'id');
    const body = validate(completeBody, req.body ?? {});
    const input = resolveCapture(id, {
      capture: body.capture,
      seed: body.seed,
      livenessScore: body.liveness_score,
      faceMatchScore: body.face_match_score,
      method: body.method,
    });
    res.json(sessionResult(ctx.sessions.complete(id, input).sessionId));
  });
  router.post('/sessions/:id/abandon', (req, res) => {
    res.json(sessionResult(ctx.sessions.abandon(routeParam(req, 'id')).sessionId));
  });
  router.post('/sessions/:id/expire', (req, res) => {
    res.json(sessionResult(ctx.sessions.expire(routeParam(req, 'id')).sessionId));
  });
  router.post('/sessions/:id/console-decision', (req, res) => {
    res.json(sessionResult(ctx.reviews.consoleDecision(routeParam(req, 'id'), req.body).sessionId));
  });
  router.post('/sessions/:id/kyc-expire', (req, res) => {
    res.json(sessionResult(ctx.sessions.expireKyc(routeParam(req, 'id')).sessionId));
  });
  router.post('/sessions/:id/awaiting-user', (req, res) => {
    res.json(sessionResult(ctx.sessions.awaitUser(routeParam(req, 'id')).sessionId));
  });

  // Someone edits the workflow in Didit's own console: a new draft or published version.
  router.post('/workflows/:workflowId/versions', (req, res) => {
    const version = createWorkflowVersion(ctx.store, routeParam(req, 'workflowId'), req.body, ctx.now());
    res.status(201).json(serializeWorkflowDetail(ctx.store, version, ctx.baseUrl()));
  });

  router.get('/deliveries', (req, res) => {
    const q = validate(deliveriesQuery, req.query);
    res.json(
      ctx.dispatcher.log.filter(
        (d) =>
          (q.session_id === undefined || d.session_id === q.session_id) &&
          (q.state === undefined || d.state === q.state) &&
          (q.webhook_type === undefined || d.webhook_type === q.webhook_type),
      ),
    );
  });
  router.post('/deliveries/flush', async (_req, res) => {
    await ctx.dispatcher.flush();
    res.json({ pending: 0 });
  });
  router.post('/deliveries/:id/resend', (req, res) => {
    const delivery = ctx.dispatcher.resend(routeParam(req, 'id'));
    if (!delivery) throw notFound();
    res.status(202).json(delivery);
  });

  router.get('/requests', (req, res) => {
    const q = validate(requestsQuery, req.query);
    const matches = (r: RecordedRequest) =>
      (q.method === undefined || r.method === q.method.toUpperCase()) &&
      (q.path_prefix === undefined || r.path.startsWith(q.path_prefix));
    const rows = ctx.requests.list().filter(matches);
    res.json(rows.slice(-(q.limit ?? rows.length)));
  });
  router.delete('/requests', (_req, res) => {
    ctx.requests.clear();
    res.status(204).end();
  });

  router.get('/faults', (_req, res) => {
    res.json(faultsToBody(ctx.faults.current));
  });
  router.put('/faults', (req, res) => {
    res.json(faultsToBody(ctx.faults.set(faultsFromBody(validate(faultsBody, req.body ?? {})))));
  });

  router.use(() => {
    throw notFound();
  });
  return router;
}
