import type { Actor } from '../auth/rbac.ts';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';

export interface ConcurrencyLimitOptions {
  /** What is limited, as people read it: `{ one: 'threshold simulation', many: 'threshold simulations' }`. */
  what: { one: string; many: string };
  /** In flight at once for one actor (a person, or an API token). */
  perActor: number;
  /** In flight at once in this process, all actors together. */
  perProcess: number;
  /** Sent as `Retry-After`: about how long one of this work usually takes. */
  retryAfterSeconds: number;
  /** Told of each refusal (a metric). */
  onReject?: (scope: ConcurrencyScope) => void;
  /** Told how much is in flight in the process each time it changes (a metric). */
  onInFlight?: (total: number) => void;
}

/** Which cap refused: the actor's own, or the process's. */
export type ConcurrencyScope = 'actor' | 'process';

/**
 * Caps how much of one kind of expensive work (simulations, audit exports) runs at once, per
 * actor and per process, so one person (or a script with their token) cannot fill the database
 * with it and slow every analyst's queue. Work beyond a cap is refused at once with 429 and
 * `Retry-After`, never queued: a queue would hold the requests, their sockets and, for a caller
 * who keeps sending, grow without bound.
 *
 * The counts live in this process. With N API replicas the effective caps are N times these,
 * which still bounds the load per replica (and per database connection pool); a cap shared
 * through Postgres would cost a round trip and a row lock per request for little gain.
 *
 * A slot is held until the work's promise settles, not until the client goes away: a caller who
 * disconnects does not get a fresh slot while their query still runs (the query is cancelled
 * instead, see `bounded-query.ts`).
 */
export class ConcurrencyLimit {
  private readonly byActor = new Map<string, number>();
  private total = 0;

  constructor(readonly options: ConcurrencyLimitOptions) {
    if (options.perActor < 1 || options.perProcess < 1) throw new RangeError('concurrency caps are at least 1');
  }

  /** Work in flight now, for one actor or (without one) in the whole process. */
  inFlight(actor?: Pick<Actor, 'kind' | 'id'>): number {
    return actor ? (this.byActor.get(keyOf(actor)) ?? 0) : this.total;
  }

  /**
   * Takes a slot for `actor` or throws a 429 `AppError` (with `retryAfterSeconds`, which the error
   * middleware sends as `Retry-After`). The returned release may be called more than once.
   */
  acquire(actor: Pick<Actor, 'kind' | 'id'>): () => void {
    const { what, perActor, perProcess, retryAfterSeconds } = this.options;
    const key = keyOf(actor);
    const mine = this.byActor.get(key) ?? 0;
    if (mine >= perActor) {
      this.options.onReject?.('actor');
      throw new AppError(
        429,
        'rate_limited',
        `You already have ${count(perActor, what)} running; wait for ${perActor === 1 ? 'it' : 'one'} to finish (retry in ${retryAfterSeconds} s).`,
        { retryAfterSeconds, scope: 'actor', limit: perActor },
      );
    }
    if (this.total >= perProcess) {
      this.options.onReject?.('process');
      throw new AppError(
        429,
        'rate_limited',
        `The console is already running ${count(perProcess, what)}, its limit; retry in ${retryAfterSeconds} s.`,
        { retryAfterSeconds, scope: 'process', limit: perProcess },
      );
    }
    this.byActor.set(key, mine + 1);
    this.total++;
    this.options.onInFlight?.(this.total);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byActor.get(key) ?? 1) - 1;
      if (left > 0) this.byActor.set(key, left);
      else this.byActor.delete(key);
      this.options.onInFlight?.(this.total);
    };
  }

  /** Runs `work` in a slot of `actor` (or throws the 429 without running it). */
  async run<T>(actor: Pick<Actor, 'kind' | 'id'>, work: () => Promise<T>): Promise<T> {
    const release = this.acquire(actor);
    try {
      return await work();
    } finally {
      release();
    }
  }
}

const count = (n: number, what: ConcurrencyLimitOptions['what']) => `${n} ${n === 1 ? what.one : what.many}`;

const keyOf = (actor: Pick<Actor, 'kind' | 'id'>) => `${actor.kind}:${actor.id}`;

/** A limit whose refusals and in-flight count are the `console_concurrency_*` metrics, labelled `work`. */
export function meteredConcurrencyLimit(
  metrics: Pick<Metrics, 'concurrencyRejections' | 'concurrencyInFlight'>,
  work: string,
  options: Omit<ConcurrencyLimitOptions, 'onReject' | 'onInFlight'>,
): ConcurrencyLimit {
  return new ConcurrencyLimit({
    ...options,
    onReject: (scope) => metrics.concurrencyRejections.inc({ work, scope }),
    onInFlight: (total) => metrics.concurrencyInFlight.set({ work }, total),
  });
}
