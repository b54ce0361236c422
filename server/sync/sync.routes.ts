import express, { type Router } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { originOf } from '../http/request-origin.ts';
import { mediaView, mediaWithEvidenceRules, requireRevealAllowed } from '../review/media-view.ts';
import { refreshMediaRequestSchema, sessionParamsSchema, type RefreshMediaResponse } from '../contract/review.ts';
import { reviewEventParamsSchema, webhookEventParamsSchema, type RequeuePushResponse } from '../contract/sync.ts';
import { requeueDecisionPush } from '../review/pending-pushes.ts';
import { readSyncStatus } from './sync-status.ts';
import { replayWebhookEvent } from './webhook-replay.ts';

/** `/api/sync/*` and the media refresh of a session. Mounted inside the authenticated `/api` router. */
export function syncRoutes(ctx: AppContext): Router {
  const router = express.Router();

  router.get('/sync/status', requireCapability('sync.read'), async (_req, res) => {
    res.json(await readSyncStatus(ctx.db));
  });

  // Puts a row (parked, or already applied) back in the inbox (webhook-replay.ts).
  router.post('/sync/webhooks/:id/replay', requireCapability('webhook.replay'), async (req, res) => {
    const { id } = webhookEventParamsSchema.parse(req.params);
    const actor = actorOf(req);
    const row = await ctx.db.transaction().execute((trx) => replayWebhookEvent(trx, id, actor, originOf(req)));
    res.status(202).json({ id: row.id, sessionId: row.sessionId, status: 'queued' });
  });

  // Sends a decision stuck on its way to Didit back to the worker now (pending-pushes.ts).
  router.post('/sync/pushes/:id/requeue', requireCapability('push.requeue'), async (req, res) => {
    const { id } = reviewEventParamsSchema.parse(req.params);
    const actor = actorOf(req);
    const wasJob = await ctx.db.transaction().execute((trx) => requeueDecisionPush(trx, id, actor, originOf(req)));
    const body: RequeuePushResponse = { reviewEventId: id, wasJob, status: 'queued' };
    res.status(202).json(body);
  });

  // The session page calls this when its links near expiry, or with `brokenUrl` when an image
  // fails to load. Limited per person; Didit is asked only when the links need it (media-refresh.ts).
  router.post('/sessions/:id/refresh-media', requireCapability('media.view'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = refreshMediaRequestSchema.parse(req.body ?? {});
    const actor = actorOf(req);
    // Nobody spends Didit's budget on links they would not be given (a viewer where faces are hidden).
    await requireRevealAllowed(ctx.db, actor, id);
    const result = await ctx.media.requestRefresh(id, actor, request);
    // Through the evidence rules like every answer with links. New links are not a look: the
    // page keeps them blurred until the person reveals them (review/reveal.ts).
    const media = await mediaWithEvidenceRules(
      ctx,
      actor,
      id,
      mediaView(result.media, result.mediaExpiresAt, result.stale, result),
    );
    const body: RefreshMediaResponse = {
      sessionId: result.sessionId,
      media,
      refreshed: result.refreshed,
      reason: result.reason,
      retryAfterSeconds: result.retryAfterSeconds,
    };
    res.json(body);
  });

  return router;
}
