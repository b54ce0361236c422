import { auditPageSchema } from '../../../server/contract/audit.ts';
import { ApiError, apiGet, csrfHeaders } from './client.ts';

/** `search` holds the filters as URL search params (defaults omitted), plus `cursor` for the next page. */
export const listAudit = (search: URLSearchParams, signal?: AbortSignal) =>
  apiGet(`/api/audit${search.size ? `?${search.toString()}` : ''}`, auditPageSchema, { signal });

export function auditCsvUrl(filters: URLSearchParams): string {
  const params = new URLSearchParams(filters);
  params.delete('cursor');
  params.set('format', 'csv');
  return `/api/audit?${params.toString()}`;
}

/**
 * Downloads the CSV export of these filters. Fetched rather than linked, so a refusal (the
 * console allows one export per person at a time, 429) is shown as a message instead of being
 * saved as a file.
 */
export async function downloadAuditCsv(filters: URLSearchParams): Promise<void> {
  const response = await fetch(auditCsvUrl(filters), { credentials: 'same-origin', headers: { ...csrfHeaders } });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    throw new ApiError(
      response.status,
      body?.error?.code ?? 'http_error',
      body?.error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'audit.csv';
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
