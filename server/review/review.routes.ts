import { Router, type Request } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import {
  claimNextRequestSchema,
  decisionRequestSchema,
  noteRequestSchema,
  queueQuerySchema,
  retryPushRequestSchema,
  revealRequestSchema,
  sessionParamsSchema,
  undoDecisionRequestSchema,
  type QueuePage,
  type RevealResponse,
  type SessionDetail,
  type ReasonCatalog,
} from '../contract/review.ts';
import { declineAndBlockRequestSchema, unblockFaceRequestSchema } from '../contract/face-block.ts';
import { AppError } from '../errors.ts';
import { faceBlocks } from '../face-block/face-block.service.ts';
import { originOf } from '../http/request-origin.ts';
import type { MediaRefreshResult } from '../sync/media-refresh.ts';
import { mayRevealFaces, withEvidenceRules } from './media-view.ts';
import { revealFaces } from './reveal.ts';
import type { ReviewDeps } from './review-deps.ts';
import { reviewReads, reviewService } from './review.service.ts';

/** The analyst's loop: queue, session, claim, decide, note. Mounted under `/api`. */
export function reviewRoutes(ctx: AppContext): Router {
  const router = Router();
  const deps: ReviewDeps = { settings: ctx.config.review };
  const reads = reviewReads(ctx.db, deps);

  router.get('/queue', requireCapability('session.read'), async (req, res) => {
    const query = queueQuerySchema.parse(req.query);
    const body: QueuePage = await reads.queuePage(query, actorOf(req));
    res.json(body);
  });

  router.get('/review/reasons', requireCapability('session.read'), (_req, res) => {
    const body: ReasonCatalog = deps.settings.reasons;
    res.json(body);
  });

  router.post('/queue/claim-next', requireCapability('session.claim'), async (req, res) => {
    const { filters } = claimNextRequestSchema.parse(req.body ?? {});
    const query = queueQuerySchema.parse(filters);
    const actor = actorOf(req);
    const id = await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claimNext(query, actor, originOf(req)));
    if (!id) throw new AppError(404, 'not_found', 'No unclaimed session matches this view.');
    res.json({ session: await sessionAnswer(req, id) });
  });

  router.get('/sessions/:id', requireCapability('session.read'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const actor = actorOf(req);
    await reads.touchClaim(id, actor);
    // Links expiring within the margin are refreshed first (coalesced; old links + a flag if
    // Didit, or this person's refresh limit, says wait), and only for people who get them.
    const media = (await mayRevealFaces(ctx.db, actor, id)) ? await ctx.media.ensureFresh(id, actor) : undefined;
    res.json(await sessionAnswer(req, id, media));
  });

  // Unblurring the faces: the look the audit trail records, with a purpose when the session is
  // not the caller's (reveal.ts).
  router.post('/sessions/:id/reveal', requireCapability('media.view'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = revealRequestSchema.parse(req.body ?? {});
    const actor = actorOf(req);
    const detail = await reads.sessionDetail(id, actor);
    const body: RevealResponse = await revealFaces(ctx, actor, detail, request, originOf(req));
    res.json(body);
  });

  router.post('/sessions/:id/claim', requireCapability('session.claim'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, actor, originOf(req)));
    res.json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/release', requireCapability('session.claim'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => reviewService(trx, deps).release(id, actor, originOf(req)));
    res.json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/decision', requireCapability('session.decide'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = decisionRequestSchema.parse(req.body);
    const actor = actorOf(req);
    try {
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).recordDecision(id, actor, request, originOf(req)));
    } catch (error) {
      // A conflict answers with the fresh state so the analyst sees what changed.
      if (error instanceof AppError && error.status === 409) {
        const session = await sessionAnswer(req, id);
        throw new AppError(409, error.code, error.message, { ...(error.details as object), session });
      }
      throw error;
    }
    const metricLabel = { Approved: 'approve', Declined: 'decline', Resubmitted: 'resubmit' } as const;
    ctx.metrics.reviewDecisions.inc({ decision: metricLabel[request.decision] });
    res.status(201).json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/decision/retry', requireCapability('session.decide'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = retryPushRequestSchema.parse(req.body ?? {});
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => reviewService(trx, deps).retryDecisionPush(id, actor, request, originOf(req)));
    res.json(await sessionAnswer(req, id));
  });

  // Undo the caller's latest decision while its push waits out the undo window (undo.ts, ADR 0018).
  router.post('/sessions/:id/undo-decision', requireCapability('session.decide'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = undoDecisionRequestSchema.parse(req.body ?? {});
    const actor = actorOf(req);
    try {
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).undoDecision(id, actor, request, originOf(req)));
    } catch (error) {
      // A conflict answers with the fresh state, as a decision's does.
      if (error instanceof AppError && error.status === 409) {
        const session = await sessionAnswer(req, id);
        throw new AppError(409, error.code, error.message, { ...(error.details as object), session });
      }
      throw error;
    }
    res.json(await sessionAnswer(req, id));
  });

  // Decline and block the face (issue 20): the decision and the block, both through the outbox.
  router.post('/sessions/:id/decline-and-block', requireCapability('session.decide'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = declineAndBlockRequestSchema.parse(req.body);
    const actor = actorOf(req);
    try {
      await ctx.db.transaction().execute((trx) => faceBlocks(trx, deps).declineAndBlock(id, actor, request, originOf(req)));
    } catch (error) {
      if (error instanceof AppError && error.status === 409) {
        const session = await sessionAnswer(req, id);
        throw new AppError(409, error.code, error.message, { ...(error.details as object), session });
      }
      throw error;
    }
    ctx.metrics.reviewDecisions.inc({ decision: 'decline' });
    res.status(201).json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/unblock-face', requireCapability('face.unblock'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = unblockFaceRequestSchema.parse(req.body);
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => faceBlocks(trx, deps).unblockFace(id, actor, request, originOf(req)));
    res.json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/face-block/retry', requireCapability('session.decide'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => faceBlocks(trx, deps).retryFaceBlockPush(id, actor, originOf(req)));
    res.json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/notes', requireCapability('session.note'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const { note } = noteRequestSchema.parse(req.body);
    const actor = actorOf(req);
    await ctx.db.transaction().execute((trx) => reviewService(trx, deps).addNote(id, actor, note, originOf(req)));
    res.status(201).json(await sessionAnswer(req, id));
  });

  /**
   * The only way a session leaves these routes: loaded, then through the evidence rules
   * (media-view.ts), so no answer carries a face's links to someone who may not reveal them.
   * `refresh`: what a read's refresh of the links did (stale links are flagged, with why).
   */
  async function sessionAnswer(req: Request, id: string, refresh?: MediaRefreshResult): Promise<SessionDetail> {
    const actor = actorOf(req);
    const detail = await reads.sessionDetail(id, actor);
    if (refresh?.stale) {
      detail.media = {
        ...detail.media,
        stale: true,
        staleReason: refresh.reason,
        retryAfterSeconds: refresh.retryAfterSeconds,
      };
    }
    return withEvidenceRules(ctx, detail);
  }

  return router;
}
