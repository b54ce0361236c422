import { Router } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import {
  autoAssignParamsSchema,
  autoAssignRequestSchema,
  availabilityRequestSchema,
  teamCapParamsSchema,
  teamCapRequestSchema,
} from '../contract/assignment.ts';
import { originOf } from '../http/request-origin.ts';
import { enqueue, jobs } from '../worker/jobs.ts';
import { changeAutoAssign, changeAvailability, changeCap, myAvailability, teamAvailability } from './assignment.ts';

/**
 * Assignment (ADR 0020): one's own availability, the team's for leads, caps, and auto-assign per
 * workflow. Mounted under `/api`. Changes that may free or need an analyst queue an assigner run
 * in the same transaction, so the new state is acted on within seconds rather than the next minute.
 */
export function assignmentRoutes(ctx: AppContext): Router {
  const router = Router();
  const settings = ctx.config.review;

  router.get('/me/availability', requireCapability('session.claim'), async (req, res) => {
    res.json(await myAvailability(ctx.db, actorOf(req), settings));
  });

  router.put('/me/availability', requireCapability('session.claim'), async (req, res) => {
    const { available } = availabilityRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body = await ctx.db.transaction().execute(async (trx) => {
      const result = await changeAvailability(trx, actor, available, settings, originOf(req), new Date());
      await enqueue(trx, jobs.assignSessions, {});
      return result;
    });
    res.json(body);
  });

  // Who takes assigned work and how much they hold: the lead's view of the team.
  router.get('/team/availability', requireCapability('claim.release_others'), async (_req, res) => {
    res.json(await teamAvailability(ctx.db, settings));
  });

  router.put('/team/:userId/cap', requireCapability('claim.release_others'), async (req, res) => {
    const { userId } = teamCapParamsSchema.parse(req.params);
    const { maxAssigned } = teamCapRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body = await ctx.db.transaction().execute(async (trx) => {
      const member = await changeCap(trx, actor, userId, maxAssigned, settings, originOf(req));
      await enqueue(trx, jobs.assignSessions, {});
      return member;
    });
    res.json(body);
  });

  router.put('/workflows/:id/auto-assign', requireCapability('workflow.configure'), async (req, res) => {
    const { id } = autoAssignParamsSchema.parse(req.params);
    const { autoAssign } = autoAssignRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body = await ctx.db.transaction().execute(async (trx) => {
      const result = await changeAutoAssign(trx, actor, id, autoAssign, originOf(req));
      if (autoAssign) await enqueue(trx, jobs.assignSessions, {});
      return result;
    });
    res.json(body);
  });

  return router;
}
