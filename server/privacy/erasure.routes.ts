import { Router } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { erasureParamsSchema, erasureRequestSchema, type ErasureResponse, type ErasureStatus } from '../contract/privacy.ts';
import { sessionParamsSchema } from '../contract/review.ts';
import { AppError } from '../errors.ts';
import { originOf } from '../http/request-origin.ts';
import { loadErasureStatus, requestErasure } from './erasure.ts';

/**
 * Erasure on request from the session page (admins, `privacy.erase`). The local copies go in the
 * request's transaction; the Didit side is the worker's job, whose progress `GET /erasures/:id`
 * shows. Mounted under `/api`.
 */
export function erasureRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post('/sessions/:id/erasure', requireCapability('privacy.erase'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const { reference, scope } = erasureRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const requested = await requestErasure(ctx, { sessionId: id, scope }, reference, {
      actor,
      label: actor.label,
      origin: originOf(req),
    });
    const body: ErasureResponse = { erasure: await statusOf(ctx, requested.requestId), resumed: requested.resumed };
    res.status(202).json(body);
  });

  router.get('/erasures/:id', requireCapability('privacy.erase'), async (req, res) => {
    const { id } = erasureParamsSchema.parse(req.params);
    const body: ErasureStatus = await statusOf(ctx, id);
    res.json(body);
  });

  return router;
}

async function statusOf(ctx: AppContext, id: number): Promise<ErasureStatus> {
  const status = await loadErasureStatus(ctx.db, id);
  if (!status) throw new AppError(404, 'not_found', `No erasure request ${id}.`);
  return status;
}
