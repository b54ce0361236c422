import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { DiditApiError } from './didit-error.ts';

/**
 * Client-side rate limiting for Didit, shared by every replica through Postgres (docs/didit-contract.md §3): each
 * scope has a 60-second sliding log of the calls we allowed ourselves, checked and appended
 * under a per-scope advisory lock, plus what Didit last said (`Retry-After`, `X-RateLimit-*`),
 * which can block a scope until a given time. In memory this would multiply the budget by the
 * number of worker replicas.
 */

export type RateScope = 'generic-get' | 'generic-write' | 'session-decision';

/**
 * 90 % of Didit's documented limits: the remaining tenth absorbs calls made with the same key
 * by other tools, and keeps us above Didit's advice to throttle below 15 % remaining.
 */
export const DEFAULT_RATE_BUDGETS: Readonly<Record<RateScope, number>> = {
  'generic-get': 540,
  'generic-write': 270,
  'session-decision': 90,
};

export interface AcquireOptions {
  /** Give up (with `rate_limited`) rather than wait longer than this. */
  maxWaitMs: number;
  signal?: AbortSignal;
}

export interface RateObservation {
  scopes: readonly RateScope[];
  operation: string;
  /** ok | client_error | not_found | server_error | rate_limited | timeout | network */
  outcome: string;
  headers?: Headers;
  status?: number;
}

export interface RateBudget {
  /** Waits for room in every scope, then records the call in each. Returns the time waited. */
  acquire(scopes: readonly RateScope[], options: AcquireOptions): Promise<number>;
  /** Records the outcome and whatever rate-limit headers Didit sent. */
  observe(observation: RateObservation): Promise<void>;
}

/** Advisory-lock namespace (first key of the two-int form) for rate scopes. */
const RATE_LOCK_NAMESPACE = 7301;

export class PostgresRateBudget implements RateBudget {
  readonly limits: Readonly<Record<RateScope, number>>;
  readonly windowMs: number;

  constructor(
    private readonly db: Database,
    options: { limits?: Partial<Record<RateScope, number>>; windowMs?: number } = {},
  ) {
    this.limits = { ...DEFAULT_RATE_BUDGETS, ...options.limits };
    this.windowMs = options.windowMs ?? 60_000;
  }

  async acquire(scopes: readonly RateScope[], { maxWaitMs, signal }: AcquireOptions): Promise<number> {
    const started = Date.now();
    const ordered = [...new Set(scopes)].sort();
    for (;;) {
      const waitMs = await this.tryAcquire(ordered);
      if (waitMs === 0) return Date.now() - started;
      const waited = Date.now() - started;
      if (waited + waitMs > maxWaitMs) {
        throw new DiditApiError(
          'rate_limited',
          `Didit rate budget for ${ordered.join(', ')} is spent for ${Math.ceil(waitMs / 1000)} s`,
          {
            retryAfterMs: waitMs,
          },
        );
      }
      // A little jitter so replicas waiting on the same scope do not wake in lockstep.
      await sleep(waitMs + Math.floor(Math.random() * 50), undefined, { signal });
    }
  }

  /** 0 when granted (and recorded); otherwise how long until the tightest scope has room. */
  private async tryAcquire(scopes: readonly RateScope[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      for (const scope of scopes) {
        await sql`select pg_advisory_xact_lock(${RATE_LOCK_NAMESPACE}, hashtext(${scope}))`.execute(trx);
      }
      const windowSeconds = this.windowMs / 1000;
      const { rows } = await sql<{ scope: string; used: number; wait_ms: number }>`
        select s.scope,
               (select count(*) from didit_rate_grant g
                 where g.scope = s.scope and g.granted_at > now() - make_interval(secs => ${windowSeconds}))::int as used,
               greatest(
                 coalesce(extract(epoch from (r.blocked_until - now())) * 1000, 0),
                 coalesce(extract(epoch from (
                   (select g.granted_at from didit_rate_grant g
                     where g.scope = s.scope and g.granted_at > now() - make_interval(secs => ${windowSeconds})
                     order by g.granted_at desc offset ${this.limitOffsetSql(scopes)} limit 1)
                   + make_interval(secs => ${windowSeconds}) - now())) * 1000, 0)
               )::float8 as wait_ms
          from unnest(${scopes}::text[]) as s(scope)
          left join didit_rate_scope r on r.scope = s.scope`.execute(trx);
      let waitMs = 0;
      for (const row of rows) {
        const limit = this.limits[row.scope as RateScope];
        const blocked = row.wait_ms > 0 && row.used < limit ? row.wait_ms : 0;
        const full = row.used >= limit ? Math.max(row.wait_ms, 1) : 0;
        waitMs = Math.max(waitMs, blocked, full);
      }
      if (waitMs > 0) return Math.ceil(waitMs);
      await trx
        .insertInto('didit_rate_grant')
        .values(scopes.map((scope) => ({ scope })))
        .execute();
      await sql`delete from didit_rate_grant where scope = any(${scopes}::text[])
                 and granted_at < now() - make_interval(secs => ${windowSeconds * 2})`.execute(trx);
      return 0;
    });
  }

  /**
   * The grant that must leave the window before another fits is the (limit)th most recent one;
   * scopes in one call have different limits, so this is computed per scope in SQL below.
   */
  private limitOffsetSql(scopes: readonly RateScope[]) {
    return sql`(case s.scope ${sql.join(
      scopes.map((scope) => sql`when ${scope} then ${Math.max(0, this.limits[scope] - 1)}`),
      sql` `,
    )} else 0 end)`;
  }

  async observe({ scopes, operation, outcome, headers, status }: RateObservation): Promise<void> {
    await this.db
      .insertInto('didit_call_stat')
      .values({ minute: sql<Date>`date_trunc('minute', now())`, operation, outcome, count: 1 })
      .onConflict((oc) => oc.columns(['minute', 'operation', 'outcome']).doUpdateSet({ count: sql`didit_call_stat.count + 1` }))
      .execute();
    if (!headers) return;
    // Headers describe the tightest scope of the call: the endpoint scope when there is one.
    const scope = scopes[scopes.length - 1];
    if (!scope) return;
    const limit = intHeader(headers, 'x-ratelimit-limit');
    const remaining = intHeader(headers, 'x-ratelimit-remaining');
    const resetEpoch = intHeader(headers, 'x-ratelimit-reset');
    const retryAfterMs = retryAfterHeaderMs(headers);
    const throttled = status === 429;
    if (limit === null && remaining === null && !throttled) return;
    let blockedUntilMs: number | null = null;
    if (throttled) blockedUntilMs = Date.now() + (retryAfterMs ?? 5_000);
    else if (remaining === 0 && resetEpoch !== null) blockedUntilMs = resetEpoch * 1000;
    const values = {
      scope,
      reported_limit: limit,
      reported_remaining: remaining,
      reported_reset_at: resetEpoch === null ? null : new Date(resetEpoch * 1000),
      blocked_until: blockedUntilMs === null ? null : new Date(blockedUntilMs),
      last_throttled_at: throttled ? new Date() : null,
      updated_at: new Date(),
    };
    await this.db
      .insertInto('didit_rate_scope')
      .values(values)
      .onConflict((oc) =>
        oc.column('scope').doUpdateSet({
          reported_limit: values.reported_limit,
          reported_remaining: values.reported_remaining,
          reported_reset_at: values.reported_reset_at,
          // Never shorten a block another replica recorded.
          blocked_until:
            values.blocked_until === null
              ? sql`didit_rate_scope.blocked_until`
              : sql`greatest(didit_rate_scope.blocked_until, ${values.blocked_until})`,
          last_throttled_at: throttled ? values.last_throttled_at : sql`didit_rate_scope.last_throttled_at`,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }
}

function intHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}

/** `Retry-After` as delay-seconds or an HTTP date. */
export function retryAfterHeaderMs(headers: Headers): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
