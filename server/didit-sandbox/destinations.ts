/** Webhook destinations (docs/didit-contract.md (webhooks)): CRUD, validation and the read shape with its delivery summary. */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { z } from 'zod';
import type { JsonValue } from './canonical-json.ts';
import { ApiError, validate } from './http.ts';
import { randomBytes, type Random } from './prng.ts';
import { WEBHOOK_EVENT_TYPES, isoMicros, type DestinationRecord, type SandboxStore } from './store.ts';

/**
 * http(s) URLs only. Unlike Didit, no SSRF guard: the sandbox exists to call a console on
 * 127.0.0.1.
 */
const webhookUrl = z.url({ protocol: /^https?$/ });
const version = z.enum(['v1', 'v2', 'v3']);
const events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1);

const createBody = z.object({
  label: z.string().min(1).max(255).optional(),
  url: webhookUrl,
  webhook_version: version.optional(),
  subscribed_events: events.optional(),
  enabled: z.boolean().optional(),
});

const patchBody = z.object({
  label: z.string().min(1).max(255).optional(),
  url: webhookUrl.optional(),
  enabled: z.boolean().optional(),
  webhook_version: version.optional(),
  subscribed_events: events.optional(),
});

/** A 43-character URL-safe token, the shape of Didit's secret_shared_key (32 random bytes). */
export function newSecret(rng: Random | null): string {
  return (rng ? randomBytes(rng, 32) : cryptoRandomBytes(32)).toString('base64url');
}

function assertUniqueUrl(store: SandboxStore, url: string, except?: string): void {
  for (const d of store.destinations.values()) {
    if (!d.deleted && d.url === url && d.uuid !== except) {
      throw new ApiError(400, { url: ['A webhook destination with this url already exists.'] });
    }
  }
}

export interface NewDestination {
  url: string;
  label?: string | undefined;
  secret?: string | undefined;
  subscribedEvents?: DestinationRecord['subscribedEvents'] | undefined;
  webhookVersion?: DestinationRecord['webhookVersion'] | undefined;
  enabled?: boolean | undefined;
}

export function addDestination(
  store: SandboxStore,
  input: NewDestination,
  secretRng: Random | null,
  now: number,
): DestinationRecord {
  assertUniqueUrl(store, input.url);
  const destination: DestinationRecord = {
    uuid: store.newId(),
    label: input.label ?? 'Webhook destination',
    url: input.url,
    enabled: input.enabled ?? true,
    webhookVersion: input.webhookVersion ?? 'v3',
    secret: input.secret ?? newSecret(secretRng),
    // Omitted = receives nothing (docs/didit-contract.md (webhooks)).
    subscribedEvents: input.subscribedEvents ?? [],
    createdAt: now,
    updatedAt: now,
    deleted: false,
    stats: { total: 0, failed: 0, responseTimesMs: [], lastDeliveryAt: null },
  };
  store.destinations.set(destination.uuid, destination);
  return destination;
}

export function createDestinationFromBody(
  store: SandboxStore,
  body: unknown,
  secretRng: Random | null,
  now: number,
): DestinationRecord {
  const parsed = validate(createBody, body ?? {});
  return addDestination(
    store,
    {
      url: parsed.url,
      label: parsed.label,
      webhookVersion: parsed.webhook_version,
      subscribedEvents: parsed.subscribed_events,
      enabled: parsed.enabled,
    },
    secretRng,
    now,
  );
}

export function patchDestination(store: SandboxStore, d: DestinationRecord, body: unknown, now: number): DestinationRecord {
  const parsed = validate(patchBody, body ?? {});
  if (parsed.url !== undefined) {
    assertUniqueUrl(store, parsed.url, d.uuid);
    d.url = parsed.url;
  }
  if (parsed.label !== undefined) d.label = parsed.label;
  if (parsed.enabled !== undefined) d.enabled = parsed.enabled;
  if (parsed.webhook_version !== undefined) d.webhookVersion = parsed.webhook_version;
  if (parsed.subscribed_events !== undefined) d.subscribedEvents = parsed.subscribed_events;
  d.updatedAt = now;
  return d;
}

export function serializeDestination(d: DestinationRecord): Record<string, JsonValue> {
  const times = d.stats.responseTimesMs;
  return {
    uuid: d.uuid,
    label: d.label,
    url: d.url,
    enabled: d.enabled,
    webhook_version: d.webhookVersion,
    secret_shared_key: d.secret,
    subscribed_events: d.subscribedEvents,
    created_at: isoMicros(d.createdAt),
    updated_at: isoMicros(d.updatedAt),
    summary: {
      total_deliveries: d.stats.total,
      failed_deliveries: d.stats.failed,
      error_rate_percentage: d.stats.total === 0 ? 0 : Math.round((d.stats.failed / d.stats.total) * 10000) / 100,
      min_response_time_ms: times.length ? Math.min(...times) : null,
      avg_response_time_ms: times.length ? Math.round(times.reduce((a, b) => a + b, 0) / times.length) : null,
      max_response_time_ms: times.length ? Math.max(...times) : null,
      last_delivery_at: d.stats.lastDeliveryAt === null ? null : isoMicros(d.stats.lastDeliveryAt),
    },
  };
}
