import { z } from 'zod';
import type {
  HistogramDto,
  SimulationDto,
  ThresholdSet,
  ThresholdVersionDto,
  WorkflowDetailDto,
  WorkflowDto,
} from '../../../server/contract/thresholds.ts';
import { apiGet, apiPost } from './client.ts';

/**
 * Threshold tuning's API calls. Responses are typed by the shared contract; the server builds
 * them from its own rows, so the client checks only their outer shape.
 */
const shape = <T>() => z.custom<T>((value) => typeof value === 'object' && value !== null);

const base = (workflowId: string) => `/api/workflows/${encodeURIComponent(workflowId)}`;

export const listWorkflows = (signal?: AbortSignal) => apiGet('/api/workflows', shape<{ items: WorkflowDto[] }>(), { signal });
export const getWorkflow = (id: string, signal?: AbortSignal) => apiGet(base(id), shape<WorkflowDetailDto>(), { signal });
export const syncWorkflows = () => apiPost('/api/workflows/sync', {}, shape<{ seen: number; drifted: number }>());
export const getScoreDistribution = (id: string, days: number, signal?: AbortSignal) =>
  apiGet(`${base(id)}/score-distribution?days=${days}`, shape<HistogramDto>(), { signal });
export const simulateThresholds = (id: string, thresholds: ThresholdSet, days: number, signal?: AbortSignal) =>
  apiPost(`${base(id)}/thresholds/simulate`, { thresholds, window: { days } }, shape<SimulationDto>(), { signal });
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
