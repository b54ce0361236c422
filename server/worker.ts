import { loadConfig } from './config.ts';
import { createContext } from './context.ts';
import { requireAppendOnlyAudit } from './db/roles.ts';
import { startMetricsServer } from './http/metrics-server.ts';
import { failStartup, stopOnSignals } from './shutdown.ts';
import { recoverLostJobOutcomes, startWorker } from './worker/runner.ts';

/** The worker process alone (production: run M of these; they share work through SKIP LOCKED). */
async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = await createContext(config, { applicationName: 'review-console-worker' });
  await requireAppendOnlyAudit(ctx.pool, { production: config.env === 'production', warn: (m) => ctx.logger.warn(m) });
  const worker = await startWorker(ctx);
  recoverLostJobOutcomes(worker);
  // The worker has no other HTTP: without METRICS_PORT its metrics (inbox, reconciliation,
  // media refreshes, Didit calls) never leave the process.
  const metricsServer = await startMetricsServer(ctx);
  if (!metricsServer) {
    ctx.logger[config.env === 'production' ? 'warn' : 'info']('worker metrics are not served: set METRICS_PORT to expose them');
  }
  stopOnSignals(ctx.logger, async () => {
    await metricsServer?.close(config.shutdownTimeoutMs);
    await worker.stop();
    await ctx.close();
  });
}

main().catch(failStartup);
