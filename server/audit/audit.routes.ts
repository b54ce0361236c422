import { Router, type Response } from 'express';
import { auditQuerySchema, type AuditPage } from '../contract/audit.ts';
import type { AppContext } from '../context.ts';
import { actorOf, requireCapability } from '../auth/rbac.ts';
import { boundedQuery, clientGoneSignal } from '../http/bounded-query.ts';
import { meteredConcurrencyLimit } from '../http/concurrency-limit.ts';
import { originOf } from '../http/request-origin.ts';
import { appendAudit } from './audit.repository.ts';
import { auditCsvHeader, auditCsvLine, listAuditEntries } from './audit.query.ts';

const csvBatch = 1_000;

/** `GET /api/audit`: filtered, keyset-paginated (newest first); `?format=csv` streams every match. */
export function auditRoutes(ctx: Pick<AppContext, 'db' | 'config' | 'metrics'>): Router {
  const router = Router();
  const { limits } = ctx.config;
  // A full export reads the whole trail: a few at once per process, one per actor (this router is
  // built once per process; see server/http/concurrency-limit.ts).
  const exports = meteredConcurrencyLimit(ctx.metrics, 'audit_export', {
    what: { one: 'audit export', many: 'audit exports' },
    perActor: limits.auditExport.perUser,
    perProcess: limits.auditExport.perProcess,
    retryAfterSeconds: 10,
  });

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

    await exports.run(actorOf(req), async () => {
      // Exporting the trail is itself on the trail, before the first byte leaves.
      await appendAudit(ctx.db, {
        actor: actorOf(req),
        action: 'audit.exported',
        ...originOf(req),
        details: { filters },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.csv"`);
      res.write(auditCsvHeader);
      let beforeId = cursor === undefined ? undefined : Number(cursor);
      const signal = clientGoneSignal(res);
      const bounds = {
        timeoutMs: limits.expensiveQueryTimeoutMs,
        signal,
        what: 'Reading the audit log for the export',
        hint: 'narrow the filters',
      };
      for (;;) {
        // Each batch its own statement_timeout; a client that goes away cancels the running one.
        const batch = await boundedQuery(ctx.db, bounds, (db) => listAuditEntries(db, filters, { beforeId, limit: csvBatch }));
        for (const entry of batch) {
          if (!res.write(auditCsvLine(entry))) await drainedOrClosed(res);
          if (signal.aborted) break;
        }
        if (batch.length < csvBatch || signal.aborted) break;
        beforeId = batch[batch.length - 1]?.id;
      }
      res.end();
    });
  });

  return router;
}

/** A client that stops reading and then goes away never drains: waits for either. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve();
      return;
    }
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
