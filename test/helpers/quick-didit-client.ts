import type { AppContext } from '../../server/context.ts';
import { DiditClient, type DiditClientOptions } from '../../server/vendors/didit/didit-client.ts';
import { PostgresRateBudget } from '../../server/vendors/didit/rate-budget.ts';

/**
 * The console's Didit client against a sandbox, with millisecond backoffs so that failure paths
 * (5xx, timeouts) finish quickly; the rate budget is the real one, in the test's database.
 */
export function quickDiditClient(
  ctx: Pick<AppContext, 'db' | 'didit'>,
  sandbox: { url: string; apiKey: string },
  options: Partial<DiditClientOptions> = {},
): DiditClient {
  return new DiditClient({
    baseUrl: sandbox.url,
    apiKey: sandbox.apiKey,
    budget: new PostgresRateBudget(ctx.db),
    mediaOrigins: ctx.didit.mediaOrigins,
    baseBackoffMs: 5,
    maxBackoffMs: 20,
    ...options,
  });
}
