/**
 * Webhook delivery as Didit does it (docs/didit-contract.md (webhooks)): signed with all three algorithms, 5 s timeout,
 * retried on 5xx, 404 and timeouts after 60 s and then 240 s (each wait counted from the previous
 * attempt), 3 attempts in all, then dropped; every attempt is logged and any delivery can be
 * resent. Faults (drop, duplicate, delay) are rolled once per delivery. A delivery whose session
 * has been deleted is dropped before its next attempt, retries included (docs/didit-contract.md §17).
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonText, type JsonObject } from './canonical-json.ts';
import type { FaultInjector, WebhookFault } from './faults.ts';
import { signWebhook, type SignedWebhook } from './signing.ts';
import { isoMicros, type DestinationRecord, type SandboxStore, type WebhookEventType } from './store.ts';

export interface DeliveryAttempt {
  attempt: number;
  event_id: string;
  sent_at: string;
  /** Null unless the whole answer arrived; `error` then says why ("timeout" when out of time). */
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  /** A fault-injected second copy of a successful attempt. */
  duplicate: boolean;
}

export interface DeliveryRecord {
  id: string;
  destination_id: string;
  url: string;
  webhook_type: WebhookEventType;
  session_id: string;
  status: string;
  timestamp: number;
  state: 'pending' | 'delivered' | 'failed' | 'dropped';
  faults: { dropped: boolean; duplicated: boolean; delayed_ms: number };
  resend_of: string | null;
  created_at: string;
  attempts: DeliveryAttempt[];
  /** The body of the first attempt (retries differ only in event_id). */
  payload: JsonObject;
}

export interface DispatcherOptions {
  retryDelaysMs: readonly number[];
  /** Bounds a whole attempt: connecting, sending, and reading the answer to its last byte. */
  timeoutMs: number;
  /** How many deliveries `log` keeps, oldest dropped first. */
  logLimit: number;
  now: () => number;
  newId: () => string;
  faults: FaultInjector;
  onError: (message: string, detail: Record<string, unknown>) => void;
}

export class WebhookDispatcher {
  readonly log: DeliveryRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  /** Per destination, first attempts go out in emission order (retries and delays do not wait). */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Stops retry waits at shutdown. Every retry waiting for its turn listens on it (many at once
   * when a destination is down), and each removes its listener when its wait ends: no leak, so no
   * listener limit.
   */
  private readonly stopping = (() => {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  })();

  constructor(
    private readonly store: SandboxStore,
    private readonly options: DispatcherOptions,
  ) {}

  /** Queues one delivery per enabled destination subscribed to the event type. */
  emit(webhookType: WebhookEventType, envelope: JsonObject): DeliveryRecord[] {
    const out: DeliveryRecord[] = [];
    for (const destination of this.store.destinations.values()) {
      if (destination.deleted || !destination.enabled || !destination.subscribedEvents.includes(webhookType)) continue;
      out.push(this.start(destination, webhookType, envelope, null, this.options.faults.rollWebhook()));
    }
    return out;
  }

  /** Sends a logged delivery again as a new delivery: same body, new event_id and timestamp. */
  resend(id: string): DeliveryRecord | undefined {
    const original = this.log.find((d) => d.id === id);
    const destination = original && this.store.findDestination(original.destination_id);
    if (!original || !destination) return undefined;
    const envelope = { ...original.payload, timestamp: Math.floor(this.options.now() / 1000) };
    return this.start(destination, original.webhook_type, envelope, original.id, { drop: false, duplicate: false, delayMs: 0 });
  }

  /** Resolves when every queued delivery, delay and retry has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.flush();
  }

  private start(
    destination: DestinationRecord,
    webhookType: WebhookEventType,
    envelope: JsonObject,
    resendOf: string | null,
    fault: WebhookFault,
  ): DeliveryRecord {
    const delivery: DeliveryRecord = {
      id: this.options.newId(),
      destination_id: destination.uuid,
      url: destination.url,
      webhook_type: webhookType,
      session_id: jsonText(envelope['session_id']),
      status: jsonText(envelope['status']),
      timestamp: Number(envelope['timestamp']),
      state: 'pending',
      faults: { dropped: fault.drop, duplicated: fault.duplicate, delayed_ms: fault.delayMs },
      resend_of: resendOf,
      created_at: isoMicros(this.options.now()),
      attempts: [],
      payload: { ...envelope, event_id: this.options.newId() },
    };
    this.log.push(delivery);
    if (this.log.length > this.options.logLimit) this.log.shift();
    const run = this.run(delivery, destination, fault).catch((error: unknown) => {
      delivery.state = 'failed';
      this.options.onError('webhook delivery crashed', { error: String(error), delivery: delivery.id });
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return delivery;
  }

  private async run(delivery: DeliveryRecord, destination: DestinationRecord, fault: WebhookFault): Promise<void> {
    if (fault.drop) {
      delivery.state = 'dropped';
      return;
    }
    const signal = this.stopping.signal;
    let outcome: AttemptOutcome;
    if (fault.delayMs > 0) {
      if (!(await this.wait(fault.delayMs))) return this.cancel(delivery);
      if (this.sessionDeleted(delivery)) return this.drop(delivery);
      outcome = await this.attempt(delivery, destination, 1, delivery.payload);
    } else {
      const previous = this.chains.get(destination.uuid) ?? Promise.resolve();
      let release = (): void => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      this.chains.set(
        destination.uuid,
        previous.then(() => gate),
      );
      await previous;
      try {
        if (this.sessionDeleted(delivery)) return this.drop(delivery);
        outcome = await this.attempt(delivery, destination, 1, delivery.payload);
      } finally {
        release();
      }
    }
    const delays = this.options.retryDelaysMs;
    for (let retry = 0; outcome === 'retry' && retry < delays.length; retry++) {
      if (signal.aborted || !(await this.wait(delays[retry] ?? 0))) return this.cancel(delivery);
      if (this.sessionDeleted(delivery)) return this.drop(delivery);
      // event_id is unique per attempt (docs/didit-contract.md (webhooks)); timestamp and everything else stay.
      outcome = await this.attempt(delivery, destination, retry + 2, { ...delivery.payload, event_id: this.options.newId() });
    }
    delivery.state = outcome === 'ok' ? 'delivered' : 'failed';
    if (outcome === 'ok' && fault.duplicate)
      await this.attempt(delivery, destination, delivery.attempts.length, delivery.payload, true);
  }

  private cancel(delivery: DeliveryRecord): void {
    delivery.state = 'failed';
  }

  /** Didit drops what is still queued for a deleted session; what was delivered stays delivered. */
  private sessionDeleted(delivery: DeliveryRecord): boolean {
    return this.store.sessions.get(delivery.session_id)?.deleted === true;
  }

  private drop(delivery: DeliveryRecord): void {
    delivery.state = 'dropped';
  }

  private async wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch {
      return false;
    }
  }

  private async attempt(
    delivery: DeliveryRecord,
    destination: DestinationRecord,
    attempt: number,
    payload: JsonObject,
    duplicate = false,
  ): Promise<AttemptOutcome> {
    const startedAt = this.options.now();
    const started = performance.now();
    const { statusCode, error } = await this.post(destination.url, signWebhook(payload, destination.secret));
    const durationMs = Math.round(performance.now() - started);
    delivery.attempts.push({
      attempt,
      event_id: jsonText(payload['event_id']),
      sent_at: isoMicros(startedAt),
      status_code: statusCode,
      error,
      duration_ms: durationMs,
      duplicate,
    });
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    destination.stats.total += 1;
    if (!ok) destination.stats.failed += 1;
    destination.stats.responseTimesMs.push(durationMs);
    if (destination.stats.responseTimesMs.length > 1000) destination.stats.responseTimesMs.shift();
    destination.stats.lastDeliveryAt = startedAt;
    if (ok) return 'ok';
    // Retry on 5xx, 404, timeouts and connection failures; other 4xx and 3xx are final.
    return statusCode === null || statusCode >= 500 || statusCode === 404 ? 'retry' : 'final';
  }

  /**
   * One POST under the delivery timeout, from connecting to the answer's last byte: a receiver
   * that never answers, or sends headers and then stalls the body, has not answered.
   */
  private async post(url: string, signed: SignedWebhook): Promise<{ statusCode: number | null; error: string | null }> {
    // Our own timer, not AbortSignal.timeout(): inside AbortSignal.any() Node may garbage-collect
    // a timeout signal before it fires (Node issue 57736), and the attempt then waited for
    // undici's own 300 s limit, holding the destination's queue.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
        redirect: 'manual',
        signal: AbortSignal.any([deadline.signal, this.stopping.signal]),
      });
      await response.arrayBuffer();
      return { statusCode: response.status, error: null };
    } catch (cause) {
      return { statusCode: null, error: deadline.signal.aborted ? 'timeout' : describe(cause) };
    } finally {
      clearTimeout(timer);
    }
  }
}

type AttemptOutcome = 'ok' | 'retry' | 'final';

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message}: ${inner.message}` : cause.message;
  }
  return String(cause);
}
