import { Router } from 'express';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import { evidencePackImagesRequestSchema } from '../contract/evidence-pack.ts';
import { sessionParamsSchema } from '../contract/review.ts';
import { workflowParamsSchema } from '../contract/thresholds.ts';
import type { AppContext } from '../context.ts';
import { meteredConcurrencyLimit } from '../http/concurrency-limit.ts';
import { originOf } from '../http/request-origin.ts';
import { setEvidencePackImages } from './evidence-pack-policy.ts';
import { generateEvidencePack } from './evidence-pack.service.ts';

/** Evidence packs (issue 20): the PDF of a decided session, and the per-workflow image policy. Mounted under `/api`. */
export function evidencePackRoutes(ctx: AppContext): Router {
  const router = Router();
  // A pack fetches two images and lays out a document: a few at once per person and per process.
  const packs = meteredConcurrencyLimit(ctx.metrics, 'evidence_pack', {
    what: { one: 'evidence pack', many: 'evidence packs' },
    perActor: 2,
    perProcess: 8,
    retryAfterSeconds: 5,
  });

  router.get('/sessions/:id/evidence-pack.pdf', requireCapability('session.evidence_pack'), async (req, res) => {
    const { id } = sessionParamsSchema.parse(req.params);
    const actor = actorOf(req);
    const pack = await packs.run(actor, () => generateEvidencePack(ctx, actor, id, originOf(req)));
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
    const safeId = id.replace(/[^A-Za-z0-9-]/g, '');
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="evidence-pack-${safeId}-${stamp}Z.pdf"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(Buffer.from(pack.bytes));
  });

  // Whether this workflow's packs embed the images (default no: hashes only; evidence-pack-policy.ts).
  router.put('/workflows/:id/evidence-pack-images', requireCapability('workflow.configure'), async (req, res) => {
    const { id } = workflowParamsSchema.parse(req.params);
    const { evidencePackImages } = evidencePackImagesRequestSchema.parse(req.body);
    const actor = actorOf(req);
    const body = await ctx.db
      .transaction()
      .execute((trx) => setEvidencePackImages(trx, { workflowId: id, evidencePackImages, actor, origin: originOf(req) }));
    res.json(body);
  });

  return router;
}
