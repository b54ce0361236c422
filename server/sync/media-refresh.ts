import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Actor } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { DiditClient } from '../vendors/didit/didit-client.ts';
import { DiditApiError } from '../vendors/didit/didit-error.ts';
import type { SessionSnapshot } from '../vendors/didit/adapt.ts';
import { applySessionState, lockSessionForSync } from './apply-session-state.ts';
import { fromFetchedSnapshot } from './inbox-processor.ts';

/**
 * Fresh signed media links. Didit's links expire (docs/didit-contract.md §10); new ones come only from the decision
 * endpoint (100/min shared with the worker). Concurrent refreshes of one session coalesce: in
 * this process through a shared promise, across replicas through a lease on the session's refresh
 * (`media_refresh_lease`) and a re-check after claiming it. No transaction is open while Didit is
 * asked: claim (commit), call, apply the answer in a short transaction, give the lease back; a
 * lease expires, so a replica that crashed holding one delays the others only until then. When
 * Didit cannot be asked right now (rate budget spent, Didit failing) the old links come back with
 * their expiry and a flag saying so, never an error.
 *
 * People cannot spend the worker's budget (issue 15): Didit is asked only when the links are
 * near expiry, or when a person reports a current link broken, which forces new links of a
 * session at most once per `forceIntervalSeconds`; each person's requests are limited per minute
 * (shared by every replica through Postgres); and every such call is `interactive` in the rate
 * budget, so it can only use the interactive share of Didit's limits.
 *
 * A session whose personal data retention or an erasure removed (`personal_data_removed_at`) is
 * never refreshed: the answer would bring its decision back into the database (ADR 0016).
 */

export interface MediaRefreshResult {
  sessionId: string;
  media: Record<string, string>;
  mediaExpiresAt: Date | null;
  /** New links were fetched (by this call or one it joined). */
  refreshed: boolean;
  /** The links are the old ones because Didit could not be asked. */
  stale: boolean;
  /** Didit rate-limited us (or the budget is spent), Didit failed, or this person is past their limit. */
  reason: 'rate_limited' | 'didit_unavailable' | 'refresh_limit' | null;
  retryAfterSeconds: number | null;
}

export interface MediaRefresherDeps {
  db: Database;
  didit: DiditClient;
  logger: Logger;
  metrics: Metrics;
  marginSeconds: number;
  /** Requests for new links one actor may make per minute (MEDIA_REFRESH_PER_USER_PER_MINUTE); default 20. */
  perActorPerMinute?: number;
  /** A reported broken link forces new links of a session at most this often (MEDIA_REFRESH_FORCE_INTERVAL_SECONDS); default 60. */
  forceIntervalSeconds?: number;
  /** Milliseconds since the epoch, for the per-actor log and the force interval (tests move it). */
  now?: () => number;
  /**
   * How long a claim on a session's refresh lasts; default 30 s. The call to Didit is cut off
   * before then, so a lease outlives its holder's call and ends with it unless the holder crashed.
   */
  leaseSeconds?: number;
  /** Waits between tries for a refresh another replica holds (tests hold it); default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** What the session page says when it asks for links. */
export interface MediaRefreshRequest {
  /** A link that failed to load in the page: forces new links if it is still the current one. */
  brokenUrl?: string | undefined;
}

/** The web app asks for new links when fewer than 60 s are left: a smaller margin would answer those asks with "still fresh". */
const MIN_MARGIN_SECONDS = 90;

/** The per-actor limit's window. */
const ACTOR_WINDOW_MS = 60_000;

/** Advisory-lock namespace (first key of the two-int form) for the per-actor refresh log. */
const ACTOR_LOCK_NAMESPACE = 7302;

/** While another replica refreshes a session: first wait between looks at its lease, doubling up to the longest. */
const LEASE_POLL_FIRST_MS = 20;
const LEASE_POLL_LONGEST_MS = 500;

interface MediaRow {
  media: Record<string, string>;
  media_expires_at: Date | null;
  /** Set once retention or an erasure removed the session's personal data: nothing is fetched for it again. */
  personal_data_removed_at?: Date | null;
}

export class MediaRefresher {
  private readonly inflight = new Map<string, Promise<MediaRefreshResult>>();
  private readonly marginSeconds: number;
  private readonly perActorPerMinute: number;
  private readonly forceIntervalSeconds: number;
  private readonly now: () => number;
  private readonly leaseSeconds: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Names this process in the leases it holds (each claim adds its own id). */
  private readonly holder = `${hostname()}:${process.pid}`;

  constructor(private readonly deps: MediaRefresherDeps) {
    this.marginSeconds = Math.max(deps.marginSeconds, MIN_MARGIN_SECONDS);
    this.perActorPerMinute = deps.perActorPerMinute ?? 20;
    this.forceIntervalSeconds = deps.forceIntervalSeconds ?? 60;
    this.now = deps.now ?? Date.now;
    this.leaseSeconds = deps.leaseSeconds ?? 30;
    this.sleep = deps.sleep ?? ((ms) => sleep(ms));
  }

  /** True when a link expires within the margin (or its expiry is unknown). */
  needsRefresh(row: MediaRow, now = this.now()): boolean {
    if (row.personal_data_removed_at) return false;
    if (Object.keys(row.media).length === 0) return false;
    if (!row.media_expires_at) return true;
    return row.media_expires_at.getTime() - now <= this.marginSeconds * 1000;
  }

  /**
   * For session reads: refreshes only when a link expires within the margin. With `actor`, a
   * refresh counts against that person's limit; past it the old links come back flagged stale.
   */
  async ensureFresh(sessionId: string, actor?: Pick<Actor, 'kind' | 'id'>): Promise<MediaRefreshResult> {
    const row = await this.read(sessionId);
    if (!this.needsRefresh(row)) return unchanged(sessionId, row);
    if (actor) {
      const slot = await this.takeActorSlot(actor);
      if (!slot.ok) {
        this.deps.metrics.mediaRefreshes.inc({ outcome: 'throttled' });
        return { ...unchanged(sessionId, row), stale: true, reason: 'refresh_limit', retryAfterSeconds: slot.retryAfterSeconds };
      }
    }
    return this.refresh(sessionId, { force: false });
  }

  /**
   * `POST /api/sessions/:id/refresh-media`: a person asks for usable links. Counts against
   * their per-minute limit (429 past it). Didit is asked when the links near expiry, or when the
   * page reports a current link broken and no report forced new links of this session within
   * the interval; otherwise the current links come back as they are.
   */
  async requestRefresh(
    sessionId: string,
    actor: Pick<Actor, 'kind' | 'id'>,
    request: MediaRefreshRequest = {},
  ): Promise<MediaRefreshResult> {
    const slot = await this.takeActorSlot(actor);
    if (!slot.ok) {
      this.deps.metrics.mediaRefreshes.inc({ outcome: 'throttled' });
      throw new AppError(
        429,
        'rate_limited',
        `Too many requests for new media links: at most ${this.perActorPerMinute} a minute per person. Try again in ${slot.retryAfterSeconds} s.`,
        { retryAfterSeconds: slot.retryAfterSeconds, limitPerMinute: this.perActorPerMinute },
      );
    }
    const row = await this.read(sessionId);
    if (this.needsRefresh(row)) return this.refresh(sessionId, { force: false });
    if (row.personal_data_removed_at) return unchanged(sessionId, row);
    const reportedCurrent = request.brokenUrl !== undefined && Object.values(row.media).includes(request.brokenUrl);
    if (!reportedCurrent) {
      // Fresh links, or a report about links already replaced: the current ones are the answer.
      this.deps.metrics.mediaRefreshes.inc({ outcome: 'fresh' });
      return unchanged(sessionId, row);
    }
    const forcedAt = await this.claimForcedRefresh(sessionId);
    if (!forcedAt) {
      this.deps.metrics.mediaRefreshes.inc({ outcome: 'force_refused' });
      return unchanged(sessionId, row);
    }
    const result = await this.refresh(sessionId, { force: true });
    // Didit could not be asked: the next report may try again rather than wait out the interval.
    if (result.stale) await this.releaseForcedRefresh(sessionId, forcedAt);
    return result;
  }

  /**
   * Coalesced per session. `force`: refresh even if the links look fresh. No limits of its own:
   * routes go through `requestRefresh` / `ensureFresh`, which apply them.
   */
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

  /**
   * One request in the actor's sliding log, if the last minute has room: checked and appended
   * under a per-actor advisory lock, so replicas share the limit.
   */
  private async takeActorSlot(
    actor: Pick<Actor, 'kind' | 'id'>,
  ): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const key = `${actor.kind}:${actor.id}`;
    const limit = this.perActorPerMinute;
    const now = this.now();
    const windowStart = new Date(now - ACTOR_WINDOW_MS);
    return this.deps.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${ACTOR_LOCK_NAMESPACE}, hashtext(${key}))`.execute(trx);
      const recent = await trx
        .selectFrom('media_refresh_request')
        .select('requested_at')
        .where('actor_key', '=', key)
        .where('requested_at', '>', windowStart)
        .orderBy('requested_at', 'desc')
        .limit(limit)
        .execute();
      // Room comes back when the limit-th most recent request leaves the window.
      const blocking = recent.length >= limit ? recent[limit - 1] : undefined;
      if (blocking) {
        const waitMs = blocking.requested_at.getTime() + ACTOR_WINDOW_MS - now;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
      await trx
        .insertInto('media_refresh_request')
        .values({ actor_key: key, requested_at: new Date(now) })
        .execute();
      await trx
        .deleteFrom('media_refresh_request')
        .where('actor_key', '=', key)
        .where('requested_at', '<=', windowStart)
        .execute();
      return { ok: true };
    });
  }

  /** The session's forcing slot when the last forced refresh is past the interval (atomic across replicas). */
  private async claimForcedRefresh(sessionId: string): Promise<Date | null> {
    const now = new Date(this.now());
    const cutoff = new Date(now.getTime() - this.forceIntervalSeconds * 1000);
    const row = await this.deps.db
      .insertInto('media_forced_refresh')
      .values({ session_id: sessionId, forced_at: now })
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet({ forced_at: now }).where('media_forced_refresh.forced_at', '<=', cutoff),
      )
      .returning('session_id')
      .executeTakeFirst();
    return row ? now : null;
  }

  private async releaseForcedRefresh(sessionId: string, forcedAt: Date): Promise<void> {
    await this.deps.db
      .deleteFrom('media_forced_refresh')
      .where('session_id', '=', sessionId)
      .where('forced_at', '=', forcedAt)
      .execute();
  }

  private async read(sessionId: string): Promise<MediaRow> {
    const row = await this.deps.db
      .selectFrom('verification_session')
      .select(['media', 'media_expires_at', 'personal_data_removed_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!row) throw new AppError(404, 'not_found', 'No such session.');
    return row;
  }

  /** Claim (commit), ask Didit with no transaction open, apply (commit); the lease is given back in any case. */
  private async run(sessionId: string, force: boolean): Promise<MediaRefreshResult> {
    const before = await this.read(sessionId);
    const lease = await this.claimRefresh(sessionId);
    try {
      const current = await this.read(sessionId);
      // Retention or an erasure took the data meanwhile (or before a forced refresh): nothing to fetch.
      if (current.personal_data_removed_at) return unchanged(sessionId, current);
      // Another replica refreshed while we waited for its lease: use its links.
      const changed = current.media_expires_at?.getTime() !== before.media_expires_at?.getTime();
      if ((changed || !force) && !this.needsRefresh(current)) {
        this.deps.metrics.mediaRefreshes.inc({ outcome: changed ? 'coalesced' : 'fresh' });
        return { ...unchanged(sessionId, current), refreshed: changed };
      }
      const fetched = await this.fetchDecision(sessionId);
      if ('stale' in fetched) return { ...unchanged(sessionId, current), ...fetched };
      const after = await this.applyLinks(sessionId, fetched.snapshot);
      // Retention or an erasure committed while Didit answered: its answer was dropped.
      if (after.personal_data_removed_at) return unchanged(sessionId, after);
      this.deps.metrics.mediaRefreshes.inc({ outcome: 'refreshed' });
      return { ...unchanged(sessionId, after), refreshed: true };
    } finally {
      await this.releaseRefresh(sessionId, lease);
    }
  }

  /**
   * The session's refresh lease, once no live lease of another holder is in the way: one
   * statement each try, so nothing is held while waiting. Returns the lease's owner.
   */
  private async claimRefresh(sessionId: string): Promise<string> {
    const owner = `${this.holder}:${randomUUID()}`;
    for (let waitMs = LEASE_POLL_FIRST_MS; ; waitMs = Math.min(waitMs * 2, LEASE_POLL_LONGEST_MS)) {
      const claimed = await this.deps.db
        .insertInto('media_refresh_lease')
        .values({
          session_id: sessionId,
          lease_owner: owner,
          leased_until: sql<Date>`now() + make_interval(secs => ${this.leaseSeconds})`,
        })
        .onConflict((oc) =>
          oc
            .column('session_id')
            .doUpdateSet((eb) => ({ lease_owner: eb.ref('excluded.lease_owner'), leased_until: eb.ref('excluded.leased_until') }))
            .where('media_refresh_lease.leased_until', '<', sql<Date>`now()`),
        )
        .returning('session_id')
        .executeTakeFirst();
      if (claimed) return owner;
      await this.sleep(waitMs);
    }
  }

  private async releaseRefresh(sessionId: string, owner: string): Promise<void> {
    await this.deps.db
      .deleteFrom('media_refresh_lease')
      .where((eb) => eb.and({ session_id: sessionId, lease_owner: owner }))
      .execute();
  }

  /** The decision with fresh links, or why the old links must do. Cut off before the lease ends. */
  private async fetchDecision(
    sessionId: string,
  ): Promise<{ snapshot: SessionSnapshot } | Pick<MediaRefreshResult, 'stale' | 'reason' | 'retryAfterSeconds'>> {
    const cutOff = AbortSignal.timeout(this.leaseSeconds * 800);
    try {
      // Never queue for the budget, and only from its interactive share (the rest is the
      // worker's); one quick retry on a blip.
      const snapshot = await this.deps.didit.getDecision(sessionId, {
        maxBudgetWaitMs: 0,
        maxAttempts: 2,
        priority: 'interactive',
        signal: cutOff,
      });
      return { snapshot };
    } catch (error) {
      if (!(error instanceof DiditApiError) && !cutOff.aborted) throw error;
      const rateLimited = error instanceof DiditApiError && error.code === 'rate_limited';
      this.deps.metrics.mediaRefreshes.inc({ outcome: rateLimited ? 'rate_limited' : 'failed' });
      this.deps.logger.warn(
        { sessionId, code: error instanceof DiditApiError ? error.code : 'timeout' },
        'media refresh could not reach Didit; serving the old links',
      );
      const retryAfterMs = error instanceof DiditApiError ? error.details.retryAfterMs : undefined;
      return {
        stale: true,
        reason: rateLimited ? 'rate_limited' : 'didit_unavailable',
        retryAfterSeconds: retryAfterMs === undefined ? null : Math.ceil(retryAfterMs / 1000),
      };
    }
  }

  /**
   * Applies a fetched decision (session locked, briefly) and returns the links the row now holds;
   * nothing when retention or an erasure removed the session's data while Didit answered.
   */
  private async applyLinks(sessionId: string, snapshot: SessionSnapshot): Promise<MediaRow> {
    return this.deps.db.transaction().execute(async (trx) => {
      await lockSessionForSync(trx, sessionId);
      const locked = await trx
        .selectFrom('verification_session')
        .select(['media', 'media_expires_at', 'personal_data_removed_at'])
        .where('id', '=', sessionId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (locked.personal_data_removed_at) return locked;
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
      return trx
        .selectFrom('verification_session')
        .select(['media', 'media_expires_at'])
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
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
