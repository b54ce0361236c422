import { Router, type Request } from 'express';
import { actorOf, can, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { sessionParamsSchema, type SessionDetail } from '../contract/review.ts';
import {
  secondReviewAnswerSchema,
  secondReviewListQuerySchema,
  secondReviewResolveSchema,
  secondReviewSettingsParamsSchema,
  secondReviewSettingsSchema,
} from '../contract/second-review.ts';
import { AppError } from '../errors.ts';
import { originOf } from '../http/request-origin.ts';
import { withEvidenceRules } from './media-view.ts';
import type { ReviewDeps } from './review-deps.ts';
import { reviewReads } from './review.service.ts';
import { changeSecondReviewSettings, secondReviewList, secondReviews } from './second-review.ts';

/**
 * Second review and four eyes (issue 20, ADR 0021): the work lists, the second analyst's blind
 * verdict, a lead settling a disagreement, and a workflow's rules. The verdict and the settling
 * answer with what happened and the session as the caller may now see it; a conflict answers 409
 * with the fresh state in `details.session`. Mounted under `/api`.
 */
export function secondReviewRoutes(ctx: AppContext): Router {
  const router = Router();
  const deps: ReviewDeps = { settings: ctx.config.review };
  const reads = reviewReads(ctx.db, deps);

  router.get('/second-reviews', requireCapability('session.decide'), async (req, res) => {
    const query = secondReviewListQuerySchema.parse(req.query);
    const actor = actorOf(req);
    if (query.state === 'disagreed' && !can(actor.role, 'second_review.resolve')) {
      throw new AppError(403, 'forbidden', `Your role (${actor.role}) cannot list disagreements (needs second_review.resolve).`);
    }
    res.json(await secondReviewList(ctx.db, query, actor));
  });

  router.post('/sessions/:id/second-review', requireCapability('session.decide'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const body = secondReviewAnswerSchema.parse(req.body);
    const actor = actorOf(req);
    const result = await withFreshStateOnConflict(req, id, () =>
      ctx.db.transaction().execute((trx) => secondReviews(trx, deps).answer(id, actor, body, originOf(req))),
    );
    res.status(201).json({ ...result, session: await sessionAnswer(req, id) });
  });

  router.post('/sessions/:id/second-review/resolve', requireCapability('second_review.resolve'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const body = secondReviewResolveSchema.parse(req.body);
    const actor = actorOf(req);
    const result = await withFreshStateOnConflict(req, id, () =>
      ctx.db.transaction().execute((trx) => secondReviews(trx, deps).resolve(id, actor, body, originOf(req))),
    );
    res.status(201).json({ ...result, session: await sessionAnswer(req, id) });
  });

  router.put('/workflows/:id/second-review', requireCapability('workflow.configure'), async (req, res) => {
    const { id } = secondReviewSettingsParamsSchema.parse(req.params);
    const settings = secondReviewSettingsSchema.parse(req.body);
    const actor = actorOf(req);
    res.json(await ctx.db.transaction().execute((trx) => changeSecondReviewSettings(trx, actor, id, settings, originOf(req))));
  });

  /** A conflict answers with the fresh state, so the page shows what changed (as decisions do). */
  async function withFreshStateOnConflict<T>(req: Request, id: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof AppError && error.status === 409) {
        const session = await sessionAnswer(req, id);
        throw new AppError(409, error.code, error.message, { ...(error.details as object), session });
      }
      throw error;
    }
  }

  async function sessionAnswer(req: Request, id: string): Promise<SessionDetail> {
    return withEvidenceRules(ctx, await reads.sessionDetail(id, actorOf(req)));
  }

  return router;
}
