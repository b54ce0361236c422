import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { DiditClient } from '../vendors/didit/didit-client.ts';
import { DiditApiError } from '../vendors/didit/didit-error.ts';
import { applySessionState, lockSessionForSync } from './apply-session-state.ts';
import { fromFetchedSnapshot } from './inbox-processor.ts';

/**
 * Fresh signed media links. Didit's links expire (docs/didit-contract.md §10); new ones come only from the decision
 * endpoint (100/min shared with the worker). Concurrent refreshes of one session coalesce: in
 * this process through a shared promise, across replicas through the session's sync lock and a
 * re-check after it. When Didit cannot be asked right now (rate budget spent, Didit failing) the
 * old links come back with their expiry and a flag saying so, never an error.
 */

export interface MediaRefreshResult {
  sessionId: string;
  media: Record<string, string>;
  mediaExpiresAt: Date | null;
  /** New links were fetched (by this call or one it joined). */
  refreshed: boolean;
  /** The links are the old ones because Didit could not be asked. */
  stale: boolean;
  reason: 'rate_limited' | 'didit_unavailable' | null;
  retryAfterSeconds: number | null;
}

export interface MediaRefresherDeps {
  db: Database;
  didit: DiditClient;
  logger: Logger;
  metrics: Metrics;
  marginSeconds: number;
}

interface MediaRow {
  media: Record<string, string>;
  media_expires_at: Date | null;
}

export class MediaRefresher {
  private readonly inflight = new Map<string, Promise<MediaRefreshResult>>();

  constructor(private readonly deps: MediaRefresherDeps) {}

  /** True when a link expires within the margin (or its expiry is unknown). */
  needsRefresh(row: MediaRow, now = Date.now()): boolean {
    if (Object.keys(row.media).length === 0) return false;
    if (!row.media_expires_at) return true;
    return row.media_expires_at.getTime() - now <= this.deps.marginSeconds * 1000;
  }

  /** For session reads: refreshes only when a link expires within the margin. */
  async ensureFresh(sessionId: string): Promise<MediaRefreshResult> {
    const row = await this.read(sessionId);
    if (!this.needsRefresh(row)) return unchanged(sessionId, row);
    return this.refresh(sessionId, { force: false });
  }

  /** `force`: refresh even if the links look fresh (the reviewer saw one fail to load). */
  refresh(sessionId: string, { force }: { force: boolean }): Promise<MediaRefreshResult> {
    const key = sessionId;
    const running = this.inflight.get(key);
    if (running) {
      this.deps.metrics.mediaRefreshes.inc({ outcome: 'coalesced' });
      return running;
    }
    const promise = this.run(sessionId, force).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async read(sessionId: string): Promise<MediaRow> {
    const row = await this.deps.db
      .selectFrom('verification_session')
      .select(['media', 'media_expires_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!row) throw new AppError(404, 'not_found', 'No such session.');
    return row;
  }

  private async run(sessionId: string, force: boolean): Promise<MediaRefreshResult> {
    const before = await this.read(sessionId);
    return this.deps.db.transaction().execute(async (trx) => {
      await lockSessionForSync(trx, sessionId);
      const current = await trx
        .selectFrom('verification_session')
        .select(['media', 'media_expires_at'])
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      // Another replica refreshed while we waited for the lock: use its links.
      const changed = current.media_expires_at?.getTime() !== before.media_expires_at?.getTime();
      if ((changed || !force) && !this.needsRefresh(current)) {
        this.deps.metrics.mediaRefreshes.inc({ outcome: changed ? 'coalesced' : 'fresh' });
        return { ...unchanged(sessionId, current), refreshed: changed };
      }
      let snapshot;
      try {
        // Interactive: never queue behind the worker's use of the budget; one quick retry on a blip.
        snapshot = await this.deps.didit.getDecision(sessionId, { maxBudgetWaitMs: 0, maxAttempts: 2 });
      } catch (error) {
        if (!(error instanceof DiditApiError)) throw error;
        const rateLimited = error.code === 'rate_limited';
        this.deps.metrics.mediaRefreshes.inc({ outcome: rateLimited ? 'rate_limited' : 'failed' });
        this.deps.logger.warn({ sessionId, code: error.code }, 'media refresh could not reach Didit; serving the old links');
        return {
          ...unchanged(sessionId, current),
          stale: true,
          reason: rateLimited ? 'rate_limited' : 'didit_unavailable',
          retryAfterSeconds: error.details.retryAfterMs === undefined ? null : Math.ceil(error.details.retryAfterMs / 1000),
        };
      }
      const outcome = await applySessionState(trx, fromFetchedSnapshot(snapshot));
      if (outcome !== 'applied') {
        // The row holds a (slightly) newer event than our fetch: keep its state, take the links
        // only when both agree on the status.
        await trx
          .updateTable('verification_session')
          .set({ media: JSON.stringify(snapshot.media), media_expires_at: snapshot.mediaExpiresAt, updated_at: new Date() })
          .where('id', '=', sessionId)
          .where('status', '=', snapshot.status)
          .execute();
      }
      const after = await trx
        .selectFrom('verification_session')
        .select(['media', 'media_expires_at'])
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      this.deps.metrics.mediaRefreshes.inc({ outcome: 'refreshed' });
      return { ...unchanged(sessionId, after), refreshed: true };
    });
  }
}

function unchanged(sessionId: string, row: MediaRow): MediaRefreshResult {
  return {
    sessionId,
    media: row.media,
    mediaExpiresAt: row.media_expires_at,
    refreshed: false,
    stale: false,
    reason: null,
    retryAfterSeconds: null,
  };
}
