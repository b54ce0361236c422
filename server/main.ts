import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createContext } from './context.ts';
import { requireAppendOnlyAudit } from './db/roles.ts';
import { startMetricsServer } from './http/metrics-server.ts';
import { listen } from './http/server.ts';
import { failStartup, stopOnSignals } from './shutdown.ts';

/** The API process alone (production: run N of these behind a load balancer). */
async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = await createContext(config, { applicationName: 'review-console-api' });
  await requireAppendOnlyAudit(ctx.pool, { production: config.env === 'production', warn: (m) => ctx.logger.warn(m) });
  const http = await listen(createApp(ctx), config.host, config.port, ctx.logger);
  ctx.logger.info({ url: `http://${config.host}:${http.port}` }, 'API listening');
  const metricsServer = await startMetricsServer(ctx); // METRICS_PORT, if set
  stopOnSignals(ctx.logger, async () => {
    await http.close(config.shutdownTimeoutMs);
    await metricsServer?.close(config.shutdownTimeoutMs);
    await ctx.close();
  });
}

main().catch(failStartup);
