/**
 * Fault injection for reliability tests and benchmarks. Every roll draws a fixed number of values
 * from one seeded stream, so a given seed yields the same fault pattern for the same sequence of
 * calls and deliveries, whatever the rates are set to.
 */
import { z } from 'zod';
import { mulberry32, type Random } from './prng.ts';

export interface FaultSettings {
  /** Share of webhook deliveries never sent (no retries either). */
  webhookDropRate: number;
  /** Share of webhook deliveries sent twice (same body, same event_id). */
  webhookDuplicateRate: number;
  /** Share of webhook deliveries held back by a random delay, which reorders them. */
  webhookDelayRate: number;
  webhookDelayMinMs: number;
  webhookDelayMaxMs: number;
  /** Share of /v3 API calls answered 503. */
  apiErrorRate: number;
  /** Share of /v3 API calls answered 429 regardless of the real counters. */
  apiRateLimitRate: number;
  /** Added to every /v3 API call, uniformly between min and max. */
  apiLatencyMinMs: number;
  apiLatencyMaxMs: number;
  seed: number;
}

export const NO_FAULTS: FaultSettings = {
  webhookDropRate: 0,
  webhookDuplicateRate: 0,
  webhookDelayRate: 0,
  webhookDelayMinMs: 0,
  webhookDelayMaxMs: 0,
  apiErrorRate: 0,
  apiRateLimitRate: 0,
  apiLatencyMinMs: 0,
  apiLatencyMaxMs: 0,
  seed: 1,
};

const rate = z.number().min(0).max(1);
const ms = z.int().min(0).max(600_000);

/** The HTTP form (snake_case, partial) used by GET/PUT /sandbox/faults. */
export const faultsBody = z
  .object({
    webhook_drop_rate: rate,
    webhook_duplicate_rate: rate,
    webhook_delay_rate: rate,
    webhook_delay_min_ms: ms,
    webhook_delay_max_ms: ms,
    api_error_rate: rate,
    api_rate_limit_rate: rate,
    api_latency_min_ms: ms,
    api_latency_max_ms: ms,
    seed: z.int(),
  })
  .partial()
  .strict();

export function faultsFromBody(body: z.output<typeof faultsBody>): Partial<FaultSettings> {
  const out: Partial<FaultSettings> = {};
  const map: Record<string, keyof FaultSettings> = {
    webhook_drop_rate: 'webhookDropRate',
    webhook_duplicate_rate: 'webhookDuplicateRate',
    webhook_delay_rate: 'webhookDelayRate',
    webhook_delay_min_ms: 'webhookDelayMinMs',
    webhook_delay_max_ms: 'webhookDelayMaxMs',
    api_error_rate: 'apiErrorRate',
    api_rate_limit_rate: 'apiRateLimitRate',
    api_latency_min_ms: 'apiLatencyMinMs',
    api_latency_max_ms: 'apiLatencyMaxMs',
    seed: 'seed',
  };
  for (const [key, value] of Object.entries(body)) {
    const target = map[key];
    if (target !== undefined && value !== undefined) out[target] = value;
  }
  return out;
}

export function faultsToBody(f: FaultSettings): Record<string, number> {
  return {
    webhook_drop_rate: f.webhookDropRate,
    webhook_duplicate_rate: f.webhookDuplicateRate,
    webhook_delay_rate: f.webhookDelayRate,
    webhook_delay_min_ms: f.webhookDelayMinMs,
    webhook_delay_max_ms: f.webhookDelayMaxMs,
    api_error_rate: f.apiErrorRate,
    api_rate_limit_rate: f.apiRateLimitRate,
    api_latency_min_ms: f.apiLatencyMinMs,
    api_latency_max_ms: f.apiLatencyMaxMs,
    seed: f.seed,
  };
}

export interface WebhookFault {
  drop: boolean;
  duplicate: boolean;
  delayMs: number;
}

export interface ApiFault {
  latencyMs: number;
  error: boolean;
  rateLimited: boolean;
}

export class FaultInjector {
  private settings: FaultSettings;
  private rng: Random;

  constructor(initial: Partial<FaultSettings> = {}) {
    this.settings = { ...NO_FAULTS, ...initial };
    this.rng = mulberry32(this.settings.seed);
  }

  get current(): FaultSettings {
    return { ...this.settings };
  }

  /** Merges settings; the stream restarts from the seed so a test sees a fresh, known pattern. */
  set(partial: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...partial };
    this.rng = mulberry32(this.settings.seed);
    return this.current;
  }

  rollWebhook(): WebhookFault {
    const [a, b, c, d] = [this.rng(), this.rng(), this.rng(), this.rng()];
    const s = this.settings;
    return {
      drop: a < s.webhookDropRate,
      duplicate: b < s.webhookDuplicateRate,
      delayMs: c < s.webhookDelayRate ? Math.round(s.webhookDelayMinMs + d * (s.webhookDelayMaxMs - s.webhookDelayMinMs)) : 0,
    };
  }

  rollApi(): ApiFault {
    const [a, b, c] = [this.rng(), this.rng(), this.rng()];
    const s = this.settings;
    return {
      latencyMs: Math.round(s.apiLatencyMinMs + a * Math.max(0, s.apiLatencyMaxMs - s.apiLatencyMinMs)),
      error: b < s.apiErrorRate,
      rateLimited: !(b < s.apiErrorRate) && c < s.apiRateLimitRate,
    };
  }
}
