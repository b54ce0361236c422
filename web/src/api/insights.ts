import { insightsResponseSchema, slaResponseSchema, type InsightsCsvSection } from '../../../server/contract/insights.ts';
import { apiGet, apiRequest } from './client.ts';
import { downloadCsv } from './download.ts';

export type { InsightsCsvSection };

/** `search`: from, to and workflow as URL search params (defaults omitted). */
export const getInsights = (search: string, signal?: AbortSignal) =>
  apiGet(`/api/insights${search ? `?${search}` : ''}`, insightsResponseSchema, { signal });

/** One table of the page as CSV, for the same range and workflow. */
export function downloadInsightsCsv(search: string, section: InsightsCsvSection): Promise<void> {
  const params = new URLSearchParams(search);
  params.set('format', 'csv');
  params.set('section', section);
  return downloadCsv(`/api/insights?${params.toString()}`, `insights-${section}.csv`);
}

export const setWorkflowSla = (workflowId: string, slaMinutes: number) =>
  apiRequest('PUT', `/api/workflows/${encodeURIComponent(workflowId)}/sla`, slaResponseSchema, { body: { slaMinutes } });
