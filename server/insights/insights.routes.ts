import { Router } from 'express';
import { appendAudit } from '../audit/audit.repository.ts';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { insightsRequestSchema, slaRequestSchema, workflowSlaParamsSchema, type InsightsResponse } from '../contract/insights.ts';
import { AppError } from '../errors.ts';
import { boundedQuery, clientGoneSignal } from '../http/bounded-query.ts';
import { meteredConcurrencyLimit } from '../http/concurrency-limit.ts';
import { originOf } from '../http/request-origin.ts';
import { insightsCsv } from './insights.csv.ts';
import { loadInsights } from './insights.service.ts';

/**
 * `GET /api/insights` (JSON, or `?format=csv&section=…` for one table as CSV) and
 * `PUT /api/workflows/:id/sla`. Mounted under `/api`.
 */
export function insightsRoutes(ctx: AppContext, options: { now?: () => Date } = {}): Router {
  const router = Router();
  const now = options.now ?? (() => new Date());
  const { limits } = ctx.config;
  // A page load reads a few months of review history: capped like simulations, per actor and process.
  const reads = meteredConcurrencyLimit(ctx.metrics, 'insights', {
    what: { one: 'insights request', many: 'insights requests' },
    perActor: limits.simulation.perUser,
    perProcess: limits.simulation.perProcess,
    retryAfterSeconds: 2,
  });

  router.get('/insights', requireCapability('insights.read'), async (req, res) => {
    const { format, section, ...query } = insightsRequestSchema.parse(req.query);
    const csv = format && section ? { section } : undefined;
    const bounds = {
      timeoutMs: limits.expensiveQueryTimeoutMs,
      signal: clientGoneSignal(res),
      what: 'Reading the review history for insights',
      hint: 'choose a shorter range or one workflow',
    };
    const body: InsightsResponse = await reads.run(actorOf(req), () =>
      boundedQuery(ctx.db, bounds, (trx) => loadInsights(trx, query, now(), ctx.config.review.sla)),
    );
    if (!csv) {
      res.json(body);
      return;
    }
    // Per-analyst figures leave the console in a file: the trail says who took them.
    await appendAudit(ctx.db, {
      actor: actorOf(req),
      action: 'insights.exported',
      ...originOf(req),
      details: { section: csv.section, from: body.range.from, to: body.range.to, workflowId: body.range.workflowId },
    });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="insights-${csv.section}-${body.range.from}-${body.range.to}.csv"`,
    );
    res.send(insightsCsv(body, csv.section));
  });

  router.put('/workflows/:id/sla', requireCapability('workflow.configure'), async (req, res) => {
    const { id } = workflowSlaParamsSchema.parse(req.params);
    const { slaMinutes } = slaRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const updated = await ctx.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('workflow').select('sla_minutes').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw new AppError(404, 'not_found', `No workflow ${id} is known to the console.`);
      const row = await trx
        .updateTable('workflow')
        .set({ sla_minutes: slaMinutes, updated_at: new Date() })
        .where('id', '=', id)
        .returning(['id', 'label', 'sla_minutes'])
        .executeTakeFirstOrThrow();
      if (before.sla_minutes !== slaMinutes) {
        await appendAudit(trx, {
          actor,
          action: 'workflow.sla_changed',
          targetType: 'workflow',
          targetId: id,
          ...originOf(req),
          details: { from: before.sla_minutes, to: slaMinutes },
        });
      }
      return row;
    });
    res.json({ id: updated.id, label: updated.label, slaMinutes: updated.sla_minutes });
  });

  return router;
}
