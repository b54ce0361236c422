import { Router, type Request } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import {
  decideProposalSchema,
  proposeThresholdsSchema,
  rejectProposalSchema,
  simulateSchema,
  versionParamsSchema,
  windowSchema,
  workflowParamsSchema,
} from '../contract/thresholds.ts';
import { AppError } from '../errors.ts';
import { scoreHistogram, simulate } from './simulate.ts';
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
  type RequestOrigin,
} from './thresholds.service.ts';
import { syncWorkflows } from './workflow-sync.ts';

function originOf(req: Request): RequestOrigin {
  return { ip: req.ip, userAgent: req.get('user-agent')?.slice(0, 300) };
}

/** Workflows and threshold versions (issue 7). Mounted under `/api`. */
export function thresholdRoutes(ctx: AppContext): Router {
  const router = Router();

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
    const workflow = await requireWorkflow(ctx.db, id);
    checkAgainstWorkflow(body.thresholds, workflow);
    const current = currentThresholds(workflow, await latestAppliedVersion(ctx.db, id));
    res.json(await simulate(ctx.db, { workflowId: id, current, proposed: body.thresholds, window: body.window }));
  });

  router.get('/workflows/:id/score-distribution', requireCapability('workflow.read'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    const window = windowSchema.parse(req.query);
    await requireWorkflow(ctx.db, id);
    res.json(await scoreHistogram(ctx.db, id, window));
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
