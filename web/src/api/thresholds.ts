import { z } from 'zod';
import type {
  HistogramDto,
  SimulationDto,
  ThresholdSet,
  ThresholdVersionDto,
  WorkflowDetailDto,
  WorkflowDto,
} from '../../../server/contract/thresholds.ts';
import { viewerRevealResponseSchema } from '../../../server/contract/thresholds-responses.ts';
import { ApiError, apiGet, apiPost, apiRequest } from './client.ts';

/**
 * Threshold tuning's API calls. Responses are typed by the shared contract; the server builds
 * them from its own rows, so the client checks only their outer shape.
 */
const shape = <T>() => z.custom<T>((value) => typeof value === 'object' && value !== null);

const base = (workflowId: string) => `/api/workflows/${encodeURIComponent(workflowId)}`;

export const listWorkflows = (signal?: AbortSignal) => apiGet('/api/workflows', shape<{ items: WorkflowDto[] }>(), { signal });
export const getWorkflow = (id: string, signal?: AbortSignal) => apiGet(base(id), shape<WorkflowDetailDto>(), { signal });
/** Whether viewers may reveal faces in this workflow (a lead's setting; audited). */
export const setViewersMayReveal = (id: string, viewersMayReveal: boolean) =>
  apiRequest('PUT', `${base(id)}/viewer-reveal`, viewerRevealResponseSchema, { body: { viewersMayReveal } });
export const syncWorkflows = () => apiPost('/api/workflows/sync', {}, shape<{ seen: number; drifted: number }>());
export const getScoreDistribution = (id: string, days: number, signal?: AbortSignal) =>
  retryWhenBusy(() => apiGet(`${base(id)}/score-distribution?days=${days}`, shape<HistogramDto>(), { signal }), signal);
export const simulateThresholds = (id: string, thresholds: ThresholdSet, days: number, signal?: AbortSignal) =>
  retryWhenBusy(
    () => apiPost(`${base(id)}/thresholds/simulate`, { thresholds, window: { days } }, shape<SimulationDto>(), { signal }),
    signal,
  );

/** Tries a simulation this many times in all while the server says it is busy. */
const BUSY_ATTEMPTS = 4;
/** Longest wait between them, whatever `Retry-After` says. */
const BUSY_MAX_WAIT_SECONDS = 10;

/**
 * The server runs only a few simulations at once per person and per process, and answers the
 * rest with 429 and a wait (SIMULATION_CONCURRENCY_PER_USER). The workflow page can ask for three
 * at once (the editor's distribution and simulation, the proposal review's simulation), and a
 * request the editor drops as a slider moves holds its slot until the server has cancelled its
 * query: so the console's own 429 is waited out and retried a few times before it is shown. Didit
 * rate-limiting the console (`details.upstream`) is not ours to wait out here.
 */
export async function retryWhenBusy<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const seconds = busyFor(error);
      if (seconds === undefined || attempt >= BUSY_ATTEMPTS) throw error;
      await wait(Math.min(seconds, BUSY_MAX_WAIT_SECONDS) * 1000, signal);
    }
  }
}

function busyFor(error: unknown): number | undefined {
  if (!(error instanceof ApiError) || error.status !== 429 || error.code !== 'rate_limited') return undefined;
  const details = (error.details ?? {}) as { retryAfterSeconds?: unknown; upstream?: unknown };
  if (details.upstream !== undefined || typeof details.retryAfterSeconds !== 'number') return undefined;
  return Math.max(details.retryAfterSeconds, 0);
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('The request was aborted.', 'AbortError'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(new DOMException('The request was aborted.', 'AbortError'));
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
export const proposeThresholds = (id: string, thresholds: ThresholdSet, reason: string) =>
  apiPost(`${base(id)}/thresholds`, { thresholds, reason }, shape<ThresholdVersionDto>());
export const actOnVersion = (id: string, version: number, action: 'approve' | 'reject' | 'withdraw' | 'retry', note?: string) =>
  apiPost(`${base(id)}/thresholds/${version}/${action}`, note ? { note } : {}, shape<ThresholdVersionDto>());

/** What the threshold editor calls; tests hand it plain async functions. */
export interface ThresholdEditorApi {
  getScoreDistribution: typeof getScoreDistribution;
  simulateThresholds: typeof simulateThresholds;
  proposeThresholds: typeof proposeThresholds;
}

export const httpThresholdEditorApi: ThresholdEditorApi = { getScoreDistribution, simulateThresholds, proposeThresholds };

/** What the proposal review and the version history call; tests hand in plain async functions. */
export interface ThresholdVersionApi {
  simulateThresholds: typeof simulateThresholds;
  proposeThresholds: typeof proposeThresholds;
  actOnVersion: typeof actOnVersion;
}

export const httpThresholdVersionApi: ThresholdVersionApi = { simulateThresholds, proposeThresholds, actOnVersion };
