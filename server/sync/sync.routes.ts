import express, { type Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import { diditIdSchema } from '../contract/ids.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { PROCESS_INBOX_TASK } from '../webhooks/inbox-writer.ts';
import { mediaView, mediaWithEvidenceRules } from '../review/media-view.ts';
import { refreshMediaRequestSchema, type RefreshMediaResponse } from '../contract/review.ts';
import { readSyncStatus } from './sync-status.ts';

const webhookIdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const sessionIdParams = z.object({ id: diditIdSchema });

/** `/api/sync/*` and the media refresh of a session. Mounted inside the authenticated `/api` router. */
export function syncRoutes(ctx: AppContext): Router {
  const router = express.Router();

  router.get('/sync/status', requireCapability('sync.read'), async (_req, res) => {
    res.json(await readSyncStatus(ctx.db));
  });

  // Puts a row (parked, or already applied) back in the inbox; applying is idempotent and never
  // moves a session backwards, so replaying an old event is safe.
  router.post('/sync/webhooks/:id/replay', requireCapability('webhook.replay'), async (req, res) => {
    const { id } = webhookIdParams.parse(req.params);
    const actor = actorOf(req);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('webhook_event')
        .select(['id', 'session_id', 'webhook_type', 'status', 'attempts', 'last_error', 'parked_at', 'processed_at'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!before) throw new AppError(404, 'not_found', `No webhook event ${id}.`);
      if (!before.session_id)
        throw new AppError(409, 'conflict', 'This webhook type is stored for the record only; there is nothing to apply.');
      await trx
        .updateTable('webhook_event')
        .set({ processed_at: null, parked_at: null, next_attempt_at: null, attempts: 0, last_error: null })
        .where('id', '=', id)
        .execute();
      await sql`select graphile_worker.add_job(${PROCESS_INBOX_TASK}, json_build_object('sessionId', ${before.session_id}::text),
                                                job_key => ${`inbox:${before.session_id}`}, max_attempts => 5)`.execute(trx);
      await appendAudit(trx, {
        actor,
        action: 'webhook.replay',
        targetType: 'webhook_event',
        targetId: String(id),
        ip: req.ip,
        userAgent: req.get('user-agent'),
        details: {
          sessionId: before.session_id,
          webhookType: before.webhook_type,
          status: before.status,
          wasParked: before.parked_at !== null,
          wasProcessed: before.processed_at !== null,
          previousAttempts: before.attempts,
          previousError: before.last_error,
        },
      });
      return before;
    });
    res.status(202).json({ id: row.id, sessionId: row.session_id, status: 'queued' });
  });

  // The session page calls this when its links near expiry, or with `brokenUrl` when an image
  // fails to load. Limited per person; Didit is asked only when the links need it (media-refresh.ts).
  router.post('/sessions/:id/refresh-media', requireCapability('media.view'), async (req, res) => {
    const { id } = sessionIdParams.parse(req.params);
    const request = refreshMediaRequestSchema.parse(req.body ?? {});
    const actor = actorOf(req);
    const result = await ctx.media.requestRefresh(id, actor, request);
    // Through the evidence rules like every answer with links: new links are a new look.
    const media = await mediaWithEvidenceRules(
      ctx,
      actor,
      id,
      mediaView(result.media, result.mediaExpiresAt, result.stale, result),
      { ip: req.ip, userAgent: req.get('user-agent')?.slice(0, 300) },
      { newLinks: result.refreshed, details: { refreshed: result.refreshed, stale: result.stale } },
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
