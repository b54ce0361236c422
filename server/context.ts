import type pg from 'pg';
import { auditKey, loadOrCreateDevelopmentAuditKey, loadOrCreateDevelopmentKey, type AuditKeyring } from './audit/audit-key.ts';
import { useAuditKey } from './audit/audit.repository.ts';
import { createOidcClient, type OidcClient } from './auth/oidc.ts';
import type { Config } from './config.ts';
import { createDatabase, createPool, type Database } from './db/database.ts';
import { resolveDatabase } from './db/connect.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { usePseudonymKey } from './privacy/pseudonym.ts';
import { MediaRefresher } from './sync/media-refresh.ts';
import { DiditClient } from './vendors/didit/didit-client.ts';
import { PostgresRateBudget } from './vendors/didit/rate-budget.ts';
import { InboxWriter } from './webhooks/inbox-writer.ts';

/**
 * The composition root: everything a process needs, built once from `Config`.
 * `main.ts`, `worker.ts`, `cli.ts` and the tests all build their world here.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  db: Database;
  /**
   * The runtime role (the pool above) and the role that owns the schema and runs migrations
   * (`migrateAsOwner`); the same URL twice when one role does both.
   */
  databaseUrls: { runtime: string; owner: string };
  /** AUDIT_KEY (signs new rows) then AUDIT_KEY_PREVIOUS: what `audit verify` checks rows against. */
  auditKeys: AuditKeyring;
  metrics: Metrics;
  /** Didit's API, rate-limited through a budget shared in Postgres by every replica. */
  didit: DiditClient;
  /** Group-committing writer of the webhook inbox. */
  inbox: InboxWriter;
  /** Refreshes signed media links, coalescing concurrent refreshes of one session. */
  media: MediaRefresher;
  /** The OpenID Connect relying party (discovers the IdP on first use). */
  oidc: OidcClient;
  /** Closes the pool (and the embedded Postgres if this process started it). */
  close(): Promise<void>;
}

export interface ContextOptions {
  logger?: Logger;
  /** Pool name shown in `pg_stat_activity`. */
  applicationName?: string;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config);
  const auditKeys = await resolveAuditKeys(config);
  useAuditKey(auditKeys[0]);
  // loadConfig already refused a production environment without PSEUDONYM_KEY.
  usePseudonymKey(config.privacy.pseudonymKey ?? (await loadOrCreateDevelopmentKey(config.dataDir, 'pseudonym.key')));
  const target = await resolveDatabase(config, logger);
  const pool = createPool({
    connectionString: target.url,
    max: config.database.poolMax,
    applicationName: options.applicationName,
  });
  const db = createDatabase(pool);
  const metrics = createMetrics({ defaultMetrics: config.env !== 'test' });
  const didit = new DiditClient({
    baseUrl: config.didit.baseUrl,
    apiKey: config.didit.apiKey,
    timeoutMs: config.didit.timeoutMs,
    budget: new PostgresRateBudget(db, { interactiveShare: config.didit.interactiveBudgetShare }),
    onAttempt: ({ operation, outcome }) => metrics.diditRequests.inc({ operation, outcome }),
    mediaOrigins: config.didit.mediaOrigins,
    // The origin only: the link's query is a signature that grants access to the image.
    onMediaRejected: (event) => logger.warn(event, 'dropped a Didit media link outside DIDIT_MEDIA_ORIGINS'),
  });
  const inbox = new InboxWriter(pool, { onBatch: (size) => metrics.inboxBatchSize.observe(size) });
  const media = new MediaRefresher({
    db,
    didit,
    logger,
    metrics,
    marginSeconds: config.didit.mediaRefreshMarginSeconds,
    perActorPerMinute: config.didit.mediaRefreshPerUserPerMinute,
    forceIntervalSeconds: config.didit.mediaRefreshForceIntervalSeconds,
  });
  let closed: Promise<void> | undefined;
  return {
    config,
    logger,
    pool,
    db,
    databaseUrls: { runtime: target.url, owner: target.ownerUrl },
    auditKeys,
    metrics,
    didit,
    inbox,
    media,
    oidc: createOidcClient(config, logger),
    close() {
      closed ??= (async () => {
        await db.destroy(); // ends the pool too
        await target.stopEmbedded?.();
      })();
      return closed;
    },
  };
}

async function resolveAuditKeys(config: Config): Promise<AuditKeyring> {
  // loadConfig already refused a production environment without AUDIT_KEY.
  const current = config.audit.key ?? (await loadOrCreateDevelopmentAuditKey(config.dataDir));
  const previous = config.audit.previousKey;
  return previous ? [auditKey(current), auditKey(previous)] : [auditKey(current)];
}
