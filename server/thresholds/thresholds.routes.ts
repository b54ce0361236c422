import { Router, type Request, type Response } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import {
  decideProposalSchema,
  proposeThresholdsSchema,
  rejectProposalSchema,
  simulateSchema,
  versionParamsSchema,
  viewerRevealRequestSchema,
  windowSchema,
  workflowParamsSchema,
} from '../contract/thresholds.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { boundedQuery, clientGoneSignal } from '../http/bounded-query.ts';
import { meteredConcurrencyLimit } from '../http/concurrency-limit.ts';
import { originOf } from '../http/request-origin.ts';
import { scoreHistogram, simulate, type SimWindow } from './simulate.ts';
import { latestAppliedVersion } from './thresholds.repository.ts';
import {
  approveThresholds,
  checkAgainstWorkflow,
  closeProposal,
  currentThresholds,
  proposeThresholds,
  requireWorkflow,
  retryPush,
  toVersionDto,
  workflowDetail,
  listWorkflows,
} from './thresholds.service.ts';
import { setViewersMayReveal } from './viewer-reveal.ts';
import { syncWorkflows } from './workflow-sync.ts';

/**
 * A simulation's cost grows with its window (every session decided in it is replayed): a window
 * longer than SIMULATION_MAX_DAYS is refused with a message the editor shows as it is.
 */
function requireWindowWithin(window: SimWindow, maxDays: number): void {
  const days = (window.to.getTime() - window.from.getTime()) / 86_400_000;
  if (days <= maxDays) return;
  throw new AppError(
    400,
    'validation_failed',
    `Simulations cover at most ${maxDays} days; this window is ${Math.ceil(days)} days. Choose a shorter window.`,
    { maxDays, issues: [{ path: 'window', message: `at most ${maxDays} days` }] },
  );
}

/** Workflows and threshold versions (issue 7). Mounted under `/api`. */
export function thresholdRoutes(ctx: AppContext): Router {
  const router = Router();
  const { limits } = ctx.config;
  // Simulations and score distributions replay the window's sessions: they share one cap per
  // actor and per process (this router is built once per process). The editor runs both at once.
  const simulations = meteredConcurrencyLimit(ctx.metrics, 'simulation', {
    what: { one: 'threshold simulation', many: 'threshold simulations' },
    perActor: limits.simulation.perUser,
    perProcess: limits.simulation.perProcess,
    retryAfterSeconds: 2,
  });
  const replay = <T>(req: Request, res: Response, what: string, work: (db: Database) => Promise<T>): Promise<T> =>
    simulations.run(actorOf(req), () =>
      boundedQuery(
        ctx.db,
        {
          timeoutMs: limits.expensiveQueryTimeoutMs,
          signal: clientGoneSignal(res),
          what,
          hint: 'try a shorter window, or retry when the console is less busy',
        },
        work,
      ),
    );

  router.get('/workflows', requireCapability('workflow.read'), async (_req, res) => {
    res.json({ items: await listWorkflows(ctx.db) });
  });

  router.post('/workflows/sync', requireCapability('threshold.propose'), async (_req, res) => {
    if (!ctx.didit.configured) throw new AppError(503, 'not_ready', 'The Didit API is not configured.');
    res.json(await syncWorkflows(ctx));
  });

  router.get('/workflows/:id', requireCapability('workflow.read'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    res.json(await workflowDetail(ctx.db, id));
  });

  // Whether viewers may reveal faces in this workflow (default no; viewer-reveal.ts).
  router.put('/workflows/:id/viewer-reveal', requireCapability('workflow.configure'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    const { viewersMayReveal } = viewerRevealRequestSchema.parse(req.body);
    res.json(await setViewersMayReveal(ctx.db, { workflowId: id, viewersMayReveal, actor: actorOf(req), origin: originOf(req) }));
  });

  router.get('/workflows/:id/thresholds', requireCapability('workflow.read'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    res.json({ items: (await workflowDetail(ctx.db, id)).versions });
  });

  router.post('/workflows/:id/thresholds', requireCapability('threshold.propose'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    const body = proposeThresholdsSchema.parse(req.body);
    const row = await proposeThresholds(ctx.db, {
      workflowId: id,
      thresholds: body.thresholds,
      reason: body.reason,
      actor: actorOf(req),
      origin: originOf(req),
    });
    res.status(201).json(toVersionDto(row));
  });

  router.post('/workflows/:id/thresholds/simulate', requireCapability('workflow.read'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    const body = simulateSchema.parse(req.body);
    requireWindowWithin(body.window, limits.simulation.maxDays);
    const workflow = await requireWorkflow(ctx.db, id);
    checkAgainstWorkflow(body.thresholds, workflow);
    const current = currentThresholds(workflow, await latestAppliedVersion(ctx.db, id));
    res.json(
      await replay(req, res, 'The simulation', (db) =>
        simulate(db, { workflowId: id, current, proposed: body.thresholds, window: body.window }),
      ),
    );
  });

  router.get('/workflows/:id/score-distribution', requireCapability('workflow.read'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    const window = windowSchema.parse(req.query);
    requireWindowWithin(window, limits.simulation.maxDays);
    await requireWorkflow(ctx.db, id);
    res.json(await replay(req, res, 'The score distribution', (db) => scoreHistogram(db, id, window)));
  });

  router.post('/workflows/:id/thresholds/:version/approve', requireCapability('threshold.approve'), async (req, res) => {
    const { id, version } = versionParamsSchema.parse(req.params);
    const { note } = decideProposalSchema.parse(req.body ?? {});
    const row = await approveThresholds(ctx.db, { workflowId: id, version, note, actor: actorOf(req), origin: originOf(req) });
    res.json(toVersionDto(row));
  });

  router.post('/workflows/:id/thresholds/:version/reject', requireCapability('threshold.approve'), async (req, res) => {
    const { id, version } = versionParamsSchema.parse(req.params);
    const { note } = rejectProposalSchema.parse(req.body ?? {});
    const row = await closeProposal(ctx.db, {
      workflowId: id,
      version,
      note,
      actor: actorOf(req),
      origin: originOf(req),
      as: 'rejected',
    });
    res.json(toVersionDto(row));
  });

  router.post('/workflows/:id/thresholds/:version/withdraw', requireCapability('threshold.propose'), async (req, res) => {
    const { id, version } = versionParamsSchema.parse(req.params);
    const { note } = decideProposalSchema.parse(req.body ?? {});
    const row = await closeProposal(ctx.db, {
      workflowId: id,
      version,
      note,
      actor: actorOf(req),
      origin: originOf(req),
      as: 'withdrawn',
    });
    res.json(toVersionDto(row));
  });

  router.post('/workflows/:id/thresholds/:version/retry', requireCapability('threshold.approve'), async (req, res) => {
    const { id, version } = versionParamsSchema.parse(req.params);
    const row = await retryPush(ctx.db, { workflowId: id, version, actor: actorOf(req), origin: originOf(req) });
    res.json(toVersionDto(row));
  });

  return router;
}
