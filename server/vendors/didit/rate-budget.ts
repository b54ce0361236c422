import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { DiditApiError } from './didit-error.ts';

/**
 * Client-side rate limiting for Didit, shared by every replica through Postgres (docs/didit-contract.md §3): each
 * scope has a 60-second sliding log of the calls we allowed ourselves, checked and appended
 * under a per-scope advisory lock, plus what Didit last said (`Retry-After`, `X-RateLimit-*`),
 * which can block a scope until a given time. In memory this would multiply the budget by the
 * number of worker replicas. Calls people cause (`priority: 'interactive'`) are also logged under
 * `<scope>:interactive` and limited to a share of the scope, so the rest stays the worker's.
 */

export type RateScope = 'generic-get' | 'generic-write' | 'session-decision';

/**
 * Who is asking. `background` is the worker's sync work (webhook inbox, reconciliation, decision
 * pushes), which must not stall; `interactive` is a call made because a person asked for it (a
 * media-link refresh), which may use only a share of each scope, so people, however many or
 * however fast, can never take the worker's part of the budget.
 */
export type RatePriority = 'background' | 'interactive';

/** Default share of each scope that interactive calls may use (27 of the 90 decision reads a minute). */
export const DEFAULT_INTERACTIVE_SHARE = 0.3;

/** A scope of the sliding log: a Didit scope, or the interactive share of one. */
type BudgetKey = RateScope | `${RateScope}:interactive`;

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
  /** Default `background`. An `interactive` call is also counted against the scope's interactive share. */
  priority?: RatePriority;
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

export interface RateBudgetOptions {
  limits?: Partial<Record<RateScope, number>>;
  windowMs?: number;
  /** 0–1: the share of each scope's limit interactive calls may use; default `DEFAULT_INTERACTIVE_SHARE`. */
  interactiveShare?: number;
}

/** One scope's use of the current window, as `usage` reports it. */
export interface ScopeUsage {
  scope: RateScope;
  limit: number;
  used: number;
  interactiveLimit: number;
  interactiveUsed: number;
}

export class PostgresRateBudget implements RateBudget {
  readonly limits: Readonly<Record<RateScope, number>>;
  readonly windowMs: number;
  readonly interactiveShare: number;

  constructor(
    private readonly db: Database,
    options: RateBudgetOptions = {},
  ) {
    this.limits = { ...DEFAULT_RATE_BUDGETS, ...options.limits };
    this.windowMs = options.windowMs ?? 60_000;
    this.interactiveShare = Math.min(1, Math.max(0, options.interactiveShare ?? DEFAULT_INTERACTIVE_SHARE));
  }

  /** How many calls of a scope interactive callers may make per window. */
  interactiveLimit(scope: RateScope): number {
    return Math.floor(this.limits[scope] * this.interactiveShare);
  }

  private limitOf(key: BudgetKey): number {
    const [scope, share] = key.split(':') as [RateScope, string | undefined];
    return share === undefined ? this.limits[scope] : this.interactiveLimit(scope);
  }

  async acquire(scopes: readonly RateScope[], { maxWaitMs, signal, priority = 'background' }: AcquireOptions): Promise<number> {
    const started = Date.now();
    // An interactive call is granted in the scope *and* in its interactive share: the share
    // bounds what people can take, the scope still bounds the total.
    const keys: BudgetKey[] = priority === 'interactive' ? scopes.flatMap((s) => [s, `${s}:interactive` as const]) : [...scopes];
    const ordered = [...new Set(keys)].sort();
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
  private async tryAcquire(scopes: readonly BudgetKey[]): Promise<number> {
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
        const limit = this.limitOf(row.scope as BudgetKey);
        // A share of nothing (interactiveShare 0) never has room: say so for a whole window.
        if (limit <= 0) {
          waitMs = Math.max(waitMs, this.windowMs);
          continue;
        }
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
  private limitOffsetSql(scopes: readonly BudgetKey[]) {
    return sql`(case s.scope ${sql.join(
      scopes.map((scope) => sql`when ${scope} then ${Math.max(0, this.limitOf(scope) - 1)}`),
      sql` `,
    )} else 0 end)`;
  }

  /** Each scope's use of the current window, in all and by interactive calls (for status pages and tests). */
  async usage(): Promise<ScopeUsage[]> {
    const scopes = Object.keys(this.limits) as RateScope[];
    const { rows } = await sql<{ scope: string; used: number }>`
      select scope, count(*)::int as used from didit_rate_grant
       where granted_at > now() - make_interval(secs => ${this.windowMs / 1000})
       group by scope`.execute(this.db);
    const used = new Map(rows.map((row) => [row.scope, row.used]));
    return scopes.map((scope) => ({
      scope,
      limit: this.limits[scope],
      used: used.get(scope) ?? 0,
      interactiveLimit: this.interactiveLimit(scope),
      interactiveUsed: used.get(`${scope}:interactive`) ?? 0,
    }));
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
