import { Router } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import {
  createSavedViewRequestSchema,
  savedViewParamsSchema,
  shareSavedViewRequestSchema,
  updateSavedViewRequestSchema,
  type SavedViewAnswer,
  type SavedViewList,
} from '../contract/saved-views.ts';
import { originOf } from '../http/request-origin.ts';
import { listSavedViews, loadSavedView, savedViewsService } from './saved-views.service.ts';

/**
 * Saved queue views (issue 20): list (own + shared), save, rename or refilter, share with the team
 * (leads), delete. Rules in `saved-views.service.ts`. Mounted under `/api`.
 */
export function savedViewRoutes(ctx: AppContext, options: { now?: () => Date } = {}): Router {
  const router = Router();
  const now = options.now ?? (() => new Date());

  router.get('/queue/views', requireCapability('session.read'), async (req, res) => {
    const body: SavedViewList = await listSavedViews(ctx.db, actorOf(req));
    res.json(body);
  });

  router.post('/queue/views', requireCapability('queue.views.save'), async (req, res) => {
    const input = createSavedViewRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body: SavedViewAnswer = await ctx.db.transaction().execute(async (trx) => {
      const id = await savedViewsService(trx, now()).create(actor, input, originOf(req));
      return { view: await loadSavedView(trx, actor, id) };
    });
    res.status(201).json(body);
  });

  router.patch('/queue/views/:id', requireCapability('queue.views.save'), async (req, res) => {
    const { id } = savedViewParamsSchema.parse(req.params);
    const change = updateSavedViewRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body: SavedViewAnswer = await ctx.db.transaction().execute(async (trx) => {
      await savedViewsService(trx, now()).update(actor, id, change, originOf(req));
      return { view: await loadSavedView(trx, actor, id) };
    });
    res.json(body);
  });

  router.put('/queue/views/:id/shared', requireCapability('queue.views.share'), async (req, res) => {
    const { id } = savedViewParamsSchema.parse(req.params);
    const { shared } = shareSavedViewRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body: SavedViewAnswer = await ctx.db.transaction().execute(async (trx) => {
      await savedViewsService(trx, now()).setShared(actor, id, shared, originOf(req));
      return { view: await loadSavedView(trx, actor, id, { afterUnshare: !shared }) };
    });
    res.json(body);
  });

  router.delete('/queue/views/:id', requireCapability('queue.views.save'), async (req, res) => {
    const { id } = savedViewParamsSchema.parse(req.params);
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => savedViewsService(trx, now()).remove(actor, id, originOf(req)));
    res.json({ deleted: id });
  });

  return router;
}
