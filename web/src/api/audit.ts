import { auditPageSchema } from '../../../server/contract/audit.ts';
import { apiGet } from './client.ts';

/** `search` holds the filters as URL search params (defaults omitted), plus `cursor` for the next page. */
export const listAudit = (search: URLSearchParams, signal?: AbortSignal) =>
  apiGet(`/api/audit${search.size ? `?${search.toString()}` : ''}`, auditPageSchema, { signal });

export function auditCsvUrl(filters: URLSearchParams): string {
  const params = new URLSearchParams(filters);
  params.delete('cursor');
  params.set('format', 'csv');
  return `/api/audit?${params.toString()}`;
}
