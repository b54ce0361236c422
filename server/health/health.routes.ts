import { Router } from 'express';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { pendingMigrations } from '../db/database.ts';

const readinessTimeoutMs = 2_000;

type Readiness = { ready: true } | { ready: false; reason: 'database_unreachable' | 'migrations_pending'; pending?: string[] };

/**
 * `/healthz`: the process is up (liveness; never touches the database, so a database outage
 * does not get every replica restarted). `/readyz`: this replica can serve (database reachable
 * and migrated), for the load balancer.
 */
export function healthRoutes(ctx: Pick<AppContext, 'db' | 'logger'>): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(ctx);
    res.setHeader('Cache-Control', 'no-store');
    if (readiness.ready) {
      res.json({ status: 'ready' });
      return;
    }
    res
      .status(503)
      .json({ status: 'not_ready', reason: readiness.reason, ...(readiness.pending ? { pending: readiness.pending } : {}) });
  });

  return router;
}

async function checkReadiness(ctx: Pick<AppContext, 'db' | 'logger'>): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), readinessTimeoutMs);
  });
  try {
    const result = await Promise.race([
      (async () => {
        await sql`select 1`.execute(ctx.db);
        return pendingMigrations(ctx.db);
      })(),
      timeout,
    ]);
    if (result === 'timeout') return { ready: false, reason: 'database_unreachable' };
    if (result.length > 0) return { ready: false, reason: 'migrations_pending', pending: result };
    return { ready: true };
  } catch (error) {
    ctx.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'readiness check failed');
    return { ready: false, reason: 'database_unreachable' };
  } finally {
    clearTimeout(timer);
  }
}
