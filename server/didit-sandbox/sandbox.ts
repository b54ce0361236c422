import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
/**
 * startSandbox: the in-process entry point (tests, `npm start`) and what main.ts wraps.
 * One call builds the whole emulator, listens, and returns handles for tests.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { apiRouter } from './api.routes.ts';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import type { SandboxContext } from './context.ts';
import { controlRouter, resolveCapture, type CompleteOptions } from './control.routes.ts';
import { addDestination, serializeDestination, type NewDestination } from './destinations.ts';
import { FaultInjector, type FaultSettings } from './faults.ts';
import { ApiError } from './http.ts';
import { Images } from './images.ts';
import { MediaSigner } from './media.ts';
import { mediaRouter } from './media.routes.ts';
import { stream } from './prng.ts';
import { DIDIT_RATE_LIMITS, SlidingWindowLimiter, type RateLimits } from './rate-limit.ts';
import { RequestLog, type RecordedRequest } from './request-log.ts';
import { ManualReviewService } from './manual-review.ts';
import type { ListRowGeneration } from './session-views.ts';
import { SessionService } from './sessions.ts';
import { loadSnapshot } from './state-migration.ts';
import { SandboxStore, type WebhookEventType } from './store.ts';
import { startTraffic } from './traffic.ts';
import { WebhookDispatcher, type DeliveryRecord } from './webhooks.ts';
import { createWorkflow, createWorkflowVersion, patchWorkflow, serializeWorkflowDetail } from './workflows.ts';

export type SandboxLogger = (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default "sandbox-key". */
  apiKey?: string;
  /** Makes ids, secrets, scores, faults and demo traffic reproducible. */
  seed?: number;
  /** Lifetime of media links; default 3600. */
  mediaTtlSeconds?: number;
  /**
   * Key that signs media links. Give the same key (and port) on every start, and links handed out
   * before a restart keep working until they expire, as Didit's do. Default: random per start.
   */
  mediaSigningKey?: string;
  /** Origin put in media links instead of the listening URL, e.g. behind a proxy. */
  mediaBaseUrl?: string;
  rateLimits?: Partial<RateLimits>;
  /** Waits before retry 1 and 2; default [60_000, 240_000]. */
  retryDelaysMs?: readonly number[];
  /** Bounds each delivery attempt, from connecting to the answer's last byte; default 5000. */
  deliveryTimeoutMs?: number;
  /** Registers a destination at start (subscribed to status.updated and data.updated). */
  webhook?: { url: string; secret?: string; label?: string; subscribedEvents?: WebhookEventType[] };
  /** Demo sessions per minute; 0/undefined = none. */
  traffic?: number;
  /** Demo sessions started right away (a few seconds apart) so a fresh queue is not empty. */
  trafficBurst?: number;
  /**
   * Keeps the emulated Didit's state (versioned workflows, sessions, destinations, blocklist) in
   * this JSON file: restored at start (an older format is migrated, see state-migration.ts),
   * saved every 30 s and at stop. Without it, state is memory only.
   */
  stateFile?: string;
  faults?: Partial<FaultSettings>;
  /** `environment` in webhook envelopes; default "live" as in Didit's examples. */
  environment?: 'live' | 'sandbox';
  logger?: SandboxLogger;
  /** Clock in epoch milliseconds (timestamps, rate windows, media expiry). */
  now?: () => number;
  /** How many /v3 calls requests() and GET /sandbox/requests keep; default 1000. */
  requestLogLimit?: number;
  /** How many webhook deliveries deliveries() and GET /sandbox/deliveries keep; default 5000. */
  deliveryLogLimit?: number;
}

export interface RunningSandbox {
  url: string;
  port: number;
  apiKey: string;
  applicationId: string;
  /** The in-memory state, for assertions. */
  state: SandboxStore;
  stop(): Promise<void>;
  /** Same body as POST /v3/workflows/ (features form); returns the detail shape of version 1. */
  createWorkflow(body: JsonObject): Record<string, JsonValue>;
  /**
   * As if someone edited the workflow in Didit's console: a new version of the group copied from
   * its latest published version, with `features` / `workflow_label` applied. `status: "draft"`
   * replaces the group's draft; `"published"` also deletes it. Returns the detail shape.
   */
  createWorkflowVersion(
    workflowId: string,
    body: { status: 'draft' | 'published'; features?: JsonValue[]; workflow_label?: string },
  ): Record<string, JsonValue>;
  /** Same body and rules as PATCH /v3/workflows/{settings_uuid}/; returns the version written. */
  patchWorkflow(settingsUuid: string, body: JsonObject): Record<string, JsonValue>;
  /** Returns the read shape, including `secret_shared_key`. */
  createDestination(input: NewDestination): Record<string, JsonValue>;
  /** Same body as POST /v3/session/; fires status.updated (Not Started). */
  createSession(body: JsonObject): JsonObject;
  openSession(sessionId: string): JsonObject;
  completeSession(sessionId: string, options?: CompleteOptions): JsonObject;
  abandonSession(sessionId: string): JsonObject;
  expireSession(sessionId: string): JsonObject;
  consoleDecision(sessionId: string, body: { new_status: string; comment?: string; reviewer_email?: string }): JsonObject;
  /** Approved → Kyc Expired (fires status.updated with the decision). */
  expireKyc(sessionId: string): JsonObject;
  /** Not Started / In Progress → Awaiting User (a KYB status in Didit; see README). */
  awaitUser(sessionId: string): JsonObject;
  /** The decision JSON, with freshly minted media links. */
  decision(sessionId: string): JsonObject;
  /** Base64 JPEG portrait of a synthetic person, for `portrait_image`. */
  portraitFor(person: string): string;
  requests(): RecordedRequest[];
  clearRequests(): void;
  deliveries(): DeliveryRecord[];
  resendDelivery(deliveryId: string): DeliveryRecord | undefined;
  /** Resolves once every pending delivery, delay and retry has finished. */
  flushDeliveries(): Promise<void>;
  faults(): FaultSettings;
  setFaults(partial: Partial<FaultSettings>): FaultSettings;
  setRateLimits(partial: Partial<RateLimits>): void;
  setMediaTtl(seconds: number): void;
  /**
   * Which documented generation of `GET /v3/sessions/` rows to serve: `newest` (the default, with
   * `didit_internal_id` and `additional_details`) or `older` (without them, as Didit served them
   * before), to see how a client copes with either (docs/didit-contract.md §9).
   */
  setListRows(generation: ListRowGeneration): void;
  /**
   * Puts the session in a filed regulatory report (`reportId`), or takes it out (`null`): while
   * in one, deleting it answers 409 `in_filed_report` and deletes nothing (docs/didit-contract.md §17).
   */
  setFiledReport(sessionId: string, reportId: string | null): void;
  /** Which generation answers a delete: `newest` (`200` with the face data's fate, the default) or `older` (`204`). */
  setDeleteAnswers(generation: 'newest' | 'older'): void;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  if (process.env['NODE_ENV'] === 'production') {
    throw new Error('The Didit sandbox refuses to start with NODE_ENV=production.');
  }
  const log: SandboxLogger = options.logger ?? (() => {});
  const now = options.now ?? Date.now;
  const apiKey = options.apiKey ?? 'sandbox-key';
  const store = new SandboxStore(options.seed);
  if (options.stateFile && existsSync(options.stateFile)) {
    try {
      const { snapshot, notes } = loadSnapshot(JSON.parse(readFileSync(options.stateFile, 'utf8')));
      store.restore(snapshot);
      for (const note of notes) log('warn', `sandbox state file: ${note}`, { file: options.stateFile });
    } catch (error) {
      // An unreadable file (older format, torn copy) must not keep the sandbox from starting.
      renameSync(options.stateFile, `${options.stateFile}.unreadable`);
      log('warn', 'sandbox state file unreadable; starting empty', { file: options.stateFile, error: String(error) });
    }
  }
  const saveState = (): void => {
    if (!options.stateFile) return;
    // Write then rename, so a crash mid-write never leaves a torn file.
    const temporary = `${options.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(store.snapshot()));
    renameSync(temporary, options.stateFile);
  };
  const saver = options.stateFile ? setInterval(saveState, 30_000) : undefined;
  saver?.unref();
  let baseUrl = '';
  const faults = new FaultInjector({ seed: options.seed ?? 1, ...options.faults });
  const media = new MediaSigner(
    () => options.mediaBaseUrl?.replace(/\/$/, '') ?? baseUrl,
    options.mediaTtlSeconds ?? 3600,
    now,
    options.mediaSigningKey,
  );
  const dispatcher = new WebhookDispatcher(store, {
    retryDelaysMs: options.retryDelaysMs ?? [60_000, 240_000],
    timeoutMs: options.deliveryTimeoutMs ?? 5000,
    logLimit: options.deliveryLogLimit ?? 5000,
    now,
    newId: () => store.newId(),
    faults,
    onError: (message, detail) => log('error', message, detail),
  });
  const sessions = new SessionService({
    store,
    now,
    dispatcher,
    environment: options.environment ?? 'live',
    decision: {
      sessionUrl: (s) => `${baseUrl}/session/${s.sessionToken}`,
      mediaUrl: (path) => media.mint(path),
    },
  });
  const reviews = new ManualReviewService({ store, now, sessions });
  const ctx: SandboxContext = {
    apiKey,
    store,
    now,
    baseUrl: () => baseUrl,
    limiter: new SlidingWindowLimiter({ ...DIDIT_RATE_LIMITS, ...options.rateLimits }, now),
    faults,
    media,
    images: new Images(store),
    dispatcher,
    sessions,
    reviews,
    secretRng: options.seed === undefined ? null : stream(options.seed, 'secrets'),
    requests: new RequestLog(options.requestLogLimit ?? 1000, now),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('strict routing', true);
  app.use('/v3', apiRouter(ctx));
  app.use('/sandbox', controlRouter(ctx));
  app.use(mediaRouter(ctx));
  app.use((_req, res) => {
    res.status(404).json({ detail: 'Not found.' });
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof ApiError) {
      res.status(error.status).set(error.headers).json(error.body);
      return;
    }
    const status = (error as { status?: unknown }).status;
    if ((error as { type?: unknown }).type === 'entity.parse.failed') {
      res.status(400).json({ detail: `JSON parse error - ${(error as Error).message}` });
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ detail: (error as Error).message });
      return;
    }
    log('error', 'sandbox request failed', { error: String(error) });
    res.status(500).json({ detail: 'A server error occurred.' });
  });

  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  }).catch((error: unknown) => {
    // Nothing else has started yet but the state saver: a failed start must not keep saving.
    clearInterval(saver);
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  if (options.webhook) {
    // Registering at start replaces an earlier registration of the same URL (a restored state).
    for (const [id, destination] of store.destinations)
      if (destination.url === options.webhook.url) store.destinations.delete(id);
    addDestination(
      store,
      {
        url: options.webhook.url,
        secret: options.webhook.secret,
        label: options.webhook.label ?? 'Review console',
        subscribedEvents: options.webhook.subscribedEvents ?? ['status.updated', 'data.updated'],
      },
      ctx.secretRng,
      now(),
    );
  }
  const traffic =
    options.traffic && options.traffic > 0
      ? startTraffic({
          store,
          sessions,
          images: ctx.images,
          rng: stream(options.seed ?? Date.now(), 'traffic'),
          now,
          perMinute: options.traffic,
          initialBurst: options.trafficBurst ?? 0,
          onError: (message, detail) => log('warn', message, detail),
        })
      : null;
  log('info', 'Didit sandbox listening', { url: baseUrl });

  const decision = (id: string): JsonObject => sessions.decision(sessions.get(id));
  return {
    url: baseUrl,
    port,
    apiKey,
    applicationId: store.applicationId,
    state: store,
    async stop() {
      traffic?.stop();
      clearInterval(saver);
      await dispatcher.stop();
      saveState();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    createWorkflow: (body) => serializeWorkflowDetail(store, createWorkflow(store, body, now()), baseUrl),
    createWorkflowVersion: (workflowId, body) =>
      serializeWorkflowDetail(store, createWorkflowVersion(store, workflowId, body, now()), baseUrl),
    patchWorkflow: (settingsUuid, body) => {
      const target = store.findWorkflowVersion(settingsUuid);
      if (!target) throw new Error(`No workflow version ${settingsUuid}`);
      return serializeWorkflowDetail(store, patchWorkflow(store, target, body, now()), baseUrl);
    },
    createDestination: (input) => serializeDestination(addDestination(store, input, ctx.secretRng, now())),
    createSession: (body) => sessions.createResponse(sessions.create(body)),
    openSession: (id) => decision(sessions.open(id).sessionId),
    completeSession: (id, opts = {}) => decision(sessions.complete(id, resolveCapture(id, opts)).sessionId),
    abandonSession: (id) => decision(sessions.abandon(id).sessionId),
    expireSession: (id) => decision(sessions.expire(id).sessionId),
    consoleDecision: (id, body) => decision(reviews.consoleDecision(id, body).sessionId),
    expireKyc: (id) => decision(sessions.expireKyc(id).sessionId),
    awaitUser: (id) => decision(sessions.awaitUser(id).sessionId),
    decision,
    portraitFor: (person) => ctx.images.portraitFor(person),
    requests: () => ctx.requests.list(),
    clearRequests: () => ctx.requests.clear(),
    deliveries: () => [...dispatcher.log],
    resendDelivery: (id) => dispatcher.resend(id),
    flushDeliveries: () => dispatcher.flush(),
    faults: () => faults.current,
    setFaults: (partial) => faults.set(partial),
    setRateLimits: (partial) => {
      ctx.limiter.limits = { ...ctx.limiter.limits, ...partial };
      ctx.limiter.reset();
    },
    setMediaTtl: (seconds) => {
      media.ttlSeconds = seconds;
    },
    setListRows: (generation) => {
      sessions.listRows = generation;
    },
    setDeleteAnswers: (generation) => {
      sessions.deleteAnswers = generation;
    },
    setFiledReport: (sessionId, reportId) => {
      if (reportId === null) sessions.filedReports.delete(sessionId);
      else sessions.filedReports.set(sessionId, reportId);
    },
  };
}
