import { createApp } from './app.ts';
import { withDevIdentityProvider } from './auth/dev-idp/for-console.ts';
import { loadConfig } from './config.ts';
import { createContext } from './context.ts';
import { migrateAsOwner } from './db/database.ts';
import { requireAppendOnlyAudit } from './db/roles.ts';
import { startMetricsServer } from './http/metrics-server.ts';
import { listen } from './http/server.ts';
import { createLogger } from './logger.ts';
import { failStartup, stopOnSignals, withinTime } from './shutdown.ts';
import { startEmbeddedSandbox } from './vendors/didit/embedded-sandbox.ts';
import { buildWebApp, webBuildIsStale } from './web-build.ts';
import { recoverLostJobOutcomes, startWorker } from './worker/runner.ts';

/**
 * `npm start`: the whole console in one process. With no DATABASE_URL this is the embedded
 * default (embedded Postgres under DATA_DIR); with one, it is a single-node deployment.
 * Production fleets run `start:api` and `start:worker` separately instead.
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  // No OIDC_ISSUER outside production: sign in through the development IdP (demo users).
  const withIdp = await withDevIdentityProvider(loaded, createLogger(loaded));
  // No DIDIT_BASE_URL outside production: the Didit sandbox, with demo traffic, signing webhooks to us.
  const sandbox = await startEmbeddedSandbox(withIdp.config, createLogger(loaded));
  const config = sandbox?.config ?? withIdp.config;
  const { devIdp } = withIdp;
  const ctx = await createContext(config, { applicationName: 'review-console' });
  const { logger } = ctx;
  // Stopped in reverse order of start; each step gets a bounded time, so the database always
  // gets its turn to shut down cleanly.
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  if (devIdp) stops.push({ name: 'identity provider', stop: () => devIdp.close() });
  if (sandbox) stops.push({ name: 'Didit sandbox', stop: () => sandbox.stop() });
  stopOnSignals(logger, async () => {
    for (const { name, stop } of stops.reverse()) await withinTime(stop(), config.shutdownTimeoutMs, logger, name);
    await ctx.close();
  });

  if (await webBuildIsStale(config.webDistDir, ['web', 'server/contract', 'vite.config.ts'])) {
    logger.info('building the web app');
    await buildWebApp();
  }
  await migrateAsOwner(ctx.databaseUrls);
  await requireAppendOnlyAudit(ctx.pool, { production: config.env === 'production', warn: (m) => logger.warn(m) });

  const worker = await startWorker(ctx);
  recoverLostJobOutcomes(worker);
  stops.push({ name: 'worker', stop: () => worker.stop() });
  const http = await listen(createApp(ctx), config.host, config.port, logger);
  stops.push({ name: 'HTTP server', stop: () => http.close(config.shutdownTimeoutMs) });
  const metricsServer = await startMetricsServer(ctx);
  if (metricsServer) stops.push({ name: 'metrics server', stop: () => metricsServer.close(config.shutdownTimeoutMs) });

  const url = config.publicUrl;
  logger.info({ url }, 'console ready');
  process.stdout.write(`\n  Review console: ${url}\n  Stop with Ctrl-C.\n\n`);
}

main().catch(failStartup);
