import { loadConfig } from './config.ts';
import { createContext } from './context.ts';
import { failStartup, stopOnSignals } from './shutdown.ts';
import { startWorker } from './worker/runner.ts';

/** The worker process alone (production: run M of these; they share work through SKIP LOCKED). */
async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = await createContext(config, { applicationName: 'review-console-worker' });
  const worker = await startWorker(ctx);
  stopOnSignals(ctx.logger, async () => {
    await worker.stop();
    await ctx.close();
  });
}

main().catch(failStartup);
