import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { DiditClient } from '../vendors/didit/didit-client.ts';

/** What the sync code needs from the composition root (an `AppContext` satisfies it). */
export interface SyncDeps {
  db: Database;
  didit: DiditClient;
  logger: Logger;
  metrics: Metrics;
}
