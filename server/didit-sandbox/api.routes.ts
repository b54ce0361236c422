/**
 * The emulated Didit API under /v3: request recording, trailing-slash rules, x-api-key auth,
 * injected faults, rate limits, then the endpoints themselves (docs/didit-contract.md).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from './context.ts';
import { createDestinationFromBody, patchDestination, serializeDestination } from './destinations.ts';
import { ApiError, notFound, paginate, PATH_UUID, routeParam, validate } from './http.ts';
import { scopesFor } from './rate-limit.ts';
import { recordRequests } from './request-log.ts';
import { createWorkflow, patchWorkflow, serializeWorkflowDetail, serializeWorkflowRow } from './workflows.ts';

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  ordering: z.string().optional(),
});

export function apiRouter(ctx: SandboxContext): Router {
  const router = express.Router({ strict: true });

  const recorder = recordRequests(ctx.requests);
  router.use(recorder.arrival);
  router.use(express.json({ limit: '5mb' }));
  router.use(recorder.body);

  // Canonical routes end in "/"; Django answers the slash-less GET with a 301 (docs/didit-contract.md (conventions)).
  router.use((req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && !req.path.endsWith('/')) {
      const query = req.originalUrl.slice(
        req.originalUrl.indexOf('?') >= 0 ? req.originalUrl.indexOf('?') : req.originalUrl.length,
      );
      res.redirect(301, `${req.baseUrl}${req.path}/${query}`);
      return;
    }
    next();
  });

  router.use(requireApiKey(ctx));

  // Django's <uuid:...> path converter matches lowercase 8-4-4-4-12 only: anything else is no route.
  router.param('id', (_req, _res, next, value: string) => {
    next(PATH_UUID.test(value) ? undefined : notFound());
  });

  // Express 5 forwards a rejected promise from middleware to the error handler.
  router.use(async (req, res, next) => {
    const fault = ctx.faults.rollApi();
    if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.error) throw new ApiError(503, { detail: 'Service temporarily unavailable (sandbox fault injection).' });
    const verdict = ctx.limiter.take(
      req.get('x-api-key') ?? req.ip ?? 'anonymous',
      scopesFor(req.method, req.baseUrl + req.path),
    );
    res.set({
      'X-RateLimit-Limit': String(verdict.limit),
      'X-RateLimit-Remaining': String(fault.rateLimited ? 0 : verdict.remaining),
      'X-RateLimit-Reset': String(verdict.resetAt),
    });
    if (!verdict.allowed || fault.rateLimited) {
      const retryAfter = fault.rateLimited ? 1 : verdict.retryAfter;
      throw new ApiError(
        429,
        { detail: `Request was throttled. Expected available in ${retryAfter} seconds.` },
        { 'Retry-After': String(retryAfter) },
      );
    }
    next();
  });

  // --- workflows (docs/didit-contract.md (workflows)) ---
  // One row per version, drafts included, newest first (insertion order breaks ties).
  router.get('/workflows/', (req, res) => {
    const q = validate(pageQuery, req.query);
    const rows = [...ctx.store.workflows.values()]
      .filter((w) => !w.deleted)
      .reverse()
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((w) => serializeWorkflowRow(ctx.store, w, ctx.baseUrl()));
    res.json(paginate(req, rows, q.limit ?? 50, q.offset ?? 0));
  });
  // Create and update answer the list-view shape (no thresholds): read them back with GET.
  router.post('/workflows/', (req, res) => {
    const workflow = createWorkflow(ctx.store, req.body, ctx.now());
    res.status(201).json(serializeWorkflowRow(ctx.store, workflow, ctx.baseUrl(), 'list'));
  });
  router.get('/workflows/:id/', (req, res) => {
    res.json(serializeWorkflowDetail(ctx.store, findWorkflow(ctx, routeParam(req, 'id')), ctx.baseUrl()));
  });
  router.patch('/workflows/:id/', (req, res) => {
    const workflow = patchWorkflow(ctx.store, findWorkflow(ctx, routeParam(req, 'id')), req.body, ctx.now());
    res.json(serializeWorkflowRow(ctx.store, workflow, ctx.baseUrl(), 'list'));
  });
  router.delete('/workflows/:id/', (req, res) => {
    findWorkflow(ctx, routeParam(req, 'id')).deleted = true;
    res.status(204).end();
  });

  // --- sessions (docs/didit-contract.md (sessions)) ---
  router.post('/session/', (req, res) => {
    res.status(201).json(ctx.sessions.createResponse(ctx.sessions.create(req.body)));
  });
  router.get('/sessions/', (req, res) => {
    const { rows, limit, offset } = ctx.sessions.list(req.query);
    res.json(paginate(req, rows, limit, offset));
  });
  router.get('/session/:id/decision/', (req, res) => {
    res.json(ctx.sessions.decision(ctx.sessions.get(routeParam(req, 'id'))));
  });
  router.patch('/session/:id/update-status/', (req, res) => {
    res.json(ctx.reviews.updateStatus(routeParam(req, 'id'), req.body));
  });
  router.patch('/session/:id/features/:nodeId/update-status/', (req, res) => {
    res.json(ctx.reviews.updateFeatureStatus(routeParam(req, 'id'), routeParam(req, 'nodeId'), req.body));
  });
  router.delete('/session/:id/delete/', (req, res) => {
    const answer = ctx.sessions.delete(routeParam(req, 'id'));
    if (answer) res.json(answer);
    else res.status(204).end();
  });
  router.get('/sessions/:id/reviews/', (req, res) => {
    const q = validate(pageQuery, req.query);
    const rows = ctx.reviews.reviews(routeParam(req, 'id'), q.ordering);
    res.json(paginate(req, rows, q.limit ?? 50, q.offset ?? 0));
  });
  router.post('/sessions/:id/reviews/', (req, res) => {
    res.status(201).json(ctx.reviews.addReview(routeParam(req, 'id'), req.body));
  });
  router.post('/blocklist/add/', (req, res) => {
    res.json(ctx.sessions.blocklist(req.body, true));
  });
  router.post('/blocklist/remove/', (req, res) => {
    res.json(ctx.sessions.blocklist(req.body, false));
  });

  // --- webhook destinations (docs/didit-contract.md (webhooks)) ---
  router.get('/webhook/destinations/', (req, res) => {
    const q = validate(pageQuery, req.query);
    const rows = [...ctx.store.destinations.values()].filter((d) => !d.deleted).map(serializeDestination);
    res.json(paginate(req, rows, q.limit ?? 50, q.offset ?? 0));
  });
  router.post('/webhook/destinations/', (req, res) => {
    res.status(201).json(serializeDestination(createDestinationFromBody(ctx.store, req.body, ctx.secretRng, ctx.now())));
  });
  router.get('/webhook/destinations/:id/', (req, res) => {
    res.json(serializeDestination(findDestination(ctx, routeParam(req, 'id'))));
  });
  router.patch('/webhook/destinations/:id/', (req, res) => {
    res.json(serializeDestination(patchDestination(ctx.store, findDestination(ctx, routeParam(req, 'id')), req.body, ctx.now())));
  });
  router.delete('/webhook/destinations/:id/', (req, res) => {
    findDestination(ctx, routeParam(req, 'id')).deleted = true;
    res.status(204).end();
  });

  router.use(() => {
    throw notFound();
  });
  return router;
}

/** Only a version's settings uuid addresses it; a group's workflow_id is not found. */
function findWorkflow(ctx: SandboxContext, id: string) {
  const workflow = ctx.store.findWorkflowVersion(id);
  if (!workflow) throw notFound();
  return workflow;
}

function findDestination(ctx: SandboxContext, id: string) {
  const destination = ctx.store.findDestination(id);
  if (!destination) throw notFound();
  return destination;
}

/**
 * No key: 403 with DRF's NotAuthenticated text. A wrong key: 401 with the body of
 * https://docs.didit.me/getting-started/api-authentication.
 */
export function requireApiKey(ctx: SandboxContext) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const key = req.get('x-api-key');
    if (key === undefined || key === '') {
      throw new ApiError(403, { detail: 'Authentication credentials were not provided.' });
    }
    if (key !== ctx.apiKey) throw new ApiError(401, { detail: 'Invalid or missing API key' });
    next();
  };
}
