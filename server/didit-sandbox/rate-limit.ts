/**
 * Didit's rate limits (docs/didit-contract.md (rate limits)): per identifier (the API key), each scope its own 60-second sliding
 * window, the first scope to overflow answers 429. A sliding log, not a fixed bucket, so a burst
 * at the end of one minute still counts against the start of the next.
 */
export type RateScope = 'generic-get' | 'generic-write' | 'session-create' | 'session-decision';

export interface RateLimits {
  genericGet: number;
  genericWrite: number;
  sessionCreate: number;
  sessionDecision: number;
  /** 60 000 at Didit; tests may shrink it. */
  windowMs: number;
}

export const DIDIT_RATE_LIMITS: RateLimits = {
  genericGet: 600,
  genericWrite: 300,
  sessionCreate: 600,
  sessionDecision: 100,
  windowMs: 60_000,
};

const LIMIT_OF: Record<RateScope, keyof Omit<RateLimits, 'windowMs'>> = {
  'generic-get': 'genericGet',
  'generic-write': 'genericWrite',
  'session-create': 'sessionCreate',
  'session-decision': 'sessionDecision',
};

export interface RateVerdict {
  allowed: boolean;
  scope: RateScope;
  limit: number;
  remaining: number;
  /** Epoch seconds when the oldest counted call leaves the window. */
  resetAt: number;
  /** Seconds to wait before a call in this scope can succeed (429 only). */
  retryAfter: number;
}

/** Scopes a request counts against: the generic one plus any endpoint scope. */
export function scopesFor(method: string, path: string): RateScope[] {
  if (method === 'GET' || method === 'HEAD') {
    return /^\/v3\/session\/[^/]+\/decision\/$/.test(path) ? ['generic-get', 'session-decision'] : ['generic-get'];
  }
  return path === '/v3/session/' && method === 'POST' ? ['generic-write', 'session-create'] : ['generic-write'];
}

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    public limits: RateLimits,
    private readonly now: () => number,
  ) {}

  /**
   * Checks every scope and, only when all allow, records the call in each. The verdict reported
   * is the refusing scope, or else the one closest to its limit (for the X-RateLimit-* headers).
   */
  take(identifier: string, scopes: readonly RateScope[]): RateVerdict {
    const now = this.now();
    const verdicts = scopes.map((scope) => this.inspect(identifier, scope, now));
    const refused = verdicts.find((v) => !v.allowed);
    if (refused) return refused;
    for (const scope of scopes) this.log(identifier, scope).push(now);
    const tightest = verdicts.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    return { ...tightest, remaining: tightest.remaining - 1 };
  }

  reset(): void {
    this.hits.clear();
  }

  private log(identifier: string, scope: RateScope): number[] {
    const key = `${scope}\u0000${identifier}`;
    let log = this.hits.get(key);
    if (!log) {
      log = [];
      this.hits.set(key, log);
    }
    return log;
  }

  private inspect(identifier: string, scope: RateScope, now: number): RateVerdict {
    const limit = this.limits[LIMIT_OF[scope]];
    const windowMs = this.limits.windowMs;
    const log = this.log(identifier, scope);
    while (log.length > 0 && (log[0] ?? 0) <= now - windowMs) log.shift();
    const oldest = log[0] ?? now;
    const resetMs = oldest + windowMs;
    return {
      allowed: log.length < limit,
      scope,
      limit,
      remaining: Math.max(0, limit - log.length),
      resetAt: Math.ceil(resetMs / 1000),
      retryAfter: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }
}
