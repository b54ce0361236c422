import { setTimeout as timer } from 'node:timers/promises';
import type { z } from 'zod';
import { adaptDiditDecision, type SessionSnapshot } from './adapt.ts';
import { blocklistAddRequestSchema, blocklistRemoveRequestSchema, blocklistResponseSchema } from './blocklist.ts';
import { diditUpdateStatusBodySchema, type DiditUpdateStatusBody } from './update-status.ts';
import { DiditApiError, type DiditErrorCode } from './didit-error.ts';
import {
  diditSessionListSchema,
  diditUpdateStatusResponseSchema,
  diditWorkflowListSchema,
  diditWorkflowSchema,
  type DiditSessionSummary,
} from './didit-schemas.ts';
import { retryAfterHeaderMs, type RateBudget, type RatePriority, type RateScope } from './rate-budget.ts';
import {
  adaptWorkflowSettings,
  adaptWorkflowVersion,
  latestPublishedVersions,
  thresholdPatchBody,
  type DiditWorkflowSettings,
  type DiditWorkflowVersion,
  type PublishedWorkflow,
  type WorkflowThresholds,
} from './workflows.ts';

/**
 * A small typed client for Didit's verification API (docs/didit-contract.md): `fetch` with the base URL and
 * API key from config, a timeout per call, zod-parsed and adapted responses, retries with
 * exponential backoff and full jitter on 5xx, timeouts, network errors and 429 (honouring
 * `Retry-After`), and every attempt counted against the shared rate budget.
 */

export interface DiditClientOptions {
  baseUrl: string | undefined;
  apiKey: string | undefined;
  budget: RateBudget;
  fetch?: typeof fetch;
  /** Per-call timeout; default 10 s. */
  timeoutMs?: number;
  /** Attempts per call including the first; default 4. */
  maxAttempts?: number;
  /** First backoff step; doubles per attempt up to `maxBackoffMs`. Default 500 ms / 8 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest wait for the rate budget before giving up with `rate_limited`; default 60 s. */
  maxBudgetWaitMs?: number;
  random?: () => number;
  onAttempt?: (event: { operation: string; outcome: string; status?: number; durationMs: number }) => void;
  /**
   * Origins decision media links may point at (`config.didit.mediaOrigins`); links elsewhere are
   * dropped from every decision read. Default none: no links are kept.
   */
  mediaOrigins?: readonly string[];
  /** Told about each dropped media link (role and origin only, never the signed URL). */
  onMediaRejected?: (event: { sessionId: string; role: string; origin: string }) => void;
  /** The clock: when a call is sent and its decision received (`fetchedAt`, `receivedAt`). Default `Date.now`. */
  now?: () => number;
  /** Waits between attempts (backoff, `Retry-After`); rejects when `signal` aborts. Default a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client default, e.g. 0 for an interactive refresh that must not queue. */
  maxBudgetWaitMs?: number;
  maxAttempts?: number;
  /** `interactive` for calls a person caused: they may use only a share of the budget (see rate-budget.ts). */
  priority?: RatePriority;
}

export interface SessionListPage {
  count: number;
  hasMore: boolean;
  results: DiditSessionSummary[];
}

export interface ListSessionsQuery {
  limit: number;
  offset: number;
  /** Sessions created on or after this date (Didit filters by creation date). */
  dateFrom?: Date;
  /** Only the sessions of this `vendor_data` (an erasure's search for a person's sessions). */
  vendorData?: string;
}

/** What `deleteSession` found: Didit deleted the session now, or it had no such session (any more). */
export type SessionDeletion = 'deleted' | 'gone';

type Method = 'GET' | 'PATCH' | 'POST' | 'DELETE';

interface RequestSpec<T> {
  operation: string;
  method: Method;
  path: string;
  scopes: readonly RateScope[];
  body?: unknown;
  /** A 2xx answer's body is not read as JSON (a delete's 204, or a 200 with whatever body). */
  ignoreBody?: true;
  parse: (json: unknown, sentAt: Date) => T;
}

export class DiditClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxBudgetWaitMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly options: DiditClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseBackoffMs = options.baseBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 8_000;
    this.maxBudgetWaitMs = options.maxBudgetWaitMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms, signal) => timer(ms, undefined, { signal }));
  }

  /** Where decision media links may point (see `DiditClientOptions.mediaOrigins`). */
  get mediaOrigins(): readonly string[] {
    return this.options.mediaOrigins ?? [];
  }

  /**
   * Adapts a decision from Didit (a read, or a webhook's `decision`) with this client's media
   * origins, reporting the links it drops.
   */
  adaptDecision(raw: unknown, times: { receivedAt?: Date; fetchedAt?: Date | null } = {}): SessionSnapshot {
    const snapshot = adaptDiditDecision(raw, { ...times, mediaOrigins: this.mediaOrigins });
    for (const rejected of snapshot.rejectedMedia) this.options.onMediaRejected?.({ sessionId: snapshot.sessionId, ...rejected });
    return snapshot;
  }

  get configured(): boolean {
    return Boolean(this.options.baseUrl && this.options.apiKey);
  }

  /** `GET /v3/session/{id}/decision/` (100/min scope), adapted. */
  async getDecision(sessionId: string, options: CallOptions = {}): Promise<SessionSnapshot> {
    return this.request(
      {
        operation: 'get_decision',
        method: 'GET',
        path: `/v3/session/${encodeURIComponent(sessionId)}/decision/`,
        scopes: ['generic-get', 'session-decision'],
        parse: (json, sentAt) => this.adaptDecision(json, { fetchedAt: sentAt, receivedAt: new Date(this.now()) }),
      },
      options,
    );
  }

  /** `GET /v3/sessions/`, newest first (descending session number). */
  async listSessions(query: ListSessionsQuery, options: CallOptions = {}): Promise<SessionListPage> {
    const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
    if (query.dateFrom) params.set('date_from', query.dateFrom.toISOString().slice(0, 10));
    if (query.vendorData !== undefined) params.set('vendor_data', query.vendorData);
    return this.request(
      {
        operation: 'list_sessions',
        method: 'GET',
        path: `/v3/sessions/?${params.toString()}`,
        scopes: ['generic-get'],
        parse: (json) => {
          const page = parseOrThrow(diditSessionListSchema, json, 'session list');
          return {
            count: page.count,
            hasMore: Boolean(page.next) && page.results.length > 0,
            results: page.results,
          };
        },
      },
      options,
    );
  }

  /** `PATCH /v3/session/{id}/update-status/` (docs/didit-contract.md §11). */
  async updateStatus(sessionId: string, body: DiditUpdateStatusBody, options: CallOptions = {}): Promise<{ sessionId: string }> {
    // Only documented fields leave (strict): a typo never reaches Didit as an ignored key.
    body = diditUpdateStatusBodySchema.parse(body);
    return this.request(
      {
        operation: 'update_status',
        method: 'PATCH',
        path: `/v3/session/${encodeURIComponent(sessionId)}/update-status/`,
        scopes: ['generic-write'],
        body,
        parse: (json) => ({ sessionId: parseOrThrow(diditUpdateStatusResponseSchema, json, 'update-status').session_id }),
      },
      options,
    );
  }

  /**
   * `DELETE /v3/session/{id}/delete/` (docs/didit-contract.md §17; generic-write): Didit deletes the
   * session, its decision and files, and drops its queued webhooks; it then answers 404 to every
   * read. Irreversible. A 2xx is `deleted` (Didit documents 204; a 200 with any body is taken as the
   * same), a 404 is `gone` (deleted before, or never there): either way Didit no longer holds it.
   * Retried like every call (5xx, timeouts, 429); any other 4xx (409 `in_filed_report`: the session
   * is in a filed regulatory report, nothing deleted) is thrown with Didit's answer in the message.
   */
  async deleteSession(sessionId: string, options: CallOptions = {}): Promise<SessionDeletion> {
    try {
      return await this.request(
        {
          operation: 'delete_session',
          method: 'DELETE',
          path: `/v3/session/${encodeURIComponent(sessionId)}/delete/`,
          scopes: ['generic-write'],
          ignoreBody: true,
          parse: () => 'deleted' as const,
        },
        options,
      );
    } catch (error) {
      if (error instanceof DiditApiError && error.code === 'not_found') return 'gone';
      throw error;
    }
  }

  /**
   * `POST /v3/blocklist/add/` with `blocklist_face` (docs/didit-contract.md "Face blocklist";
   * generic-write): Didit flags the face of the session's most recent liveness record and adds it
   * to the application's face blocklist, linked to the session; later sessions showing that face
   * are declined with `FACE_IN_BLOCKLIST`. Adding a face already there is harmless. Retried like
   * every call; a 4xx (400 unknown or faceless session, 404) is thrown with Didit's answer.
   */
  async blocklistFace(sessionId: string, options: CallOptions = {}): Promise<{ message: string }> {
    const body = blocklistAddRequestSchema.parse({ session_id: sessionId, blocklist_face: true });
    return this.request(
      {
        operation: 'blocklist_add',
        method: 'POST',
        path: '/v3/blocklist/add/',
        scopes: ['generic-write'],
        body,
        parse: (json) => ({ message: parseOrThrow(blocklistResponseSchema, json, 'blocklist add').message }),
      },
      options,
    );
  }

  /**
   * `POST /v3/blocklist/remove/` with `unblock_face`: Didit unflags the session's face record and
   * deletes the blocklist entries created from it (entries added by value stay).
   */
  async unblockFace(sessionId: string, options: CallOptions = {}): Promise<{ message: string }> {
    const body = blocklistRemoveRequestSchema.parse({ session_id: sessionId, unblock_face: true });
    return this.request(
      {
        operation: 'blocklist_remove',
        method: 'POST',
        path: '/v3/blocklist/remove/',
        scopes: ['generic-write'],
        body,
        parse: (json) => ({ message: parseOrThrow(blocklistResponseSchema, json, 'blocklist remove').message }),
      },
      options,
    );
  }

  /**
   * `GET /v3/workflows/` (every page; envelope or bare array): one row per workflow *version*,
   * drafts included, without thresholds.
   */
  async listWorkflowVersions(options: CallOptions = {}): Promise<DiditWorkflowVersion[]> {
    const out: DiditWorkflowVersion[] = [];
    for (let offset = 0; offset < 10_000;) {
      const page = await this.request(
        {
          operation: 'list_workflows',
          method: 'GET',
          path: `/v3/workflows/?limit=100&offset=${offset}`,
          scopes: ['generic-get'],
          parse: (json) => parseOrThrow(diditWorkflowListSchema, json, 'workflow list'),
        },
        options,
      );
      for (const dto of page.results) {
        const version = adaptWorkflowVersion(dto);
        if (version) out.push(version);
      }
      if (!page.next || page.results.length === 0) break;
      offset += page.results.length;
    }
    return out;
  }

  /** Per workflow, the latest published version (the one new sessions use) and a newer draft. */
  async listPublishedWorkflows(options: CallOptions = {}): Promise<Map<string, PublishedWorkflow>> {
    return latestPublishedVersions(await this.listWorkflowVersions(options));
  }

  /** `GET /v3/workflows/{settings uuid}/`: one version's settings, adapted. */
  async getWorkflowSettings(settingsId: string, options: CallOptions = {}): Promise<DiditWorkflowSettings> {
    return this.request(
      {
        operation: 'get_workflow',
        method: 'GET',
        path: `/v3/workflows/${encodeURIComponent(settingsId)}/`,
        scopes: ['generic-get'],
        parse: (json) => adaptOrThrow(json, settingsId),
      },
      options,
    );
  }

  /**
   * `PATCH /v3/workflows/{settings uuid}/` with the documented `features` list, only the thresholds
   * changed (see `thresholdPatchBody`), and no `status`, so a published version is updated in
   * place. Didit's answer is not trusted as the new state: callers read the version back.
   */
  async updateWorkflowThresholds(
    settings: DiditWorkflowSettings,
    thresholds: WorkflowThresholds,
    listedFeatures: readonly string[] = [],
    options: CallOptions = {},
  ): Promise<void> {
    await this.request(
      {
        operation: 'update_workflow',
        method: 'PATCH',
        path: `/v3/workflows/${encodeURIComponent(settings.settingsId)}/`,
        scopes: ['generic-write'],
        body: thresholdPatchBody(settings, thresholds, listedFeatures),
        parse: () => undefined,
      },
      options,
    );
  }

  private async request<T>(spec: RequestSpec<T>, options: CallOptions): Promise<T> {
    const { baseUrl, apiKey } = this.options;
    if (!baseUrl || !apiKey) {
      throw new DiditApiError('not_configured', 'The Didit API is not configured (DIDIT_BASE_URL / DIDIT_API_KEY).', {
        operation: spec.operation,
      });
    }
    const maxAttempts = options.maxAttempts ?? this.maxAttempts;
    const budgetWait = options.maxBudgetWaitMs ?? this.maxBudgetWaitMs;
    let lastError: DiditApiError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // Every attempt, retries included, spends budget: Didit counts them too.
      await this.options.budget.acquire(spec.scopes, {
        maxWaitMs: budgetWait,
        signal: options.signal,
        priority: options.priority,
      });
      try {
        return await this.attempt(spec, baseUrl, apiKey, options.signal);
      } catch (error) {
        if (!(error instanceof DiditApiError) || !error.retryable || attempt === maxAttempts) throw error;
        lastError = error;
        const backoff = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (attempt - 1));
        // Full jitter; a 429's Retry-After is a floor (it is also recorded in the shared budget).
        const delay = Math.max(Math.floor(this.random() * backoff), error.details.retryAfterMs ?? 0);
        if (delay > budgetWait) throw error;
        await this.sleep(delay, options.signal);
      }
    }
    throw lastError ?? new DiditApiError('network', 'Didit call failed', { operation: spec.operation });
  }

  private async attempt<T>(spec: RequestSpec<T>, baseUrl: string, apiKey: string, signal: AbortSignal | undefined): Promise<T> {
    const started = performance.now();
    const sentAt = new Date(this.now());
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let outcome = 'ok';
    try {
      try {
        response = await this.fetchImpl(`${baseUrl.replace(/\/+$/, '')}${spec.path}`, {
          method: spec.method,
          headers: {
            'x-api-key': apiKey,
            accept: 'application/json',
            ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          redirect: 'follow',
        });
      } catch (cause) {
        if (signal?.aborted) throw cause;
        const timedOut = timeout.aborted;
        outcome = timedOut ? 'timeout' : 'network';
        throw new DiditApiError(
          outcome as DiditErrorCode,
          `Didit ${spec.operation} ${timedOut ? 'timed out' : 'failed to connect'}`,
          {
            operation: spec.operation,
            cause,
          },
        );
      }
      const status = response.status;
      outcome = outcomeOf(status);
      let json: unknown;
      try {
        const text = await response.text();
        json = text && !(spec.ignoreBody && response.ok) ? JSON.parse(text) : null;
      } catch (cause) {
        if (response.ok) {
          outcome = 'invalid_response';
          throw new DiditApiError('invalid_response', `Didit ${spec.operation} answered a body that is not JSON`, {
            operation: spec.operation,
            status,
            cause,
          });
        }
        json = null;
      }
      await this.options.budget
        .observe({ scopes: spec.scopes, operation: spec.operation, outcome, headers: response.headers, status })
        .catch(() => {});
      if (response.ok) {
        try {
          return spec.parse(json, sentAt);
        } catch (error) {
          outcome = 'invalid_response';
          throw error;
        }
      }
      throw errorFor(spec.operation, status, json, response.headers);
    } finally {
      if (outcome === 'timeout' || outcome === 'network') {
        await this.options.budget.observe({ scopes: spec.scopes, operation: spec.operation, outcome }).catch(() => {});
      }
      this.options.onAttempt?.({ operation: spec.operation, outcome, durationMs: performance.now() - started });
    }
  }
}

function outcomeOf(status: number): string {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'rate_limited';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

function errorFor(operation: string, status: number, json: unknown, headers: Headers): DiditApiError {
  const detail =
    json && typeof json === 'object' && 'detail' in json && typeof json.detail === 'string'
      ? (json as { detail: string }).detail
      : undefined;
  // Newer error bodies name the refusal with a stable `code` (e.g. a delete's `in_filed_report`).
  const diditCode =
    json && typeof json === 'object' && 'code' in json && typeof json.code === 'string'
      ? (json as { code: string }).code
      : undefined;
  const code: DiditErrorCode =
    status === 429
      ? 'rate_limited'
      : status === 401
        ? 'unauthorized'
        : status === 403
          ? 'forbidden'
          : status === 404
            ? 'not_found'
            : status >= 500
              ? 'server_error'
              : status >= 400
                ? 'bad_request'
                : 'unexpected_status';
  const retryAfterMs = status === 429 ? (retryAfterHeaderMs(headers) ?? 5_000) : undefined;
  const said = [diditCode, detail].filter(Boolean).join(': ');
  return new DiditApiError(code, `Didit ${operation} answered ${status}${said ? `: ${said}` : ''}`, {
    operation,
    status,
    retryAfterMs,
    cause: status >= 400 && status < 500 && status !== 429 ? json : undefined,
  });
}

function adaptOrThrow(json: unknown, settingsId: string): DiditWorkflowSettings {
  const workflow = adaptWorkflowSettings(parseOrThrow(diditWorkflowSchema, json, 'workflow'), settingsId);
  if (!workflow) throw new DiditApiError('invalid_response', 'Didit workflow has neither uuid nor workflow_id');
  return workflow;
}

function parseOrThrow<S extends z.ZodType>(schema: S, json: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new DiditApiError(
      'invalid_response',
      `Didit ${what} does not match the contract: ${parsed.error.issues[0]?.message ?? ''}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}
