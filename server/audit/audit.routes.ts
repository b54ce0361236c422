import { once } from 'node:events';
import { Router } from 'express';
import { auditQuerySchema, type AuditPage } from '../contract/audit.ts';
import type { AppContext } from '../context.ts';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import { appendAudit } from './audit.repository.ts';
import { auditCsvHeader, auditCsvLine, listAuditEntries } from './audit.query.ts';

const csvBatch = 1_000;

/** `GET /api/audit`: filtered, keyset-paginated (newest first); `?format=csv` streams every match. */
export function auditRoutes(ctx: Pick<AppContext, 'db'>): Router {
  const router = Router();

  router.get('/audit', requireCapability('audit.read'), async (req, res) => {
    const { limit, format, cursor, ...filters } = auditQuerySchema.parse(req.query);
    if (format === 'json') {
      const entries = await listAuditEntries(ctx.db, filters, {
        beforeId: cursor === undefined ? undefined : Number(cursor),
        limit: limit + 1,
      });
      const page = entries.slice(0, limit);
      const body: AuditPage = {
        entries: page,
        nextCursor: entries.length > limit ? String(page[page.length - 1]?.id) : null,
      };
      res.json(body);
      return;
    }

    // Exporting the trail is itself on the trail, before the first byte leaves.
    await appendAudit(ctx.db, {
      actor: actorOf(req),
      action: 'audit.exported',
      ip: req.ip,
      userAgent: req.get('user-agent'),
      details: { filters },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.csv"`);
    res.write(auditCsvHeader);
    let beforeId = cursor === undefined ? undefined : Number(cursor);
    for (;;) {
      const batch = await listAuditEntries(ctx.db, filters, { beforeId, limit: csvBatch });
      for (const entry of batch) {
        if (!res.write(auditCsvLine(entry))) await once(res, 'drain');
      }
      if (batch.length < csvBatch || res.destroyed) break;
      beforeId = batch[batch.length - 1]?.id;
    }
    res.end();
  });

  return router;
}
