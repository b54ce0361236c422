import express from 'express';
import type { AppContext } from '../context.ts';
import { errorHandler, notFoundHandler } from '../errors.ts';
import { healthRoutes } from '../health/health.routes.ts';
import { metricsRouter } from '../metrics.ts';
import { requestContext } from './request-context.ts';
import { listen, type RunningHttpServer } from './server.ts';

/**
 * The internal listener for Prometheus (METRICS_PORT, on METRICS_HOST: 127.0.0.1 unless told
 * otherwise), started by every entry point that has METRICS_PORT: the API (`main.ts`), the worker
 * (`worker.ts`, which has no other HTTP, so this is the only way its inbox, reconciliation and
 * Didit metrics leave the process) and `npm start`. It serves `/metrics` (behind METRICS_TOKEN
 * when that is set too) and the health routes, open, for an orchestrator's probes. Nothing else:
 * no session, no API, no web app. Processes sharing a host each need their own METRICS_PORT.
 *
 * Returns `undefined` when METRICS_PORT is not set.
 */
export async function startMetricsServer(
  ctx: Pick<AppContext, 'config' | 'metrics' | 'db' | 'logger'>,
): Promise<RunningHttpServer | undefined> {
  const { port, host, token } = ctx.config.metrics;
  if (port === undefined) return undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext(ctx.logger));
  app.use(healthRoutes(ctx));
  app.use(metricsRouter(ctx.metrics, { token }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  const running = await listen(app, host, port, ctx.logger);
  ctx.logger.info({ url: `http://${host}:${running.port}/metrics`, token: token !== undefined }, 'metrics listening');
  return running;
}
