import { Router, type Request } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { deEscalateRequestSchema, escalateRequestSchema } from '../contract/escalation.ts';
import { sessionParamsSchema, type SessionDetail } from '../contract/review.ts';
import { AppError } from '../errors.ts';
import { originOf } from '../http/request-origin.ts';
import { escalations } from './escalation.ts';
import { withEvidenceRules } from './media-view.ts';
import type { ReviewDeps } from './review-deps.ts';
import { reviewReads } from './review.service.ts';

/**
 * Escalation (issue 20): an analyst hands a session to the leads with a note; a lead returns it to
 * the analysts' queue with a note. Both answer the session as the caller may now see it; a
 * conflict answers 409 with the fresh state in `details.session`. Mounted under `/api`.
 */
export function escalationRoutes(ctx: AppContext): Router {
  const router = Router();
  const deps: ReviewDeps = { settings: ctx.config.review };
  const reads = reviewReads(ctx.db, deps);

  router.post('/sessions/:id/escalate', requireCapability('session.escalate'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = escalateRequestSchema.parse(req.body);
    const actor = actorOf(req);
    await withFreshStateOnConflict(req, id, () =>
      ctx.db.transaction().execute((trx) => escalations(trx, deps).escalate(id, actor, request, originOf(req))),
    );
    res.status(201).json(await sessionAnswer(req, id));
  });

  router.post('/sessions/:id/de-escalate', requireCapability('escalation.handle'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const request = deEscalateRequestSchema.parse(req.body);
    const actor = actorOf(req);
    await withFreshStateOnConflict(req, id, () =>
      ctx.db.transaction().execute((trx) => escalations(trx, deps).deEscalate(id, actor, request, originOf(req))),
    );
    res.status(201).json(await sessionAnswer(req, id));
  });

  /** A conflict answers with the fresh state, so the page shows what changed (as decisions do). */
  async function withFreshStateOnConflict(req: Request, id: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof AppError && error.status === 409) {
        const session = await sessionAnswer(req, id);
        throw new AppError(409, error.code, error.message, { ...(error.details as object), session });
      }
      throw error;
    }
  }

  /** The session through the evidence rules, as every review answer leaves (review.routes.ts). */
  async function sessionAnswer(req: Request, id: string): Promise<SessionDetail> {
    return withEvidenceRules(ctx, await reads.sessionDetail(id, actorOf(req)));
  }

  return router;
}
