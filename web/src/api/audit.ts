import { auditPageSchema } from '../../../server/contract/audit.ts';
import { apiGet } from './client.ts';
import { downloadCsv } from './download.ts';

/** `search` holds the filters as URL search params (defaults omitted), plus `cursor` for the next page. */
export const listAudit = (search: URLSearchParams, signal?: AbortSignal) =>
  apiGet(`/api/audit${search.size ? `?${search.toString()}` : ''}`, auditPageSchema, { signal });

export function auditCsvUrl(filters: URLSearchParams): string {
  const params = new URLSearchParams(filters);
  params.delete('cursor');
  params.set('format', 'csv');
  return `/api/audit?${params.toString()}`;
}

/** Downloads the CSV export of these filters (one export per person at a time: a 429 is a message). */
export const downloadAuditCsv = (filters: URLSearchParams) => downloadCsv(auditCsvUrl(filters), 'audit.csv');
